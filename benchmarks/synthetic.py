"""Pods of a large Indexed Job as the 1.37 API server returns them, without a cluster.

Shaped after a pod of `benchmarks/scale.py`'s Job (created by the Job controller, bound
by the scheduler to a kwok node, its status written by kwok): labels, annotations, owner
reference, finalizer, managedFields of each writer, the projected service-account token
volume, tolerations and five conditions - about 4.8 KB of JSON a pod, as the measured
LIST (47.2 MiB for 10,000 pods). Offline benchmarks profile the real code paths on these.
"""
from __future__ import annotations

import json
from typing import Any

UID = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
T0 = "2026-11-29T12:00:00Z"
IMAGE = "localhost/ijob-test/busybox:1.36"


def job(name: str = "big", n: int = 10_000, namespace: str = "ijob-scale") -> dict[str, Any]:
    """The Indexed Job of n indexes, all active, with its Service named like it."""
    labels = {"batch.kubernetes.io/controller-uid": UID, "batch.kubernetes.io/job-name": name,
              "controller-uid": UID, "job-name": name}
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": namespace, "uid": UID, "creationTimestamp": T0,
                     "labels": {"app.kubernetes.io/managed-by": "kubectl-ijob"}},
        "spec": {"parallelism": n, "completions": n, "completionMode": "Indexed",
                 "backoffLimit": 6, "suspend": False, "manualSelector": False,
                 "podReplacementPolicy": "TerminatingOrFailed",
                 "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}},
                 "template": {"metadata": {"labels": labels}, "spec": {
                     "subdomain": name, "restartPolicy": "Never",
                     "containers": [{"name": "worker", "image": IMAGE}]}}},
        "status": {"startTime": T0, "active": n, "ready": n, "terminating": 0,
                   "uncountedTerminatedPods": {}},
    }


def service(name: str = "big", namespace: str = "ijob-scale") -> dict[str, Any]:
    """The headless Service publishing the job's pods."""
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "uid": "svc-" + UID},
            "spec": {"clusterIP": "None", "selector": {"job-name": name},
                     "publishNotReadyAddresses": True}}


def _managed_fields(i: int) -> list[dict[str, Any]]:
    """What the Job controller, the scheduler and kwok leave in metadata.managedFields."""
    f = {}
    meta = {"f:annotations": {".": {}, "f:batch.kubernetes.io/job-completion-index": {}},
            "f:finalizers": {".": {}, 'v:"batch.kubernetes.io/job-tracking"': {}},
            "f:generateName": {}, "f:labels": {".": {}, **{f"f:{k}": f for k in (
                "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index",
                "batch.kubernetes.io/job-name", "controller-uid", "job-name")}},
            "f:ownerReferences": {".": {}, f'k:{{"uid":"{UID}"}}': {}}}
    spec = {"f:containers": {'k:{"name":"worker"}': {
        ".": {}, "f:command": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
        "f:resources": {}, "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {}}},
        "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:hostname": {}, "f:nodeSelector": {},
        "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {},
        "f:subdomain": {}, "f:terminationGracePeriodSeconds": {}, "f:tolerations": {}}
    status = {"f:conditions": {f'k:{{"type":"{t}"}}': {
        ".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}
        for t in ("ContainersReady", "Initialized", "PodReadyToStartContainers", "PodScheduled",
                  "Ready")}, "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {},
        "f:phase": {}, "f:podIP": {}, "f:podIPs": {".": {}, f'k:{{"ip":"{_ip(i)}"}}': {
            ".": {}, "f:ip": {}}}, "f:startTime": {}}
    return [
        {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
         "time": T0, "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": meta, "f:spec": spec}},
        {"manager": "kwok", "operation": "Update", "apiVersion": "v1", "time": T0,
         "fieldsType": "FieldsV1", "fieldsV1": {"f:status": status}, "subresource": "status"}]


def _ip(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def pod(i: int, name: str = "big", namespace: str = "ijob-scale") -> dict[str, Any]:
    """Index i's pod, Running and Ready on one of four kwok nodes."""
    pod_name = f"{name}-{i}-{(i * 7919) % 100000:05d}"[: len(name) + 12]
    node = f"kwok-node-{i % 4}"
    labels = {"batch.kubernetes.io/controller-uid": UID,
              "batch.kubernetes.io/job-completion-index": str(i),
              "batch.kubernetes.io/job-name": name, "controller-uid": UID, "job-name": name}
    cond = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": T0}
            for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                      "PodScheduled")]
    return {
        "metadata": {
            "name": pod_name, "generateName": f"{name}-{i}-", "namespace": namespace,
            "uid": f"{i:08x}-1111-4222-8333-444455556666", "resourceVersion": str(100000 + i),
            "creationTimestamp": T0, "labels": labels,
            "annotations": {"batch.kubernetes.io/job-completion-index": str(i)},
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": name,
                                 "uid": UID, "controller": True, "blockOwnerDeletion": True}],
            "finalizers": ["batch.kubernetes.io/job-tracking"],
            "managedFields": _managed_fields(i)},
        "spec": {
            "volumes": [{"name": f"kube-api-access-{pod_name[-5:]}", "projected": {"sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt",
                               "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                    "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}],
                "defaultMode": 420}}],
            "containers": [{"name": "worker", "image": IMAGE, "command": ["sleep", "86400"],
                            "env": [{"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                                "apiVersion": "v1", "fieldPath":
                                "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}}],
                            "resources": {}, "volumeMounts": [{
                                "name": f"kube-api-access-{pod_name[-5:]}", "readOnly": True,
                                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}],
            "restartPolicy": "Never", "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst", "nodeSelector": {"type": "kwok"},
            "serviceAccountName": "default", "serviceAccount": "default", "nodeName": node,
            "securityContext": {}, "hostname": f"{name}-{i}", "subdomain": name,
            "schedulerName": "default-scheduler",
            "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Equal", "value": "fake",
                             "effect": "NoSchedule"},
                            {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                             "effect": "NoExecute", "tolerationSeconds": 300},
                            {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                             "effect": "NoExecute", "tolerationSeconds": 300}],
            "priority": 0, "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority"},
        "status": {
            "phase": "Running", "conditions": cond, "hostIP": f"10.0.0.{i % 4 + 2}",
            "hostIPs": [{"ip": f"10.0.0.{i % 4 + 2}"}], "podIP": _ip(i), "podIPs": [{"ip": _ip(i)}],
            "startTime": T0,
            "containerStatuses": [{"name": "worker", "state": {"running": {"startedAt": T0}},
                                   "lastState": {}, "ready": True, "restartCount": 0,
                                   "image": IMAGE, "imageID": "", "started": True}],
            "qosClass": "BestEffort"},
    }


def pod_list_pages(n: int, page: int = 500, name: str = "big") -> list[bytes]:
    """The JSON bodies of a paginated LIST of n pods, as the server sends them."""
    out = []
    for start in range(0, n, page):
        more = start + page < n
        meta: dict[str, Any] = {"resourceVersion": "200000"}
        if more:
            meta["continue"] = f"token-{start + page}"
            meta["remainingItemCount"] = n - start - page
        out.append(json.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": meta,
                               "items": [pod(i, name) for i in range(start, min(n, start + page))]},
                              separators=(",", ":")).encode())
    return out
