"""The evidence `doctor` reasons over, the findings it returns, and the facts every check
derives from the evidence (current pod of an index, ownership, events of an object).

Evidence holds plain API objects exactly as the API server returns them (and ping's
Matrix), so the checks can be tested from recorded JSON and the command can gather it
however it likes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from kubectl_ijob.domain.durations import human_duration
from kubectl_ijob.domain.indexes import digits, format_ranges
from kubectl_ijob.domain.model import FAILURE_COUNT_ANNOTATION, TERMINAL, Obj, by_index, \
    parse_time, pod_index, rank
from kubectl_ijob.domain.peers import Matrix

SEVERITIES = ("error", "warning", "info")
CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
WAIT_CONTAINER = "ijob-wait-for-peers"  # the init container of `create --wait-for-peers`

__all__ = ["Evidence", "Finding", "Obj", "SEVERITIES", "TERMINAL", "WAIT_CONTAINER",
           "parse_time", "pod_index"]  # and the helpers below


@dataclass
class Finding:
    """One thing wrong (or worth knowing), what shows it, and what to do next."""

    severity: str  # error | warning | info
    check: str  # the check's id, e.g. "service-missing"
    title: str
    evidence: list[str] = field(default_factory=list)
    next: list[str] = field(default_factory=list)  # commands to run or the fix


@dataclass
class Evidence:
    """Everything the checks may look at; None means "not read" (skipped, or Forbidden)."""

    job: Obj
    pods: list[Obj] = field(default_factory=list)  # by job-name too: orphans and detached pods
    services: list[Obj] = field(default_factory=list)  # the subdomain's, and any selecting the pods
    slices: Optional[list[Obj]] = None  # EndpointSlices of the subdomain's Service
    events: Optional[list[Obj]] = None  # core/v1 or events.k8s.io/v1 events of the job and pods
    policies: Optional[list[str]] = None  # names of the NetworkPolicies selecting the pods
    policy_findings: Optional[list[str]] = None  # what they do to peer traffic, one phrase each
    ping: Optional[Matrix] = None  # what `ping` found (its method resolves names first)
    dns: Optional[Matrix] = None  # what `ping --method dns` found
    logs: dict[str, str] = field(default_factory=dict)  # "pod/container" -> tail of its last log
    notes: list[str] = field(default_factory=list)  # what could not be read, and why
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    # ---------------------------------------------------------------- the Job
    @property
    def name(self) -> str:
        return self.job.get("metadata", {}).get("name", "")

    @property
    def namespace(self) -> str:
        return self.job.get("metadata", {}).get("namespace") or "default"

    @property
    def uid(self) -> str:
        return self.job.get("metadata", {}).get("uid", "")

    @property
    def template_spec(self) -> Obj:
        return self.job.get("spec", {}).get("template", {}).get("spec") or {}

    @property
    def template_labels(self) -> dict[str, str]:
        return self.job.get("spec", {}).get("template", {}).get("metadata", {}).get("labels") or {}

    @property
    def subdomain(self) -> Optional[str]:
        return self.template_spec.get("subdomain")

    @property
    def completions(self) -> int:
        return int(self.job.get("spec", {}).get("completions") or 1)

    @property
    def finished(self) -> bool:
        return any(condition(self.job, kind) == "True" for kind in ("Complete", "Failed"))

    def cmd(self, verb: str, *args: str) -> str:
        """A kubectl ijob command line for this job, namespaced so it can be pasted."""
        return " ".join(["kubectl ijob", verb, self.name, "-n", self.namespace, *args])

    def kubectl(self, *args: str) -> str:
        """A kubectl command line in the job's namespace."""
        return " ".join(["kubectl", *args, "-n", self.namespace])

    # ------------------------------------------------------------ the Service
    @property
    def service(self) -> Optional[Obj]:
        """The Service the pod template's subdomain names, if it exists."""
        sub = self.subdomain
        return next((s for s in self.services if s["metadata"].get("name") == sub), None)

    # --------------------------------------------------------------- the pods
    def owned(self, pod: Obj) -> bool:
        """Whether the Job controller counts this pod as the Job's (ownerReference uid)."""
        return any(r.get("uid") == self.uid and r.get("controller")
                   for r in pod.get("metadata", {}).get("ownerReferences") or [])

    @cached_property
    def own_pods(self) -> list[Obj]:
        return [p for p in self.pods if self.owned(p)]

    @cached_property
    def by_index(self) -> dict[int, list[Obj]]:
        """The Job's own pods per index, current first (live, then newest)."""
        return {i: sorted(group, key=rank) for i, group in sorted(by_index(self.own_pods).items())}

    @cached_property
    def current(self) -> dict[int, Obj]:
        """The current pod of each index that has one."""
        return {i: group[0] for i, group in self.by_index.items()}

    def index_of(self, pod_name: str) -> Optional[int]:
        pod = next((p for p in self.pods if p["metadata"]["name"] == pod_name), None)
        return pod_index(pod) if pod else None

    def last_failed(self, index: int) -> Optional[Obj]:
        """The newest Failed pod of an index."""
        failed = [p for p in self.by_index.get(index, []) if phase(p) == "Failed"]
        return max(failed, key=lambda p: p["metadata"].get("creationTimestamp") or "",
                   default=None)

    # ------------------------------------------------------------- the events
    @cached_property
    def _events_by_object(self) -> dict[str, list[Obj]]:
        """Events by the uid (or, when not recorded, kind/name) of their object, oldest first."""
        out: dict[str, list[Obj]] = {}
        for e in sorted(self.events or [], key=event_time):
            ref = e.get("involvedObject") or e.get("regarding") or {}
            out.setdefault(ref.get("uid") or f"{ref.get('kind')}/{ref.get('name')}", []).append(e)
        return out

    def events_for(self, uid: str, name: str = "", kind: str = "") -> list[Obj]:
        """Events about one object (by uid, or kind+name when the uid is not recorded)."""
        by = self._events_by_object
        return sorted(by.get(uid, []) + by.get(f"{kind}/{name}", []), key=event_time)

    def pod_events(self, pod: Obj, reason: str) -> list[Obj]:
        meta = pod["metadata"]
        return [e for e in self.events_for(meta.get("uid", ""), meta["name"], "Pod")
                if e.get("reason") == reason]

    @cached_property
    def endpoints(self) -> Optional[dict[str, Obj]]:
        """EndpointSlice endpoints by the uid of the pod they point at (None: not read)."""
        if self.slices is None:
            return None
        out = {}
        for sl in self.slices:
            for ep in sl.get("endpoints") or []:
                ref = ep.get("targetRef") or {}
                if ref.get("kind") == "Pod" and ref.get("uid"):
                    out[ref["uid"]] = ep
        return out


