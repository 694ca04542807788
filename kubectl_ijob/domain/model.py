"""The one model of an Indexed Job: the Job, its pods, its Service and EndpointSlices as
read once, and the facts every command needs derived once (completions, subdomain,
selector, the current pod and the attempts of each index, the peers' DNS names).

Pure: built from API objects (dicts), so table tests need no cluster.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from kubectl_ijob.domain.indexes import digits, parse_api_ranges
from kubectl_ijob.domain.selectors import selector_string

Obj = dict[str, Any]

INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
FAILURE_COUNT_ANNOTATION = "batch.kubernetes.io/job-index-failure-count"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
TERMINAL = ("Succeeded", "Failed")


def parse_time(value: Optional[str]) -> Optional[dt.datetime]:
    """An RFC 3339 timestamp from the API as an aware datetime."""
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def conditions(obj: Obj) -> dict[str, str]:
    """type -> status of an object's status.conditions."""
    return {c.get("type"): c.get("status") for c in obj.get("status", {}).get("conditions") or []}


def labels_of(obj: Obj) -> dict[str, str]:
    """A copy of an object's labels."""
    return dict((obj.get("metadata") or {}).get("labels") or {})


def is_indexed(job: Obj) -> bool:
    """Whether a Job uses completionMode Indexed."""
    return job.get("spec", {}).get("completionMode") == "Indexed"


def completions_of(job: Obj) -> int:
    """spec.completions (an Indexed Job always has it; 1 if absent)."""
    return int(job.get("spec", {}).get("completions") or 1)


def subdomain_of(job: Obj) -> Optional[str]:
    """The pod template's subdomain: the headless Service that publishes the peers."""
    return job.get("spec", {}).get("template", {}).get("spec", {}).get("subdomain") or None


def job_status(job: Obj) -> str:
    """The STATUS column of `kubectl get job` (kubectl's printJob, in its order)."""
    cond = conditions(job)
    for kind in ("Complete", "Failed"):
        if cond.get(kind) == "True":
            return kind
    if job.get("metadata", {}).get("deletionTimestamp"):
        return "Terminating"
    for kind in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if cond.get(kind) == "True":
            return kind
    return "Running"


def finished(job: Obj) -> bool:
    """A finished Job no longer creates or adopts pods."""
    return job_status(job) in ("Complete", "Failed")


def pod_index(pod: Obj) -> Optional[int]:
    """The completion index of a pod, from its annotation (or label on newer clusters)."""
    meta = pod.get("metadata", {})
    value = (meta.get("annotations") or {}).get(INDEX_ANNOTATION) or \
        (meta.get("labels") or {}).get(INDEX_ANNOTATION)
    return int(value) if value is not None and digits(str(value)) else None


def rank(pod: Obj) -> tuple[int, float]:
    """Sort key choosing an index's current pod: live first, then succeeded, then the rest;
    newest first within each."""
    phase = pod.get("status", {}).get("phase") or "Pending"
    deleting = bool(pod.get("metadata", {}).get("deletionTimestamp"))
    if phase in ("Running", "Pending", "Unknown") and not deleting:
        order = 0
    elif phase == "Succeeded":
        order = 1
    elif not deleting and phase != "Failed":
        order = 2
    elif phase != "Failed":
        order = 3
    else:
        order = 4
    created = parse_time(pod.get("metadata", {}).get("creationTimestamp"))
    return order, -(created.timestamp() if created else 0.0)


def current(pods: Iterable[Obj]) -> Optional[Obj]:
    """The current pod among one index's pods (see rank), or None."""
    return min(pods, key=rank, default=None)


def by_index(pods: Iterable[Obj]) -> dict[int, list[Obj]]:
    """Pods grouped by completion index (pods without one are left out)."""
    out: dict[int, list[Obj]] = {}
    for pod in pods:
        i = pod_index(pod)
        if i is not None:
            out.setdefault(i, []).append(pod)
    return out


@dataclass
class IndexedJob:
    """An Indexed Job with what was read about it; every command works on this."""

    job: Obj
    pods: list[Obj] = field(default_factory=list)
    service: Optional[Obj] = None
    slices: Optional[list[Obj]] = None  # None: not read (no Service, or forbidden)
    notes: list[str] = field(default_factory=list)  # what could not be read, for the user
    pods_version: Optional[str] = None  # the resourceVersion of the pods' LIST
    _groups: Optional[tuple[tuple[int, int], dict[int, list[Obj]]]] = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.job["metadata"]["name"]

    @property
    def namespace(self) -> str:
        return self.job["metadata"].get("namespace") or ""

    @property
    def uid(self) -> Optional[str]:
        return self.job["metadata"].get("uid")

    @property
    def completions(self) -> int:
        return completions_of(self.job)

    @property
    def subdomain(self) -> Optional[str]:
        return subdomain_of(self.job)

    @property
    def selector(self) -> dict[str, Any]:
        """The Job's own LabelSelector (what the Job controller matches)."""
        return self.job.get("spec", {}).get("selector") or {}

    @property
    def selector_string(self) -> str:
        return job_selector(self.job)

    @property
    def template_labels(self) -> dict[str, str]:
        return ((self.job.get("spec", {}).get("template") or {}).get("metadata") or {}) \
            .get("labels") or {}

    @property
    def finished(self) -> bool:
        return finished(self.job)

    def in_range(self, index: int) -> bool:
        """Whether index is one of 0..completions-1."""
        return 0 <= index < self.completions

    def groups(self) -> dict[int, list[Obj]]:
        """The pods by index, grouped once per pods list (so asking for every index of
        a 10,000-pod job is linear, not a scan of all pods per index)."""
        key = (id(self.pods), len(self.pods))
        if self._groups is None or self._groups[0] != key:
            self._groups = (key, by_index(self.pods))
        return self._groups[1]

    def attempts(self, index: int) -> list[Obj]:
        """Every pod of an index, oldest first (attempt 1 is the first pod)."""
        return sorted(self.groups().get(index, []),
                      key=lambda p: p["metadata"].get("creationTimestamp") or "")

    def current_pod(self, index: int) -> Optional[Obj]:
        """The index's current pod: live first, then succeeded, newest first."""
        return current(self.groups().get(index, []))

    def short_name(self, index: int) -> Optional[str]:
        """`<job>-<i>.<subdomain>`, None without a subdomain."""
        sub = self.subdomain
        return f"{self.name}-{index}.{sub}" if sub else None

    def fqdn(self, index: int, cluster_domain: str) -> Optional[str]:
        """`<job>-<i>.<subdomain>.<ns>.svc.<domain>`, None without a subdomain."""
        short = self.short_name(index)
        return f"{short}.{self.namespace}.svc.{cluster_domain}" if short else None

    def done_indexes(self) -> tuple[set[int], set[int]]:
        """(completed, failed) indexes as the Job's status lists them."""
        st = self.job.get("status") or {}
        return (set(parse_api_ranges(st.get("completedIndexes"))),
                set(parse_api_ranges(st.get("failedIndexes"))))


def job_selector(job: Obj) -> str:
    """The Job's own label selector as a string (what the Job controller matches)."""
    return selector_string(job.get("spec", {}).get("selector")) or \
        f"job-name={job['metadata']['name']}"


def peer_names(job_name: str, service: str, namespace: str, completions: int,
               cluster_domain: str = "cluster.local") -> list[tuple[str, str]]:
    """(short, fqdn) DNS names of every index: `<job>-<i>.<svc>` and its full form."""
    return [(f"{job_name}-{i}.{service}", f"{job_name}-{i}.{service}.{namespace}.svc.{cluster_domain}")
            for i in range(completions)]
