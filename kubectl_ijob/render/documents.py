"""Every `-o json|yaml` document of the plugin, built here and only here.

Documented shapes (apiVersion ijob.kubectl.io/v1alpha1):
- IndexedJobStatus (status): the summary fields camelCased, `service` (the wiring check
  plus `ok`), `indexes` (one object per index, `ready` as "r/t", `<none>` for a missing
  hostname or exit), `notes`; for a CronJob also `cronJob` {settings, `runs`, `shownRun`}
  (without runs: only `cronJob`, empty `indexes` and a note).
- IndexedJobDescription (describe): IndexedJobStatus plus `networkPolicies`
  ({selecting, findings} or null when unreadable) and the last 50 `events`.
- JobOwnership (owners), OrphanList (orphans).
- PeerMatrix (ping): `method`, `ok`, `summary`, `peersPerPod` (--sample), `notProbed`, `warnings`, `overview`
  (outcomes, failingSources, failingTargets, scattered, slowest) and `pairs`, each
  {from, to, ok, code, latencyMs, addresses, detail} plus `ports` for TCP.
- DoctorReport (doctor): `job` {name, namespace}, `ok` (no error-level finding), `summary`,
  `ping` (the matrix's summary line, null when not run) and `findings`, most severe first,
  each {severity, check, title, evidence, next}.
- IndexedJobTimeline (timeline): every attempt's phase boundaries (RFC 3339, null when not
  reached or unknown; each at or after the one before), seconds per phase, the summary.
Objects the API returned (list, create) are printed as they are, several in a `kind: List`.
"""
from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import Any, Optional

from kubectl_ijob.domain.doctor import Finding, healthy
from kubectl_ijob.domain.peer_digest import Digest, digest
from kubectl_ijob.domain.peers import Matrix, PairResult
from kubectl_ijob.domain.status import IndexRow, JobSummary
from kubectl_ijob.domain.timeline import (BOUNDARIES, PHASES, QUEUED, RETRYING, Row, Summary,
                                          Timeline, durations)
from kubectl_ijob.render.describe import event_object
from kubectl_ijob.render.matrix import matrix_summary, matrix_warnings
from kubectl_ijob.render.timeline import iso
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
    """PeerMatrix: `ping -o json|yaml`, every pair's details (and each port's, for TCP) and
    the digest the text prints for a matrix wider than the terminal, under `overview`."""
    return {"apiVersion": API_VERSION, "kind": "PeerMatrix",
            "method": m.method, "ok": m.ok, "summary": matrix_summary(m),
            "peersPerPod": m.sample,  # null: every pair was probed
            "notProbed": {str(k): v for k, v in sorted(m.skipped.items())},
            "warnings": matrix_warnings(m),
            "overview": digest_document(digest(m.pairs, m.sources, m.targets)),
            "pairs": [pair_document(p) for p in m.pairs]}


def digest_document(d: Digest) -> dict[str, Any]:
    """PeerMatrix's `overview`: outcomes, whole failing rows and columns, the rest, the slowest."""
    return {"outcomes": d.outcomes,
            "failingSources": {str(k): v for k, v in d.rows.items()},
            "failingTargets": {str(k): v for k, v in d.columns.items()},
            "scattered": [[p.source, p.target, p.code] for p in d.scattered],
            "slowest": [[p.source, p.target, p.latency_ms] for p in d.slowest]}


def pair_document(p: PairResult) -> dict[str, Any]:
    """One pair of PeerMatrix; `ports` only when TCP ports were probed."""
    doc: dict[str, Any] = {"from": p.source, "to": p.target, "ok": p.ok, "code": p.code,
                           "latencyMs": p.latency_ms, "addresses": p.addresses, "detail": p.detail}
    if p.ports:
        doc["ports"] = [{"port": x.port, "ok": x.ok, "code": x.code, "latencyMs": x.latency_ms}
                        for x in p.ports]
    return doc


def fate_document(f: Any) -> dict[str, Any]:
    """The facts that decide a Job's fate (domain.jobfate.Fate), for status/describe -o json|yaml."""
    doc = camel(asdict(f))
    doc["successRules"] = [camel(r) for r in doc["successRules"]]
    doc["failures"] = {str(i): camel(v) for i, v in doc["failures"].items()}
    doc["failedIndexesLeft"] = f.failed_indexes_left
    return doc


