"""Jobs, pods and events shaped as the API server returns them (checked against a real
1.37 cluster: conditions, container states, kubelet Pulled events), for the timeline tests."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from kubectl_ijob.domain import timeline as tline
from kubectl_ijob.domain.model import INDEX_ANNOTATION

T0 = dt.datetime(2026, 11, 29, 14, 0, 0, tzinfo=dt.timezone.utc)
UID = "5d1c7e0a-0000-4000-8000-000000000001"


def ts(offset: Optional[float]) -> Optional[str]:
    """T0 + offset seconds as the API writes it."""
    if offset is None:
        return None
    return (T0 + dt.timedelta(seconds=offset)).isoformat().replace("+00:00", "Z")


def job(completions: int = 3, conditions: tuple[str, ...] = (), **status: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "tl", "namespace": "ns", "uid": UID, "creationTimestamp": ts(0)},
            "spec": {"completions": completions, "parallelism": completions,
                     "completionMode": "Indexed"},
            "status": {"startTime": ts(0), **status,
                       "conditions": [{"type": c, "status": "True", "lastTransitionTime": ts(99)}
                                      for c in conditions]}}


def pod(index: int, created: float = 0, scheduled: Optional[float] = None,
        initialized: Optional[float] = None, started: Optional[float] = None,
        ready: Optional[float] = None, finished: Optional[float] = None, exit_code: int = 0,
        init_started: Optional[float] = None, name: Optional[str] = None, uid: str = UID,
        restarts: int = 0) -> dict[str, Any]:
    """A pod as the API returns it at some moment: only the boundaries reached are set."""
    conds = [{"type": "PodScheduled", "status": "True" if scheduled is not None else "False",
              "lastTransitionTime": ts(scheduled if scheduled is not None else created)}]
    if initialized is not None:
        conds.append({"type": "Initialized", "status": "True", "lastTransitionTime": ts(initialized)})
    if ready is not None and finished is None:
        conds.append({"type": "Ready", "status": "True", "lastTransitionTime": ts(ready)})
    elif finished is not None:  # a finished pod is no longer Ready: its ready time is lost
        conds.append({"type": "Ready", "status": "False", "reason": "PodCompleted",
                      "lastTransitionTime": ts(finished)})
    state: dict[str, Any] = {"waiting": {"reason": "ContainerCreating"}}
    if finished is not None:
        state = {"terminated": {"exitCode": exit_code, "startedAt": ts(started), "finishedAt": ts(finished),
                                "reason": "Completed" if exit_code == 0 else "Error"}}
    elif started is not None:
        state = {"running": {"startedAt": ts(started)}}
    phase = ("Succeeded" if exit_code == 0 else "Failed") if finished is not None else \
        "Running" if started is not None else "Pending"
    status: dict[str, Any] = {"phase": phase, "conditions": conds, "containerStatuses": [
        {"name": "worker", "restartCount": restarts, "ready": ready is not None and finished is None,
         "state": state}]}
    if init_started is not None:
        status["initContainerStatuses"] = [{"name": "wait-for-peers", "state": {"terminated": {
            "exitCode": 0, "startedAt": ts(init_started), "finishedAt": ts(initialized)}}}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name or f"tl-{index}-abcde", "namespace": "ns",
                         "creationTimestamp": ts(created),
                         "annotations": {INDEX_ANNOTATION: str(index)},
                         "labels": {"batch.kubernetes.io/controller-uid": uid, INDEX_ANNOTATION: str(index)}},
            "spec": {"nodeName": "node-1" if scheduled is not None else None},
            "status": status}


def pulled(pod_name: str, at: float) -> dict[str, Any]:
    """A kubelet Pulled event of the pod, as core/v1 events carry it (no eventTime)."""
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{pod_name}.pulled", "namespace": "ns"},
            "reason": "Pulled", "type": "Normal", "eventTime": None,
            "firstTimestamp": ts(at), "lastTimestamp": ts(at),
            "involvedObject": {"kind": "Pod", "name": pod_name, "namespace": "ns"},
            "message": 'Container image "localhost/ijob-test/busybox:1" already present on machine'}


NOW = T0.timestamp() + 100


def three() -> tuple[tline.Timeline, list[tline.Row]]:
    """Index 2 waits 28 s for its image; index 1 starts late too; all succeed."""
    pods = [pod(0, created=0, scheduled=1, init_started=3, initialized=30, started=31, finished=60),
            pod(1, created=0, scheduled=1, init_started=5, initialized=30, started=32, finished=62),
            pod(2, created=0, scheduled=1, init_started=30, initialized=31, started=40, finished=70)]
    events = [pulled("tl-0-abcde", 2), pulled("tl-1-abcde", 4), pulled("tl-2-abcde", 29)]
    tl = tline.build(job(3, ("Complete",), completedIndexes="0-2"), pods, events, NOW)
    return tl, tline.rows(tl)


def big_objects(n: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """A Job of n indexes, all run once, the last one failed; varied but repeatable times."""
    pods = [pod(i, created=i % 7, scheduled=i % 7 + 1, initialized=i % 7 + 1, started=10 + i % 13,
                finished=50 + i % 31, exit_code=1 if i == n - 1 else 0) for i in range(n)]
    return job(n), pods, [pulled(f"tl-{i}-abcde", i % 7 + 2) for i in range(n)]


def big(n: int) -> tuple[tline.Timeline, list[tline.Row]]:
    tl = tline.build(*big_objects(n), NOW)
    return tl, tline.rows(tl)
