"""Per-index work at 10,000 and 100,000 pods, offline (issue 12's linearity guard).

    python -m benchmarks.linearity [--sizes 10000 100000]

Pods are shaped as the API server sends them (benchmarks/synthetic.py) and read as
`status` reads them (managedFields cut from the bytes, each page decoded and projected);
then the rows, the fate, the owners rows, every index's attempts and the table. CPU
seconds of this process, so other load on the machine does not count. Linear means
the 100,000 figures are about 10x the 10,000 ones; tests/unit/domain/test_linearity.py
fails on quadratic work.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sys
import time
from typing import Any, Callable

from benchmarks import synthetic
from kubectl_ijob.client.wire import without_managed_fields
from kubectl_ijob.domain.jobfate import fate
from kubectl_ijob.domain.model import IndexedJob
from kubectl_ijob.domain.ownership import ownership_rows
from kubectl_ijob.domain.projection import status_view
from kubectl_ijob.domain.status import index_rows, summarize
from kubectl_ijob.render.views import status_text


def timed(step: Callable[[], Any], runs: int = 3) -> tuple[Any, float]:
    """step's result and its best CPU time of `runs` (the machine may be shared)."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        out = step()
        best = min(best, time.process_time() - start)
    return out, best


def measure(n: int) -> dict[str, float]:
    """CPU seconds of each step for n pods."""
    pages = synthetic.pod_list_pages(n)
    j, svc = synthetic.job(n=n), synthetic.service()
    now = dt.datetime.now(dt.timezone.utc)
    gc.disable()  # as Client.paginate decodes
    pods, t_decode = timed(lambda: [status_view(p) for b in pages
                                    for p in json.loads(without_managed_fields(b))["items"]], 1)
    gc.enable()
    gc.freeze()  # as Client.paginate leaves what it decoded
    del pages
    rows, t_rows = timed(lambda: index_rows(j, pods, service=svc, slices=[]))
    _, t_fate = timed(lambda: fate(j, pods))
    _, t_owners = timed(lambda: ownership_rows(j, pods, svc, []))
    model = IndexedJob(j, pods)
    _, t_attempts = timed(lambda: [(model.attempts(i), model.current_pod(i)) for i in range(n)])
    _, t_render = timed(lambda: status_text(summarize(j, svc), rows, now))
    return {"decode+project": t_decode, "rows": t_rows, "fate": t_fate, "owners rows": t_owners,
            "attempts, every index": t_attempts, "table": t_render,
            "model (all but decode)": t_rows + t_fate + t_owners + t_attempts + t_render}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = ap.parse_args()
    results = {n: measure(n) for n in args.sizes}
    small, large = min(args.sizes), max(args.sizes)
    print(f"| step | {' | '.join(f'{n:,} pods' for n in args.sizes)} | ratio |")
    print("| --- |" + " --- |" * (len(args.sizes) + 1))
    for step in results[small]:
        cells = " | ".join(f"{results[n][step] * 1000:.0f} ms" for n in args.sizes)
        ratio = results[large][step] / max(results[small][step], 1e-9)
        print(f"| {step} | {cells} | {ratio:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
