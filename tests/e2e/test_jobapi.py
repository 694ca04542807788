"""The Job API flags and commands (issue 13) against the real Job controller.

Each test asserts what the controller really did: which pods exist, which conditions
appear, which indexes ran, and that the plugin's view says the same.
"""
from __future__ import annotations

import json
import time

import pytest

from tests.e2e.test_plugin import create, get, job_pods, running, until

pytestmark = pytest.mark.e2e

IDX = "$JOB_COMPLETION_INDEX"


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]


def job(kubectl, name):
    return get(kubectl, "job", name)


def cond(j, kind):
    """The condition of that type when it is True, else None."""
    return next((c for c in j.get("status", {}).get("conditions") or []
                 if c["type"] == kind and c["status"] == "True"), None)


def indexes_of(pods):
    return sorted(int(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"])
                  for p in pods)


# ---------------------------------------------------------------- create flags

def test_fail_index_and_max_failed_indexes(ijob, kubectl, busybox_image):
    # Indexes 1 and 2 exit 42: FailIndex fails each at once despite 3 retries per index,
    # and two failed indexes exceed --max-failed-indexes 1, so the Job fails.
    create(ijob, busybox_image, "fi", "--completions", "4", "--backoff-limit-per-index", "3",
           "--max-failed-indexes", "1", "--fail-index-on-exit-codes", "42",
           command=sh(f'case {IDX} in 1|2) exit 42;; esac; sleep 1'))
    j = until(lambda: (lambda j: j if cond(j, "Failed") else None)(job(kubectl, "fi")),
              what="the Job to fail")
    assert cond(j, "FailureTarget")["reason"] == "MaxFailedIndexesExceeded"
    assert cond(j, "Failed")["reason"] == "MaxFailedIndexesExceeded"
    pods = job_pods(kubectl, "fi")
    failed = [p for p in pods if p["status"]["phase"] == "Failed"  # not the ones the Job's
              and not p["metadata"].get("deletionTimestamp")]   # failure deleted, if Pending
    assert indexes_of(failed) == [1, 2]  # one pod each: no retry after FailIndex
    out = ijob("status", "fi")
    assert out.returncode == 0, out.stderr
    assert "Max Failed:        1 (2 failed, 0 more may fail)" in out.stdout
    assert "0: FailIndex on exit codes 42" in out.stdout
    assert "Decided:           FailureTarget (MaxFailedIndexesExceeded" in out.stdout


def test_success_policy_leader_decides(ijob, kubectl, busybox_image):
    # Index 0 (the leader) succeeds; the workers run on until the Job ends them (they are
    # not awaited Running: a worker still Pending when the leader decides is deleted at once).
    create(ijob, busybox_image, "lead", "--completions", "3", "--success-indexes", "0",
           command=sh(f'[ {IDX} = 0 ] && {{ sleep 10; exit 0; }}; exec sleep 300'))
    out = ijob("wait", "lead", "--for=decided", "--timeout=90s")
    assert out.returncode == 0, out.stderr
    assert "SuccessCriteriaMet" in out.stdout
    j = until(lambda: (lambda j: j if cond(j, "Complete") else None)(job(kubectl, "lead")),
              what="Complete after the workers are gone")
    assert cond(j, "SuccessCriteriaMet")["reason"] == "SuccessPolicy"
    assert j["status"]["completedIndexes"] == "0"
    pods = job_pods(kubectl, "lead")
    assert indexes_of([p for p in pods if p["status"]["phase"] == "Succeeded"]) == [0]
    status = ijob("status", "lead").stdout
    assert "rule 0: indexes 0 (1/1 succeeded: 0) <- decided the job" in status


def test_fail_job_on_exit_code_stops_everything(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "fj", "--completions", "3", "--backoff-limit", "6",
           "--fail-job-on-exit-codes", "7",
           command=sh(f'[ {IDX} = 2 ] && exit 7; exec sleep 300'))
    j = until(lambda: (lambda j: j if cond(j, "FailureTarget") else None)(job(kubectl, "fj")),
              what="FailureTarget")
    assert cond(j, "FailureTarget")["reason"] == "PodFailurePolicy"
    assert "exit code 7" in cond(j, "FailureTarget")["message"]
    assert [p for p in job_pods(kubectl, "fj") if "-2-" in p["metadata"]["name"]].__len__() == 1


def test_ignored_exit_code_is_retried_without_counting(ijob, kubectl, busybox_image, tmp_path):
    # The first attempt of index 1 exits 43 (ignored); with a per-index limit of 0 a
    # counted failure would fail the index, an ignored one is simply retried.
    manifest = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "ig"}, "spec": {
        "template": {"spec": {"containers": [{
            "name": "worker", "image": busybox_image, "imagePullPolicy": "IfNotPresent",
            "env": [{"name": "IGNORED", "valueFrom": {"fieldRef": {"fieldPath":
                    "metadata.annotations['batch.kubernetes.io/job-index-ignored-failure-count']"}}}],
            "command": sh(f'[ {IDX} = 1 ] && [ -z "$IGNORED" ] && exit 43; exit 0')}]}}}}
    path = tmp_path / "ig.json"
    path.write_text(json.dumps(manifest))
    out = ijob("create", "-f", str(path), "--completions", "3", "--backoff-limit-per-index", "0",
               "--ignore-exit-codes", "43")
    assert out.returncode == 0, out.stderr
    j = until(lambda: (lambda j: j if cond(j, "Complete") else None)(job(kubectl, "ig")),
              what="Complete")
    assert "failedIndexes" not in j["status"] or not j["status"]["failedIndexes"]
    one = [p for p in job_pods(kubectl, "ig") if "-1-" in p["metadata"]["name"]]
    assert sorted(p["status"]["phase"] for p in one) == ["Failed", "Succeeded"]
    out = ijob("status", "ig")
    assert "Index Failures:    1: 0 counted/1 ignored" in out.stdout, out.stdout


