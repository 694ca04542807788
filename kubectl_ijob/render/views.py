"""Text views of the commands: status, list, owners, orphans, describe.

Every domain value becomes text here (None -> `<none>`, bools -> yes/no, counts ->
`1/3`); colour is decided once per run and passed in as `colour`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from kubectl_ijob.domain.model import pod_index, subdomain_of
from kubectl_ijob.domain.status import (Dns, IndexRow, JobSummary, ServiceCheck, job_duration,
                                        pod_status, summarize)
from kubectl_ijob.render.colour import paint
from kubectl_ijob.render.text import age, human_duration, status_colour, table

NONE = "<none>"
_DNS_COLOUR = {Dns.YES: "green", Dns.NO: "red"}


def service_phrase(check: ServiceCheck) -> str:
    """One phrase for tables: `ok` or the first problem."""
    return "ok" if check.ok else check.problems[0]


def ready_text(row: IndexRow) -> str:
    """READY as `ready/total` containers."""
    return f"{row.ready}/{row.containers}"


def _status_header(summary: JobSummary, on: bool) -> list[str]:
    svc = summary.service
    svc_line = (f"{svc.name} ({'ok' if svc.ok else '; '.join(svc.problems)})" if svc.name
                else service_phrase(svc))
    header = [
        ("Name", summary.name), ("Namespace", summary.namespace),
        ("Status", paint(summary.status, status_colour(summary.status), on)),
        ("Completions", f"{summary.succeeded}/{summary.completions}"),
        ("Parallelism", str(summary.parallelism)),
        ("Pods", f"{summary.active} active / {summary.ready} ready / {summary.succeeded} "
                 f"succeeded / {summary.failed} failed"),
        ("Completed Indexes", summary.completed_indexes or NONE),
        ("Failed Indexes", summary.failed_indexes or NONE),
        ("Service", paint(svc_line, "green" if svc.ok else "red", on)),
    ]
    return [f"{k + ':':<19}{v}" for k, v in header] + [""]


def status_text(summary: JobSummary, rows: list[IndexRow], now: dt.datetime, wide: bool = False,
                no_headers: bool = False, colour: bool = False,
                notes: Optional[list[str]] = None, extra: Optional[list[str]] = None) -> str:
    """`status NAME`: the job header (then `extra` lines), a blank line, one row per index."""
    on = colour
    out = [] if no_headers else _status_header(summary, on)[:-1] + list(extra or []) + [""]
    heads = ["INDEX", "POD", "STATUS", "READY", "DNS", "RESTARTS", "AGE"]
    if wide:
        heads += ["NODE", "IP", "HOSTNAME", "ATTEMPTS", "FAILURES", "LAST EXIT", "OTHER PODS"]
    body = []
    for r in rows:
        cells = [r.index, r.pod or NONE, paint(r.status, status_colour(r.status), on),
                 ready_text(r), paint(r.dns.value, _DNS_COLOUR.get(r.dns), on), r.restarts,
                 age(r.created, now) if r.created else NONE]
        if wide:
            cells += [r.node or NONE, r.ip or NONE, r.hostname or NONE, r.attempts, r.failures,
                      r.last_exit or NONE, ",".join(r.other_pods) or NONE]
        body.append(cells)
    out.append(table(heads, body, no_headers))
    unpublished = [r for r in rows if r.dns is Dns.NO and r.status not in ("Succeeded", "Failed")]
    if unpublished and not no_headers:
        out.append("")
        out += [f"Index {r.index} not in DNS: {r.dns_reason}" for r in unpublished[:20]]
        if len(unpublished) > 20:
            out.append(f"... and {len(unpublished) - 20} more indexes not in DNS")
    out += [f"Note: {n}" for n in notes or []]
    return "\n".join(out)


def list_row(job: dict[str, Any], service: Optional[dict[str, Any]]) -> dict[str, Any]:
    """The cells of one `list` row: NAME STATUS COMPLETIONS PEERS and the times."""
    s = summarize(job, service)
    return {"name": s.name, "namespace": s.namespace, "status": s.status,
            "completions": f"{s.succeeded}/{s.completions}", "peers": service_phrase(s.service),
            "startTime": s.start_time, "completionTime": s.completion_time,
            "created": job.get("metadata", {}).get("creationTimestamp")}


def list_text(pairs: list[tuple[dict[str, Any], Optional[dict[str, Any]]]], now: dt.datetime,
              all_namespaces: bool = False, wide: bool = False, no_headers: bool = False,
              colour: bool = False) -> str:
    """`list`: NAME STATUS COMPLETIONS PEERS DURATION AGE, as `kubectl get jobs` plus PEERS."""
    on = colour
    heads = (["NAMESPACE"] if all_namespaces else []) + \
        ["NAME", "STATUS", "COMPLETIONS", "PEERS", "DURATION", "AGE"]
    if wide:
        heads += ["SERVICE", "IMAGES"]
    body = []
    for job, svc in pairs:
        r = list_row(job, svc)
        took = job_duration(job, now)
        cells = ([r["namespace"]] if all_namespaces else []) + [
            r["name"], paint(r["status"], status_colour(r["status"]), on), r["completions"],
            paint(r["peers"], "green" if r["peers"] == "ok" else "red", on),
            human_duration(took) if took is not None else "", age(r["created"], now)]
        if wide:
            tspec = job.get("spec", {}).get("template", {}).get("spec", {})
            cells += [subdomain_of(job) or NONE,
                      ",".join(c.get("image", "") for c in tspec.get("containers") or [])]
        body.append(cells)
    return table(heads, body, no_headers)


def _yes(flag: bool, on: bool) -> str:
    return paint("yes", "green", on) if flag else paint("no", "red", on)


def _selector_text(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def ownership_text(job: dict[str, Any], rows: list[Any], service: Optional[dict[str, Any]],
                   service_owned: bool, now: dt.datetime, no_headers: bool = False,
                   notes: Optional[list[str]] = None, colour: bool = False) -> str:
    """`owners`: per pod, owned / selected by the Job and the Service, DNS, finalizer."""
    on = colour
    out = []
    if not no_headers:
        sel = _selector_text((job.get("spec", {}).get("selector") or {}).get("matchLabels") or {})
        svc_sel = _selector_text((service or {}).get("spec", {}).get("selector") or {})
        out += [f"Job:               job.batch/{job['metadata']['name']} (uid {job['metadata'].get('uid')})",
                f"Job selector:      {sel or NONE}",
                "Service:           " + (f"service/{service['metadata']['name']} selector {svc_sel}, "
                                         f"{'owned' if service_owned else 'NOT owned'} by the Job"
                                         if service else NONE), ""]
    heads = ["POD", "INDEX", "STATUS", "OWNED", "JOB-SELECTED", "SVC-SELECTED", "DNS", "FINALIZER", "AGE"]
    body = [[r.pod, NONE if r.index is None else r.index, r.phase,
             paint(r.owned.value, {"yes": "green", "no": "red"}.get(r.owned.value), on),
             _yes(r.job_selected, on), _yes(r.service_selected, on),
             paint(r.dns.value, _DNS_COLOUR.get(r.dns), on),
             "yes" if r.finalizer else "no", age(r.created, now)] for r in rows]
    out.append(table(heads, body, no_headers))
    out += [f"Note: {n}" for n in notes or []]
    return "\n".join(out)


def orphans_text(found: dict[tuple[str, str], dict[str, list[dict[str, Any]]]], now: dt.datetime,
                 all_namespaces: bool, no_headers: bool = False) -> str:
    """`orphans`: one row per orphaned object, grouped by the Job it came from."""
    heads = (["NAMESPACE"] if all_namespaces else []) + ["JOB", "KIND", "NAME", "INDEX", "STATUS", "AGE"]
    body = []
    for (ns, job), objs in sorted(found.items()):
        for svc in objs["services"]:
            body.append(([ns] if all_namespaces else []) + [
                job, "service", svc["metadata"]["name"], "-", "headless",
                age(svc["metadata"].get("creationTimestamp"), now)])
        for pod in sorted(objs["pods"], key=lambda p: pod_index(p) or 0):
            body.append(([ns] if all_namespaces else []) + [
                job, "pod", pod["metadata"]["name"], pod_index(pod), pod_status(pod),
                age(pod["metadata"].get("creationTimestamp"), now)])
    return table(heads, body, no_headers)
