"""The 10,000-index benchmark, on the local cluster's kwok nodes (not run by CI).

    python -m tests.cluster up --fake-nodes 4
    python -m benchmarks.scale [--indexes 10000] [--churn 120] [--write]

An Indexed Job of N indexes (parallelism N) is created on the fake nodes; the real Job,
EndpointSlice and garbage-collector controllers, the scheduler and CoreDNS do their work.
Each plugin command runs as a user runs it (a subprocess); its wall time and peak RSS
(from wait4's rusage) are printed beside the kubectl commands a user would otherwise run,
measured in the same run. `--write` replaces the "10,000 indexes" section of RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
KUBECONFIG = os.environ.get("KUBECONFIG", "/var/lib/ijob-cluster/admin.kubeconfig")
FAKE_POOL = ["--node-selector", "type=kwok", "--toleration", "kwok.x-k8s.io/node=fake:NoSchedule"]
ROWS: list[tuple[str, str, str, str]] = []


def record(figure: str, value: str, baseline: str = "", verdict: str = "") -> None:
    ROWS.append((figure, value, baseline, verdict))
    print(f"  {figure}: {value}  {baseline}  {verdict}", file=sys.stderr, flush=True)


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str, str]:
    """Wall seconds, peak RSS (MB, from the child's own rusage via wait4), stdout, stderr.
    Run in the env's PYTHONPATH, so `-m kubectl_ijob` is that tree's plugin (not the cwd's)."""
    t = time.perf_counter()
    cwd = (env or {}).get("PYTHONPATH") or None
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
    chunks: dict[str, bytes] = {}

    def drain(name: str, stream) -> None:
        chunks[name] = stream.read()
    threads = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for th in threads:
        th.start()
    _, status, usage = os.wait4(proc.pid, 0)
    for th in threads:
        th.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    out, err = chunks["out"].decode(), chunks["err"].decode()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(argv[:8])}...: {err.strip()[:300]}")
    return wall, usage.ru_maxrss // 1024, out, err


class Bench:
    """The plugin and kubectl bound to one kubeconfig and a namespace of the benchmark's own."""

    def __init__(self, image: str, before: str | None = None) -> None:
        self.ns = f"ijob-scale-{uuid.uuid4().hex[:6]}"
        self.image = image
        self.env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(ROOT))
        # another checkout of the plugin (git worktree add DIR REV), measured beside this one
        self.before = dict(self.env, PYTHONPATH=before) if before else None

    def kubectl(self, *args: str) -> list[str]:
        return ["kubectl", "--kubeconfig", KUBECONFIG, "-n", self.ns, *args]

    def ijob(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "kubectl_ijob", "--kubeconfig", KUBECONFIG, "-n", self.ns, *args]

    def run(self, argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str, str]:
        return run_measured(argv, env or self.env)

    def median(self, argv: list[str], runs: int = 3,
               env: dict[str, str] | None = None) -> tuple[float, int, str]:
        """Median wall time and the largest peak RSS over `runs` runs."""
        results = [self.run(argv, env) for _ in range(runs)]
        return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][3]

    def requests(self, *args: str) -> int:
        """API requests of one plugin command (its -v request lines)."""
        err = self.run(self.ijob(*args, "-v"))[3]
        return sum(1 for line in err.splitlines() if re.match(r"(GET|POST|PATCH|DELETE) ", line))

    def where(self, *args: str, options: tuple[str, ...] = ()) -> dict:
        """benchmarks/where.py's stages of one plugin command."""
        argv = [sys.executable, "-m", "benchmarks.where", *options, "--", "--kubeconfig",
                KUBECONFIG, "-n", self.ns, *args]
        return json.loads(self.run(argv)[2].strip().splitlines()[-1])

    def compare(self, label: str, args: tuple[str, ...], runs: int = 3,
                baseline: float | None = None) -> float:
        """Record a command's wall, peak RSS and requests, and the before tree's beside it."""
        wall, rss, _ = self.median(self.ijob(*args), runs)
        ratio = f"{wall / baseline:.2f}x kubectl" if baseline else ""
        record(label, f"{wall * 1000:.0f} ms", f"peak RSS {rss} MB, {self.requests(*args)} requests",
               ratio)
        if self.before:
            old, old_rss, _ = self.median(self.ijob(*args), runs, self.before)
            ratio = f"{old / baseline:.2f}x kubectl" if baseline else ""
            record(f"{label} (before)", f"{old * 1000:.0f} ms", f"peak RSS {old_rss} MB", ratio)
        return wall

    def job(self, name: str) -> dict:
        return json.loads(subprocess.run(self.kubectl("get", "job", name, "-o", "json"), capture_output=True,
                                         text=True, check=True).stdout)


