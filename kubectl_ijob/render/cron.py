"""Text of CronJobs of Indexed Jobs: their `list` table and the header of `status NAME`
(schedule, policies, the history of runs) printed above the chosen run's index table."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from kubectl_ijob.domain.cronjob import Run, history, list_row
from kubectl_ijob.render.colour import paint
from kubectl_ijob.render.text import age, human_duration, status_colour, table
from kubectl_ijob.domain.model import parse_time

NONE = "<none>"
Obj = dict[str, Any]


def _when(timestamp: Optional[str], now: dt.datetime) -> str:
    return f"{timestamp} ({age(timestamp, now)} ago)" if timestamp else NONE


def cron_list_text(pairs: list[tuple[Obj, list[Obj]]], now: dt.datetime,
                   all_namespaces: bool = False, no_headers: bool = False,
                   colour: bool = False) -> str:
    """`list`'s CronJob table, kubectl get cronjobs' columns plus LAST RESULT."""
    heads = (["NAMESPACE"] if all_namespaces else []) + \
        ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "LAST RESULT", "AGE"]
    body = []
    for cj, jobs in pairs:
        r = list_row(cj, jobs)
        body.append(([r["namespace"]] if all_namespaces else []) + [
            r["name"], r["schedule"], r["timeZone"] or NONE, str(r["suspend"]), r["active"],
            age(r["lastSchedule"], now) if r["lastSchedule"] else NONE,
            paint(r["lastResult"], status_colour(r["lastResult"]), colour), age(r["created"], now)])
    return table(heads, body, no_headers)


def _duration(run: Run, now: dt.datetime) -> str:
    start = parse_time(run.start_time)
    if start is None:
        return ""
    return human_duration((parse_time(run.completion_time) or now) - start)


def runs_table(runs: list[Run], now: dt.datetime, colour: bool = False) -> str:
    """One row per run, oldest first: result, completions and the index lists."""
    heads = ["RUN", "STATUS", "COMPLETIONS", "COMPLETED INDEXES", "FAILED INDEXES", "TRIGGER",
             "DURATION", "AGE"]
    body = [[r.name, paint(r.status, status_colour(r.status), colour),
             f"{r.succeeded}/{r.completions}", r.completed_indexes or NONE,
             r.failed_indexes or NONE, "manual" if r.manual else "schedule", _duration(r, now),
             age(r.scheduled, now) if r.scheduled else NONE] for r in runs]
    return "\n".join("  " + line for line in table(heads, body).splitlines())


def cron_header_text(cronjob: Obj, jobs: list[Obj], shown: Optional[str], now: dt.datetime,
                     colour: bool = False) -> str:
    """The CronJob's settings and runs, then which run the index table below shows (or,
    without runs, how to start one)."""
    meta, spec, status = cronjob["metadata"], cronjob.get("spec", {}), cronjob.get("status", {})
    active = [a.get("name", "") for a in status.get("active") or []]
    fields = [
        ("CronJob", meta["name"]), ("Namespace", meta.get("namespace") or NONE),
        ("Schedule", spec.get("schedule")), ("Time Zone", spec.get("timeZone") or NONE),
        ("Suspend", str(bool(spec.get("suspend")))),
        ("Concurrency Policy", spec.get("concurrencyPolicy") or "Allow"),
        ("Active", ", ".join(active) or NONE),
        ("Last Schedule", _when(status.get("lastScheduleTime"), now)),
        ("Last Successful", _when(status.get("lastSuccessfulTime"), now)),
    ]
    runs = history(cronjob, jobs)
    out = [f"{k + ':':<20}{v}" for k, v in fields]
    out.append(f"Runs:               {len(runs) or NONE}")
    if runs:
        out.append(runs_table(runs, now, colour))
    if shown is None:
        out.append(f"No run yet: the next starts on schedule, or now with "
                   f"`kubectl ijob trigger {meta['name']}`.")
    else:
        out += ["", f"Run {shown}:"]
    return "\n".join(out)
