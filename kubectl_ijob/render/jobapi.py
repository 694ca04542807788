"""Text for the Job API facts and plans: fate lines, suspend/resume, scale and rerun."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from kubectl_ijob.domain.indexes import format_ranges
from kubectl_ijob.domain.jobfate import Fate
from kubectl_ijob.domain.jobplans import RerunPlan, ScalePlan, SuspendPlan, SuspendResult
from kubectl_ijob.render.text import age, table

NONE = "<none>"


def field_line(key: str, value: str, width: int = 19) -> str:
    """`Key:   value` aligned like the status header (`width` columns, at least one space)."""
    if not key:  # a continuation line
        return f"{'':<{width}}{value}"
    return f"{key + ':':<{width}}{value}" if len(key) < width - 1 else f"{key}: {value}"


def _ranges(indexes: list[int]) -> str:
    return format_ranges(indexes) or NONE


def _success_lines(f: Fate) -> list[str]:
    out = []
    for r in f.success_rules:
        want = []
        if r.indexes is not None:
            want.append(f"indexes {r.indexes}")
        if r.count is not None:
            want.append(f"any {r.count}" if r.indexes is None else f"{r.count} of them")
        done = f"{min(len(r.succeeded), r.needed)}/{r.needed} succeeded"
        if r.succeeded:
            done += f": {_ranges(r.succeeded)}"
        mark = " <- decided the job" if f.matched_rule == r.index else ""
        out.append(f"rule {r.index}: {', '.join(want)} ({done}){mark}")
    return out


def fate_lines(f: Fate, now: dt.datetime, width: int = 19) -> list[str]:
    """Header lines for status (width 19) and describe (26): only the facts this Job has."""
    lines: list[tuple[str, str]] = []
    if f.decided and not (f.final and f.decided_reason == "CompletionsReached"):  # the plain case
        why = ": ".join(x for x in (f.decided_reason, f.decided_message) if x)
        text = f.decided + (f" ({why})" if why else "")
        if not f.final:
            text += f"; final condition once {f.terminating} terminating pods are gone" \
                if f.terminating else "; final condition pending"
        lines.append(("Decided", text))
    for n, rule in enumerate(_success_lines(f)):
        lines.append(("Success Policy" if n == 0 else "", rule))
    if f.max_failed_indexes is not None:
        left = f.failed_indexes_left
        lines.append(("Max Failed", f"{f.max_failed_indexes} ({f.failed_indexes} "
                      f"failed, {max(left or 0, 0)} more may fail)"))
    for n, rule in enumerate(f.pod_failure_rules):
        lines.append(("Failure Policy" if n == 0 else "", f"{n}: {rule}"))
    if f.failures and (f.pod_failure_rules or any(t.ignored for t in f.failures.values())):
        text = ", ".join(f"{i}: {t.counted} counted/{t.ignored} ignored"
                         for i, t in sorted(f.failures.items())[:10])
        more = len(f.failures) - 10
        lines.append(("Index Failures", text + (f", and {more} more" if more > 0 else "")))
    if f.terminating or f.waiting_for_replacement:
        text = f"{f.terminating} pods"
        if f.waiting_for_replacement:
            text += f"; waiting for replacement: {_ranges(f.waiting_for_replacement)}"
        lines.append(("Terminating", text))
    if f.replacement_policy == "Failed":  # the default without a podFailurePolicy is not news
        lines.append(("Pod Replacement", "Failed (a new pod only once the old one is gone)"))
    if f.suspended:
        since = f" since {f.suspended_since} ({age(f.suspended_since, now)} ago)" if f.suspended_since else ""
        held = "; Kueue holds it until the workload is admitted" if f.queue else ""
        lines.append(("Suspended", f"yes{since}{held}"))
    if f.queue:
        lines.append(("Kueue", f"queue {f.queue}" + (f"; {f.workload}" if f.workload else "")))
    if f.managed_by:
        lines.append(("Managed By", f"{f.managed_by}: not the built-in Job controller; "
                      "its pods may run in another cluster"))
    return [field_line(k, v, width) for k, v in lines]


def suspend_text(plan: SuspendPlan, done: bool = False) -> str:
    """The plan (before) or the result (after) of suspend/resume."""
    verb = "suspend" if plan.suspend else "resume"
    if not plan.change:
        return f"job.batch/{plan.name} unchanged: {plan.reason}\n"
    head = f"job.batch/{plan.name} {verb}ed" if done else f"Plan: {verb} job.batch/{plan.name}"
    lines = [head]
    if plan.suspend:
        pods = ", ".join(f"{i}:{p}" for i, p in plan.deleted.items()) or NONE
        lines.append(f"  running pods {'deleted' if done else 'to delete'}: {pods}")
        lines.append(f"  completed indexes kept: {_ranges(plan.kept)}")
    else:
        lines.append(f"  indexes to run: {_ranges(plan.to_run)}")
        lines.append(f"  completed indexes kept: {_ranges(plan.kept)}")
    lines += [f"  note: {n}" for n in plan.notes]
    return "\n".join(lines) + "\n"


def suspend_result_text(r: SuspendResult) -> str:
    """The result of suspend/resume --wait, as read back from the cluster."""
    lines = [f"job.batch/{r.name} {'suspended' if r.suspend else 'resumed'}"]
    if r.suspend:
        lines.append(f"  pods deleted: {', '.join(r.deleted) or NONE}")
        if r.terminating:
            lines.append(f"  pods still terminating: {r.terminating}")
    else:
        lines.append(f"  indexes started: {_ranges(r.started)}")
    lines.append(f"  completed indexes kept: {r.kept or NONE}")
    if r.suspend and r.since:
        lines.append(f"  Suspended condition since {r.since}")
    return "\n".join(lines) + "\n"


def scale_text(plan: ScalePlan, done: bool = False, completed: Optional[str] = None) -> str:
    """The plan or (done) the result of `scale --completions`, with the completed indexes."""
    head = (f"job.batch/{plan.name} scaled" if done else f"Plan: scale job.batch/{plan.name}") + \
        f": completions {plan.old} -> {plan.new}, parallelism {plan.parallelism_before} -> {plan.new}"
    lines = [head]
    if plan.removed:
        lines.append(f"  indexes removed: {_ranges(plan.removed)}")
        if plan.removed_completed:
            lines.append(f"  completed work dropped: indexes {_ranges(plan.removed_completed)}")
        if plan.removed_running:
            lines.append("  running pods deleted: " + ", ".join(
                f"{i}:{p}" for i, p in plan.removed_running.items()))
    if plan.added:
        lines.append(f"  indexes added: {_ranges(plan.added)}")
    lines += [f"  note: {n}" for n in plan.notes]
    if done:
        lines.append(f"  completed indexes now: {completed or NONE}")
    return "\n".join(lines) + "\n"


def rerun_text(plan: RerunPlan) -> str:
    """The index mapping of a rerun: one row per new index."""
    heads = ["INDEX", "ORIGINAL INDEX"] + (["ITEM"] if plan.items is not None else [])
    rows = []
    for i, k in enumerate(plan.mapping):
        row: list[Any] = [i, k]
        if plan.items is not None:
            row.append(plan.items.get(str(i), "").rstrip("\n") or NONE)
        rows.append(row)
    n = len(plan.mapping)
    head = f"job.batch/{plan.name} runs {n} index{'' if n == 1 else 'es'} of job.batch/{plan.original}"
    notes = "".join(f"note: {n}\n" for n in plan.notes)
    return f"{head}\n{table(heads, rows)}\n{notes}"
