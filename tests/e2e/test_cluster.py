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


def test_server_and_kubectl_are_the_built_version(kubectl):
    # The cluster runs the release it was built for (IJOB_K8S_VERSION), and the kubectl the
    # tests compare against is the same release (the machine's own may be out of skew).
    from tests.cluster.build import K8S_VERSION

    version = json.loads(kubectl("version", "-o", "json").stdout)
    assert version["serverVersion"]["gitVersion"] == K8S_VERSION
    assert version["serverVersion"]["gitTreeState"] == "clean"
    assert version["clientVersion"]["gitVersion"] == K8S_VERSION


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
                                                                    "for i in 0 1 2; do until ping -c1 -W1 peers-$i.svc; do sleep 1; done; done; sleep 10"]}]}}}}]}
    assert kubectl("apply", "-f", "-", input=json.dumps(manifest)).returncode == 0
    out = kubectl("wait", "--for=condition=complete", "job/peers", "--timeout=120s")
    assert out.returncode == 0, out.stderr


def test_fake_nodes_run_pods_and_end_them_on_request(kubectl, fake_nodes):
    # kwok plays the kubelet of the fake nodes: a pod that tolerates their taint lands there,
    # gets an IP from the fake range and becomes Running and Ready; the annotation
    # ijob-test/exit-code ends it with that exit code, as tests/cluster/kwok.py documents.
    import ipaddress

    from tests.cluster import kwok

    nodes = json.loads(kubectl("get", "nodes", "-l", "type=kwok", "-o", "json").stdout)["items"]
    assert {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes} == set(kwok.ZONES[:len(nodes)])
    assert all(n["spec"]["taints"] == [kwok.TAINT] for n in nodes)
    spec = {"nodeSelector": {"type": "kwok"},
            "tolerations": [{"key": kwok.TAINT["key"], "operator": "Exists", "effect": "NoSchedule"}]}
    for name in ("ok", "bad"):
        assert kubectl("apply", "-f", "-", input=pod_yaml(name, "localhost/none:1", ["x"], **spec)).returncode == 0
    for name in ("ok", "bad"):
        wait_phase(kubectl, name, ("Running",), timeout=60)
        pod = json.loads(kubectl("get", "pod", name, "-o", "json").stdout)
        assert pod["spec"]["nodeName"] in fake_nodes
        assert ipaddress.ip_address(pod["status"]["podIP"]) in ipaddress.ip_network(kwok.FAKE_POD_CIDR, strict=False)
        assert {c["type"]: c["status"] for c in pod["status"]["conditions"]}["Ready"] == "True"
    kubectl("annotate", "pod", "ok", f"{kwok.EXIT_ANNOTATION}=0")
    kubectl("annotate", "pod", "bad", f"{kwok.EXIT_ANNOTATION}=3")
    assert wait_phase(kubectl, "ok") == "Succeeded"
    assert wait_phase(kubectl, "bad") == "Failed"
    state = json.loads(kubectl("get", "pod", "bad", "-o", "json").stdout)["status"]["containerStatuses"][0]["state"]
    assert state["terminated"]["exitCode"] == 3


def test_gateway_keeps_its_mac_while_pods_come_and_go(kubectl, busybox_image):
    # The bridge is every pod's gateway and CoreDNS's address. Left to itself a Linux bridge
    # takes the lowest MAC of its ports, so pods ending changed it under the pods that had
    # cached it: DNS timed out on the whole node for seconds (22 of 95 lookups of a pod
    # asking twice a second failed while 24 other pods came and went). Its MAC is set once.
    from pathlib import Path

    from tests.cluster.cluster import BRIDGE, GATEWAY, GATEWAY_MAC

    sys_net = Path("/sys/class/net") / BRIDGE
    assert (sys_net / "addr_assign_type").read_text().strip() == "3"  # NET_ADDR_SET
    loop = ("while true; do nslookup kubernetes.default.svc.cluster.local >/dev/null 2>&1 "
            "&& echo ok || echo FAIL; sleep 0.5; done")
    assert kubectl("apply", "-f", "-", input=pod_yaml("dnsloop", busybox_image, ["sh", "-c", loop])).returncode == 0
    wait_phase(kubectl, "dnsloop", ("Running",))
    for i in range(8):
        pod = pod_yaml(f"churn{i}", busybox_image, ["sleep", str(2 + i % 4)])
        assert kubectl("apply", "-f", "-", input=pod).returncode == 0
    for i in range(8):
        wait_phase(kubectl, f"churn{i}")
        kubectl("delete", "pod", f"churn{i}", "--now")
    time.sleep(2)
    assert (sys_net / "address").read_text().strip() == GATEWAY_MAC
    arp = kubectl("exec", "dnsloop", "--", "cat", "/proc/net/arp").stdout
    assert any(line.split()[:1] == [GATEWAY] and GATEWAY_MAC in line for line in arp.splitlines()), arp
    answers = kubectl("logs", "dnsloop").stdout.split()
    assert answers.count("ok") >= 10 and "FAIL" not in answers, answers
