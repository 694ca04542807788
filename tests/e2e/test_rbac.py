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
# Exec over a websocket starts as a GET: API servers up to 1.34 check `get` on pods/exec;
# from 1.35 (AuthorizePodWebsocketUpgradeCreatePermission) they check `create` as well.
EXEC_VERBS = {"get", "create"}
# What status reads: the Job, its pods, its Service and the Service's EndpointSlices.
SNAPSHOT = {JOBS: {"get"}, PODS: {"list"}, SVC: {"get"}, SLICES: {"list"}}


def rows(base: dict, **extra: set) -> dict:
    out = {k: set(v) for k, v in base.items()}
    for key, verbs in extra.items():
        res = {"jobs": JOBS, "pods": PODS, "services": SVC, "configmaps": CM, "log": LOG,
               "exec": EXEC, "events": EVENTS, "networkpolicies": NETPOL}[key]
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
    "owners": SNAPSHOT,
    "orphans": {JOBS: {"list"}, PODS: {"list"}, SVC: {"list"}},
    "relabel": rows(SNAPSHOT, pods={"patch"}),
    "orphan": rows(SNAPSHOT, jobs={"delete"}, services={"patch"}, configmaps={"get"}),
    "adopt": {JOBS: {"get", "create"}, PODS: {"list"}, SVC: {"list", "patch"}, CM: {"get", "patch"}},
    "delete": rows(SNAPSHOT, jobs={"delete"}, configmaps={"get"}),
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


def test_every_command_with_exactly_its_rules(ijob, kubectl, restricted_kubeconfig, busybox_image):
    def as_user(command: str, *args: str, ok: bool = True):
        name = "u-" + command.replace(" -w", "-watch")
        kc = restricted_kubeconfig(rules=as_rules(MATRIX[command]), name=name)
        out = ijob("--kubeconfig", kc, *args)
        if ok:
            assert out.returncode == 0, f"{command}: {out.stderr}{out.stdout}"
        assert "Forbidden" not in out.stderr + out.stdout, f"{command}: {out.stderr}{out.stdout}"
        return out

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
    as_user("owners", "owners", "rb")
    create(ijob, busybox_image, "quick", command=["sh", "-c", "sleep 3"])
    assert "Complete" in as_user("status -w", "status", "quick", "-w").stdout
    as_user("relabel", "relabel", "rb", "--index", "0", "--out-of-service", "--wait")
    as_user("orphan", "orphan", "rb")
    assert "rb" in as_user("orphans", "orphans").stdout
    as_user("adopt", "adopt", "rb")
    as_user("delete", "delete", "rb", "--wait")
    assert kubectl("get", "job", "rb").returncode == 1
