"""`describe`: kubectl's describe job plus full index lists, attempts, wiring,
NetworkPolicies and events."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from kubectl_ijob.domain.status import IndexRow, JobSummary, job_duration
from kubectl_ijob.render.text import age, human_duration, table

NONE = "<none>"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _header(job: dict[str, Any], summary: JobSummary, now: dt.datetime,
            network: Optional[tuple[list[str], list[str]]]) -> list[tuple[str, str]]:
    spec = job.get("spec", {})
    tpl = spec.get("template", {}).get("spec", {})
    took = job_duration(job, now)
    labels = job["metadata"].get("labels") or {}
    sel = (spec.get("selector") or {}).get("matchLabels") or {}
    svc = summary.service
    return [
        ("Name", summary.name), ("Namespace", summary.namespace),
        ("Selector", ",".join(f"{k}={v}" for k, v in sorted(sel.items())) or NONE),
        ("Labels", ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or NONE),
        ("Status", summary.status), ("Parallelism", str(summary.parallelism)),
        ("Completions", str(summary.completions)), ("Completion Mode", "Indexed"),
        ("Backoff Limit", str(spec.get("backoffLimit", "<unset>"))),
        ("Backoff Limit Per Index", str(spec.get("backoffLimitPerIndex", "<unset>"))),
        ("Start Time", summary.start_time or "<unset>"),
        ("Completed At", summary.completion_time or "<unset>"),
        ("Duration", human_duration(took) if took is not None else "<unset>"),
        ("Pods Statuses", f"{summary.active} Active ({summary.ready} Ready) / {summary.succeeded} "
                          f"Succeeded / {summary.failed} Failed"),
        ("Completed Indexes", summary.completed_indexes or NONE),
        ("Failed Indexes", summary.failed_indexes or NONE),
        ("Service", svc.name or NONE),
        ("  Exists", _yes_no(svc.exists)), ("  Headless", _yes_no(svc.headless)),
        ("  Selects pods", _yes_no(svc.selector_matches)),
        ("  Publish not-ready", _yes_no(svc.publish_not_ready)),
        ("  Problems", "; ".join(svc.problems) or NONE),
        ("Network Policies", "<unknown>" if network is None else ", ".join(network[0]) or NONE),
        ("  Findings", "<unknown>" if network is None else "; ".join(network[1]) or NONE),
        ("Containers", ", ".join(f"{c.get('name')} ({c.get('image')})" for c in tpl.get("containers") or [])),
    ]


def event_object(event: dict[str, Any]) -> str:
    """`kind/name` of the object an event is about."""
    obj = event.get("involvedObject") or {}
    return f"{obj.get('kind', '').lower()}/{obj.get('name', '')}"


def describe_text(job: dict[str, Any], summary: JobSummary, rows: list[IndexRow],
                  events: list[dict[str, Any]], now: dt.datetime,
                  notes: Optional[list[str]] = None,
                  network: Optional[tuple[list[str], list[str]]] = None,
                  extra: Optional[list[str]] = None) -> str:
    """The header (then `extra` lines), the per-index table, the events and the notes;
    network is the names of the NetworkPolicies selecting the pods and the findings
    (None: unreadable)."""
    out = [f"{k + ':':<26}{v}" for k, v in _header(job, summary, now, network)] + list(extra or [])
    out += ["", "Indexes:"]
    body = [[r.index, r.status, r.pod or NONE, r.attempts, r.failures, r.last_exit or NONE,
             r.dns.value] for r in rows]
    out += ["  " + line for line in
            table(["INDEX", "STATUS", "POD", "ATTEMPTS", "FAILURES", "LAST EXIT", "DNS"], body).splitlines()]
    out += ["", "Events:"]
    if not events:
        out.append("  " + NONE)
    else:
        ev = [[e.get("type", ""), e.get("reason", ""),
               age(e.get("lastTimestamp") or e.get("eventTime"), now), event_object(e),
               (e.get("message") or "").replace("\n", " ")] for e in events]
        out += ["  " + line for line in table(["TYPE", "REASON", "AGE", "OBJECT", "MESSAGE"], ev).splitlines()]
    out += [f"Note: {n}" for n in notes or []]
    return "\n".join(out)
