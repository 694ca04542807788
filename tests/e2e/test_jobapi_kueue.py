"""A Job queued for Kueue: status reads Kueue's own Workload API.

Kueue's controller is not run here; the reading side is tested against Kueue's real
Workload CRD (sigs.k8s.io/kueue v0.17.0, from the Go module proxy) and a Workload
object whose status is set as Kueue sets it: first pending on quota, then admitted.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_plugin import create, until

pytestmark = pytest.mark.e2e

KUEUE = "sigs.k8s.io/kueue@v0.17.0"
CRD_FILE = "config/components/crd/bases/kueue.x-k8s.io_workloads.yaml"
CRD = "workloads.kueue.x-k8s.io"
PENDING = ("couldn't assign flavors to pod set main: insufficient unused quota for cpu in "
           "flavor default, 2 more needed")


def kueue_dir() -> Path:
    """Kueue's module from the Go module cache (downloaded through the module proxy)."""
    if shutil.which("go") is None:
        pytest.skip("go is needed to fetch Kueue's CRDs from the module proxy")
    out = subprocess.run(["go", "mod", "download", "-json", KUEUE], capture_output=True,
                         text=True, timeout=600, cwd="/")
    assert out.returncode == 0, out.stderr
    return Path(json.loads(out.stdout)["Dir"])


@pytest.fixture(scope="module")
def workload_crd(cluster_kubeconfig):
    """Kueue's Workload CRD installed (and removed again if this module installed it)."""
    kc = ["kubectl", "--kubeconfig", cluster_kubeconfig]
    present = subprocess.run([*kc, "get", "crd", CRD], capture_output=True).returncode == 0
    if not present:
        out = subprocess.run([*kc, "create", "-f", str(kueue_dir() / CRD_FILE)],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        until(lambda: subprocess.run([*kc, "get", "workloads.kueue.x-k8s.io", "-A"],
                                     capture_output=True).returncode == 0, 60, what="the Workload API")
    yield
    if not present:
        subprocess.run([*kc, "delete", "crd", CRD, "--wait=false"], capture_output=True)


def status_patch(kubectl, name: str, status: dict) -> None:
    out = kubectl("patch", "workload", name, "--subresource=status", "--type=merge",
                  "-p", json.dumps({"status": status}))
    assert out.returncode == 0, out.stderr


def test_status_shows_kueues_admission_state(workload_crd, ijob, kubectl, busybox_image, namespace):
    create(ijob, busybox_image, "kq", "--completions", "2", "--suspend",
           "-l", "kueue.x-k8s.io/queue-name=team-a", command=["sleep", "300"])
    out = ijob("status", "kq").stdout
    assert "Kueue holds it until the workload is admitted" in out
    assert "Kueue:             queue team-a; no workload yet (is Kueue running?)" in out
    uid = json.loads(kubectl("get", "job", "kq", "-o", "json").stdout)["metadata"]["uid"]
    workload = {"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
                "metadata": {"name": "job-kq-1a2b3", "namespace": namespace, "ownerReferences": [
                    {"apiVersion": "batch/v1", "kind": "Job", "name": "kq", "uid": uid, "controller": True}]},
                "spec": {"queueName": "team-a", "podSets": [{"name": "main", "count": 2, "template": {
                    "spec": {"containers": [{"name": "worker", "image": busybox_image}]}}}]}}
    assert kubectl("create", "-f", "-", input=json.dumps(workload)).returncode == 0
    status_patch(kubectl, "job-kq-1a2b3", {"conditions": [{
        "type": "QuotaReserved", "status": "False", "reason": "Pending", "message": PENDING,
        "lastTransitionTime": "2026-11-29T15:00:00Z"}]})
    out = ijob("status", "kq").stdout
    assert f"Kueue:             queue team-a; workload job-kq-1a2b3: pending: {PENDING}" in out
    status_patch(kubectl, "job-kq-1a2b3", {
        "admission": {"clusterQueue": "cq-a", "podSetAssignments": [
            {"name": "main", "count": 2, "flavors": {"cpu": "default"}, "resourceUsage": {"cpu": "2"}}]},
        "conditions": [{"type": "QuotaReserved", "status": "True", "reason": "QuotaReserved",
                        "message": "Quota reserved in ClusterQueue cq-a",
                        "lastTransitionTime": "2026-11-29T15:01:00Z"},
                       {"type": "Admitted", "status": "True", "reason": "Admitted",
                        "message": "The workload is admitted", "lastTransitionTime": "2026-11-29T15:01:00Z"}]})
    described = ijob("describe", "kq").stdout
    assert "workload job-kq-1a2b3: admitted by ClusterQueue cq-a" in described
    doc = json.loads(ijob("status", "kq", "-o", "json").stdout)
    assert doc["fate"]["queue"] == "team-a" and doc["fate"]["suspended"] is True
    assert doc["fate"]["workload"] == "workload job-kq-1a2b3: admitted by ClusterQueue cq-a"
