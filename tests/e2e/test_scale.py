"""The 1,000-index tier: an Indexed Job as big as users run, on kwok's fake nodes.

The Job, EndpointSlice and garbage-collector controllers, the scheduler and CoreDNS are the
real ones; kwok only plays the kubelet of the fake nodes (tests/cluster/kwok.py), so pods
are Running and Ready with IPs of their own, and end when a test annotates them. Every
command is run once on the same job, in the order a user would, and its result asserted.
"""
from __future__ import annotations

import json
import time

import pytest

from tests.cluster import kwok

pytestmark = pytest.mark.e2e

N = 1000
FAKE_POOL = ["--node-selector", "type=kwok", "--toleration", "kwok.x-k8s.io/node=fake:NoSchedule"]


def pods_of(kubectl, job: str) -> list[dict]:
    out = kubectl("get", "pods", "-l", f"batch.kubernetes.io/job-name={job}", "-o", "json")
    return json.loads(out.stdout)["items"]


def annotate_index(kubectl, job: str, index: int, code: int) -> None:
    sel = f"batch.kubernetes.io/job-name={job},batch.kubernetes.io/job-completion-index={index}"
    assert kubectl("annotate", "pods", "-l", sel, f"{kwok.EXIT_ANNOTATION}={code}", "--overwrite").returncode == 0


def until(what: str, check, timeout: float = 300, every: float = 2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f}s: {what}")


@pytest.fixture(scope="module")
def items_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("items") / "items.txt"
    path.write_text("".join(f"shard-{i:04d}\n" for i in range(N)))
    return path


def test_a_thousand_indexes_on_fake_nodes(ijob, kubectl, fake_nodes, busybox_image, items_file, namespace):
    made = ijob("create", "big", "--image", busybox_image, "--completions", str(N), "--parallelism", str(N),
                *FAKE_POOL, "--items-file", str(items_file), "--wait-for-peers", "600",
                "--backoff-limit-per-index", "0", "--", "sleep", "3600")
    assert made.returncode == 0, made.stderr
    job = json.loads(kubectl("get", "job", "big", "-o", "json").stdout)
    assert len(json.dumps(job)) < 64 * 1024  # peer names are generated in the pod, not stored in the Job

    ready = ijob("wait", "big", "--for=ready", "--timeout=600s")
    assert ready.returncode == 0, ready.stderr
    assert f"{N} indexes ready" in ready.stdout
    peers = ijob("wait", "big", "--for=peers", "--timeout=300s")
    assert peers.returncode == 0, peers.stderr
    pods = pods_of(kubectl, "big")
    assert len(pods) == N and {p["spec"]["nodeName"] for p in pods} <= set(fake_nodes)

    doc = json.loads(ijob("status", "big", "-o", "json").stdout)
    rows = doc["indexes"]
    assert [r["index"] for r in rows] == list(range(N))
    assert all(r["pod"] and r["status"] == "Running" and r["ready"] == "1/1" for r in rows)
    table = ijob("status", "big").stdout.splitlines()
    assert sum(1 for line in table if line.split()[:1] and line.split()[0].isdigit()) == N

    listed = ijob("list", "-A").stdout
    assert any(line.split()[:2] == [namespace, "big"] for line in listed.splitlines())
    assert "big" in ijob("describe", "big").stdout
    owners = ijob("owners", "big").stdout.splitlines()
    assert sum(1 for line in owners if line.startswith("big-")) == N
    hosts = ijob("hosts", "big").stdout.split()
    assert hosts == [f"big-{i}.big.{namespace}.svc.cluster.local" for i in range(N)]


def test_a_thousand_orphaned_and_adopted(ijob, kubectl, fake_nodes, busybox_image, namespace):
    assert ijob("create", "herd", "--image", busybox_image, "--completions", str(N), *FAKE_POOL,
                "--backoff-limit-per-index", "0", "--", "sleep", "3600").returncode == 0
    assert ijob("wait", "herd", "--for=ready", "--timeout=600s").returncode == 0
    before = {p["metadata"]["name"] for p in pods_of(kubectl, "herd")}
    orphan = ijob("orphan", "herd")
    assert orphan.returncode == 0, orphan.stderr
    until("pods released", lambda: all(not p["metadata"].get("ownerReferences")
                                       for p in pods_of(kubectl, "herd")), 300)
    adopt = ijob("adopt", "herd")
    assert adopt.returncode == 0, adopt.stderr
    until("pods adopted", lambda: all(p["metadata"].get("ownerReferences")
                                      for p in pods_of(kubectl, "herd")), 300)
    assert {p["metadata"]["name"] for p in pods_of(kubectl, "herd")} == before  # adopted, not re-created

    # index 17 fails (no retries per index): it shows as failed while the others run on
    annotate_index(kubectl, "herd", 17, 3)
    until("index 17 failed", lambda: json.loads(kubectl("get", "job", "herd", "-o", "json").stdout)
          ["status"].get("failedIndexes") == "17", 120)
    rows = json.loads(ijob("status", "herd", "-o", "json").stdout)["indexes"]
    assert rows[17]["status"] == "Failed" and sum(r["status"] == "Running" for r in rows) == N - 1

    gone = ijob("delete", "herd", "--cascade=foreground", "--wait", "--timeout=600s")
    assert gone.returncode == 0, gone.stderr
    assert pods_of(kubectl, "herd") == [] and kubectl("get", "job", "herd").returncode != 0
    assert kubectl("get", "service", "herd").returncode != 0


def test_fake_pods_complete_and_errors_of_kubelet_less_pods(ijob, kubectl, fake_nodes, busybox_image):
    assert ijob("create", "fin", "--image", busybox_image, "--completions", "50", *FAKE_POOL,
                "--", "sleep", "3600").returncode == 0
    assert ijob("wait", "fin", "--for=ready", "--timeout=300s").returncode == 0
    # exec, logs and ping need a kubelet: on fake nodes they end with kubectl's one-line errors
    logs = ijob("logs", "fin", "--index", "0")
    assert logs.returncode == 1 and logs.stdout == "" and logs.stderr.startswith("Error from server")
    assert len(logs.stderr.strip().splitlines()) == 1
    ran = ijob("exec", "fin", "0", "--", "true")
    assert ran.returncode != 0 and ran.stderr.strip() and "Traceback" not in ran.stderr
    ping = ijob("ping", "fin", "--index", "0-1", "-o", "json", "--timeout", "2")
    assert ping.returncode == 1 and "Traceback" not in ping.stderr
    assert {p["code"] for p in json.loads(ping.stdout)["pairs"]} == {"exec-failed"}

    kubectl("annotate", "pods", "-l", "batch.kubernetes.io/job-name=fin", f"{kwok.EXIT_ANNOTATION}=0")
    done = ijob("wait", "fin", "--for=complete", "--timeout=300s")
    assert done.returncode == 0, done.stderr
    doc = json.loads(ijob("status", "fin", "-o", "json").stdout)
    assert {r["status"] for r in doc["indexes"]} == {"Succeeded"}
