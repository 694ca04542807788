"""create --schedule on the real cluster: a CronJob whose every run is a peer-networked
Indexed Job. The seed's peer-pinging pods, with names built from the run's Job name
(${IJOB_JOB_NAME}, from the downward API), complete two consecutive scheduled runs
with 9/9 pings each; status and list show the runs; trigger starts a third; delete
removes the CronJob, its Jobs, their pods and the shared Service."""
from __future__ import annotations

import json
import re

import pytest

from tests.e2e.test_plugin import until

pytestmark = pytest.mark.e2e

NAME = "nightly"
GROUP = f"kubectl-ijob/group={NAME}"
PING_RUN = ("for i in 0 1 2; do until ping -c 1 -W 1 ${IJOB_JOB_NAME}-$i.nightly >/dev/null 2>&1;"
            " do sleep 1; done; echo \"Successfully pinged pod: ${IJOB_JOB_NAME}-$i.nightly\"; done; sleep 20")
# The trailing sleep keeps each pod reachable while slower peers still ping it: a pod that
# exits at once can be gone (sandbox and IP) before a peer whose container started seconds
# later pings it, and that peer then loops until the run is killed (one such hung run made
# the CI of 2026-11-29 miss its two consecutive runs, with Forbid skipping the later ones).


def items(kubectl, kind, selector=GROUP):
    out = kubectl("get", kind, "-l", selector, "-o", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["items"]


def complete(job):
    return any(c["type"] == "Complete" and c["status"] == "True"
               for c in job.get("status", {}).get("conditions") or [])


def pings(ijob, run):
    """The (from index, to name) pairs a run's pods report as pinged."""
    out = ijob("logs", run)
    assert out.returncode == 0, out.stderr
    return {m.groups() for m in re.finditer(r"^\[(\d)\] Successfully pinged pod: (\S+)$",
                                            out.stdout, re.M)}


def test_scheduled_runs_find_their_peers(ijob, kubectl, busybox_image):
    out = ijob("create", NAME, "--image", busybox_image, "--image-pull-policy", "IfNotPresent",
               "--completions", "3", "--schedule", "*/1 * * * *", "--wait-for-peers=2m",
               "--successful-jobs-history", "10", "--", "sh", "-c", PING_RUN)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == [f"cronjob.batch/{NAME} created", f"service/{NAME} created"]
    svc = json.loads(kubectl("get", "service", NAME, "-o", "json").stdout)
    assert svc["spec"]["selector"] == {"kubectl-ijob/group": NAME}
    assert svc["metadata"]["ownerReferences"][0]["kind"] == "CronJob"

    def two_done():
        jobs = sorted(items(kubectl, "jobs"), key=lambda j: j["metadata"]["name"])
        assert not any(c["type"] == "Failed" and c["status"] == "True"
                       for j in jobs for c in j.get("status", {}).get("conditions") or [])
        done = [j["metadata"]["name"] for j in jobs if complete(j)]
        return done if len(done) >= 2 else None
    try:
        first, second = until(two_done, timeout=330, every=5, what="two completed runs")[:2]
    except pytest.fail.Exception as e:  # say what the runs were doing, CI takes the cluster down
        seen = [kubectl("get", "cronjobs,jobs,pods", "-o", "wide").stdout,
                ijob("status", NAME).stdout, ijob("doctor", NAME, "--no-ping").stdout]
        pytest.fail(f"{e}\n" + "\n".join(seen))
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1  # consecutive minutes
    for run in (first, second):
        want = {(str(i), f"{run}-{j}.{NAME}") for i in range(3) for j in range(3)}
        assert pings(ijob, run) == want  # 9/9, each pod reached every peer of its own run

    status = ijob("status", NAME)
    assert status.returncode == 0, status.stderr
    assert "Schedule:           */1 * * * *" in status.stdout
    assert "Concurrency Policy: Forbid" in status.stdout
    for run in (first, second):
        assert re.search(rf"^  {run}\s+Complete\s+3/3\s+0-2\s+<none>\s+schedule", status.stdout, re.M)
    doc = json.loads(ijob("status", NAME, "--run", first, "-o", "json").stdout)
    assert doc["cronJob"]["shownRun"] == first and doc["cronJob"]["schedule"] == "*/1 * * * *"
    assert {(r["name"], r["status"], r["completedIndexes"]) for r in doc["cronJob"]["runs"]} >= \
        {(first, "Complete", "0-2"), (second, "Complete", "0-2")}
    assert doc["name"] == first and len(doc["indexes"]) == 3
    picked = ijob("status", NAME, "--run", first)
    assert f"Run {first}:" in picked.stdout and re.search(r"^Status:\s+Complete", picked.stdout, re.M)
    listed = ijob("list")
    assert re.search(rf"^{NAME}\s+\*/1 \* \* \* \*\s+<none>\s+False\s+\d\s+\S+\s+Complete",
                     listed.stdout, re.M), listed.stdout
    assert re.search(rf"^{first}\s+Complete\s+3/3\s+ok", listed.stdout, re.M)

    trig = ijob("trigger", NAME)
    assert trig.returncode == 0, trig.stderr
    manual = re.fullmatch(rf"job\.batch/({NAME}-manual-[a-z0-9]{{4}}) created", trig.stdout.strip())
    assert manual, trig.stdout
    third = manual.group(1)
    until(lambda: [j for j in items(kubectl, "jobs") if j["metadata"]["name"] == third
                   and complete(j)], timeout=240, every=2, what=f"the triggered run {third}")
    assert pings(ijob, third) == {(str(i), f"{third}-{j}.{NAME}") for i in range(3) for j in range(3)}
    assert re.search(rf"^  {third}\s+Complete\s+3/3\s+0-2\s+<none>\s+manual",
                     ijob("status", NAME).stdout, re.M)

    gone = ijob("delete", NAME)
    assert gone.returncode == 0, gone.stderr
    assert f'cronjob.batch "{NAME}" deleted' in gone.stdout

    def nothing_left():
        left = [kubectl("get", "cronjob", NAME).returncode == 0,
                kubectl("get", "service", NAME).returncode == 0,
                bool(items(kubectl, "jobs")), bool(items(kubectl, "pods"))]
        return not any(left) or None
    until(nothing_left, timeout=120, every=2, what="the CronJob, its Jobs, pods and Service to go")
