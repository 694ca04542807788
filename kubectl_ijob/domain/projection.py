"""Pure: the part of a pod the status views read (status, describe, owners, status -w).

A pod as the API server sends it is ~5 KB of JSON (half of it managedFields, the
service-account volume, env and mounts); kept whole for 10,000 pods that is ~300 MB of
Python objects. The views read only the fields kept here, so a LIST keeps ~1 KB a pod
once each page is decoded. Tests prove every view gives the same output on the
projection as on the whole pod, so a field read later must be added here first.
"""
from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

# spec fields the views read: placement, DNS wiring (hostname, subdomain, hostNetwork,
# dnsPolicy); containers only by name and count (READY's total, Init:i/N, policy matches)
SPEC_FIELDS = ("nodeName", "hostname", "subdomain", "hostNetwork", "dnsPolicy")
# status fields: phase and reason, the IP, conditions (Ready, policy matches) and the
# container states (READY, RESTARTS, exit codes, waiting reasons)
STATUS_FIELDS = ("phase", "reason", "podIP", "conditions", "containerStatuses",
                 "initContainerStatuses")


def unmanaged(obj: Obj) -> Obj:
    """The object without metadata.managedFields, for what is read whole (events)."""
    meta = obj.get("metadata")
    if not meta or "managedFields" not in meta:
        return obj
    return dict(obj, metadata={k: v for k, v in meta.items() if k != "managedFields"})


def _names(containers: Any) -> Any:
    """Containers by name only (None and [] stay as they are)."""
    if not containers:
        return containers
    return [{"name": c.get("name")} for c in containers]


def status_view(pod: Obj) -> Obj:
    """The pod with only what the status views read: all metadata except managedFields,
    the placement and DNS fields of spec, containers by name, and the state in status."""
    out = dict(pod)
    meta = pod.get("metadata")
    if meta and "managedFields" in meta:
        out["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    spec = pod.get("spec")
    if spec:
        slim = {k: spec[k] for k in SPEC_FIELDS if k in spec}
        for key in ("containers", "initContainers"):
            if key in spec:
                slim[key] = _names(spec[key])
        out["spec"] = slim
    st = pod.get("status")
    if st:
        out["status"] = {k: st[k] for k in STATUS_FIELDS if k in st}
    return out