def until(check: Callable[[], bool], timeout: float) -> float:
    """Seconds until check() holds (polling every 2 s)."""
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        if check():
            return time.monotonic() - t
        time.sleep(2)
    raise RuntimeError(f"timed out after {timeout:.0f}s")


def bench_create(b: Bench, n: int) -> None:
    t0 = time.monotonic()
    b.run(b.ijob("create", "big", "--image", b.image, "--completions", str(n), "--parallelism", str(n),
                 *FAKE_POOL, "--", "sleep", "86400"))
    ready = until(lambda: b.job("big").get("status", {}).get("ready", 0) >= n, 3600)
    record(f"create -> all {n} pods Running and Ready", f"{time.monotonic() - t0:.0f} s",
           "controller-manager and scheduler at 300 QPS / 600 burst", f"ready after {ready:.0f} s of polling")
    dry = b.run(b.ijob("create", "peers", "--image", b.image, "--completions", str(n), "--parallelism", str(n),
                       "--wait-for-peers", "600", "--dry-run=client", "-o", "json"))[2]
    job = next(o for o in json.loads(dry)["items"] if o["kind"] == "Job")
    record(f"create --wait-for-peers at {n}: the Job's size", f"{len(json.dumps(job)) / 1024:.1f} KiB",
           "etcd's object limit 1.5 MiB", "ok" if len(json.dumps(job)) < 64 * 1024 else "too big")


def bench_status(b: Bench, n: int) -> None:
    base_job = b.median(b.kubectl("get", "job", "big"), 5)
    base_pods = b.median(b.kubectl("get", "pods", "-l", "batch.kubernetes.io/job-name=big"), 5)
    base = base_job[0] + base_pods[0]
    record(f"status, {n} indexes: kubectl get job + get pods -l", f"{base * 1000:.0f} ms",
           f"peak RSS {max(base_job[1], base_pods[1])} MB")
    wall = b.compare(f"status, {n} indexes", ("status", "big"), 5, base)
    verdict = "ok" if wall <= base else "over"
    record(f"status, {n} indexes: target", f"{wall / base:.2f}x", "target <= 1.0x, <= 250 MB", verdict)
    raw = subprocess.run(b.kubectl("get", "--raw", f"/api/v1/namespaces/{b.ns}/pods?labelSelector="
                                   "batch.kubernetes.io%2Fjob-name%3Dbig"), capture_output=True).stdout
    record(f"status, {n} indexes: bytes of the pod LIST", f"{len(raw) / 2**20:.1f} MiB", "", "")
    b.compare(f"status -o json, {n} indexes", ("status", "big", "-o", "json"), 3, base)
    for options in ((), ("--page", "1000"), ("--page", "5000"), ("--gzip",), ("--rv0",)):
        st = b.where("status", "big", options=options)
        record(f"where status's time goes ({' '.join(options) or 'as shipped: page 500'})",
               f"{st.pop('wall ms')} ms", f"{st.pop('requests')} requests, "
               f"{st.pop('bytes received') / 2**20:.1f} MiB received",
               ", ".join(f"{k} {v} ms" for k, v in st.items()))


def bench_readers(b: Bench, n: int, jobs: int = 50) -> None:
    b.compare(f"hosts, {n} indexes", ("hosts", "big"))
    b.compare(f"describe, {n} indexes", ("describe", "big"))
    wall, rss, _ = b.median(b.ijob("wait", "big", "--for=peers", "--timeout=600s"), runs=1)
    record(f"wait --for=peers, {n} indexes", f"{wall * 1000:.0f} ms", f"peak RSS {rss} MB", "")
    b.compare(f"owners, {n} indexes", ("owners", "big"))
    for i in range(jobs - 1):
        b.run(b.ijob("create", f"small-{i}", "--image", b.image, "--completions", "2", *FAKE_POOL,
                     "--", "sleep", "86400"))
    until(lambda: all(j.get("status", {}).get("ready") == 2 for j in json.loads(subprocess.run(
        b.kubectl("get", "jobs", "-o", "json"), capture_output=True, text=True).stdout)["items"]
        if j["metadata"]["name"].startswith("small-")), 600)
    walls: dict[str, list[float]] = {"ijob": [], "kubectl": []}
    for _ in range(5):  # alternating, on a settled cluster
        walls["ijob"].append(b.run(b.ijob("list", "-A"))[0])
        walls["kubectl"].append(b.run(b.kubectl("get", "jobs", "-A"))[0])
    base = statistics.median(walls["kubectl"])
    b.compare(f"list -A with {jobs} jobs ({n + 2 * (jobs - 1)} pods)", ("list", "-A"), 5, base)
    record(f"list -A: kubectl get jobs -A", f"{base * 1000:.0f} ms", "median of 5, alternating",
           f"ijob {statistics.median(walls['ijob']) * 1000:.0f} ms")
    st = b.where("list", "-A")
    record("where list -A's time goes", f"{st.pop('wall ms')} ms",
           f"{st.pop('requests')} requests, {st.pop('bytes received') / 1024:.0f} KiB received",
           ", ".join(f"{k} {v} ms" for k, v in st.items()))


