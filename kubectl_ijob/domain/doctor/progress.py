"""Checks of progress: the Job failed, failed indexes and why, indexes retrying,
stragglers against the median, duplicate pods for an index, pods of an older Job with
the same name, and evidence that could not be read."""
from __future__ import annotations

import statistics

from kubectl_ijob.domain.indexes import format_ranges, parse_api_ranges

from .model import CONTROLLER_UID, TERMINAL, Evidence, Finding, Obj, condition, event_message, \
    failure_count, finished_at, human, last_termination, live, parse_time, phase, plural, \
    pods_phrase, started_at, statuses, tail

STRAGGLER_MIN = 30.0  # seconds beyond the median before an index counts as a straggler
MIN_GROUP = 3  # indexes needed for a median to mean anything
DUPLICATE_GRACE = 30  # seconds a terminating pod may overlap its replacement


def failure(pod: Obj) -> str:
    """Why a pod failed: the pod's reason (Evicted, DeadlineExceeded) or its container's exit."""
    st = pod.get("status", {})
    if st.get("reason"):
        return f"{st['reason']}: {st.get('message', '').strip()}".rstrip(": ")
    for s in statuses(pod):
        term = last_termination(s)
        if term and term.get("exitCode"):
            return (f"container {s.get('name')} {term.get('reason') or 'Error'} "
                    f"(exit code {term['exitCode']})")
    return "failed"


def _indexes(indexes: list[int]) -> str:
    """`index 2` or `indexes 1,4-6`."""
    return f"{'index' if len(indexes) == 1 else 'indexes'} {format_ranges(indexes)}"


def _failure_lines(ev: Evidence, indexes: list[int], limit: int = 10) -> list[str]:
    lines = []
    for i in indexes[:limit]:
        p = ev.last_failed(i)
        if p is None:
            lines.append(f"index {i}: no failed pod left to inspect")
            continue
        lines.append(f"index {i}: pod {p['metadata']['name']} {failure(p)}")
        name = p["metadata"]["name"]
        log = next((ev.logs[k] for k in ev.logs if k.startswith(name + "/")), None)
        lines += tail(log, 3) if log else []
    return lines + ([f"... and {len(indexes) - limit} more"] if len(indexes) > limit else [])


def check_job_failed(ev: Evidence) -> list[Finding]:
    """The Job's Failed condition, with its reason and the failed indexes' causes."""
    if condition(ev.job, "Failed") != "True":
        return []
    reason = condition(ev.job, "Failed", "reason") or "Failed"
    message = condition(ev.job, "Failed", "message") or ""
    failed = sorted(i for i in ev.by_index if ev.last_failed(i) is not None)
    title = f"job failed: {reason}" + (f" ({message})" if message else "")
    return [Finding("error", "job-failed", title,
                    [f"job/{ev.name}: condition Failed, reason {reason}"] +
                    _failure_lines(ev, failed, 5),
                    [ev.cmd("describe"), ev.cmd("logs", "--index all")])]


def check_failed_indexes(ev: Evidence) -> list[Finding]:
    """status.failedIndexes (backoffLimitPerIndex): each failed index and why."""
    failed = parse_api_ranges(ev.job.get("status", {}).get("failedIndexes"))
    if not failed:
        return []
    first = str(failed[0])
    return [Finding("error", "failed-indexes", f"{_indexes(failed)} failed",
                    _failure_lines(ev, failed), [ev.cmd("logs", "--index", first, "--attempt 1")])]


def check_retrying(ev: Evidence) -> list[Finding]:
    """Indexes that failed and were (or are being) retried."""
    failed = set(parse_api_ranges(ev.job.get("status", {}).get("failedIndexes")))
    retried = {i: failure_count(g) for i, g in ev.by_index.items()
               if i not in failed and failure_count(g) > 0}
    if not retried or condition(ev.job, "Failed") == "True":
        return []
    lines = [f"index {i}: {plural(n, 'failure')}, now {phase(ev.current[i])}"
             for i, n in retried.items()]
    severity = "info" if ev.finished else "warning"
    title = f"{_indexes(list(retried))} {'needed retries' if ev.finished else 'retrying'}"
    return [Finding(severity, "retrying", title, lines + _failure_lines(ev, sorted(retried), 3),
                    [ev.cmd("logs", "--index", str(min(retried)), "--attempt 1")])]


def _phase_times(pod: Obj) -> dict[str, float]:
    """Seconds spent scheduling, in init containers and pulling/starting the main container."""
    created = parse_time(pod["metadata"].get("creationTimestamp"))
    scheduled = parse_time(condition(pod, "PodScheduled", "lastTransitionTime")) \
        if condition(pod, "PodScheduled") == "True" else None
    inits = [parse_time((s.get("state") or {}).get("terminated", {}).get("finishedAt"))
             for s in statuses(pod, True)]
    init_done = max(inits) if inits and all(inits) else None
    start = started_at(pod)
    out = {}
    if created and scheduled:
        out["scheduling"] = (scheduled - created).total_seconds()
    if scheduled and init_done:
        out["init containers"] = (init_done - scheduled).total_seconds()
    if start and (init_done or scheduled):
        out["image pull and start"] = (start - (init_done or scheduled)).total_seconds()
    return out


def _phase_medians(pods: list[Obj]) -> dict[str, float]:
    """The median seconds of each start-up phase over the pods that went through it."""
    times: dict[str, list[float]] = {}
    for p in pods:
        for name, secs in _phase_times(p).items():
            times.setdefault(name, []).append(secs)
    return {name: statistics.median(values) for name, values in times.items()}


