"""The one render path: kubectl-style tables, -o json|yaml|name|wide, AGE, colour.

Only this module knows about tables and colours; the domain modules hand it rows.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any, Iterable, Optional, Sequence, TextIO

OUTPUTS = ("table", "wide", "json", "yaml", "name")


def human_duration(d: dt.timedelta) -> str:
    """k8s.io/apimachinery HumanDuration: what kubectl prints in AGE and DURATION."""
    seconds = int(d.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def age(timestamp: Optional[str], now: dt.datetime) -> str:
    """AGE of an API timestamp, `<unknown>` when absent (as kubectl)."""
    from kubectl_ijob.status import parse_time

    t = parse_time(timestamp)
    return "<unknown>" if t is None else human_duration(now - t)


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal and never with NO_COLOR set."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


_COLOURS = {"green": "32", "red": "31", "yellow": "33", "grey": "90"}


def paint(text: str, colour: Optional[str], enabled: bool) -> str:
    """Wrap text in an ANSI colour when enabled."""
    if not enabled or not colour:
        return text
    return f"\x1b[{_COLOURS[colour]}m{text}\x1b[0m"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], no_headers: bool = False) -> str:
    """Columns as kubectl's tabwriter lays them out: 3 spaces apart, no trailing spaces.

    tabulate with number parsing off (every cell is already text; parsing made a
    10,000-index table 2.5x slower) and no minimum header padding, so a column is
    as wide as its widest cell, header included, exactly like kubectl's.
    """
    import tabulate

    tabulate.MIN_PADDING = 0
    row = tabulate.DataRow("", "   ", "")
    layout = tabulate.TableFormat(lineabove=None, linebelowheader=None, linebetweenrows=None,
                                  linebelow=None, headerrow=row, datarow=row, padding=0,
                                  with_header_hide=None)
    cells = [[c if isinstance(c, str) else str(c) for c in row] for row in rows]
    if not cells and no_headers:
        return ""
    heads = () if no_headers else [h.upper() for h in headers]
    text = tabulate.tabulate(cells, heads, tablefmt=layout, disable_numparse=True,
                             stralign="left")
    return "\n".join(line.rstrip() for line in text.splitlines())


def to_yaml(data: Any) -> str:
    """YAML as kubectl prints it: block style, keys in the order given."""
    import yaml

    class Dumper(yaml.SafeDumper):
        """Multi-line strings (scripts) as literal blocks, as people write them."""

    def text(dumper: yaml.SafeDumper, value: str) -> Any:
        style = "|" if "\n" in value and not any(l != l.rstrip() for l in value.splitlines()) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True)


def to_json(data: Any) -> str:
    """JSON as kubectl prints it: 4-space indent."""
    return json.dumps(data, indent=4, ensure_ascii=False)


def as_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    """kubectl's `kind: List` wrapper for several objects."""
    return {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}


def dump(data: Any, output: str) -> str:
    """Serialize for -o json or -o yaml."""
    return to_json(data) if output == "json" else to_yaml(data).rstrip("\n")


def object_name(obj: dict[str, Any]) -> str:
    """`-o name`: `kind.group/name` as kubectl prints it."""
    group = obj.get("apiVersion", "").rpartition("/")[0]
    kind = obj.get("kind", "").lower()
    return f"{kind}.{group}/{obj['metadata']['name']}" if group else f"{kind}/{obj['metadata']['name']}"


def write(text: str, stream: Optional[TextIO] = None) -> None:
    """Print text with one trailing newline (nothing for empty text)."""
    if text:
        (stream or sys.stdout).write(text.rstrip("\n") + "\n")


# ---------------------------------------------------------------- views

_STATUS_COLOUR = {"Running": "green", "Succeeded": "green", "Complete": "green",
                  "Failed": "red", "Error": "red", "CrashLoopBackOff": "red",
                  "ImagePullBackOff": "red", "ErrImagePull": "red", "Terminating": "grey",
                  "Pending": "yellow", "Waiting": "yellow", "ContainerCreating": "yellow"}


def status_colour(text: str) -> Optional[str]:
    """The colour a status cell gets on a terminal."""
    return _STATUS_COLOUR.get(text) or ("red" if text.startswith("Init:Err") else None)


