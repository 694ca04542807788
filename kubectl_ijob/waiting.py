"""Pure: has a job reached the condition `wait --for` asks for, and what to say."""
from __future__ import annotations

from typing import Any

from kubectl_ijob import status as st


def check(condition: str, snap: Any) -> tuple[bool, bool, str]:
    """(done, ok, message) for peers | ready | complete | terminal on a Snapshot."""
    job = snap.job
    state = st.job_status(job)
    if condition == "terminal" and state in ("Complete", "Failed"):
        return True, True, f"condition met: {state}"
    if condition == "complete":
        if state == "Complete":
            return True, True, "condition met: Complete"
        if state == "Failed":
            return True, False, f"job failed ({_failure(job)}); it will never complete"
        return False, False, f"status {state}"
    if condition == "terminal":
        return False, False, f"status {state}"
    if state in ("Complete", "Failed"):
        return True, False, f"job is {state}: its pods are no longer running"
    rows = st.index_rows(job, snap.pods, service=snap.service, slices=snap.slices)
    live = [r for r in rows if r.status not in ("Succeeded", "Failed")]
    if condition == "ready":
        ready = [r for r in live if r.status == "Running" and r.ready.split("/")[0] == r.ready.split("/")[1]]
        if live and len(ready) == len(live):
            return True, True, f"condition met: {len(ready)} indexes ready"
        return False, False, f"{len(ready)}/{len(live)} remaining indexes ready"
    published = [r for r in live if r.dns == "yes"]
    if live and len(published) == len(live):
        return True, True, f"condition met: all {len(published)} peers resolvable"
    waiting = [r for r in live if r.dns != "yes"]
    why = f"; index {waiting[0].index}: {waiting[0].dns_reason or waiting[0].status}" if waiting else ""
    return False, False, f"{len(published)}/{len(live)} peers in DNS{why}"


def _failure(job: dict[str, Any]) -> str:
    for c in job.get("status", {}).get("conditions") or []:
        if c.get("type") == "Failed" and c.get("status") == "True":
            return f"{c.get('reason', '')}: {c.get('message', '')}".strip(": ")
    return "Failed"
