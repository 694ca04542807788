"""Plans for suspend, resume, scale and rerun: what the API allows and what will happen.

Pure: each plan is computed from the Job (and its pods) as read, shown to the user
before anything changes, and the command compares it with what the controller did.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from kubectl_ijob.domain.indexes import parse_api_ranges, parse_ranges
from kubectl_ijob.domain.jobapi import JOB_CONTROLLER
from kubectl_ijob.domain.jobvalidation import validate_update
from kubectl_ijob.domain.model import by_index, current, job_status

Obj = dict[str, Any]
RERUN_ENV = "IJOB_ORIGINAL_INDEX"
LIVE_PHASES = ("Pending", "Running", "Unknown")


def external_manager(job: Obj) -> Optional[str]:
    """spec.managedBy when it names another controller than the built-in one, else None."""
    managed = (job.get("spec") or {}).get("managedBy")
    return managed if managed and managed != JOB_CONTROLLER else None


def live_pods(pods: Iterable[Obj]) -> dict[int, Obj]:
    """index -> its current pod, for indexes whose current pod is still running or pending."""
    out = {}
    for i, group in by_index(pods).items():
        pod = current(group)
        if pod and (pod.get("status") or {}).get("phase", "Pending") in LIVE_PHASES \
                and not pod["metadata"].get("deletionTimestamp"):
            out[i] = pod
    return out


@dataclass
class SuspendPlan:
    """What `suspend` (or `resume`) will do; `change` False means nothing to do and why."""

    name: str
    suspend: bool
    change: bool
    reason: str = ""
    deleted: dict[int, str] = field(default_factory=dict)  # index -> pod deleted on suspend
    kept: list[int] = field(default_factory=list)  # completed indexes: progress kept
    to_run: list[int] = field(default_factory=list)  # indexes that will (re)start on resume
    notes: list[str] = field(default_factory=list)


def suspend_plan(job: Obj, pods: list[Obj], suspend: bool) -> SuspendPlan:
    """Plan for spec.suspend=`suspend`: running pods are deleted, finished indexes stay done."""
    name = job["metadata"]["name"]
    status = job.get("status") or {}
    completed = parse_api_ranges(status.get("completedIndexes"))
    failed = set(parse_api_ranges(status.get("failedIndexes")))
    plan = SuspendPlan(name, suspend, change=True, kept=completed)
    state = job_status(job)
    if state in ("Complete", "Failed"):
        plan.change, plan.reason = False, f"job {name} is already {state}; the controller ignores suspend"
        return plan
    if bool((job.get("spec") or {}).get("suspend")) == suspend:
        plan.change, plan.reason = False, f"job {name} is {'already' if suspend else 'not'} suspended"
        return plan
    manager = external_manager(job)
    if manager:
        plan.notes.append(f"managed by {manager}: that controller, not the Job controller, "
                          "acts on the change (its pods may live in another cluster)")
    if suspend:
        plan.deleted = {i: p["metadata"]["name"] for i, p in sorted(live_pods(pods).items())}
        plan.notes.append("deleted pods are not counted as failures; completed indexes stay "
                          "completed and are not run again on resume")
    else:
        done = set(completed) | failed
        plan.to_run = [i for i in range(int((job.get("spec") or {}).get("completions") or 0))
                       if i not in done]
        terminating = int(status.get("terminating") or 0)
        if terminating and (job.get("spec") or {}).get("podReplacementPolicy") != "Failed":
            plan.notes.append(f"{terminating} pods of the suspension are still terminating; new pods "
                              "start beside them (podReplacementPolicy Failed would wait)")
        if (job.get("spec") or {}).get("activeDeadlineSeconds") is not None:
            plan.notes.append("activeDeadlineSeconds counts again from the resume (startTime is reset)")
    return plan


def suspended_since(job: Obj) -> Optional[str]:
    """lastTransitionTime of the Suspended=True condition, when the Job is suspended."""
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Suspended" and c.get("status") == "True":
            return c.get("lastTransitionTime")
    return None


@dataclass
class SuspendResult:
    """What the controller did after suspend/resume, read back."""

    name: str
    suspend: bool
    deleted: list[str] = field(default_factory=list)  # `index:pod` of the plan now gone
    terminating: int = 0
    kept: str = ""  # status.completedIndexes
    since: Optional[str] = None
    started: list[int] = field(default_factory=list)


def suspend_result(plan: SuspendPlan, before: list[Obj], job: Obj, pods: list[Obj]) -> SuspendResult:
    """Compare the plan with the Job and pods read after the controller reacted."""
    status = job.get("status") or {}
    out = SuspendResult(plan.name, plan.suspend, terminating=int(status.get("terminating") or 0),
                        kept=status.get("completedIndexes") or "", since=suspended_since(job))
    if plan.suspend:
        left = {p["metadata"]["name"] for p in live_pods(pods).values()}
        out.deleted = [f"{i}:{p}" for i, p in plan.deleted.items() if p not in left]
    else:
        out.started = sorted(set(live_pods(pods)) - set(live_pods(before)))
    return out


@dataclass
class ScalePlan:
    """An elastic-Indexed-Job change of completions (and parallelism with it)."""

    name: str
    old: int
    new: int
    allowed: bool
    reason: str = ""
    parallelism_before: Optional[int] = None
    removed: list[int] = field(default_factory=list)  # indexes that go away
    added: list[int] = field(default_factory=list)
    removed_completed: list[int] = field(default_factory=list)
    removed_running: dict[int, str] = field(default_factory=dict)  # index -> pod deleted
    notes: list[str] = field(default_factory=list)

    def patch(self) -> Obj:
        """The merge patch: completions and parallelism together, as the API requires."""
        return {"spec": {"completions": self.new, "parallelism": self.new}}


def scale_plan(job: Obj, pods: list[Obj], completions: int) -> ScalePlan:
    """Whether the API accepts completions=parallelism=N for this Job (ValidateJobUpdate)."""
    spec = job.get("spec") or {}
    name = job["metadata"]["name"]
    old = spec.get("completions")
    plan = ScalePlan(name, int(old or 0), completions, allowed=False,
                     parallelism_before=spec.get("parallelism"))
    if spec.get("completionMode") != "Indexed":
        plan.reason = "spec.completions: field is immutable (only Indexed Jobs are elastic)"
        return plan
    state = job_status(job)
    if state in ("Complete", "Failed"):
        plan.reason = f"job {name} is {state}: the controller starts no pods for a finished job"
        return plan
    new_job = copy.deepcopy(job)
    new_job["spec"].update(plan.patch()["spec"])
    problems = validate_update(new_job, job)
    if problems:
        plan.reason = str(problems[0])
        return plan
    plan.allowed = True
    plan.removed = list(range(completions, plan.old))
    plan.added = list(range(plan.old, completions))
    done = set(parse_api_ranges((job.get("status") or {}).get("completedIndexes")))
    plan.removed_completed = [i for i in plan.removed if i in done]
    plan.removed_running = {i: p["metadata"]["name"] for i, p in sorted(live_pods(pods).items())
                            if i >= completions}
    if plan.parallelism_before != plan.old:
        plan.notes.append(f"parallelism changes from {plan.parallelism_before} to {completions}: "
                          "the API accepts a new completions only together with an equal parallelism")
    manager = external_manager(job)
    if manager:
        plan.notes.append(f"managed by {manager}: that controller acts on the change")
    return plan


def next_rerun_name(name: str, existing: Iterable[str]) -> str:
    """`NAME-rerun-N` with the next free N (1 when there is none yet)."""
    pattern = re.compile(re.escape(name) + r"-rerun-([0-9]+)$")
    taken = [int(m.group(1)) for n in existing if (m := pattern.match(n))]
    return f"{name}-rerun-{max(taken, default=0) + 1}"


@dataclass
class RerunPlan:
    """A new Indexed Job whose index i runs the original's index mapping[i]."""

    name: str
    original: str
    mapping: list[int]
    items: Optional[dict[str, str]] = None  # the new items ConfigMap's data, by new index
    notes: list[str] = field(default_factory=list)

    def index_data(self) -> dict[str, str]:
        """new index -> original index, as ConfigMap data keyed like the items."""
        return {str(i): str(k) for i, k in enumerate(self.mapping)}


