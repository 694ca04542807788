"""API objects shaped exactly as the API server returns them (JSON), for pure tests."""
from __future__ import annotations

from typing import Any, Optional

UID = "7c3e0d3a-58c4-4a7e-9d0e-0a6f2f3f1b11"
T0 = "2026-11-22T10:00:00Z"


def job(name: str = "example-job", completions: int = 3, subdomain: Optional[str] = "example-job",
        conditions: Optional[list[dict[str, Any]]] = None, **status: Any) -> dict[str, Any]:
    tpl_spec: dict[str, Any] = {"containers": [{"name": "worker", "image": "localhost/x:1"}],
                                "restartPolicy": "Never"}
    if subdomain:
        tpl_spec["subdomain"] = subdomain
    st = {"startTime": T0, "active": 0, "ready": 0, "terminating": 0,
          "uncountedTerminatedPods": {}}
    st.update(status)
    if conditions:
        st["conditions"] = conditions
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "default", "uid": UID, "creationTimestamp": T0,
                     "labels": {"batch.kubernetes.io/controller-uid": UID,
                                "batch.kubernetes.io/job-name": name,
                                "controller-uid": UID, "job-name": name}},
        "spec": {"parallelism": completions, "completions": completions,
                 "completionMode": "Indexed", "backoffLimit": 6, "suspend": False,
                 "podReplacementPolicy": "TerminatingOrFailed", "manualSelector": False,
                 "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}},
                 "template": {"metadata": {"labels": {
                     "batch.kubernetes.io/controller-uid": UID, "batch.kubernetes.io/job-name": name,
                     "controller-uid": UID, "job-name": name}}, "spec": tpl_spec}},
        "status": st,
    }


def pod(index: int, phase: str = "Running", name: Optional[str] = None, job_name: str = "example-job",
        created: str = T0, ready: bool = True, deleting: bool = False, waiting: Optional[str] = None,
        exit_code: Optional[int] = None, reason: Optional[str] = None, restarts: int = 0,
        ip: Optional[str] = None, failure_count: Optional[int] = None) -> dict[str, Any]:
    state: dict[str, Any]
    if waiting:
        state = {"waiting": {"reason": waiting}}
    elif phase in ("Succeeded", "Failed"):
        code = exit_code if exit_code is not None else (0 if phase == "Succeeded" else 1)
        state = {"terminated": {"exitCode": code,
                                "reason": reason or ("Completed" if code == 0 else "Error"),
                                "startedAt": created, "finishedAt": created}}
    elif phase == "Running":
        state = {"running": {"startedAt": created}}
    else:
        state = {"waiting": {"reason": "ContainerCreating"}}
    ann = {"batch.kubernetes.io/job-completion-index": str(index)}
    if failure_count is not None:
        ann["batch.kubernetes.io/job-index-failure-count"] = str(failure_count)
    meta: dict[str, Any] = {
        "name": name or f"{job_name}-{index}-abcde", "namespace": "default",
        "uid": f"pod-{index}-{name or ''}-{created}", "creationTimestamp": created,
        "annotations": ann,
        "labels": {"batch.kubernetes.io/controller-uid": UID, "job-name": job_name,
                   "batch.kubernetes.io/job-completion-index": str(index)},
        "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": job_name,
                             "uid": UID, "controller": True, "blockOwnerDeletion": True}],
        "finalizers": ["batch.kubernetes.io/job-tracking"]}
    if deleting:
        meta["deletionTimestamp"] = created
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": meta,
        "spec": {"containers": [{"name": "worker", "image": "localhost/x:1"}],
                 "hostname": f"{job_name}-{index}", "subdomain": "example-job",
                 "nodeName": "node-1"},
        "status": {"phase": phase, "podIP": ip or f"10.88.0.{10 + index}",
                   "containerStatuses": [{"name": "worker", "ready": ready and phase == "Running",
                                          "restartCount": restarts, "state": state}]},
    }


def service(name: str = "example-job", selector: Optional[dict[str, str]] = None,
            cluster_ip: str = "None") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"clusterIP": cluster_ip, "selector": selector or {"job-name": "example-job"},
                     "publishNotReadyAddresses": True}}
