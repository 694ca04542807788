"""Evidence for doctor's unit tests: a healthy 4-index job as the API returns it (pods,
EndpointSlices, events, a PeerMatrix), and the same job complete or just created."""
from __future__ import annotations

import datetime as dt
from typing import Any

from kubectl_ijob.domain.doctor import Evidence
from kubectl_ijob.domain.peers import Matrix, PairResult

from ..objects import job, pod, service

NOW = dt.datetime(2026, 11, 22, 10, 5, 0, tzinfo=dt.timezone.utc)
N = 4


def at(seconds: float) -> str:
    """A timestamp `seconds` after the job started (10:00:00)."""
    t = dt.datetime(2026, 11, 22, 10, 0, 0, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def running_pod(i: int, start: float = 3.0) -> dict[str, Any]:
    """A Running, Ready pod of index i as the kubelet reports it."""
    p = pod(i, "Running")
    p["metadata"]["uid"] = f"uid-{i}"
    p["status"].update({
        "startTime": at(1), "hostIP": "10.0.0.1",
        "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": at(1)},
                       {"type": "Initialized", "status": "True", "lastTransitionTime": at(1)},
                       {"type": "ContainersReady", "status": "True",
                        "lastTransitionTime": at(start)},
                       {"type": "Ready", "status": "True", "lastTransitionTime": at(start)}]})
    cs = p["status"]["containerStatuses"][0]
    cs.update({"image": "localhost/x:1", "started": True,
               "state": {"running": {"startedAt": at(start)}}})
    p["spec"]["subdomain"] = "example-job"
    return p


def endpoint(p: dict[str, Any]) -> dict[str, Any]:
    return {"addresses": [p["status"]["podIP"]], "hostname": p["spec"]["hostname"],
            "nodeName": "node-1",
            "conditions": {"ready": True, "serving": True, "terminating": False},
            "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": "default",
                          "uid": p["metadata"]["uid"]}}


def endpoint_slice(pods: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": "example-job-x7k2p", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "example-job"}},
            "endpoints": [endpoint(p) for p in pods], "ports": None}


def event(obj: dict[str, Any], reason: str, message: str, type_: str = "Warning",
          count: int = 1, when: float = 2) -> dict[str, Any]:
    meta = obj["metadata"]
    return {"apiVersion": "v1", "kind": "Event", "type": type_, "reason": reason,
            "message": message, "count": count,
            "firstTimestamp": at(when), "lastTimestamp": at(when),
            "metadata": {"name": f"{meta['name']}.{reason}", "namespace": "default"},
            "involvedObject": {"kind": obj["kind"], "name": meta["name"], "namespace": "default",
                               "uid": meta["uid"]}}


def matrix(n: int = N, bad: dict[tuple[int, int], str] | None = None,
           method: str = "icmp") -> Matrix:
    """The N x N result of `ping`: every pair ok unless named in `bad`."""
    pairs = []
    for s in range(n):
        for t in range(n):
            code = (bad or {}).get((s, t), "ok")
            pairs.append(PairResult(s, t, code, 0.05 if code == "ok" else None,
                                    [] if code == "nxdomain" else [f"10.88.0.{10 + t}"]))
    return Matrix(method, list(range(n)), list(range(n)), pairs, {},
                  {t: f"10.88.0.{10 + t}" for t in range(n)})


def healthy() -> Evidence:
    """A running 4-index job, every pod Ready and published, every pair ok."""
    j = job(completions=N, active=N, ready=N)
    pods = [running_pod(i) for i in range(N)]
    events = [event(j, "SuccessfulCreate", f"Created pod: {p['metadata']['name']}", "Normal")
              for p in pods]
    events += [event(p, "Pulled", 'Container image "localhost/x:1" already present on machine',
                     "Normal") for p in pods]
    return Evidence(job=j, pods=pods, services=[service()], slices=[endpoint_slice(pods)],
                    events=events, policies=[], policy_findings=[], ping=matrix(),
                    dns=matrix(method="dns"), logs={}, now=NOW)


def complete() -> Evidence:
    """The same job after every index succeeded (finished pods leave the EndpointSlices)."""
    ev = healthy()
    ev.job = job(completions=N, succeeded=N, completedIndexes="0-3",
                 completionTime=at(20), conditions=[{"type": "Complete", "status": "True"}])
    for i, p in enumerate(ev.pods):
        p["status"]["phase"] = "Succeeded"
        p["status"]["conditions"][-1]["status"] = "False"
        p["status"]["containerStatuses"][0].update(ready=False, state={"terminated": {
            "exitCode": 0, "reason": "Completed", "startedAt": at(3), "finishedAt": at(13 + i)}})
    ev.slices, ev.ping, ev.dns = [endpoint_slice([])], None, None
    return ev


def just_created() -> Evidence:
    """Pods created a second ago: not scheduled yet, nothing wrong."""
    ev = healthy()
    ev.job = job(completions=N, active=N)
    for p in ev.pods:
        p["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    ev.slices, ev.ping, ev.dns, ev.now = [endpoint_slice([])], None, None, \
        dt.datetime(2026, 11, 22, 10, 0, 1, tzinfo=dt.timezone.utc)
    return ev
