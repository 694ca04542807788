"""Pure: a Job, its pods (terminated ones too) and events -> when each index did what.

Every boundary comes from what the API already records: the pod's creationTimestamp,
its PodScheduled / Initialized / Ready conditions, the kubelet's Pulled events and the
containers' startedAt / finishedAt. Boundaries are made monotonic (a condition written
before the previous phase ended, e.g. Initialized on a pod without init containers,
is moved up to it), so each phase is the gap between two consecutive known boundaries.
Times are epoch seconds (floats): 10,000 indexes take well under a second.
"""
from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from kubectl_ijob.domain.indexes import parse_api_ranges
from kubectl_ijob.domain.model import TERMINAL, completions_of, job_status, parse_time, pod_index
from kubectl_ijob.domain.ownership import UID_LABELS
BOUNDARIES = ("created", "scheduled", "pulled", "initialized", "running", "ready", "finished")
# PHASES[i] runs from BOUNDARIES[i] to the next known boundary.
PHASES = ("scheduling", "pulling", "init", "starting", "running", "ready")
PHASE_FROM = dict(zip(BOUNDARIES, PHASES))
RETRYING = "retrying"  # an index's earlier attempts, up to its current pod's creation
QUEUED = "queued"      # job start -> the index's first pod (parallelism, slow controller)


@functools.lru_cache(maxsize=8192)  # API times have whole seconds: a big job repeats them a lot
def epoch(value: Optional[str]) -> Optional[float]:
    """An RFC 3339 API timestamp (seconds or microseconds) as epoch seconds; None if unreadable."""
    try:
        t = parse_time(value)
    except ValueError:
        return None
    return t.timestamp() if t else None


@dataclass
class Segment:
    """One phase of one row: [start, end) in epoch seconds."""
    __slots__ = ("phase", "start", "end")
    phase: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class Attempt:
    """One pod of an index, with its phase boundaries (None: not reached or unknown)."""
    index: int
    attempt: int  # 1 for the index's first pod
    pod: str
    node: Optional[str]
    outcome: str  # the pod phase: Pending, Running, Succeeded, Failed, Unknown
    times: dict[str, Optional[float]]
    restarts: int = 0

    @property
    def open(self) -> bool:
        return self.times["finished"] is None


@dataclass
class Timeline:
    """Everything drawn or summarised: the indexes' attempts and the time frame."""
    job: str
    namespace: str
    start: float  # the origin of every chart: the Job's creation (or its first pod's)
    now: float
    completions: int
    condition: str  # the Job's STATUS as kubectl prints it: Complete, Failed, Running, ...
    attempts: dict[int, list[Attempt]] = field(default_factory=dict)
    gone: dict[int, str] = field(default_factory=dict)  # index without pods -> its recorded outcome


@dataclass
class Row:
    """One chart row: an index (current attempt, earlier ones as `retrying`) or an attempt."""
    label: str
    index: int
    outcome: str
    segments: list[Segment]
    open: bool

    @property
    def start(self) -> Optional[float]:
        return self.segments[0].start if self.segments else None

    @property
    def end(self) -> Optional[float]:
        return self.segments[-1].end if self.segments else None

    def boundary(self, phase: str) -> Optional[float]:
        """When `phase` began in this row, None when it has no such segment."""
        return next((s.start for s in self.segments if s.phase == phase), None)


