"""kubectl-ijob benchmarks: prints a table of figures and ratios against baselines.

    python -m benchmarks.run                 # offline figures (start-up, rendering, ranges)
    python -m benchmarks.run --cluster KC    # plus API-cost, status and ping figures on a cluster

Each figure is a median of repeated runs measured side by side in one process, so
ratios compare like with like on the same machine at the same moment.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
RESULTS: list[tuple[str, str, str, str]] = []  # figure, value, baseline, ratio/verdict


def record(figure: str, value: str, baseline: str = "", verdict: str = "") -> None:
    RESULTS.append((figure, value, baseline, verdict))
    print(f"  {figure}: {value}  {baseline}  {verdict}", file=sys.stderr, flush=True)


def median_wall(cmd: list[str], runs: int = 15, env: dict[str, str] | None = None) -> float:
    """Median wall time of a command (after one warm-up run)."""
    subprocess.run(cmd, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_startup() -> None:
    """Target 1: --help and completion within 2x `kubectl --help`."""
    env = dict(os.environ, KUBECONFIG="/nonexistent")
    base = median_wall(["kubectl", "--help"], env=env)
    helps = median_wall([sys.executable, "-m", "kubectl_ijob", "--help"], env=env)
    comp = median_wall([sys.executable, "-m", "kubectl_ijob.complete", "st"], env=env)
    bare = median_wall([sys.executable, "-c", "import click"], env=env)
    record("start-up: kubectl --help", f"{base * 1000:.0f} ms")
    record("start-up: kubectl ijob --help", f"{helps * 1000:.0f} ms", "vs kubectl --help",
           f"{helps / base:.2f}x (target <= 2x)")
    record("start-up: completion of subcommands", f"{comp * 1000:.0f} ms", "vs kubectl --help",
           f"{comp / base:.2f}x (target <= 2x)")
    record("start-up: python -c 'import click' (floor)", f"{bare * 1000:.0f} ms", "vs kubectl --help",
           f"{bare / base:.2f}x")


def _recorded(n: int) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from tests.unit.objects import job, pod, service

    j = job(completions=n, completedIndexes=f"0-{n // 2}", succeeded=n // 2 + 1, active=n // 2)
    pods = [pod(i, "Succeeded" if i <= n // 2 else "Running") for i in range(n)]
    return j, pods, service()


def bench_render(n: int = 10000) -> None:
    """Target 4: the per-index table for 10,000 indexes in < 1 s and < 200 MB."""
    from kubectl_ijob.domain import status as st
    from kubectl_ijob.render.views import status_text

    j, pods, svc = _recorded(n)
    raw = json.dumps({"job": j, "pods": pods, "service": svc})
    now = dt.datetime.now(dt.timezone.utc)

    def render() -> str:
        data = json.loads(raw)
        rows = st.index_rows(data["job"], data["pods"], service=data["service"], slices=[])
        return status_text(st.summarize(data["job"], data["service"]), rows, now, wide=True,
                           colour=False)

    times = []
    for _ in range(5):
        t = time.perf_counter()
        text = render()
        times.append(time.perf_counter() - t)
    took = statistics.median(times)
    tracemalloc.start()  # a separate pass: tracing slows Python down several times
    render()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert text.count("\n") >= n
    record(f"render: status -o wide, {n} indexes (from JSON)", f"{took * 1000:.0f} ms",
           "target < 1000 ms", "ok" if took < 1 else "MISSED")
    record(f"render: peak Python memory, {n} indexes", f"{peak / 1e6:.0f} MB", "target < 200 MB",
           "ok" if peak < 200e6 else "MISSED")


def bench_ranges() -> None:
    """Target 4: index range strings for 100,000 indexes parse and format in linear time."""
    from kubectl_ijob.domain.indexes import format_ranges, parse_ranges

    out = []
    for n in (10000, 100000):
        idx = [i for i in range(n) if i % 3]  # worst-ish case: many short runs
        t = time.perf_counter()
        text = format_ranges(idx)
        back = parse_ranges(text)
        out.append((n, time.perf_counter() - t))
        assert back == idx
    ratio = out[1][1] / out[0][1]
    record("ranges: format+parse 100,000 indexes", f"{out[1][1] * 1000:.0f} ms",
           f"10,000: {out[0][1] * 1000:.0f} ms", f"{ratio:.1f}x for 10x the input (linear ~10x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cluster", metavar="KUBECONFIG", help="also run the cluster benchmarks")
    parser.add_argument("--markdown", metavar="FILE", help="write the table to FILE")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    bench_startup()
    bench_render()
    bench_ranges()
    if args.cluster:
        from benchmarks import cluster

        cluster.run(args.cluster, record)
    head = f"machine: {platform.node()} ({os.cpu_count()} cpus, {platform.python_version()}), " \
           f"date: {dt.date.today().isoformat()}"
    lines = [head, "", "| figure | value | baseline | ratio / verdict |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in RESULTS]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
