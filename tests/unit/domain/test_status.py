"""Per-index rows, job status and the Service check, from recorded-shape API objects."""
import datetime as dt

import pytest

from kubectl_ijob.domain import model
from kubectl_ijob.domain import status as st
from kubectl_ijob.domain.status import Dns

from ..objects import job, pod, service

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
    assert model.job_status(j) == want


def test_rows_cover_every_index_even_without_pods():
    j = job(completions=4, completedIndexes="0", succeeded=1, active=2)
    pods = [pod(0, "Succeeded"), pod(1, "Running"), pod(2, "Pending", waiting="ImagePullBackOff")]
    rows = st.index_rows(j, pods)
    assert [(r.index, r.status) for r in rows] == [
        (0, "Succeeded"), (1, "Running"), (2, "ImagePullBackOff"), (3, "Waiting")]
    assert rows[3].pod is None
    assert rows[1].hostname == "example-job-1.example-job.default.svc.cluster.local"
    assert (rows[1].ready, rows[1].containers) == (1, 1) and rows[0].last_exit == "Completed(0)"
    assert rows[1].all_ready and rows[2].last_exit is None


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
    assert not check.ok and problem in check.problems[0]


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
