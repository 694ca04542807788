"""Pure: has a job reached the condition `wait --for` asks for, and one polling loop for
every command that waits (wait, relabel --wait, delete --wait, logs -f's next attempt)."""
from __future__ import annotations

import time
from typing import Any, Callable, Optional, TypeVar

from kubectl_ijob.domain.model import IndexedJob, job_status
from kubectl_ijob.domain.status import Dns, model_rows

T = TypeVar("T")


def check(condition: str, model: IndexedJob) -> tuple[bool, bool, str]:
    """(done, ok, message) for peers | ready | complete | terminal | decided on an IndexedJob."""
    job = model.job
    if condition == "decided":
        from kubectl_ijob.domain.jobfate import decided

        return decided(job)
    state = job_status(job)
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
    live = [r for r in model_rows(model) if r.status not in ("Succeeded", "Failed")]
    if condition == "ready":
        ready = [r for r in live if r.status == "Running" and r.all_ready]
        if live and len(ready) == len(live):
            return True, True, f"condition met: {len(ready)} indexes ready"
        return False, False, f"{len(ready)}/{len(live)} remaining indexes ready"
    published = [r for r in live if r.dns is Dns.YES]
    if live and len(published) == len(live):
        return True, True, f"condition met: all {len(published)} peers resolvable"
    waiting = [r for r in live if r.dns is not Dns.YES]
    why = f"; index {waiting[0].index}: {waiting[0].dns_reason or waiting[0].status}" if waiting else ""
    return False, False, f"{len(published)}/{len(live)} peers in DNS{why}"


def _failure(job: dict[str, Any]) -> str:
    for c in job.get("status", {}).get("conditions") or []:
        if c.get("type") == "Failed" and c.get("status") == "True":
            return f"{c.get('reason', '')}: {c.get('message', '')}".strip(": ")
    return "Failed"


def poll(probe: Callable[[], Optional[T]], timeout: Optional[float], interval: float = 1.0,
         sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.monotonic) -> Optional[T]:
    """Call probe until it returns something (not None) or `timeout` seconds have passed
    (None: wait forever); the last answer, None on a timeout. probe runs at least once."""
    deadline = None if timeout is None else clock() + timeout
    while True:
        got = probe()
        if got is not None or (deadline is not None and clock() >= deadline):
            return got
        sleep(interval)
