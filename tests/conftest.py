"""Cluster fixtures for the e2e tests, chosen in this order:

1. IJOB_E2E_KUBECONFIG: a cluster you already have;
2. the local cluster (tests/cluster), when this machine can run it (root, Linux) -
   it is built if needed, brought up, and brought down again if this session started it;
3. kind through pytest-kind, when Docker and kind work;
4. otherwise the e2e tests skip with one line of reason - unless IJOB_E2E_REQUIRED=1
   (CI), where a skipped e2e test is a failure.

Only tests marked `e2e` touch a cluster; the unit tests never start one.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _server_kubectl_first() -> None:
    """Put the kubectl built with the test cluster (same version as the server) first on PATH.

    The machine's kubectl may be several minors older than the server, outside kubectl's
    one-minor skew; every test that runs `kubectl` (and the plugin's comparisons with it)
    uses the server's version instead.
    """
    from tests.cluster.build import kubectl_dir

    found = kubectl_dir()
    if found and not os.environ.get("IJOB_E2E_KUBECONFIG"):
        os.environ["PATH"] = f"{found}{os.pathsep}{os.environ.get('PATH', '')}"


_server_kubectl_first()


def _required() -> bool:
    return os.environ.get("IJOB_E2E_REQUIRED") == "1"


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"e2e cluster unavailable and IJOB_E2E_REQUIRED=1: {reason}", pytrace=False)
    pytest.skip(reason)


def _local_possible() -> str:
    """'' when the local cluster can run here, else why not."""
    if sys.platform != "linux":
        return "the local cluster needs Linux"
    if os.geteuid() != 0:
        return "the local cluster needs root (containerd, mounts, iptables)"
    if shutil.which("go") is None:
        from tests.cluster.build import missing

        if missing():
            return "the local cluster's binaries are not built and Go is not installed"
    return ""


def _kind_possible() -> bool:
    if not (shutil.which("docker") and shutil.which("kind")):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def cluster_kubeconfig(request, tmp_path_factory) -> Iterator[str]:
    """A kubeconfig of a real cluster for the whole session."""
    given = os.environ.get("IJOB_E2E_KUBECONFIG")
    if given:
        yield given
        return
    why = _local_possible()
    if not why:
        from tests.cluster import cluster

        started = not all(cluster.status().values())
        try:
            cluster.up(fake=FAKE_NODES)
        except Exception as e:  # a cluster that cannot start is a reason, not a traceback
            _unavailable(f"local cluster failed to start: {e}")
        yield str(cluster.KUBECONFIG)
        if started and os.environ.get("IJOB_KEEP_CLUSTER") != "1":
            cluster.down()
        return
    if _kind_possible():
        from pytest_kind import KindCluster

        kind = KindCluster("kubectl-ijob")
        kind.create()
        yield str(kind.kubeconfig_path)
        kind.delete()
        return
    _unavailable(f"no cluster: {why}; Docker/kind not available; IJOB_E2E_KUBECONFIG not set")


FAKE_NODES = int(os.environ.get("IJOB_FAKE_NODES", "4"))


@pytest.fixture(scope="session")
def fake_nodes(cluster_kubeconfig) -> list[str]:
    """Names of the kwok-managed fake nodes (label type=kwok, taint kwok.x-k8s.io/node=fake).

    On the local cluster they are added when missing; elsewhere the cluster must have them.
    """
    from tests.cluster import kwok

    def run(*args: str, check: bool = False) -> subprocess.CompletedProcess:
        res = subprocess.run(["kubectl", "--kubeconfig", cluster_kubeconfig, *args], capture_output=True, text=True)
        if check and res.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {res.stderr.strip()}")
        return res
    names = kwok.fake_node_names(run)
    if not names and not os.environ.get("IJOB_E2E_KUBECONFIG") and not _local_possible():
        from tests.cluster import cluster

        cluster.fake_nodes(FAKE_NODES)
        names = kwok.fake_node_names(run)
    if not names:
        _unavailable("the cluster has no kwok nodes (label type=kwok)")
    return names


@pytest.fixture
def namespace(cluster_kubeconfig) -> Iterator[str]:
    """A fresh namespace per test (with its default ServiceAccount), deleted afterwards."""
    name = f"ijob-e2e-{uuid.uuid4().hex[:8]}"
    kc = ["kubectl", "--kubeconfig", cluster_kubeconfig]
    subprocess.run([*kc, "create", "namespace", name], check=True, capture_output=True)
    for _ in range(120):
        if subprocess.run([*kc, "-n", name, "get", "serviceaccount", "default"],
                          capture_output=True).returncode == 0:
            break
        import time
        time.sleep(0.5)
    yield name
    subprocess.run([*kc, "delete", "namespace", name, "--wait=false"], capture_output=True)


@pytest.fixture
def kubectl(cluster_kubeconfig, namespace) -> Callable[..., subprocess.CompletedProcess]:
    """Run kubectl against the test namespace."""

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(["kubectl", "--kubeconfig", cluster_kubeconfig, "-n", namespace, *args],
                              capture_output=True, text=True, input=input, timeout=300)
    return run


@pytest.fixture
def ijob(cluster_kubeconfig, namespace) -> Callable[..., subprocess.CompletedProcess]:
    """Run the plugin as a user would, with the test cluster and namespace."""

    def run(*args: str, input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        e = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(ROOT))
        e.update(env or {})
        return subprocess.run([sys.executable, "-m", "kubectl_ijob", "--kubeconfig", cluster_kubeconfig,
                               "-n", namespace, *args], capture_output=True, text=True, input=input,
                              env=e, timeout=600)
    return run


@pytest.fixture(scope="session")
def busybox_image(cluster_kubeconfig) -> str:
    """The workload image every e2e test uses (busybox: sh, ping, nslookup, nc, rev, sleep)."""
    if os.environ.get("IJOB_E2E_IMAGE"):
        return os.environ["IJOB_E2E_IMAGE"]
    from tests.cluster.images import BUSYBOX_IMAGE

    return BUSYBOX_IMAGE
