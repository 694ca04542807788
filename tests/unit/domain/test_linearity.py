"""Per-index work is linear in pods (issue 12): five times the pods take about five times
as long, not twenty-five. Quadratic work (a scan of all pods per index) fails this by far;
the bound is generous for a loaded machine. benchmarks/linearity.py prints the figures."""
from __future__ import annotations

import datetime as dt
import time
from typing import Callable

from kubectl_ijob.domain.jobfate import fate
from kubectl_ijob.domain.model import IndexedJob
from kubectl_ijob.domain.ownership import ownership_rows
from kubectl_ijob.domain.status import index_rows, summarize
from kubectl_ijob.render.views import status_text

from ..objects import job, pod, service

NOW = dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc)


def work(n: int) -> Callable[[], object]:
    """Everything status, owners and logs --index all do per index, on n pods."""
    j, svc = job(completions=n), service()
    pods = [pod(i, "Running" if i % 3 else "Succeeded") for i in range(n)]

    def run() -> object:
        rows = index_rows(j, pods, service=svc, slices=[])
        model = IndexedJob(j, pods)
        picked = [(model.attempts(i), model.current_pod(i)) for i in range(n)]
        return (status_text(summarize(j, svc), rows, NOW), ownership_rows(j, pods, svc, []),
                fate(j, pods), picked)
    return run


def cpu_seconds(run: Callable[[], object]) -> float:
    """The best of three CPU times (CPU, not wall: other processes share the machine)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def test_five_times_the_pods_take_about_five_times_as_long():
    small, large = cpu_seconds(work(2_000)), cpu_seconds(work(10_000))
    assert large / small < 12, f"2,000 pods: {small:.3f} s, 10,000: {large:.3f} s"