def exit_rule(action, codes, **extra):
    return {"rules": [{"action": action, "onExitCodes": {"operator": "In", "values": codes, **extra}}]}


REJECTED = [  # create flags, the spec fields they make, the API's phrase
    (["--fail-index-on-exit-codes", "42"], {"podFailurePolicy": exit_rule("FailIndex", [42])},
     "requires the backoffLimitPerIndex to be set"),
    (["--max-failed-indexes", "1"], {"maxFailedIndexes": 1}, "when maxFailedIndexes is specified"),
    (["--success-indexes", "5"], {"successPolicy": {"rules": [{"succeededIndexes": "5"}]}},
     'too large index: "5"'),
    (["--success-count", "9"], {"successPolicy": {"rules": [{"succeededCount": 9}]}},
     "(the number of specified completions)"),
    (["--fail-job-on-exit-codes", "1", "--restart-policy", "OnFailure"],
     {"podFailurePolicy": exit_rule("FailJob", [1])},
     'only "Never" is supported when podFailurePolicy is specified'),
    (["--ignore-disruptions", "--pod-replacement-policy", "TerminatingOrFailed"],
     {"podReplacementPolicy": "TerminatingOrFailed", "podFailurePolicy": {"rules": [
         {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]}},
     'supported values: "Failed"'),
    (["--fail-job-on-exit-codes", "1", "--container", "other"],
     {"podFailurePolicy": exit_rule("FailJob", [1], containerName="other")},
     "must be one of the container or initContainer names in the pod template"),
]


@pytest.mark.parametrize("flags, fields, phrase", REJECTED, ids=[r[2][:40] for r in REJECTED])
def test_create_rejects_what_the_api_rejects_before_sending(ijob, kubectl, busybox_image,
                                                             flags, fields, phrase):
    out = ijob("create", "bad", "--image", busybox_image, "--completions", "3", *flags)
    assert out.returncode == 1 and phrase in out.stderr, out.stderr
    assert len(out.stderr.splitlines()) == 1
    assert kubectl("get", "jobs,services,configmaps", "-l", "app.kubernetes.io/managed-by=kubectl-ijob",
                   "-o", "name").stdout == ""
    # The same fields on the Job create builds without them: the API server says the same.
    plain = [f for f in flags[flags.index("--restart-policy"):][:2]] if "--restart-policy" in flags else []
    built = ijob("create", "bad", "--image", busybox_image, "--completions", "3", *plain,
                 "--dry-run=client", "-o", "json")
    assert built.returncode == 0, built.stderr
    manifest = next(o for o in json.loads(built.stdout)["items"] if o["kind"] == "Job")
    manifest["spec"].update(fields)
    server = kubectl("create", "--dry-run=server", "-f", "-", input=json.dumps(manifest))
    assert server.returncode != 0 and phrase in server.stderr, server.stderr


# ---------------------------------------------------------------- suspend / resume

def test_suspend_keeps_progress_and_resume_runs_the_rest(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "sr", "--completions", "3",
           command=sh(f'[ {IDX} = 0 ] && exit 0; exec sleep 300'))
    until(lambda: job(kubectl, "sr")["status"].get("completedIndexes") == "0", what="index 0 done")
    running(kubectl, "sr", 2)
    out = ijob("suspend", "sr", "--wait", "--timeout=90s")
    assert out.returncode == 0, out.stderr
    assert "Plan: suspend job.batch/sr" in out.stdout and "job.batch/sr suspended" in out.stdout
    assert "completed indexes kept: 0" in out.stdout
    j = job(kubectl, "sr")
    assert cond(j, "Suspended") and j["status"].get("completedIndexes") == "0"
    live = [p for p in job_pods(kubectl, "sr") if p["status"]["phase"] in ("Pending", "Running")
            and not p["metadata"].get("deletionTimestamp")]
    assert live == []
    assert "Suspended:         yes since" in ijob("status", "sr").stdout
    before = {p["metadata"]["name"] for p in job_pods(kubectl, "sr")}
    out = ijob("resume", "sr", "--wait", "--timeout=90s")
    assert out.returncode == 0, out.stderr
    assert "indexes to run: 1,2" in out.stdout and "indexes started: 1,2" in out.stdout
    new = [p for p in job_pods(kubectl, "sr") if p["metadata"]["name"] not in before]
    assert indexes_of(new) == [1, 2]  # index 0 is not run again


def test_create_suspended_then_resume(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "cs", "--completions", "2", "--suspend", command=["true"])
    until(lambda: cond(job(kubectl, "cs"), "Suspended"), 60, what="the Suspended condition")
    assert job_pods(kubectl, "cs") == []
    out = ijob("resume", "cs", "--wait", "--timeout=90s")
    assert out.returncode == 0, out.stderr
    until(lambda: cond(job(kubectl, "cs"), "Complete"), what="Complete")


# ---------------------------------------------------------------- rerun

def test_rerun_failed_indexes_with_items_and_original_index(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "rr", "--items", "a,b,c,d", "--backoff-limit-per-index", "0",
           command=sh('echo "orig=${IJOB_ORIGINAL_INDEX:-none} item=$(cat /ijob/item)"; '
                      f'[ -z "$IJOB_ORIGINAL_INDEX" ] && [ {IDX} -ge 2 ] && exit 3; exit 0'))
    until(lambda: cond(job(kubectl, "rr"), "Failed"), what="the original to fail")
    assert job(kubectl, "rr")["status"]["failedIndexes"] == "2,3"
    dry = ijob("rerun", "rr", "--failed", "--dry-run=client")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[1:] == ["INDEX   ORIGINAL INDEX   ITEM", "0       2                c",
                                           "1       3                d"]
    out = ijob("rerun", "rr")
    assert out.returncode == 0, out.stderr
    assert "job.batch/rr-rerun-1 created" in out.stdout
    until(lambda: cond(job(kubectl, "rr-rerun-1"), "Complete"), what="the rerun to complete")
    logs = ijob("logs", "rr-rerun-1").stdout.splitlines()
    assert sorted(logs) == ["[0] orig=2 item=c", "[1] orig=3 item=d"]
    svc = get(kubectl, "service", "rr-rerun-1")
    assert svc["spec"]["selector"] == {"job-name": "rr-rerun-1"}
    assert ijob("rerun", "rr", "--indexes", "0", "--dry-run=client").stdout.startswith(
        "job.batch/rr-rerun-2 runs 1 index of job.batch/rr")


# ---------------------------------------------------------------- scale

def test_scale_down_and_up(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "el", "--completions", "4", command=["sleep", "300"])
    running(kubectl, "el", 4)
    out = ijob("scale", "el", "--completions", "2", "--wait", "--timeout=90s")
    assert out.returncode == 0, out.stderr
    assert "indexes removed: 2,3" in out.stdout
    live = [p for p in job_pods(kubectl, "el") if not p["metadata"].get("deletionTimestamp")
            and p["status"]["phase"] in ("Pending", "Running")]
    assert indexes_of(live) == [0, 1]
    j = job(kubectl, "el")
    assert (j["spec"]["completions"], j["spec"]["parallelism"]) == (2, 2)
    out = ijob("scale", "el", "--completions", "5", "--wait", "--timeout=90s")
    assert out.returncode == 0, out.stderr
    until(lambda: len(indexes_of([p for p in job_pods(kubectl, "el") if p["status"]["phase"] == "Running"
                                  and not p["metadata"].get("deletionTimestamp")])) == 5,
          what="5 running indexes")
    assert ijob("hosts", "el", "--short").stdout.split() == [f"el-{i}.el" for i in range(5)]


def test_scale_refused_with_the_apis_reason(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "nr", "--completions", "4", "--backoff-limit-per-index", "1",
           "--max-failed-indexes", "3", command=["sleep", "300"])
    out = ijob("scale", "nr", "--completions", "2")
    assert out.returncode == 1
    assert "must be less than or equal to completions" in out.stderr
    server = kubectl("patch", "job", "nr", "--type=merge", "-p",
                     json.dumps({"spec": {"completions": 2, "parallelism": 2}}), "--dry-run=server")
    assert server.returncode != 0 and "must be less than or equal to completions" in server.stderr
    assert job(kubectl, "nr")["spec"]["completions"] == 4


# ---------------------------------------------------------------- disruptions, replacement, decided

TRAP = 'trap "exit 143" TERM; sleep 300 & wait'


def pods_of_index(kubectl, job_name, index):
    return [p for p in job_pods(kubectl, job_name)
            if p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] == str(index)]


