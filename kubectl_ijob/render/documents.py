"""Every `-o json|yaml` document of the plugin, built here and only here.

Documented shapes (apiVersion ijob.kubectl.io/v1alpha1):
- IndexedJobStatus (status): the summary fields camelCased, `service` (the wiring check
  plus `ok`), `indexes` (one object per index, `ready` as "r/t", `<none>` for a missing
  hostname or exit), `notes`.
- IndexedJobDescription (describe): IndexedJobStatus plus `networkPolicies`
  ({selecting, findings} or null when unreadable) and the last 50 `events`.
- JobOwnership (owners), OrphanList (orphans), PeerMatrix (ping).
Objects the API returned (list, create) are printed as they are, several in a `kind: List`.
"""
from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import Any, Optional

from kubectl_ijob.domain.peers import Matrix
from kubectl_ijob.domain.status import IndexRow, JobSummary
from kubectl_ijob.render.describe import event_object
from kubectl_ijob.render.matrix import matrix_summary, matrix_warnings
from kubectl_ijob.render.views import NONE, ready_text

API_VERSION = "ijob.kubectl.io/v1alpha1"


def plain(value: Any) -> Any:
    """Enums as their values, recursively (YAML's safe dumper knows only plain types)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def camel(d: dict[str, Any]) -> dict[str, Any]:
    """snake_case keys as camelCase, the API's style."""
    def one(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(w.title() for w in rest)
    return {one(k): v for k, v in d.items()}


def index_document(r: IndexRow) -> dict[str, Any]:
    """One index of IndexedJobStatus."""
    return {"index": r.index, "pod": r.pod, "status": r.status, "ready": ready_text(r),
            "restarts": r.restarts, "created": r.created, "node": r.node, "ip": r.ip,
            "hostname": r.hostname or NONE, "attempts": r.attempts, "failures": r.failures,
            "lastExit": r.last_exit or NONE, "otherPods": list(r.other_pods),
            "dns": r.dns.value, "dnsReason": r.dns_reason}


def status_document(summary: JobSummary, rows: list[IndexRow],
                    notes: Optional[list[str]] = None) -> dict[str, Any]:
    """IndexedJobStatus: `status -o json|yaml`."""
    svc = asdict(summary.service)
    svc["ok"] = summary.service.ok
    doc = {k: v for k, v in asdict(summary).items() if k != "service"}
    return {"apiVersion": API_VERSION, "kind": "IndexedJobStatus", **camel(doc),
            "service": camel(svc), "indexes": [index_document(r) for r in rows],
            "notes": list(notes or [])}


def describe_document(summary: JobSummary, rows: list[IndexRow], notes: list[str],
                      network: Optional[tuple[list[str], list[str]]],
                      events: list[dict[str, Any]]) -> dict[str, Any]:
    """IndexedJobDescription: `describe -o json|yaml`."""
    doc = status_document(summary, rows, notes)
    doc["kind"] = "IndexedJobDescription"
    doc["networkPolicies"] = None if network is None else \
        {"selecting": network[0], "findings": network[1]}
    doc["events"] = [{"type": e.get("type"), "reason": e.get("reason"), "object": event_object(e),
                      "message": e.get("message"), "count": e.get("count"),
                      "lastTimestamp": e.get("lastTimestamp") or e.get("eventTime")}
                     for e in events[-50:]]
    return doc


def ownership_document(name: str, service: Optional[dict[str, Any]], service_owned: bool,
                       notes: list[str], rows: list[Any]) -> dict[str, Any]:
    """JobOwnership: `owners -o json|yaml`."""
    return {"apiVersion": API_VERSION, "kind": "JobOwnership", "job": name,
            "service": service["metadata"]["name"] if service else None,
            "serviceOwnedByJob": service_owned, "notes": notes,
            "pods": [plain(asdict(r)) for r in rows]}


def orphans_document(found: dict[tuple[str, str], dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """OrphanList: `orphans -o json|yaml`."""
    return {"apiVersion": API_VERSION, "kind": "OrphanList", "items": [
        {"namespace": k[0], "job": k[1], "pods": [p["metadata"]["name"] for p in v["pods"]],
         "services": [s["metadata"]["name"] for s in v["services"]]}
        for k, v in sorted(found.items())]}


def matrix_document(m: Matrix) -> dict[str, Any]:
    """PeerMatrix: `ping -o json|yaml`, every pair's details."""
    return {"apiVersion": API_VERSION, "kind": "PeerMatrix",
            "method": m.method, "ok": m.ok, "summary": matrix_summary(m),
            "notProbed": {str(k): v for k, v in sorted(m.skipped.items())},
            "warnings": matrix_warnings(m),
            "pairs": [{"from": p.source, "to": p.target, "ok": p.ok, "code": p.code,
                       "latencyMs": p.latency_ms, "addresses": p.addresses,
                       "detail": p.detail} for p in m.pairs]}


def fate_document(f: Any) -> dict[str, Any]:
    """The facts that decide a Job's fate (domain.jobfate.Fate), for status/describe -o json|yaml."""
    doc = camel(asdict(f))
    doc["successRules"] = [camel(r) for r in doc["successRules"]]
    doc["failures"] = {str(i): camel(v) for i, v in doc["failures"].items()}
    doc["failedIndexesLeft"] = f.failed_indexes_left
    return doc