def _condition_times(pod: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for c in (pod.get("status") or {}).get("conditions") or []:
        t = epoch(c.get("lastTransitionTime"))
        if c.get("status") == "True" and t is not None:
            out[c.get("type") or ""] = t
    return out


def _container_times(statuses: Iterable[dict[str, Any]], key: str) -> list[float]:
    """`key` (startedAt, finishedAt) of each container's first known run."""
    out = []
    for c in statuses:
        states = [c.get("lastState") or {}, c.get("state") or {}]
        found = [epoch(s.get(k, {}).get(key)) for s in states for k in ("terminated", "running")]
        found = [t for t in found if t is not None]
        if found:
            out.append(min(found) if key == "startedAt" else max(found))
    return out


def pulled_times(events: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Pod name -> its first Pulled event (the first image ready on the node)."""
    out: dict[str, float] = {}
    for e in events:
        obj = e.get("involvedObject") or e.get("regarding") or {}
        if e.get("reason") != "Pulled" or obj.get("kind") != "Pod":
            continue
        t = epoch(e.get("eventTime") or e.get("firstTimestamp") or e.get("lastTimestamp")
                       or (e.get("metadata") or {}).get("creationTimestamp"))
        name = obj.get("name") or ""
        if t is not None and (name not in out or t < out[name]):
            out[name] = t
    return out


def attempt_times(pod: dict[str, Any], pulled: Optional[float]) -> dict[str, Optional[float]]:
    """The pod's boundaries, monotonic; `pulled` from events, else the first container start."""
    status = pod.get("status") or {}
    conds = _condition_times(pod)
    init = status.get("initContainerStatuses") or []
    main = status.get("containerStatuses") or []
    started = _container_times(main, "startedAt")
    if pulled is None:
        pulled = min(_container_times(list(init) + list(main), "startedAt"), default=None)
    finished: Optional[float] = None
    if status.get("phase") in TERMINAL:
        ends = _container_times(main, "finishedAt")
        finished = max(ends) if ends else max(conds.values(), default=None)
    raw = {"created": epoch((pod.get("metadata") or {}).get("creationTimestamp")),
           "scheduled": conds.get("PodScheduled"), "pulled": pulled,
           "initialized": conds.get("Initialized"),
           "running": max(started) if started and len(started) == len(main) else None,
           "ready": conds.get("Ready"), "finished": finished}
    out: dict[str, Optional[float]] = {}
    floor: Optional[float] = None
    for b in BOUNDARIES:
        t = raw[b]
        if t is not None and floor is not None and t < floor:
            t = floor
        out[b] = t
        floor = t if t is not None else floor
    return out


def build(job: dict[str, Any], pods: Iterable[dict[str, Any]], events: Iterable[dict[str, Any]],
          now: float) -> Timeline:
    """The timeline of a Job from its pods (any labelled with another Job's uid are skipped)."""
    meta, status = job.get("metadata") or {}, job.get("status") or {}
    uid = meta.get("uid")
    pulled = pulled_times(events)
    by_index: dict[int, list[Attempt]] = {}
    for pod in pods:
        pmeta = pod.get("metadata") or {}
        index = pod_index(pod)
        labels = pmeta.get("labels") or {}
        owner = next((labels[k] for k in UID_LABELS if labels.get(k)), None)
        if index is None or (uid and owner and owner != uid):
            continue
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        by_index.setdefault(index, []).append(Attempt(
            index, 0, pmeta.get("name") or "", (pod.get("spec") or {}).get("nodeName"),
            (pod.get("status") or {}).get("phase") or "Pending",
            attempt_times(pod, pulled.get(pmeta.get("name") or "")),
            sum(int(c.get("restartCount") or 0) for c in statuses)))
    for attempts in by_index.values():
        attempts.sort(key=lambda a: (a.times["created"] or 0.0, a.pod))
        for n, a in enumerate(attempts, 1):
            a.attempt = n
    created = [a.times["created"] for v in by_index.values() for a in v if a.times["created"]]
    start = min([t for t in [epoch(meta.get("creationTimestamp"))] if t] + created, default=now)
    tl = Timeline(meta.get("name") or "", meta.get("namespace") or "", start, now,
                  completions_of(job), job_status(job), by_index)
    for outcome, key in (("Succeeded", "completedIndexes"), ("Failed", "failedIndexes")):
        for i in parse_api_ranges(status.get(key)):
            if i not in by_index:
                tl.gone[i] = outcome
    return tl


def segments(times: dict[str, Optional[float]], now: float) -> list[Segment]:
    """An attempt's phases in time order; the last one runs to `now` while it is open.
    A phase passed through in no time stays as a 0 s segment (it counts in the medians)."""
    known = [(b, t) for b, t in times.items() if t is not None]
    out: list[Segment] = []
    for k, (b, t) in enumerate(known):
        if b == "finished":
            break
        end = known[k + 1][1] if k + 1 < len(known) else max(now, t)
        out.append(Segment(PHASE_FROM[b], t, end))
    return out


def _index_row(tl: Timeline, index: int, attempts: list[Attempt]) -> Row:
    if not attempts:
        return Row(str(index), index, tl.gone.get(index, "NoPod"), [], False)
    last = attempts[-1]
    segs = segments(last.times, tl.now)
    first, cur = attempts[0].times["created"], last.times["created"]
    if len(attempts) > 1 and first is not None and cur is not None and cur > first:
        segs.insert(0, Segment(RETRYING, first, cur))
    return Row(str(index), index, last.outcome, segs, last.open)


def rows(tl: Timeline, indexes: Optional[Iterable[int]] = None, attempts: bool = False) -> list[Row]:
    """Chart rows for `indexes` (default: 0..completions-1 and any index seen in pods)."""
    if indexes is None:
        indexes = sorted(set(range(tl.completions)) | set(tl.attempts) | set(tl.gone))
    out: list[Row] = []
    for i in indexes:
        pods = tl.attempts.get(i, [])
        if not attempts or not pods:
            out.append(_index_row(tl, i, pods))
            continue
        out.extend(Row(f"{i}#{a.attempt}", i, a.outcome, segments(a.times, tl.now), a.open)
                   for a in pods)
    return out


@dataclass
class PhaseStat:
    """Median and slowest duration of one phase over the rows that went through it."""
    phase: str
    count: int
    median: float
    slowest: float
    slowest_label: str


@dataclass
class Critical:
    """The row that finished last (or is still open), and the phase that made it late."""
    label: str
    end: float     # seconds after the timeline's start
    open: bool
    behind: float  # seconds after the median row's end
    phase: str     # the phase furthest above its median
    seconds: float
    median: float
    current: str   # the row's last phase, and since when (seconds after the start)
    since: float
    lagging: bool  # another row is further along (open) or finished >= 1 s earlier


@dataclass
class Skew:
    """Spread of the rows' container starts: the gang waits for the last one."""
    seconds: float
    first_label: str
    first: float   # seconds after the timeline's start
    last_label: str
    last: float


@dataclass
class Summary:
    critical: Optional[Critical]
    skew: Optional[Skew]
    phases: list[PhaseStat]
    outcomes: dict[str, int]


def durations(row: Row, origin: float) -> dict[str, float]:
    """Seconds per phase of a row, with `queued` from `origin` to its first pod."""
    out: dict[str, float] = {QUEUED: max(0.0, (row.start or origin) - origin)}
    for s in row.segments:
        out[s.phase] = out.get(s.phase, 0.0) + s.seconds
    return out


ORDER = {p: k for k, p in enumerate((RETRYING,) + PHASES)}


def _critical(drawn: list[Row], per_row: list[dict[str, float]], origin: float) -> Critical:
    def stage(i: int) -> tuple[int, float]:
        return ORDER[drawn[i].segments[-1].phase], -drawn[i].segments[-1].start

    running = [i for i, r in enumerate(drawn) if r.open]
    lagging = False
    if running:  # the least advanced open row holds the rest up: earliest phase, entered last
        k = min(running, key=stage)
        lagging = any(stage(j)[0] > stage(k)[0] or stage(j)[1] >= stage(k)[1] + 1 for j in running)
    else:
        k = max(range(len(drawn)), key=lambda i: (drawn[i].end or 0.0, drawn[i].start or 0.0))
    row, mine = drawn[k], per_row[k]
    # Baselines count a phase a row skipped as 0 s: "the median index spent 0 s retrying".
    base = {p: statistics.median([d.get(p, 0.0) for d in per_row]) for p in mine}
    phase = max(mine, key=lambda p: (mine[p] - base[p], mine[p]))
    behind = (row.end or origin) - statistics.median([r.end or origin for r in drawn])
    last = row.segments[-1]
    return Critical(row.label, (row.end or origin) - origin, row.open, behind, phase, mine[phase],
                    base[phase], last.phase, last.start - origin, lagging or (not running and behind >= 1))


def _skew(rows: list[Row], origin: float) -> Optional[Skew]:
    started = [(t, r.label) for r in rows if (t := r.boundary("running")) is not None]
    if len(started) < 2:
        return None
    (t0, first), (t1, last) = min(started), max(started)
    return Skew(t1 - t0, first, t0 - origin, last, t1 - origin)


def summarize(rows: list[Row], origin: float) -> Summary:
    """Critical path, start skew and per-phase median/slowest over index rows."""
    outcomes: dict[str, int] = {}
    for r in rows:
        key = "Running" if r.open else r.outcome
        outcomes[key] = outcomes.get(key, 0) + 1
    drawn = [r for r in rows if r.segments]
    if not drawn:
        return Summary(None, None, [], outcomes)
    per_row = [durations(r, origin) for r in drawn]
    stats = []
    for phase in (QUEUED, RETRYING) + PHASES:
        vals = [(d[phase], r.label) for d, r in zip(per_row, drawn) if phase in d]
        if vals and max(v[0] for v in vals) > 0:  # a phase no row spent time in says nothing
            slow = max(vals, key=lambda v: v[0])
            stats.append(PhaseStat(phase, len(vals), statistics.median(v[0] for v in vals),
                                   slow[0], slow[1]))
    return Summary(_critical(drawn, per_row, origin), _skew(drawn, origin), stats, outcomes)


@dataclass
class Band:
    """Consecutive rows drawn as one: median phase starts, earliest start, latest end."""
    label: str
    count: int
    segments: list[Segment]  # from the members' median boundaries
    first: Optional[float]
    last: Optional[float]
    outcomes: dict[str, int]


def _band(members: list[Row]) -> Band:
    label = f"{members[0].index}-{members[-1].index}" if len(members) > 1 else members[0].label
    outcomes: dict[str, int] = {}
    for r in members:
        key = "Running" if r.open else r.outcome
        outcomes[key] = outcomes.get(key, 0) + 1
    drawn = [r for r in members if r.segments]
    if not drawn:
        return Band(label, len(members), [], None, None, outcomes)
    starts: dict[str, list[float]] = {}
    for r in drawn:
        for s in r.segments:
            starts.setdefault(s.phase, []).append(s.start)
    # A phase only some members went through (one retry among 200) is not the band's.
    marks = [(statistics.median(starts[p]), p) for p in (RETRYING,) + PHASES
             if 2 * len(starts.get(p, ())) > len(drawn)]
    end = statistics.median([r.end or 0.0 for r in drawn])
    segs: list[Segment] = []
    floor = min((t for t, _ in marks), default=end)
    for k, (t, p) in enumerate(marks):
        t = max(t, floor)
        nxt = max(marks[k + 1][0], t) if k + 1 < len(marks) else max(end, t)
        if nxt > t:
            segs.append(Segment(p, t, nxt))
        floor = nxt
    return Band(label, len(members), segs, min(r.start or 0.0 for r in drawn),
                max(r.end or 0.0 for r in drawn), outcomes)


def aggregate(rows: list[Row], max_rows: int) -> list[Band]:
    """At most `max_rows` bands of consecutive rows (each a single row when they fit)."""
    size = max(1, -(-len(rows) // max(1, max_rows)))
    return [_band(rows[k:k + size]) for k in range(0, len(rows), size)]