def _why_late(ev: Evidence, pod: Obj, medians: dict[str, float]) -> str:
    """The phase in which a late pod lost the most time against the median pod."""
    mine = _phase_times(pod)
    worst, lost = "", 0.0
    for name, secs in mine.items():
        extra = secs - medians.get(name, 0.0)
        if extra > lost:
            worst, lost = name, extra
    node = pod.get("spec", {}).get("nodeName") or "no node"
    pulled = [event_message(e) for e in ev.pod_events(pod, "Pulled")]
    detail = f"; {pulled[-1]}" if worst == "image pull and start" and pulled else ""
    return (f"{worst} took {human(mine[worst])} ({human(lost)} more than the median){detail}; "
            f"node {node}") if worst else f"node {node}"


def check_stragglers(ev: Evidence) -> list[Finding]:
    """Indexes whose pod started much later, or runs much longer, than the median index."""
    pods = list(ev.current.values())
    out = []
    delays = {i: (started_at(p) - parse_time(p["metadata"]["creationTimestamp"])).total_seconds()
              for i, p in ev.current.items()
              if started_at(p) and p["metadata"].get("creationTimestamp")}
    if len(delays) >= MIN_GROUP:
        median = statistics.median(delays.values())
        late = sorted(i for i, d in delays.items() if d > median + max(STRAGGLER_MIN, median))
        medians = _phase_medians(pods) if late else {}
        for i in late:
            out.append(Finding("warning", "straggler-start",
                               f"index {i} started {human(delays[i] - median)} after the "
                               "median index",
                               [f"pod {ev.current[i]['metadata']['name']}: "
                                f"{_why_late(ev, ev.current[i], medians)}"],
                               [ev.kubectl("describe pod", ev.current[i]["metadata"]["name"])]))
    runs = [(finished_at(p) - started_at(p)).total_seconds() for p in pods
            if phase(p) == "Succeeded" and finished_at(p) and started_at(p)]
    if len(runs) >= MIN_GROUP - 1 and len(runs) * 2 >= len(pods):
        median = statistics.median(runs)
        for i, p in ev.current.items():
            start = started_at(p)
            alive = start and live(p) and phase(p) == "Running"
            ran = (ev.now - start).total_seconds() if alive else 0
            if ran > median + max(STRAGGLER_MIN, median):
                out.append(Finding("warning", "straggler-run",
                                   f"index {i} has run for {human(ran)}; the median index "
                                   f"finished in {human(median)}",
                                   [f"pod {p['metadata']['name']} on node "
                                    f"{p['spec'].get('nodeName')}, "
                                    f"{plural(len(runs), 'index', 'indexes')} done"],
                                   [ev.cmd("logs", "--index", str(i), "--tail 20"),
                                    ev.cmd("exec", str(i), "-- top -b -n 1")]))
    return out


def check_duplicates(ev: Evidence) -> list[Finding]:
    """More than one live pod of the Job for an index (a terminating one overlapping too long)."""
    out = []
    for i, group in ev.by_index.items():
        alive = [p for p in group if phase(p) not in TERMINAL and not _handing_over(ev, p)]
        if len(alive) > 1:
            out.append(Finding("warning", "duplicate-pods",
                               f"index {i} has {len(alive)} live pods: its name may answer "
                               "from either",
                               [f"pod {p['metadata']['name']}: {phase(p)}" +
                                (", terminating" if p["metadata"].get("deletionTimestamp") else "")
                                for p in alive], [ev.cmd("owners")]))
    return out


def _handing_over(ev: Evidence, pod: Obj) -> bool:
    """A pod terminating for less than the grace period is a normal hand-over."""
    since = parse_time(pod["metadata"].get("deletionTimestamp"))
    return bool(since) and (ev.now - since).total_seconds() < DUPLICATE_GRACE


def check_orphans(ev: Evidence) -> list[Finding]:
    """Pods with the job's name not owned by this Job: an older Job's, or released ones."""
    older: dict[str, list[Obj]] = {}
    for p in ev.pods:
        if ev.owned(p):
            continue
        uid = (p["metadata"].get("labels") or {}).get(CONTROLLER_UID) or ""
        older.setdefault(uid if uid != ev.uid else "", []).append(p)
    out = []
    for uid, pods in older.items():
        running = [p for p in pods if live(p)]
        what = f"an older Job named {ev.name} (uid {uid})" if uid else \
            "no Job (released from this one)"
        verb = "belongs" if len(pods) == 1 else "belong"
        names = [p["metadata"]["name"] for p in pods[:5]]
        out.append(Finding("warning" if running else "info", "orphans",
                           f"{plural(len(pods), 'pod')} named after this job {verb} to {what}",
                           [pods_phrase(pods), f"{len(running)} still running: they can answer "
                            "on the job's DNS names" if running else "all finished"],
                           [ev.cmd("orphans"), ev.kubectl("delete pod", *names)]))
    return out


def check_unread(ev: Evidence) -> list[Finding]:
    """Evidence that could not be read (Forbidden side queries): checks that were skipped."""
    if not ev.notes:
        return []
    return [Finding("info", "unread", f"{plural(len(ev.notes), 'check')} skipped: evidence not "
                    "readable", list(ev.notes), ["kubectl auth can-i --list -n " + ev.namespace])]
