"""What decides an Indexed Job's fate, from the Job and its pods as read (issue 13).

The Job controller decides before it finishes: SuccessCriteriaMet or FailureTarget
appears first, Complete or Failed only once every pod has terminated. The facts here
say which rule decided (or how far each rule is), which failures counted and which a
pod failure policy ignored, and who runs the Job when it is not the built-in controller.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from kubectl_ijob.domain.indexes import parse_api_ranges
from kubectl_ijob.domain.jobapi import FAILURE_COUNT, IGNORED_FAILURE_COUNT, KUEUE_QUEUE_LABEL
from kubectl_ijob.domain.jobplans import external_manager, suspended_since
from kubectl_ijob.domain.model import by_index, current

Obj = dict[str, Any]
DECIDING = ("SuccessCriteriaMet", "FailureTarget")
FINAL = ("Complete", "Failed")


def _terminated_codes(pod: Obj, container: Optional[str]) -> list[int]:
    """Non-zero exit codes of the pod's terminated containers, then init containers."""
    st = pod.get("status") or {}
    out = []
    for cs in (st.get("containerStatuses") or []) + (st.get("initContainerStatuses") or []):
        term = (cs.get("state") or {}).get("terminated")
        if term and term.get("exitCode") and (container is None or cs.get("name") == container):
            out.append(int(term["exitCode"]))
    return out


def match_pod_failure_policy(policy: Optional[Obj], pod: Obj) -> tuple[Optional[str], bool]:
    """(action of the first matching rule or None, whether the failure counts).

    Mirrors matchPodFailurePolicy (pkg/controller/job/pod_failure_policy.go): rules in
    order, onExitCodes over non-zero exit codes, onPodConditions over the pod's conditions."""
    for rule in (policy or {}).get("rules") or []:
        req, patterns = rule.get("onExitCodes"), rule.get("onPodConditions")
        if req is not None:
            values, op = req.get("values") or [], req.get("operator")
            hit = any((c in values) == (op == "In") for c in
                      _terminated_codes(pod, req.get("containerName")) if op in ("In", "NotIn"))
        elif patterns:
            conds = {(c.get("type"), c.get("status")) for c in (pod.get("status") or {}).get("conditions") or []}
            hit = any((p.get("type"), p.get("status")) in conds for p in patterns)
        else:
            hit = False
        if hit:
            return rule.get("action"), rule.get("action") != "Ignore"
    return None, True


@dataclass
class IndexFailures:
    """Failures of one index: counted against the backoff limits, and ignored by policy."""

    counted: int = 0
    ignored: int = 0
    last_action: Optional[str] = None  # the policy action that matched the last failed pod


def index_failures(job: Obj, pods: list[Obj]) -> dict[int, IndexFailures]:
    """Per index, counted vs ignored failures (only indexes that failed at least once).

    With backoffLimitPerIndex the controller keeps the tally on each new pod
    (job-index-failure-count, job-index-ignored-failure-count); the current pod's own
    failure, if any, is added by matching the policy as the controller will."""
    policy = (job.get("spec") or {}).get("podFailurePolicy")
    out: dict[int, IndexFailures] = {}
    for i, group in by_index(pods).items():
        newest = max(group, key=lambda p: p["metadata"].get("creationTimestamp") or "")
        notes = newest["metadata"].get("annotations") or {}
        tally = IndexFailures(_count(notes.get(FAILURE_COUNT)), _count(notes.get(IGNORED_FAILURE_COUNT)))
        if FAILURE_COUNT not in notes:  # no per-index tally: classify every failed pod
            tally = IndexFailures()
            failed = [p for p in group if (p.get("status") or {}).get("phase") == "Failed"]
        else:
            failed = [newest] if (newest.get("status") or {}).get("phase") == "Failed" else []
        for pod in failed:
            action, counts = match_pod_failure_policy(policy, pod)
            tally.last_action = action or tally.last_action
            if counts:
                tally.counted += 1
            else:
                tally.ignored += 1
        if tally.counted or tally.ignored:
            out[i] = tally
    return out


