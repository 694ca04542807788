"""Which logs the findings quote: the command reads these (and only these) before the
checks run, so the checks stay pure and the reads stay few."""
from __future__ import annotations

from kubectl_ijob.domain.indexes import parse_api_ranges

from .model import WAIT_CONTAINER, Evidence, all_statuses, crash_looping, failure_count, \
    last_termination, live, statuses, waiting_reason

MAX_LOGS = 20  # log reads per run, however many pods are in trouble
MAX_FAILED = 10  # failed indexes whose last log is quoted


def logs_wanted(ev: Evidence) -> dict[str, tuple[str, str, bool]]:
    """`pod/container` -> (pod, container, previous): crash-looping containers (their
    previous run), wait-for-peers containers not done, and the last failed pod of failed
    or retried indexes."""
    out: dict[str, tuple[str, str, bool]] = {}

    def want(pod: str, container: str, previous: bool) -> None:
        out.setdefault(f"{pod}/{container}", (pod, container, previous))

    for p in ev.current.values():
        for _, s in all_statuses(p) if live(p) else []:
            name, term = s.get("name", ""), (s.get("state") or {}).get("terminated")
            if name == WAIT_CONTAINER and not (term and term.get("exitCode") == 0):
                want(p["metadata"]["name"], name, False)
            elif crash_looping(s):
                want(p["metadata"]["name"], name, bool(waiting_reason(s)))
    failed = set(parse_api_ranges(ev.job.get("status", {}).get("failedIndexes")))
    failed |= {i for i, group in ev.by_index.items() if failure_count(group)}
    for i in sorted(failed)[:MAX_FAILED]:
        pod = ev.last_failed(i)
        for s in statuses(pod) if pod else []:
            if (last_termination(s) or {}).get("exitCode"):
                want(pod["metadata"]["name"], s.get("name", ""), False)
    return dict(list(out.items())[:MAX_LOGS])