# ---------------------------------------------------------------- object facts

def event_time(e: Obj) -> str:
    return e.get("lastTimestamp") or e.get("eventTime") or \
        (e.get("series") or {}).get("lastObservedTime") or e.get("firstTimestamp") or ""


def event_message(e: Obj) -> str:
    return (e.get("message") or e.get("note") or "").strip()


def condition(obj: Obj, kind: str, field_name: str = "status") -> Optional[str]:
    """A field (status, reason, message, lastTransitionTime) of one status condition."""
    for c in obj.get("status", {}).get("conditions") or []:
        if c.get("type") == kind:
            return c.get(field_name)
    return None


def phase(pod: Obj) -> str:
    return pod.get("status", {}).get("phase") or "Pending"


def live(pod: Obj) -> bool:
    """Not finished and not being deleted."""
    return phase(pod) not in TERMINAL and not pod["metadata"].get("deletionTimestamp")


def ready(pod: Obj) -> bool:
    return condition(pod, "Ready") == "True"


def statuses(pod: Obj, init: bool = False) -> list[Obj]:
    key = "initContainerStatuses" if init else "containerStatuses"
    return pod.get("status", {}).get(key) or []


def all_statuses(pod: Obj) -> list[tuple[bool, Obj]]:
    """(is_init, status) of every container, init containers first."""
    return [(True, s) for s in statuses(pod, True)] + [(False, s) for s in statuses(pod)]


def waiting_reason(status: Obj) -> str:
    return ((status.get("state") or {}).get("waiting") or {}).get("reason") or ""


def crash_looping(status: Obj) -> bool:
    """A container that keeps failing and restarting: in CrashLoopBackOff, or just failed
    again (between restarts it shows Error, not the back-off)."""
    if status.get("name") == WAIT_CONTAINER:
        return False  # check_wait_for_peers explains it
    term = (status.get("state") or {}).get("terminated")
    return waiting_reason(status) == "CrashLoopBackOff" or \
        bool(term and term.get("exitCode") and status.get("restartCount"))


def last_termination(status: Obj) -> Optional[Obj]:
    """The container's current termination, else its previous one."""
    return (status.get("state") or {}).get("terminated") or \
        (status.get("lastState") or {}).get("terminated")


def started_at(pod: Obj) -> Optional[dt.datetime]:
    """When the first main container started (running or since finished)."""
    times = []
    for s in statuses(pod):
        state = s.get("state") or {}
        t = (state.get("running") or state.get("terminated") or {}).get("startedAt")
        if t:
            times.append(parse_time(t))
    return min(times) if times else None


def finished_at(pod: Obj) -> Optional[dt.datetime]:
    times = [parse_time(((s.get("state") or {}).get("terminated") or {}).get("finishedAt"))
             for s in statuses(pod)]
    return max(times) if times and all(times) else None


def failure_count(group: list[Obj]) -> int:
    """Failed attempts of an index: its Failed pods, or the controller's own count."""
    failed = sum(1 for p in group if phase(p) == "Failed")
    counts = [(p["metadata"].get("annotations") or {}).get(FAILURE_COUNT_ANNOTATION, "")
              for p in group]
    return max([failed] + [int(c) for c in counts if digits(str(c))])


# ------------------------------------------------------------------- wording

def plural(n: int, word: str, many: str = "") -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def pods_phrase(pods: list[Obj], limit: int = 5) -> str:
    """`pods a, b (indexes 0,1)`, shortened after `limit` names."""
    names = [p["metadata"]["name"] for p in pods]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    shown = ", ".join(names[:limit]) + more
    idx = [i for i in (pod_index(p) for p in pods) if i is not None]
    where = f" ({'index' if len(idx) == 1 else 'indexes'} {format_ranges(idx)})" if idx else ""
    return f"{'pod' if len(names) == 1 else 'pods'} {shown}{where}"


def human(seconds: float) -> str:
    """A duration as kubectl prints ages: 45s, 5m3s, 3h15m."""
    return human_duration(dt.timedelta(seconds=max(seconds, 0)))


def tail(text: str, lines: int = 5) -> list[str]:
    """The last lines of a log, quoted as evidence."""
    return [f"| {line}" for line in text.rstrip("\n").splitlines()[-lines:]]