def _count(value: Optional[str]) -> int:
    return int(value) if value and value.isascii() and value.isdigit() else 0


@dataclass
class RuleProgress:
    """One successPolicy rule and how far the succeeded indexes are towards it."""

    index: int
    indexes: Optional[str]
    count: Optional[int]
    succeeded: list[int]  # succeeded indexes that count for this rule
    needed: int


def success_progress(job: Obj) -> list[RuleProgress]:
    """Each successPolicy rule with the succeeded indexes that satisfy it (matchSuccessPolicy)."""
    spec = job.get("spec") or {}
    done = set(parse_api_ranges((job.get("status") or {}).get("completedIndexes")))
    out = []
    for n, rule in enumerate(((spec.get("successPolicy") or {}).get("rules")) or []):
        text, count = rule.get("succeededIndexes"), rule.get("succeededCount")
        wanted = parse_api_ranges(text) if text is not None else None
        hits = sorted(done if wanted is None else done.intersection(wanted))
        needed = count if count is not None else len(wanted or [])
        if count is not None and wanted is not None:
            needed = min(count, len(wanted))
        out.append(RuleProgress(n, text, count, hits, needed))
    return out


@dataclass
class Fate:
    """The facts that decide (or decided) an Indexed Job's outcome."""

    decided: Optional[str] = None  # SuccessCriteriaMet or FailureTarget
    decided_reason: str = ""
    decided_message: str = ""
    final: Optional[str] = None  # Complete or Failed, once every pod has terminated
    terminating: int = 0
    success_rules: list[RuleProgress] = field(default_factory=list)
    matched_rule: Optional[int] = None
    max_failed_indexes: Optional[int] = None
    failed_indexes: int = 0
    failures: dict[int, IndexFailures] = field(default_factory=dict)
    pod_failure_rules: list[str] = field(default_factory=list)
    replacement_policy: Optional[str] = None
    waiting_for_replacement: list[int] = field(default_factory=list)
    suspended: bool = False
    suspended_since: Optional[str] = None
    managed_by: Optional[str] = None
    queue: Optional[str] = None  # Kueue's LocalQueue, from the queue-name label
    workload: Optional[str] = None  # Kueue's Workload of the Job and its admission state

    @property
    def failed_indexes_left(self) -> Optional[int]:
        """How many more indexes may fail before the Job fails (None: no limit set)."""
        if self.max_failed_indexes is None:
            return None
        return self.max_failed_indexes - self.failed_indexes


def rule_text(rule: Obj) -> str:
    """One podFailurePolicy rule in a line: `FailJob on exit codes 1 (container worker)`."""
    action = rule.get("action") or "?"
    req = rule.get("onExitCodes")
    if req is not None:
        codes = ",".join(str(v) for v in req.get("values") or [])
        where = f" (container {req['containerName']})" if req.get("containerName") else ""
        op = "exit codes" if req.get("operator") == "In" else "exit codes not in"
        return f"{action} on {op} {codes}{where}"
    conds = ", ".join(f"{p.get('type')}={p.get('status')}" for p in rule.get("onPodConditions") or [])
    return f"{action} on condition {conds}"


def waiting_for_replacement(pods: list[Obj]) -> list[int]:
    """Indexes whose only pods are terminating: no new pod until they are gone."""
    out = []
    for i, group in by_index(pods).items():
        pod = current(group)
        phase = (pod.get("status") or {}).get("phase")
        if pod["metadata"].get("deletionTimestamp") and phase not in ("Succeeded",):
            out.append(i)
    return sorted(out)


def owned_workload(job: Obj, workloads: list[Obj]) -> Optional[Obj]:
    """Kueue's Workload for the Job: the one its ownerReferences tie to the Job's uid."""
    uid = (job.get("metadata") or {}).get("uid")
    return next((w for w in workloads if uid and any(
        r.get("uid") == uid for r in (w.get("metadata") or {}).get("ownerReferences") or [])), None)