def rerun_indexes(job: Obj, indexes: Optional[str] = None) -> list[int]:
    """The original indexes to run again: the given ranges, or the failed ones.

    Failed means status.failedIndexes with backoffLimitPerIndex; without it the Job
    records only completed indexes, so a failed or suspended Job's other indexes count."""
    spec, status = job.get("spec") or {}, job.get("status") or {}
    completions = int(spec.get("completions") or 0)
    if indexes is not None:
        return parse_ranges(indexes, completions, "--indexes")
    if spec.get("backoffLimitPerIndex") is not None:
        return parse_api_ranges(status.get("failedIndexes"))
    if job_status(job) not in ("Failed", "FailureTarget"):
        return []
    done = set(parse_api_ranges(status.get("completedIndexes")))
    return [i for i in range(completions) if i not in done]


def rerun_plan(job: Obj, new_name: str, indexes: Optional[str] = None,
               items: Optional[dict[str, str]] = None) -> RerunPlan:
    """The rerun's index mapping, and its items (the original's item k_i at new index i)."""
    mapping = rerun_indexes(job, indexes)
    plan = RerunPlan(new_name, job["metadata"]["name"], mapping)
    if items is not None:
        plan.items = {str(i): items.get(str(k), "") for i, k in enumerate(mapping)}
        missing = [k for k in mapping if str(k) not in items]
        if missing:
            plan.notes.append(f"the original items have no entry for index {missing[0]}")
    return plan
