"""The test cluster itself: real versions, pods, exec, logs, peer DNS, and the network guard."""
from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.e2e


def pod_yaml(name, image, command, **spec):
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                       "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 0, **spec,
                                "containers": [{"name": "c", "image": image, "imagePullPolicy": "Never",
                                                "command": command}]}})


def wait_phase(kubectl, name, phases=("Succeeded", "Failed"), timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        phase = kubectl("get", "pod", name, "-o", "jsonpath={.status.phase}").stdout
        if phase in phases:
            return phase
        time.sleep(0.5)
    pytest.fail(f"pod {name} did not reach {phases}")


def test_server_is_kubernetes_1_33(kubectl):
    version = json.loads(kubectl("version", "-o", "json").stdout)["serverVersion"]
    assert version["gitVersion"].startswith("v1.33.") and version["gitTreeState"] == "clean"


def test_pod_runs_logs_and_exec(kubectl, busybox_image):
    assert kubectl("apply", "-f", "-", input=pod_yaml("p", busybox_image, ["sh", "-c", "echo hi; sleep 300"])).returncode == 0
    wait_phase(kubectl, "p", ("Running",))
    deadline = time.monotonic() + 30
    while kubectl("logs", "p").stdout.strip() != "hi" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert kubectl("logs", "p").stdout.strip() == "hi"
    out = kubectl("exec", "p", "--", "sh", "-c", "echo $((6*7))")
    assert out.stdout.strip() == "42"


def test_guard_blocks_everything_outside_the_pod_range(kubectl, busybox_image):
    # Reaching another pod works; nothing outside the pod range does, and fails fast.
    assert kubectl("apply", "-f", "-", input=pod_yaml(
        "server", busybox_image, ["sh", "-c", "while true; do nc -l -p 8080 -e echo pong; done"])).returncode == 0
    wait_phase(kubectl, "server", ("Running",))
    ip = kubectl("get", "pod", "server", "-o", "jsonpath={.status.podIP}").stdout
    script = (f"echo x | nc -w 3 {ip} 8080 && echo POD-OK; "
              "for a in 192.0.2.1 1.1.1.1 8.8.8.8 10.96.0.1; do "
              "  if nc -w 3 $a 80 </dev/null 2>/dev/null; then echo LEAK-$a; else echo BLOCKED-$a; fi; done; "
              "ping -c 1 -W 2 1.1.1.1 >/dev/null 2>&1 && echo LEAK-icmp || echo BLOCKED-icmp; "
              "nslookup example.com >/dev/null 2>&1 && echo LEAK-dns || echo BLOCKED-dns")
    assert kubectl("apply", "-f", "-", input=pod_yaml("probe", busybox_image, ["sh", "-c", script])).returncode == 0
    started = time.monotonic()
    wait_phase(kubectl, "probe")
    out = kubectl("logs", "probe").stdout.split()
    assert "POD-OK" in out
    assert not [w for w in out if w.startswith("LEAK")], out
    assert {"BLOCKED-192.0.2.1", "BLOCKED-1.1.1.1", "BLOCKED-8.8.8.8", "BLOCKED-10.96.0.1",
            "BLOCKED-icmp", "BLOCKED-dns"} <= set(out)
    assert time.monotonic() - started < 60  # rejected, not left to time out one by one


def test_indexed_job_peers_resolve_and_ping(kubectl, busybox_image):
    manifest = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
         "spec": {"clusterIP": "None", "selector": {"job-name": "peers"}}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "peers"},
         "spec": {"completions": 3, "parallelism": 3, "completionMode": "Indexed",
                  "template": {"spec": {"subdomain": "svc", "restartPolicy": "Never",
                                        "containers": [{"name": "c", "image": busybox_image,
                                                        "imagePullPolicy": "Never",
                                                        "command": ["sh", "-c",
                                                                    "for i in 0 1 2; do until ping -c1 -W1 peers-$i.svc; do sleep 1; done; done"]}]}}}}]}
    assert kubectl("apply", "-f", "-", input=json.dumps(manifest)).returncode == 0
    out = kubectl("wait", "--for=condition=complete", "job/peers", "--timeout=120s")
    assert out.returncode == 0, out.stderr