def status_text(summary: Any, rows: list[Any], now: dt.datetime, wide: bool = False,
                no_headers: bool = False, colour: Optional[bool] = None,
                notes: Optional[list[str]] = None) -> str:
    """`status NAME`: the job header, a blank line, then one row per index."""
    on = use_colour(sys.stdout) if colour is None else colour
    svc = summary.service
    svc_line = (f"{svc.name} ({'ok' if svc.ok else '; '.join(svc.problems)})" if svc.name
                else svc.summary())
    header = [
        ("Name", summary.name), ("Namespace", summary.namespace),
        ("Status", paint(summary.status, status_colour(summary.status), on)),
        ("Completions", f"{summary.succeeded}/{summary.completions}"),
        ("Parallelism", str(summary.parallelism)),
        ("Pods", f"{summary.active} active / {summary.ready} ready / {summary.succeeded} "
                 f"succeeded / {summary.failed} failed"),
        ("Completed Indexes", summary.completed_indexes or "<none>"),
        ("Failed Indexes", summary.failed_indexes or "<none>"),
        ("Service", paint(svc_line, "green" if svc.ok else "red", on)),
    ]
    out = []
    if not no_headers:
        out = [f"{k + ':':<19}{v}" for k, v in header] + [""]
    heads = ["INDEX", "POD", "STATUS", "READY", "DNS", "RESTARTS", "AGE"]
    if wide:
        heads += ["NODE", "IP", "HOSTNAME", "ATTEMPTS", "FAILURES", "LAST EXIT", "OTHER PODS"]
    body = []
    for r in rows:
        dns = paint(r.dns, {"yes": "green", "no": "red"}.get(r.dns), on)
        cells = [r.index, r.pod or "<none>", paint(r.status, status_colour(r.status), on),
                 r.ready, dns, r.restarts, age(r.created, now) if r.created else "<none>"]
        if wide:
            cells += [r.node or "<none>", r.ip or "<none>", r.hostname, r.attempts, r.failures,
                      r.last_exit, ",".join(r.other_pods) or "<none>"]
        body.append(cells)
    out.append(table(heads, body, no_headers))
    unpublished = [r for r in rows if r.dns == "no" and r.status not in ("Succeeded", "Failed")]
    if unpublished and not no_headers:
        out.append("")
        out += [f"Index {r.index} not in DNS: {r.dns_reason}" for r in unpublished[:20]]
        if len(unpublished) > 20:
            out.append(f"... and {len(unpublished) - 20} more indexes not in DNS")
    out += [f"Note: {n}" for n in notes or []]
    return "\n".join(out)


def list_text(pairs: list[tuple[dict[str, Any], Optional[dict[str, Any]]]], now: dt.datetime,
              all_namespaces: bool = False, wide: bool = False, no_headers: bool = False) -> str:
    """`list`: NAME STATUS COMPLETIONS PEERS DURATION AGE, as `kubectl get jobs` plus PEERS."""
    from kubectl_ijob.status import job_duration, list_row

    on = use_colour(sys.stdout)
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
            cells += [tspec.get("subdomain") or "<none>",
                      ",".join(c.get("image", "") for c in tspec.get("containers") or [])]
        body.append(cells)
    return table(heads, body, no_headers)


_CELL = {"nxdomain": "NXDOMAIN", "dns-timeout": "DNS-TIMEOUT", "timeout": "TIMEOUT",
         "refused": "REFUSED", "unreachable": "UNREACHABLE", "no-tool": "NO-TOOL",
         "no-shell": "NO-SHELL", "no-permission": "NO-PERM", "exec-failed": "EXEC-FAILED",
         "no-result": "NO-RESULT"}


def matrix_cell(pair: Any, on: bool) -> str:
    """One matrix cell: `ok 0.21ms` in green, or a short failure code in red."""
    if pair is None:
        return "-"
    if pair.ok:
        text = "ok" if pair.latency_ms is None else f"ok {pair.latency_ms:.2f}ms"
        if len(pair.addresses) > 1:
            text += f" ({len(pair.addresses)} IPs)"
        return paint(text, "yellow" if len(pair.addresses) > 1 else "green", on)
    return paint(_CELL.get(pair.code, pair.code.upper()), "red", on)


def matrix_text(m: Any, no_headers: bool = False, colour: Optional[bool] = None) -> str:
    """The N x N table (rows: from, columns: to), failure reasons, warnings, summary."""
    on = use_colour(sys.stdout) if colour is None else colour
    heads = ["FROM\\TO"] + [str(t) for t in m.targets]
    body = [[str(s)] + [matrix_cell(m.cell(s, t), on) for t in m.targets] for s in m.sources]
    out = [table(heads, body, no_headers)] if body else []
    reasons = sorted({(p.code, p.detail) for p in m.pairs if not p.ok and p.detail})
    out += [f"{_CELL.get(code, code.upper())}: {detail}" for code, detail in reasons[:10]]
    out += [f"Warning: {w}" for w in m.warnings()]
    out.append(m.summary())
    return "\n".join(out)


def _yes(flag: bool, on: bool) -> str:
    return paint("yes", "green", on) if flag else paint("no", "red", on)