def bench_watch(b: Bench, n: int, seconds: int, env: dict[str, str] | None = None,
                label: str = "", first: int = 0, per_step: int = 20) -> int:
    """status -w while pods end in batches of per_step indexes every 5 s: its RSS sampled
    every 5 s must stay flat. Returns the next index not yet ended."""
    proc = subprocess.Popen(b.ijob("status", "big", "-w"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env or b.env)
    samples: list[int] = []
    t0 = time.monotonic()
    batch = first
    time.sleep(15)  # the first LIST and table
    while time.monotonic() - t0 < seconds and proc.poll() is None:
        indexes = ",".join(str(i) for i in range(batch, batch + per_step))
        sel = f"batch.kubernetes.io/job-name=big,batch.kubernetes.io/job-completion-index in ({indexes})"
        subprocess.run(b.kubectl("annotate", "pods", "-l", sel, "ijob-test/exit-code=0", "--overwrite"),
                       capture_output=True)
        batch += per_step
        time.sleep(5)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        samples.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) // 1024)
    proc.terminate()
    proc.wait()
    if samples:
        record(f"status -w{label}, {n} indexes, {seconds} s of churn ({per_step} pods end every 5 s): RSS",
               f"{samples[0]} -> {samples[-1]} MB", f"max {max(samples)} MB over {len(samples)} samples",
               "flat" if samples[-1] <= samples[len(samples) // 2] * 1.1 else "growing")
    return batch


def write(path: Path, n: int) -> None:
    text = path.read_text() if path.exists() else ""
    head = f"## {n:,} indexes on kwok nodes (benchmarks/scale.py)"
    table = [head, "", "| figure | value | baseline | ratio / verdict |", "| --- | --- | --- | --- |"]
    table += [f"| {' | '.join(r)} |" for r in ROWS]
    start = text.find(head)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + text[end + 1:] if end >= 0 else text[:start]
    path.write_text(text.rstrip("\n") + "\n\n" + "\n".join(table) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--indexes", type=int, default=10_000)
    ap.add_argument("--churn", type=int, default=120, help="seconds of status -w under churn")
    ap.add_argument("--image", default="localhost/ijob-test/busybox:1.36")
    ap.add_argument("--write", action="store_true", help="replace the section in RESULTS.md")
    ap.add_argument("--before", metavar="DIR",
                    help="a checkout of an earlier plugin (git worktree add DIR REV) to measure beside")
    ap.add_argument("--skip-watch", action="store_true")
    ap.add_argument("--before-watch", action="store_true", help="status -w of --before's tree too")
    args = ap.parse_args()
    b = Bench(args.image, args.before)
    subprocess.run(["kubectl", "--kubeconfig", KUBECONFIG, "create", "namespace", b.ns], check=True,
                   capture_output=True)
    try:
        bench_create(b, args.indexes)
        bench_status(b, args.indexes)
        bench_readers(b, args.indexes)
        if not args.skip_watch:
            at = bench_watch(b, args.indexes, args.churn)
            if b.before and args.before_watch:
                bench_watch(b, args.indexes, args.churn, b.before, " (before)", at)
    finally:
        subprocess.run(["kubectl", "--kubeconfig", KUBECONFIG, "delete", "namespace", b.ns, "--wait=false"],
                       capture_output=True)
    for row in ROWS:
        print(" | ".join(row))
    if args.write:
        write(Path(__file__).with_name("RESULTS.md"), args.indexes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