def workload_state(wl: Obj) -> str:
    """`workload NAME: admitted by ClusterQueue cq` / `pending: <Kueue's reason>` / ..."""
    st = wl.get("status") or {}
    conds = {c.get("type"): c for c in st.get("conditions") or []}
    cq = (st.get("admission") or {}).get("clusterQueue")

    def true(kind: str) -> Optional[Obj]:
        c = conds.get(kind)
        return c if c and c.get("status") == "True" else None

    if true("Finished"):
        state = "finished"
    elif true("Admitted"):
        state = f"admitted by ClusterQueue {cq}"
    elif true("QuotaReserved"):
        state = f"quota reserved in ClusterQueue {cq}, waiting for its admission checks"
    else:
        why = next((c.get("message") or c.get("reason") for c in (true("Evicted"), conds.get("QuotaReserved"))
                    if c and (c.get("message") or c.get("reason"))), None)
        state = f"pending: {why}" if why else "pending: not yet considered by Kueue"
    return f"workload {wl['metadata']['name']}: {state}"


def fate(job: Obj, pods: list[Obj], workloads: Optional[list[Obj]] = None) -> Fate:
    """Every fact of issue 13's status section for one Job (workloads: Kueue's, if read)."""
    spec, status = job.get("spec") or {}, job.get("status") or {}
    f = Fate(terminating=int(status.get("terminating") or 0),
             max_failed_indexes=spec.get("maxFailedIndexes"),
             failed_indexes=len(parse_api_ranges(status.get("failedIndexes"))),
             replacement_policy=spec.get("podReplacementPolicy"),
             suspended=bool(spec.get("suspend")), suspended_since=suspended_since(job),
             managed_by=external_manager(job),
             queue=((job.get("metadata") or {}).get("labels") or {}).get(KUEUE_QUEUE_LABEL))
    for c in status.get("conditions") or []:
        if c.get("status") != "True":
            continue
        if c.get("type") in DECIDING and f.decided is None:
            f.decided, f.decided_reason = c["type"], c.get("reason") or ""
            f.decided_message = c.get("message") or ""
        if c.get("type") in FINAL:
            f.final = c["type"]
    f.success_rules = success_progress(job)
    if f.queue and workloads is not None:
        wl = owned_workload(job, workloads)
        f.workload = workload_state(wl) if wl else "no workload yet (is Kueue running?)"
    m = re.search(r"Matched rules at index ([0-9]+)", f.decided_message)
    if f.decided == "SuccessCriteriaMet" and m:
        f.matched_rule = int(m.group(1))
    f.pod_failure_rules = [rule_text(r) for r in (spec.get("podFailurePolicy") or {}).get("rules") or []]
    f.failures = index_failures(job, pods)
    if f.replacement_policy == "Failed" and not (f.decided or f.final or f.suspended):
        # Only then does an index wait: the controller replaces a pod once it is gone. A
        # decided or suspended Job's terminating pods are not replaced at all.
        f.waiting_for_replacement = waiting_for_replacement(pods)
    return f


def decided(job: Obj) -> tuple[bool, bool, str]:
    """(done, ok, message) for `wait --for=decided`: done once the outcome is known.

    SuccessCriteriaMet and FailureTarget come before Complete and Failed, which the
    controller adds only after every pod has terminated; ok is False for a failure."""
    conds = {c.get("type"): c for c in (job.get("status") or {}).get("conditions") or []
             if c.get("status") == "True"}
    terminating = int((job.get("status") or {}).get("terminating") or 0)
    tail = f"; {terminating} pods still terminating" if terminating and "Complete" not in conds \
        and "Failed" not in conds else ""
    for kind, ok in (("SuccessCriteriaMet", True), ("Complete", True),
                     ("FailureTarget", False), ("Failed", False)):
        c = conds.get(kind)
        if c is not None:
            why = ": ".join(x for x in (c.get("reason"), c.get("message")) if x)
            return True, ok, f"decided: {kind}{f' ({why})' if why else ''}{tail}"
    return False, False, "not decided yet"