def test_eviction_is_ignored_with_ignore_disruptions(ijob, kubectl, busybox_image, namespace):
    # A per-index limit of 0 fails an index on its first counted failure; an eviction
    # (DisruptionTarget) is ignored, so index 1 gets a new pod instead.
    create(ijob, busybox_image, "ev", "--completions", "2", "--backoff-limit-per-index", "0",
           "--ignore-disruptions", command=sh(TRAP))
    running(kubectl, "ev", 2)
    victim = pods_of_index(kubectl, "ev", 1)[0]["metadata"]["name"]
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction",
                "metadata": {"name": victim, "namespace": namespace}}
    out = kubectl("create", "--raw", f"/api/v1/namespaces/{namespace}/pods/{victim}/eviction",
                  "-f", "-", input=json.dumps(eviction))
    assert out.returncode == 0, out.stderr
    new = until(lambda: [p for p in pods_of_index(kubectl, "ev", 1) if p["metadata"]["name"] != victim],
                what="a replacement for the evicted pod")
    notes = new[0]["metadata"]["annotations"]
    assert notes["batch.kubernetes.io/job-index-ignored-failure-count"] == "1"
    assert notes["batch.kubernetes.io/job-index-failure-count"] == "0"
    j = job(kubectl, "ev")
    assert not j["status"].get("failedIndexes") and not cond(j, "FailureTarget")
    assert "Index Failures:    1: 0 counted/1 ignored" in ijob("status", "ev").stdout