def timeline_document(tl: Timeline, rows: list[Row], summary: Summary,
                      notes: Optional[list[str]] = None) -> dict[str, Any]:
    """IndexedJobTimeline: `timeline -o json|yaml`, every timestamp of every attempt."""
    indexes = []
    for r in rows:
        attempts = [{"attempt": a.attempt, "pod": a.pod, "node": a.node, "phase": a.outcome,
                     "restarts": a.restarts, **{b: iso(a.times[b]) for b in BOUNDARIES}}
                    for a in tl.attempts.get(r.index, [])]
        indexes.append({"index": r.index, "outcome": "Running" if r.open else r.outcome,
                        "phases": durations(r, tl.start) if r.segments else {},
                        "attempts": attempts})
    c, s = summary.critical, summary.skew
    return {
        "apiVersion": API_VERSION, "kind": "IndexedJobTimeline", "job": tl.job,
        "namespace": tl.namespace, "status": tl.condition, "completions": tl.completions,
        "start": iso(tl.start), "now": iso(tl.now), "boundaries": list(BOUNDARIES),
        "phases": [QUEUED, RETRYING, *PHASES], "indexes": indexes,
        "summary": {
            "outcomes": summary.outcomes,
            "criticalPath": c and {"index": c.label, "endSeconds": c.end, "open": c.open,
                                   "behindMedianSeconds": c.behind, "phase": c.phase,
                                   "phaseSeconds": c.seconds, "phaseMedianSeconds": c.median,
                                   "current": c.current, "sinceSeconds": c.since},
            "startSkew": s and {"seconds": s.seconds, "first": s.first_label, "last": s.last_label,
                                "firstSeconds": s.first, "lastSeconds": s.last},
            "phases": [{"phase": p.phase, "count": p.count, "medianSeconds": p.median,
                        "slowestSeconds": p.slowest, "slowestIndex": p.slowest_label}
                       for p in summary.phases],
        },
        "notes": list(notes or []),
    }


def doctor_document(name: str, namespace: str, findings: list[Finding],
                    ping: Optional[Matrix]) -> dict[str, Any]:
    """DoctorReport: `doctor -o json|yaml`."""
    from kubectl_ijob.render.doctor import findings_summary

    return {"apiVersion": API_VERSION, "kind": "DoctorReport",
            "job": {"name": name, "namespace": namespace}, "ok": healthy(findings),
            "summary": findings_summary(findings),
            "ping": matrix_summary(ping) if ping else None,
            "findings": [{"severity": f.severity, "check": f.check, "title": f.title,
                          "evidence": list(f.evidence), "next": list(f.next)} for f in findings]}


def cron_document(cronjob: dict[str, Any], jobs: list[dict[str, Any]],
                  shown: Optional[str]) -> dict[str, Any]:
    """The `cronJob` of `status CRONJOB -o json|yaml`: its settings, every run the API
    keeps (oldest first) and which run `indexes` shows (null: none yet)."""
    from kubectl_ijob.domain.cronjob import history

    meta, spec, status = cronjob["metadata"], cronjob.get("spec", {}), cronjob.get("status", {})
    return {"name": meta["name"], "namespace": meta.get("namespace"),
            "schedule": spec.get("schedule"), "timeZone": spec.get("timeZone"),
            "suspend": bool(spec.get("suspend")),
            "concurrencyPolicy": spec.get("concurrencyPolicy") or "Allow",
            "active": [a.get("name", "") for a in status.get("active") or []],
            "lastScheduleTime": status.get("lastScheduleTime"),
            "lastSuccessfulTime": status.get("lastSuccessfulTime"), "shownRun": shown,
            "runs": [dict(camel({k: v for k, v in asdict(r).items() if k != "manual"}),
                          trigger="manual" if r.manual else "schedule")
                     for r in history(cronjob, jobs)]}


def cron_without_runs_document(cron: dict[str, Any]) -> dict[str, Any]:
    """IndexedJobStatus of a CronJob that has not run yet: no indexes to show."""
    return {"apiVersion": API_VERSION, "kind": "IndexedJobStatus", "cronJob": cron,
            "indexes": [], "notes": [f"no run yet: the next starts on schedule, or now with "
                                     f"`kubectl ijob trigger {cron['name']}`"]}
