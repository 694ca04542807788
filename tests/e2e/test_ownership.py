"""Ownership operations checked against what Kubernetes really does, read back from the API."""
from __future__ import annotations

import json

import pytest

from tests.e2e.test_plugin import create, get, job_pods, running, until

pytestmark = pytest.mark.e2e
INDEX = "batch.kubernetes.io/job-completion-index"


def by_index(kubectl, job, index):
    return [p for p in job_pods(kubectl, job) if p["metadata"]["annotations"].get(INDEX) == str(index)]


def test_detach_releases_and_replaces(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "quar", "--completions", "2")
    old = {p["metadata"]["name"] for p in running(kubectl, "quar", 2)}
    plan = ijob("relabel", "quar", "--index", "1", "--detach", "--dry-run=client")
    assert "creates a replacement pod for index 1" in plan.stdout
    assert "resolve to two addresses" in plan.stdout
    assert {p["metadata"]["name"] for p in job_pods(kubectl, "quar")} == old  # dry run: nothing
    out = ijob("relabel", "quar", "--index", "1", "--detach", "--wait")
    assert out.returncode == 0, out.stderr
    pods = by_index(kubectl, "quar", 1)
    detached = [p for p in pods if p["metadata"]["name"] in old]
    fresh = [p for p in pods if p["metadata"]["name"] not in old]
    assert len(detached) == 1 and len(fresh) == 1
    assert not detached[0]["metadata"].get("ownerReferences")
    assert "batch.kubernetes.io/job-tracking" not in (detached[0]["metadata"].get("finalizers") or [])
    assert fresh[0]["spec"]["hostname"] == "quar-1"
    assert fresh[0]["metadata"]["ownerReferences"][0]["name"] == "quar"
    assert f"replacement pod: {fresh[0]['metadata']['name']}" in out.stdout
    running(kubectl, "quar", 3)

    def two_addresses():
        d = json.loads(ijob("ping", "quar", "--method", "dns", "-o", "json").stdout)
        pair = next(p for p in d["pairs"] if p["from"] == 0 and p["to"] == 1)
        return d if len(pair["addresses"]) == 2 else None
    d = until(two_addresses, 60, what="quar-1 to resolve to both pods")
    assert any("resolves to 2 addresses" in w for w in d["warnings"])
    owners = ijob("owners", "quar").stdout
    line = next(row for row in owners.splitlines() if row.startswith(detached[0]["metadata"]["name"]))
    assert line.split()[3:8] == ["no", "no", "yes", "yes", "no"]  # OWNED JOB SVC DNS FINALIZER
    # Reattach: the controller adopts it and removes one of the two pods of index 1.
    back = ijob("relabel", "quar", "--index", "1", "--reattach", "--wait")
    assert back.returncode == 0, back.stderr
    assert "deletes one of the two" in back.stdout

    def one_left():
        live = [p for p in by_index(kubectl, "quar", 1) if not p["metadata"].get("deletionTimestamp")]
        return live if len(live) == 1 else None
    live = until(one_left, 60, what="the Job controller to keep one pod of index 1")
    # --wait reported what the controller did, and it is what the API shows.
    assert f"index 1 runs on pod {live[0]['metadata']['name']}" in back.stdout
    assert "deleting pod" in back.stdout or "was deleted by the Job controller" in back.stdout


def test_out_of_service_keeps_the_pod_in_the_job(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "oos", "--completions", "2")
    before = {p["metadata"]["name"] for p in running(kubectl, "oos", 2)}
    assert ijob("wait", "oos", "--for=peers", "--timeout=60s").returncode == 0
    out = ijob("relabel", "oos", "--index", "0", "--out-of-service", "--wait")
    assert out.returncode == 0, out.stderr
    pods = job_pods(kubectl, "oos")
    assert {p["metadata"]["name"] for p in pods} == before  # no replacement
    pod0 = by_index(kubectl, "oos", 0)[0]
    assert pod0["metadata"]["ownerReferences"][0]["name"] == "oos"
    assert "job-name" not in pod0["metadata"]["labels"]

    def gone():
        d = json.loads(ijob("ping", "oos", "--method", "dns", "--index", "1", "-o", "json").stdout)
        pair = next(p for p in d["pairs"] if p["to"] == 0)
        return pair if pair["code"] == "nxdomain" else None
    until(gone, 60, what="oos-0 to stop resolving from its peer")


def test_orphan_then_adopt(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "keep", "--completions", "2",
           command=["sh", "-c", 'if [ "$JOB_COMPLETION_INDEX" = 0 ]; then exit 0; fi; sleep 600'])
    until(lambda: "0" == get(kubectl, "job", "keep")["status"].get("completedIndexes"), 90,
          what="index 0 to complete")
    running(kubectl, "keep", 1)
    uids = {p["metadata"]["uid"] for p in job_pods(kubectl, "keep")}
    plan = ijob("orphan", "keep", "--dry-run=client")
    assert "ownerReference removed" in plan.stdout and "service/keep" in plan.stdout
    out = ijob("orphan", "keep", "--wait")
    assert out.returncode == 0, out.stderr
    assert kubectl("get", "job", "keep").returncode != 0
    pods = job_pods(kubectl, "keep")
    assert {p["metadata"]["uid"] for p in pods} == uids
    assert all(not p["metadata"].get("ownerReferences") for p in pods)
    svc = get(kubectl, "service", "keep")
    assert not svc["metadata"].get("ownerReferences")
    listed = ijob("orphans").stdout
    assert "keep" in listed and "service" in listed
    adopt = ijob("adopt", "keep")
    assert adopt.returncode == 0, adopt.stderr
    job = get(kubectl, "job", "keep")
    assert job["spec"]["manualSelector"] is True

    def owned_again():
        pods = job_pods(kubectl, "keep")
        live = [p for p in pods if p["status"]["phase"] == "Running"]
        return live if live and all(p["metadata"].get("ownerReferences", [{}])[0].get("uid") ==
                                    job["metadata"]["uid"] for p in live) else None
    until(owned_again, 60, what="the running orphan to be adopted")
    assert get(kubectl, "service", "keep")["metadata"]["ownerReferences"][0]["uid"] == job["metadata"]["uid"]
    # The completed index is not run again.
    assert len(by_index(kubectl, "keep", 0)) == 1


@pytest.mark.parametrize("cascade", ["background", "foreground"])
def test_delete_cascades(ijob, kubectl, busybox_image, cascade):
    create(ijob, busybox_image, "gone", "--completions", "2", "--items", "a,b")
    running(kubectl, "gone", 2)
    plan = ijob("delete", "gone", f"--cascade={cascade}", "--dry-run=client").stdout
    for obj in ("job.batch/gone", "service/gone", "configmap/gone-items"):
        assert obj in plan
    out = ijob("delete", "gone", f"--cascade={cascade}", "--wait", "--timeout=120s")
    assert out.returncode == 0, out.stderr
    assert kubectl("get", "job", "gone").returncode != 0
    until(lambda: not job_pods(kubectl, "gone"), 60, what="pods to be deleted")
    until(lambda: kubectl("get", "service", "gone").returncode != 0, 60, what="the Service to go")
    until(lambda: kubectl("get", "configmap", "gone-items").returncode != 0, 60, what="the ConfigMap to go")