def test_pod_replacement_policy_failed_waits_for_the_old_pod(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "pr", "--completions", "1", "--pod-replacement-policy", "Failed",
           command=sh('trap "sleep 25; exit 1" TERM; sleep 300 & wait'))
    old = running(kubectl, "pr", 1)[0]["metadata"]["name"]
    assert kubectl("delete", "pod", old, "--wait=false").returncode == 0
    until(lambda: job(kubectl, "pr")["status"].get("terminating") == 1, 30, what="terminating=1")
    assert [p["metadata"]["name"] for p in job_pods(kubectl, "pr")] == [old]  # no second rank 0
    status = ijob("status", "pr").stdout
    assert "Terminating:       1 pods; waiting for replacement: 0" in status
    assert "Pod Replacement:   Failed" in status
    until(lambda: [p for p in job_pods(kubectl, "pr") if p["metadata"]["name"] != old],
          120, what="the replacement once the old pod is gone")
    # By the time it exists, the old pod has stopped (gone, or Failed): never two at once.
    assert all(p["status"]["phase"] == "Failed" for p in job_pods(kubectl, "pr")
               if p["metadata"]["name"] == old)


def test_wait_decided_returns_before_complete(ijob, kubectl, busybox_image):
    # The workers take 20 s to stop: SuccessCriteriaMet comes first, Complete only after.
    # The leader runs 20 s, so every worker is running (its trap set) when it decides.
    create(ijob, busybox_image, "dc", "--completions", "3", "--success-indexes", "0",
           command=sh(f'[ {IDX} = 0 ] && {{ sleep 20; exit 0; }}; trap "sleep 20; exit 1" TERM; '
                      'sleep 300 & wait'))
    out = ijob("wait", "dc", "--for=decided", "--timeout=90s")
    assert out.returncode == 0, out.stderr
    j = job(kubectl, "dc")
    assert cond(j, "SuccessCriteriaMet") and not cond(j, "Complete")
    assert "final condition once" in ijob("status", "dc").stdout
    assert ijob("wait", "dc", "--for=complete", "--timeout=90s").returncode == 0
    assert cond(job(kubectl, "dc"), "Complete")


def test_managed_by_another_controller(ijob, kubectl, busybox_image, tmp_path):
    manifest = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "mb"},
                "spec": {"managedBy": "example.com/elsewhere", "template": {"spec": {
                    "containers": [{"name": "worker", "image": busybox_image, "command": ["true"]}]}}}}
    path = tmp_path / "mb.json"
    path.write_text(json.dumps(manifest))
    out = ijob("create", "-f", str(path), "--completions", "2")
    assert out.returncode == 0, out.stderr
    time.sleep(3)
    assert job_pods(kubectl, "mb") == []  # the built-in controller leaves it alone
    status = ijob("status", "mb").stdout
    assert "Managed By:        example.com/elsewhere: not the built-in Job controller" in status
    assert "Waiting" not in status
    assert "no pods in this cluster: example.com/elsewhere runs this Job's indexes" in status
    plan = ijob("suspend", "mb", "--dry-run=client").stdout
    assert "managed by example.com/elsewhere" in plan