def ownership_text(job: dict[str, Any], rows: list[Any], service: Optional[dict[str, Any]],
                   service_owned: bool, now: dt.datetime, no_headers: bool = False,
                   notes: Optional[list[str]] = None) -> str:
    """`owners`: per pod, owned / selected by the Job and the Service, DNS, finalizer."""
    on = use_colour(sys.stdout)
    out = []
    if not no_headers:
        sel = ",".join(f"{k}={v}" for k, v in sorted(
            ((job.get("spec", {}).get("selector") or {}).get("matchLabels") or {}).items()))
        svc_sel = ",".join(f"{k}={v}" for k, v in sorted(
            ((service or {}).get("spec", {}).get("selector") or {}).items()))
        out += [f"Job:               job.batch/{job['metadata']['name']} (uid {job['metadata'].get('uid')})",
                f"Job selector:      {sel or '<none>'}",
                f"Service:           " + (f"service/{service['metadata']['name']} selector {svc_sel}, "
                                          f"{'owned' if service_owned else 'NOT owned'} by the Job"
                                          if service else "<none>"), ""]
    heads = ["POD", "INDEX", "STATUS", "OWNED", "JOB-SELECTED", "SVC-SELECTED", "DNS", "FINALIZER", "AGE"]
    body = [[r.pod, "<none>" if r.index is None else r.index, r.phase,
             paint(r.owned, {"yes": "green", "no": "red"}.get(r.owned), on),
             _yes(r.job_selected, on), _yes(r.service_selected, on),
             paint(r.dns, {"yes": "green", "no": "red"}.get(r.dns), on),
             "yes" if r.finalizer else "no", age(r.created, now)] for r in rows]
    out.append(table(heads, body, no_headers))
    out += [f"Note: {n}" for n in notes or []]
    return "\n".join(out)


def orphans_text(found: dict[tuple[str, str], dict[str, list[dict[str, Any]]]], now: dt.datetime,
                 all_namespaces: bool, no_headers: bool = False) -> str:
    """`orphans`: one row per orphaned object, grouped by the Job it came from."""
    from kubectl_ijob.status import pod_index, pod_status

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


def describe_text(job: dict[str, Any], summary: Any, rows: list[Any], events: list[dict[str, Any]],
                  now: dt.datetime, notes: Optional[list[str]] = None,
                  network: Optional[tuple[list[str], list[str]]] = None) -> str:
    """`describe`: kubectl's describe job plus full index lists, attempts, wiring,
    NetworkPolicies (names selecting the pods, findings; None: unreadable), events."""
    from kubectl_ijob.status import job_duration

    spec = job.get("spec", {})
    tpl = spec.get("template", {}).get("spec", {})
    took = job_duration(job, now)
    labels = job["metadata"].get("labels") or {}
    sel = (spec.get("selector") or {}).get("matchLabels") or {}
    svc = summary.service
    pairs = [
        ("Name", summary.name), ("Namespace", summary.namespace),
        ("Selector", ",".join(f"{k}={v}" for k, v in sorted(sel.items())) or "<none>"),
        ("Labels", ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"),
        ("Status", summary.status), ("Parallelism", str(summary.parallelism)),
        ("Completions", str(summary.completions)), ("Completion Mode", "Indexed"),
        ("Backoff Limit", str(spec.get("backoffLimit", "<unset>"))),
        ("Backoff Limit Per Index", str(spec.get("backoffLimitPerIndex", "<unset>"))),
        ("Start Time", summary.start_time or "<unset>"),
        ("Completed At", summary.completion_time or "<unset>"),
        ("Duration", human_duration(took) if took is not None else "<unset>"),
        ("Pods Statuses", f"{summary.active} Active ({summary.ready} Ready) / {summary.succeeded} "
                          f"Succeeded / {summary.failed} Failed"),
        ("Completed Indexes", summary.completed_indexes or "<none>"),
        ("Failed Indexes", summary.failed_indexes or "<none>"),
        ("Service", svc.name or "<none>"),
        ("  Exists", "yes" if svc.exists else "no"), ("  Headless", "yes" if svc.headless else "no"),
        ("  Selects pods", "yes" if svc.selector_matches else "no"),
        ("  Publish not-ready", "yes" if svc.publish_not_ready else "no"),
        ("  Problems", "; ".join(svc.problems) or "<none>"),
        ("Network Policies", "<unknown>" if network is None else ", ".join(network[0]) or "<none>"),
        ("  Findings", "<unknown>" if network is None else "; ".join(network[1]) or "<none>"),
        ("Containers", ", ".join(f"{c.get('name')} ({c.get('image')})" for c in tpl.get("containers") or [])),
    ]
    out = [f"{k + ':':<26}{v}" for k, v in pairs]
    out += ["", "Indexes:"]
    body = [[r.index, r.status, r.pod or "<none>", r.attempts, r.failures, r.last_exit, r.dns]
            for r in rows]
    out += ["  " + line for line in
            table(["INDEX", "STATUS", "POD", "ATTEMPTS", "FAILURES", "LAST EXIT", "DNS"], body).splitlines()]
    out += ["", "Events:"]
    if not events:
        out.append("  <none>")
    else:
        ev = [[e.get("type", ""), e.get("reason", ""),
               age(e.get("lastTimestamp") or e.get("eventTime"), now),
               f"{(e.get('involvedObject') or {}).get('kind', '').lower()}/"
               f"{(e.get('involvedObject') or {}).get('name', '')}",
               (e.get("message") or "").replace("\n", " ")] for e in events]
        out += ["  " + line for line in table(["TYPE", "REASON", "AGE", "OBJECT", "MESSAGE"], ev).splitlines()]
    out += [f"Note: {n}" for n in notes or []]
    return "\n".join(out)
