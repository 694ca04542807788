"""Least privilege: every command runs as a ServiceAccount bound to exactly its own rules.

MATRIX is the command x verb table the README documents; docs/rbac.yaml must be its
union. Each command gets a Role of only its row and must succeed with it, so every
row is proven sufficient on the real API server's authorizer.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.e2e.test_plugin import SLEEP, create, running, until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

JOBS, PODS, SVC, CM = ("batch", "jobs"), ("", "pods"), ("", "services"), ("", "configmaps")
LOG, EXEC, EVENTS = ("", "pods/log"), ("", "pods/exec"), ("", "events")
SLICES = ("discovery.k8s.io", "endpointslices")
NETPOL = ("networking.k8s.io", "networkpolicies")
CRON = ("batch", "cronjobs")
# Exec over a websocket starts as a GET: API servers up to 1.34 check `get` on pods/exec;
# from 1.35 (AuthorizePodWebsocketUpgradeCreatePermission) they check `create` as well.
EXEC_VERBS = {"get", "create"}
# What status reads: the Job, its pods, its Service and the Service's EndpointSlices.
SNAPSHOT = {JOBS: {"get"}, PODS: {"list"}, SVC: {"get"}, SLICES: {"list"}}


def rows(base: dict, **extra: set) -> dict:
    out = {k: set(v) for k, v in base.items()}
    for key, verbs in extra.items():
        res = {"jobs": JOBS, "pods": PODS, "services": SVC, "configmaps": CM, "log": LOG,
               "exec": EXEC, "events": EVENTS, "networkpolicies": NETPOL, "cronjobs": CRON}[key]
        out[res] = out.get(res, set()) | verbs
    return out


MATRIX = {
    "create": {JOBS: {"create", "delete"}, SVC: {"create", "delete"}, CM: {"create", "delete"}},
    "status": SNAPSHOT,
    "status -w": rows(SNAPSHOT, pods={"watch"}),
    "list": {JOBS: {"list"}, SVC: {"list"}},
    "hosts": {JOBS: {"get"}},
    "wait": SNAPSHOT,
    "logs": rows(SNAPSHOT, log={"get"}),
    "exec": rows(SNAPSHOT, exec=EXEC_VERBS),
    "ping": rows(SNAPSHOT, exec=EXEC_VERBS),
    "describe": rows(SNAPSHOT, events={"list"}, networkpolicies={"list"}),
    "timeline": {JOBS: {"get"}, PODS: {"list"}, EVENTS: {"list"}},
    # doctor lists the Services (one selecting the pods under another name is a finding)
    # and reads logs only when a finding quotes them.
    "doctor": {JOBS: {"get"}, PODS: {"list"}, LOG: {"get"}, EXEC: EXEC_VERBS, SVC: {"list"},
               EVENTS: {"list"}, SLICES: {"list"}, NETPOL: {"list"}},
    "owners": SNAPSHOT,
    "orphans": {JOBS: {"list"}, PODS: {"list"}, SVC: {"list"}},
    "relabel": rows(SNAPSHOT, pods={"patch"}),
    "orphan": rows(SNAPSHOT, jobs={"delete"}, services={"patch"}, configmaps={"get"}),
    "adopt": {JOBS: {"get", "create"}, PODS: {"list"}, SVC: {"list", "patch"}, CM: {"get", "patch"}},
    "delete": rows(SNAPSHOT, jobs={"delete"}, configmaps={"get"}),
    "suspend": rows(SNAPSHOT, jobs={"patch"}),
    "resume": rows(SNAPSHOT, jobs={"patch"}),
    "scale": rows(SNAPSHOT, jobs={"patch"}, configmaps={"patch"}),
    "rerun": {JOBS: {"get", "list", "create", "delete"}, SVC: {"create", "delete"},
              CM: {"get", "create", "delete"}},
    # CronJobs (create --schedule): a command given a CronJob's name first finds no Job
    # of that name (jobs get), then reads the CronJob and lists its runs.
    "create-schedule": {CRON: {"create", "delete"}, SVC: {"create", "delete"},
                        CM: {"create", "delete"}},
    "list-cronjobs": {JOBS: {"list"}, SVC: {"list"}, CRON: {"list"}},
    "status-cronjob": rows(SNAPSHOT, jobs={"list"}, cronjobs={"get"}),
    "logs-cronjob": rows(SNAPSHOT, jobs={"list"}, cronjobs={"get"}, log={"get"}),
    "trigger": {CRON: {"get"}, JOBS: {"create"}},
    "delete-cronjob": {JOBS: {"get", "list"}, CRON: {"get", "delete"}},
}


def as_rules(row: dict) -> list[dict]:
    return [{"apiGroups": [g], "resources": [r], "verbs": sorted(v)} for (g, r), v in sorted(row.items())]


def union() -> dict:
    out: dict = {}
    for row in MATRIX.values():
        for key, verbs in row.items():
            out[key] = out.get(key, set()) | verbs
    return out


def test_docs_role_is_the_union_of_the_matrix():
    doc = yaml.safe_load((ROOT / "docs" / "rbac.yaml").read_text())
    have: dict = {}
    for rule in doc["rules"]:
        for g in rule["apiGroups"]:
            for r in rule["resources"]:
                have[(g, r)] = have.get((g, r), set()) | set(rule["verbs"])
    assert have == union()


def run_as(ijob, restricted_kubeconfig, command: str, *args: str, ok: bool = True):
    """Run the plugin as a ServiceAccount holding exactly MATRIX[command]."""
    name = "u-" + command.replace(" -w", "-watch")
    kc = restricted_kubeconfig(rules=as_rules(MATRIX[command]), name=name)
    out = ijob("--kubeconfig", kc, *args)
    if ok:
        assert out.returncode == 0, f"{command}: {out.stderr}{out.stdout}"
    assert "Forbidden" not in out.stderr + out.stdout, f"{command}: {out.stderr}{out.stdout}"
    return out


def test_every_command_with_exactly_its_rules(ijob, kubectl, restricted_kubeconfig, busybox_image):
    def as_user(command: str, *args: str, ok: bool = True):
        return run_as(ijob, restricted_kubeconfig, command, *args, ok=ok)

    as_user("create", "create", "rb", "--image", busybox_image, "--image-pull-policy",
            "IfNotPresent", "--items", "a,b", "--", *SLEEP)
    running(kubectl, "rb", 2)
    until(lambda: ijob("wait", "rb", "--for=peers", "--timeout=5s").returncode == 0, 60,
          what="peers of rb in DNS")
    assert "rb-1" in as_user("status", "status", "rb").stdout
    assert "rb" in as_user("list", "list").stdout
    assert as_user("hosts", "hosts", "rb").stdout.split()[0].startswith("rb-0.rb.")
    as_user("wait", "wait", "rb", "--for=ready", "--timeout=60s")
    as_user("logs", "logs", "rb", "--index", "all")
    assert as_user("exec", "exec", "rb", "1", "--", "cat", "/ijob/item").stdout == "b\n"
    assert "4/4 pairs ok" in as_user("ping", "ping", "rb", "--method", "dns").stdout
    as_user("describe", "describe", "rb")
    assert "critical path:" in as_user("timeline", "timeline", "rb").stdout
    assert "rb: no problems found" in as_user("doctor", "doctor", "rb").stdout
    as_user("owners", "owners", "rb")
    create(ijob, busybox_image, "quick", command=["sh", "-c", "sleep 3"])
    assert "Complete" in as_user("status -w", "status", "quick", "-w").stdout
    as_user("relabel", "relabel", "rb", "--index", "0", "--out-of-service", "--wait")
    as_user("orphan", "orphan", "rb")
    until(lambda: kubectl("get", "job", "rb").returncode == 1, 60, what="the orphaned Job to go")
    assert "rb" in as_user("orphans", "orphans").stdout
    as_user("adopt", "adopt", "rb")
    as_user("delete", "delete", "rb", "--wait")
    assert kubectl("get", "job", "rb").returncode == 1


def test_job_api_commands_with_exactly_their_rules(ijob, kubectl, restricted_kubeconfig,
                                                   busybox_image):
    def as_user(command: str, *args: str):
        return run_as(ijob, restricted_kubeconfig, command, *args)

    create(ijob, busybox_image, "sj", "--items", "a,b", command=SLEEP)
    running(kubectl, "sj", 2)
    assert "job.batch/sj suspended" in as_user("suspend", "suspend", "sj", "--wait").stdout
    assert "job.batch/sj resumed" in as_user("resume", "resume", "sj", "--wait").stdout
    assert "indexes added: 2" in as_user("scale", "scale", "sj", "--completions", "3", "--items", "c",
                                         "--wait").stdout
    create(ijob, busybox_image, "rj", "--items", "x,y", "--backoff-limit-per-index", "0",
           command=["sh", "-c", '[ "$JOB_COMPLETION_INDEX" = 1 ] && [ -z "$IJOB_ORIGINAL_INDEX" ] && exit 1; exit 0'])
    assert ijob("wait", "rj", "--for=terminal", "--timeout=120s").returncode == 0
    assert "job.batch/rj-rerun-1 created" in as_user("rerun", "rerun", "rj").stdout
    assert "SuccessCriteriaMet" in as_user("wait", "wait", "rj-rerun-1", "--for=decided",
                                           "--timeout=120s").stdout


def test_cronjob_commands_with_exactly_their_rules(ijob, kubectl, restricted_kubeconfig,
                                                   busybox_image):
    def as_user(command: str, *args: str):
        return run_as(ijob, restricted_kubeconfig, command, *args)

    created = as_user("create-schedule", "create", "cr", "--image", busybox_image,
                      "--image-pull-policy", "IfNotPresent", "--items", "a,b",
                      "--schedule", "0 0 1 1 *", "--", "cat", "/ijob/item")
    assert "cronjob.batch/cr created" in created.stdout
    listed = as_user("list-cronjobs", "list").stdout
    assert listed.startswith("NAME   SCHEDULE") and "0 0 1 1 *" in listed
    assert "SCHEDULE" not in as_user("list", "list").stdout  # without cronjobs list: no CronJob table
    run = as_user("trigger", "trigger", "cr").stdout.split()[0].split("/")[1]
    until(lambda: ijob("wait", run, "--for=complete", "--timeout=5s").returncode == 0, 120,
          what=f"the triggered run {run}")
    assert f"Run {run}:" in as_user("status-cronjob", "status", "cr").stdout
    assert as_user("logs-cronjob", "logs", "cr").stdout.split() == ["[0]", "a", "[1]", "b"]
    as_user("delete-cronjob", "delete", "cr", "--wait")
    assert kubectl("get", "cronjob", "cr").returncode == 1
