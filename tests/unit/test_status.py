"""Per-index rows, job status and the Service check, from recorded-shape API objects."""
import datetime as dt

import pytest

from kubectl_ijob import status as st
from kubectl_ijob.render import status_text

from .objects import job, pod, service

NOW = dt.datetime(2026, 11, 22, 10, 5, 3, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("conds,deleting,want", [
    ([], False, "Running"),
    ([{"type": "Complete", "status": "True"}], False, "Complete"),
    ([{"type": "Failed", "status": "True"}], True, "Failed"),
    ([], True, "Terminating"),
    ([{"type": "Suspended", "status": "True"}], False, "Suspended"),
    ([{"type": "FailureTarget", "status": "True"}], False, "FailureTarget"),
    ([{"type": "SuccessCriteriaMet", "status": "True"}], False, "SuccessCriteriaMet"),
    ([{"type": "Complete", "status": "False"}], False, "Running"),
])
def test_job_status_as_kubectl(conds, deleting, want):
    j = job(conditions=conds)
    if deleting:
        j["metadata"]["deletionTimestamp"] = "2026-11-22T10:01:00Z"
    assert st.job_status(j) == want


def test_rows_cover_every_index_even_without_pods():
    j = job(completions=4, completedIndexes="0", succeeded=1, active=2)
    pods = [pod(0, "Succeeded"), pod(1, "Running"), pod(2, "Pending", waiting="ImagePullBackOff")]
    rows = st.index_rows(j, pods)
    assert [(r.index, r.status) for r in rows] == [
        (0, "Succeeded"), (1, "Running"), (2, "ImagePullBackOff"), (3, "Waiting")]
    assert rows[3].pod is None
    assert rows[1].hostname == "example-job-1.example-job.default.svc.cluster.local"
    assert rows[1].ready == "1/1" and rows[0].last_exit == "Completed(0)"


def test_current_pod_prefers_live_replacement_and_counts_attempts():
    old = pod(1, "Failed", name="example-job-1-old", created="2026-11-22T10:00:00Z")
    term = pod(1, "Running", name="example-job-1-term", created="2026-11-22T10:01:00Z", deleting=True)
    new = pod(1, "Running", name="example-job-1-new", created="2026-11-22T10:02:00Z")
    rows = st.index_rows(job(completions=2), [old, term, new])
    r = rows[1]
    assert r.pod == "example-job-1-new"
    assert r.attempts == 3 and r.failures == 1
    assert r.other_pods == ["example-job-1-term", "example-job-1-old"]


def test_failure_count_annotation_and_failed_index_without_pod():
    j = job(completions=2, failedIndexes="1", failed=3)
    rows = st.index_rows(j, [pod(0, "Running", failure_count=2)])
    assert rows[0].failures == 2
    assert rows[1].status == "Failed"


@pytest.mark.parametrize("kw,want", [
    (dict(phase="Running", deleting=True), "Terminating"),
    (dict(phase="Running", waiting="CrashLoopBackOff"), "CrashLoopBackOff"),
    (dict(phase="Pending"), "ContainerCreating"),
    (dict(phase="Failed", exit_code=137, reason="OOMKilled"), "Failed"),
])
def test_pod_status(kw, want):
    assert st.pod_status(pod(0, **kw)) == want


def test_init_container_status():
    p = pod(0, "Pending")
    p["spec"]["initContainers"] = [{"name": "wait"}]
    p["status"]["initContainerStatuses"] = [{"name": "wait", "state": {"running": {}}}]
    assert st.pod_status(p) == "Init:0/1"
    p["status"]["initContainerStatuses"][0]["state"] = {"waiting": {"reason": "ErrImagePull"}}
    assert st.pod_status(p) == "Init:ErrImagePull"


def test_seed_job_found_through_subdomain():
    j = job(subdomain="headless-svc")
    check = st.check_service(j, service("headless-svc"))
    assert check.ok and check.headless and check.selector_matches


@pytest.mark.parametrize("svc,sub,problem", [
    (None, "example-job", "service example-job not found"),
    (service(cluster_ip="10.0.0.5"), "example-job", "is not headless"),
    (service(selector={"job-name": "other"}), "example-job", "does not match the job's pods"),
    (service(), None, "no subdomain"),
])
def test_service_problems(svc, sub, problem):
    check = st.check_service(job(subdomain=sub), svc)
    assert not check.ok and problem in check.summary()


def test_status_text_layout():
    j = job(completions=3, completedIndexes="0", succeeded=1, active=2, ready=2)
    pods = [pod(0, "Succeeded"), ready(pod(1)), ready(pod(2))]
    rows = st.index_rows(j, pods, service=service(), slices=slice_for(*pods[1:]))
    text = status_text(st.summarize(j, service()), rows, NOW, colour=False)
    lines = text.splitlines()
    assert lines[0] == "Name:              example-job"
    assert "Completions:       1/3" in lines
    assert "Completed Indexes: 0" in lines
    assert "Failed Indexes:    <none>" in lines
    assert "Service:           example-job (ok)" in lines
    table = lines[lines.index("") + 1:]
    assert table[0] == "INDEX   POD                   STATUS      READY   DNS   RESTARTS   AGE"
    assert table[1] == "0       example-job-0-abcde   Succeeded   0/1     no    0          5m3s"
    assert table[2].split()[4] == "yes"
    assert len(table) == 4
    assert all(line == line.rstrip() for line in lines)


def test_status_wide_and_document():
    j = job(completions=2)
    rows = st.index_rows(j, [pod(0)])
    text = status_text(st.summarize(j, service()), rows, NOW, wide=True, no_headers=True,
                       colour=False)
    assert text.splitlines()[0].split()[-7:] == [
        "node-1", "10.88.0.10", "example-job-0.example-job.default.svc.cluster.local",
        "1", "0", "<none>", "<none>"]
    doc = st.status_document(st.summarize(j, service()), rows)
    assert doc["kind"] == "IndexedJobStatus" and doc["service"]["ok"] is True
    assert doc["indexes"][1] == {
        "index": 1, "pod": None, "status": "Waiting", "ready": "0/0", "restarts": 0,
        "created": None, "node": None, "ip": None,
        "hostname": "example-job-1.example-job.default.svc.cluster.local", "attempts": 0,
        "failures": 0, "lastExit": "<none>", "otherPods": [], "dns": "-", "dnsReason": ""}
    assert doc["completedIndexes"] == ""


def test_ten_thousand_indexes_render():
    j = job(completions=10000, completedIndexes="0-9998", succeeded=9999)
    pods = [pod(i, "Succeeded") for i in range(0, 10000, 7)]
    rows = st.index_rows(j, pods)
    assert len(rows) == 10000 and rows[7].pod == "example-job-7-abcde"
    text = status_text(st.summarize(j, service()), rows, NOW, colour=False)
    assert "Completed Indexes: 0-9998" in text


def slice_for(*pods_, ready=True, hostname=True):
    return [{"endpoints": [{"addresses": [p["status"]["podIP"]],
                            "conditions": {"ready": ready},
                            **({"hostname": p["spec"]["hostname"]} if hostname else {}),
                            "targetRef": {"kind": "Pod", "name": p["metadata"]["name"],
                                          "uid": p["metadata"]["uid"]}} for p in pods_]}]


def ready(p, value=True):
    p["status"]["conditions"] = [{"type": "Ready", "status": "True" if value else "False"}]
    for c in p["status"]["containerStatuses"]:
        c["ready"] = value
    return p


def test_publication_yes_and_unknown():
    j, p = job(), ready(pod(0))
    assert st.publication(p, j, service(), st.endpoints_by_pod(slice_for(p))) == ("yes", "")
    assert st.publication(p, j, service(), None)[0] == "unknown"


@pytest.mark.parametrize("mutate,reason", [
    (lambda p, s: p["metadata"]["labels"].pop("job-name"), "no longer match the service selector (job-name=example-job)"),
    (lambda p, s: p["spec"].update(subdomain="other"), "pod subdomain other differs from service example-job"),
    (lambda p, s: s["spec"].update(clusterIP="10.0.0.1"), "is not headless"),
    (lambda p, s: (ready(p, False), s["spec"].update(publishNotReadyAddresses=False)), "not Ready and the service has publishNotReadyAddresses: false"),
    (lambda p, s: p["status"].update(phase="Succeeded"), "pod succeeded"),
    (lambda p, s: p["status"].pop("podIP"), "no IP yet"),
])
def test_publication_reasons(mutate, reason):
    j, p, svc = job(), ready(pod(0)), service()
    sl = st.endpoints_by_pod(slice_for(p))
    mutate(p, svc)
    state, why = st.publication(p, j, svc, sl)
    assert state == "no" and reason in why


def test_publication_not_in_slices_and_dns_policy():
    j, p = job(), ready(pod(0))
    assert st.publication(p, j, service(), {})[1] == "not in the service's EndpointSlices yet"
    assert "endpoint has no hostname" in st.publication(
        p, j, service(), st.endpoints_by_pod(slice_for(p, hostname=False)))[1]
    p["spec"].update(hostNetwork=True)
    state, why = st.publication(p, j, service(), st.endpoints_by_pod(slice_for(p)))
    assert state == "yes" and "ClusterFirstWithHostNet" in why
    assert st.publication(p, j, None, {}) == ("no", "service example-job not found")


def test_status_text_lists_unpublished_indexes():
    j = job(completions=2)
    p0, p1 = ready(pod(0)), ready(pod(1))
    p1["metadata"]["labels"].pop("job-name")
    svc = service()
    rows = st.index_rows(j, [p0, p1], service=svc, slices=slice_for(p0))
    assert [r.dns for r in rows] == ["yes", "no"]
    text = status_text(st.summarize(j, svc), rows, NOW, colour=False, notes=["x"])
    assert "Index 1 not in DNS: pod labels no longer match the service selector (job-name=example-job)" in text
    assert text.endswith("Note: x")


# ------------------------------------------------------------------ logs -f, next attempt

T1 = "2026-11-22T10:05:00Z"


def test_next_attempt_is_the_started_replacement_not_an_older_attempt():
    old = pod(1, "Failed", name="j-1-old", created="2026-11-22T09:00:00Z")
    ended = pod(1, "Failed", name="j-1-a")
    pending = pod(1, "Pending", name="j-1-b", created=T1)
    seen = {ended["metadata"]["uid"]}
    assert st.next_attempt(job(), [old, ended, pending, pod(0)], 1, ended, seen) == (None, False)
    started = pod(1, "Running", name="j-1-b", created=T1)
    assert st.next_attempt(job(), [old, ended, started], 1, ended, seen) == (started, False)


@pytest.mark.parametrize("state", [
    {"completedIndexes": "0-2"}, {"failedIndexes": "1"},
    {"conditions": [{"type": "Complete", "status": "True"}]},
    {"conditions": [{"type": "Failed", "status": "True"}]},
])
def test_no_next_attempt_once_the_index_or_job_is_done(state):
    conditions = state.pop("conditions", None)
    ended = pod(1, "Succeeded")
    later = pod(1, "Running", name="j-1-late", created=T1)
    assert st.next_attempt(job(conditions=conditions, **state), [ended, later], 1, ended,
                        {ended["metadata"]["uid"]}) == (None, True)


def test_no_next_attempt_when_the_job_is_gone():
    assert st.next_attempt(None, [], 0, pod(0), set()) == (None, True)
