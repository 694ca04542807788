"""Fake nodes for scale: kwok (built from the module proxy) runs on the host beside the real node.

Fake nodes follow kwok's conventions: annotation ``kwok.x-k8s.io/node: fake``, label
``type=kwok`` and taint ``kwok.x-k8s.io/node=fake:NoSchedule``, so only pods that tolerate
the taint and select ``type=kwok`` land there. They spread over four zones
(``topology.kubernetes.io/zone=zone-a..d``); odd nodes carry 8 ``nvidia.com/gpu`` so a
GPU pool exists to schedule onto. The real controllers (Job, EndpointSlice, garbage
collector), the scheduler and CoreDNS treat their pods as any other; kwok only plays the
kubelet: it gives pods an IP from ``FAKE_POD_CIDR`` and makes them Running and Ready.

How a test ends a fake pod (the stages below, not kwok's ``pod-complete``, which would
complete every pod at once): annotate it with ``ijob-test/exit-code=N``; 0 makes it
Succeeded, anything else Failed with that container exit code (so podFailurePolicy rules on
exit codes apply). A deleted pod becomes Failed (exit 137) as a kubelet would make it,
then disappears once the Job controller has removed its finalizer.

Exec, logs and port-forward have no kubelet behind them on fake nodes: the API server
answers with an error, which is what the plugin's error paths are tested against.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

FAKE_POD_CIDR = "10.90.0.1/16"   # never routed: the guard rejects pod traffic towards it
ZONES = ("zone-a", "zone-b", "zone-c", "zone-d")
EXIT_ANNOTATION = "ijob-test/exit-code"
TAINT = {"key": "kwok.x-k8s.io/node", "value": "fake", "effect": "NoSchedule"}

_POD_STATUS = """
      {{ $now := Now }}
      conditions:
      - {lastTransitionTime: {{ $now | Quote }}, status: "True", type: Initialized}
      - {lastTransitionTime: {{ $now | Quote }}, status: "True", type: Ready}
      - {lastTransitionTime: {{ $now | Quote }}, status: "True", type: ContainersReady}
      containerStatuses:
      {{ range .spec.containers }}
      - {image: {{ .image | Quote }}, name: {{ .name | Quote }}, ready: true, restartCount: 0,
         started: true, state: {running: {startedAt: {{ $now | Quote }}}}}
      {{ end }}
      initContainerStatuses:
      {{ range .spec.initContainers }}
      - {image: {{ .image | Quote }}, name: {{ .name | Quote }}, ready: true, restartCount: 0,
         state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }},
                              finishedAt: {{ $now | Quote }}}}}
      {{ end }}
      {{ with NodeIPWith .spec.nodeName }}
      hostIP: {{ . | Quote }}
      hostIPs: [{ip: {{ . | Quote }}}]
      {{ end }}
      {{ with PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      podIP: {{ . | Quote }}
      podIPs: [{ip: {{ . | Quote }}}]
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
"""

_POD_END = """
      {{ $now := Now }}
      {{ $code := %s }}
      conditions:
      - {lastTransitionTime: {{ $now | Quote }}, status: "False", type: Ready, reason: PodCompleted}
      - {lastTransitionTime: {{ $now | Quote }}, status: "False", type: ContainersReady, reason: PodCompleted}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: {{ $code }}
            reason: {{ if eq ( printf "%%v" $code ) "0" }}Completed{{ else }}Error{{ end }}
            finishedAt: {{ $now | Quote }}
            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: {{ if eq ( printf "%%v" $code ) "0" }}Succeeded{{ else }}Failed{{ end }}
"""


def _stage(name: str, kind: str, exprs: list[tuple[str, str, list[str]]], nxt: dict,
           delay_ms: int = 0, jitter_ms: int = 0) -> dict:
    """One kwok Stage: when every (key, operator, values) matches, apply ``nxt``."""
    sel = [{"key": k, "operator": op, **({"values": v} if v else {})} for k, op, v in exprs]
    spec = {"resourceRef": {"apiGroup": "v1", "kind": kind}, "selector": {"matchExpressions": sel},
            "next": nxt}
    if delay_ms or jitter_ms:
        spec["delay"] = {"durationMilliseconds": delay_ms, "jitterDurationMilliseconds": jitter_ms}
    return {"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Stage", "metadata": {"name": name},
            "spec": spec}


def stages() -> list[dict]:
    """Nodes Ready with heartbeats; pods Running+Ready; ended by annotation or deletion."""
    ready = '.status.conditions.[] | select( .type == "Ready" ) | .status'
    node_status = ("{{ $now := Now }}\nconditions:\n{{ range NodeConditions }}\n"
                   "- lastHeartbeatTime: {{ $now | Quote }}\n  lastTransitionTime: {{ $now | Quote }}\n"
                   "  message: {{ .message | Quote }}\n  reason: {{ .reason | Quote }}\n"
                   "  status: {{ .status | Quote }}\n  type: {{ .type | Quote }}\n{{ end }}\n"
                   "{{ with NodeIP }}\naddresses: [{address: {{ . | Quote }}, type: InternalIP}]\n{{ end }}\n"
                   "phase: Running\n")
    exit_code = f'.metadata.annotations["{EXIT_ANNOTATION}"]'
    return [
        _stage("node-initialize", "Node", [(ready, "NotIn", ["True"])], {"statusTemplate": node_status}),
        _stage("node-heartbeat", "Node", [(".status.phase", "In", ["Running"]), (ready, "In", ["True"])],
               {"statusTemplate": node_status}, delay_ms=10000, jitter_ms=5000),
        _stage("pod-ready", "Pod", [(".metadata.deletionTimestamp", "DoesNotExist", []),
                                    (".status.phase", "In", ["Pending"])],
               {"statusTemplate": _POD_STATUS}),
        _stage("pod-exit", "Pod", [(".metadata.deletionTimestamp", "DoesNotExist", []),
                                   (".status.phase", "In", ["Running"]), (exit_code, "Exists", [])],
               {"statusTemplate": _POD_END % f'index .metadata.annotations "{EXIT_ANNOTATION}"'}),
        _stage("pod-terminate", "Pod", [(".metadata.deletionTimestamp", "Exists", []),
                                        (".status.phase", "In", ["Pending", "Running"])],
               {"statusTemplate": _POD_END % "137"}),
        _stage("pod-delete", "Pod", [(".metadata.deletionTimestamp", "Exists", []),
                                     (".metadata.finalizers", "DoesNotExist", [])], {"delete": True}),
    ]


def node_objects(count: int) -> list[dict]:
    """``count`` fake Node objects, named ijob-fake-<i>, spread over the zones."""
    out = []
    for i in range(count):
        name = f"ijob-fake-{i}"
        out.append({"apiVersion": "v1", "kind": "Node", "metadata": {
            "name": name, "annotations": {"kwok.x-k8s.io/node": "fake"},
            "labels": {"type": "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                       "kubernetes.io/arch": "amd64", "topology.kubernetes.io/zone": ZONES[i % len(ZONES)],
                       **({"ijob-test/gpu": "true"} if i % 2 else {})}},
            "spec": {"taints": [TAINT]}})
    return out


def node_capacity(index: int) -> dict:
    """Room for thousands of pods per fake node; odd nodes form a GPU pool."""
    cap = {"cpu": "256", "memory": "2Ti", "pods": "5000"}
    if index % 2:
        cap["nvidia.com/gpu"] = "8"
    return {"status": {"capacity": cap, "allocatable": cap}}


def create_nodes(kubectl, count: int) -> None:
    """Create (or keep) the fake nodes and give them capacity before kwok manages them."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": node_objects(count)}, f)
        f.flush()
        kubectl("apply", "-f", f.name, check=True)
    for i in range(count):
        kubectl("patch", "node", f"ijob-fake-{i}", "--subresource=status", "--type=merge",
                "-p", json.dumps(node_capacity(i)), check=True)


def config(path: Path) -> Path:
    """kwok's configuration: the stages, one YAML stream (JSON documents are YAML)."""
    path.write_text("\n---\n".join(json.dumps(s) for s in stages()) + "\n")
    return path


def argv(binary: Path, kubeconfig: Path, conf: Path) -> list[str]:
    """How kwok runs: only nodes labelled type=kwok, pod IPs from FAKE_POD_CIDR, leases kept."""
    return [str(binary), f"--kubeconfig={kubeconfig}", f"--config={conf}",
            "--manage-nodes-with-label-selector=type=kwok", f"--cidr={FAKE_POD_CIDR}",
            "--node-lease-duration-seconds=40", "--server-address=", "-v=WARN"]


def fake_node_names(kubectl) -> list[str]:
    """Names of the fake nodes present in the cluster."""
    res = kubectl("get", "nodes", "-l", "type=kwok", "-o", "name")
    return [n.split("/", 1)[1] for n in res.stdout.split()] if res.returncode == 0 else []
