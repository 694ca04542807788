"""Cluster figures (targets 2, 3, 5 and 6), measured side by side on one real cluster.

- API cost: every HTTP request the plugin sends is counted at urllib3's PoolManager (a
  client-side hook under the plugin's transport), by running the CLI in this process.
- Wall times: the plugin and the baseline kubectl commands run as subprocesses, the
  way a user runs them, alternating, and the median of several runs is kept.

Everything happens in a namespace of its own, deleted at the end. The pods run the
local busybox image; the load is exec and DNS inside the cluster only.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
Record = Callable[..., None]


class Cluster:
    """kubectl and the plugin bound to one kubeconfig and one namespace."""

    def __init__(self, kubeconfig: str, image: str) -> None:
        self.kubeconfig = kubeconfig
        self.image = image
        self.ns = f"ijob-bench-{uuid.uuid4().hex[:6]}"
        self.env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(ROOT))

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        out = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig, "-n", self.ns, *args],
                             capture_output=True, text=True, timeout=600)
        if check and out.returncode:
            raise RuntimeError(f"kubectl {' '.join(args)}: {out.stderr.strip()}")
        return out

    def ijob_argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "kubectl_ijob", "--kubeconfig", self.kubeconfig,
                "-n", self.ns, *args]

    def create(self, name: str, completions: int, parallelism: int, *command: str) -> None:
        out = subprocess.run(self.ijob_argv(
            "create", name, "--image", self.image, "--image-pull-policy", "IfNotPresent",
            "--completions", str(completions), "--parallelism", str(parallelism),
            "--", *command), capture_output=True, text=True, env=self.env, timeout=120)
        if out.returncode:
            raise RuntimeError(out.stderr.strip())

    def pods(self, job: str) -> list[dict[str, Any]]:
        out = self.kubectl("get", "pods", "-l", f"job-name={job}", "-o", "json")
        return json.loads(out.stdout)["items"]

    def wait_pods(self, job: str, n: int, phase: str, timeout: float = 600) -> list[dict[str, Any]]:
        """Wait until n pods of the job are in phase (Running pods must also be Ready)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pods = [p for p in self.pods(job) if p["status"].get("phase") == phase]
            if phase == "Running":
                pods = [p for p in pods if all(c.get("ready") for c in
                                               p["status"].get("containerStatuses") or [])]
            if len(pods) >= n:
                return pods
            time.sleep(2)
        raise RuntimeError(f"timed out waiting for {n} {phase} pods of {job}")


@contextlib.contextmanager
def counting() -> Iterator[Counter]:
    """Count every HTTP request sent through urllib3 (the plugin's REST transport)."""
    import urllib3

    seen: Counter = Counter()
    original = urllib3.PoolManager.urlopen

    def urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
        seen[f"{method} /{path}"] += 1
        return original(self, method, url, *args, **kwargs)

    urllib3.PoolManager.urlopen = urlopen
    try:
        yield seen
    finally:
        urllib3.PoolManager.urlopen = original


def describe_request(key: str) -> str:
    """`GET /apis/batch/v1/namespaces/ns/jobs/x` -> `GET jobs/x`; a collection -> `LIST pods`."""
    method, url_path = key.split(" ", 1)
    parts = url_path.strip("/").split("/")
    if "namespaces" in parts[:-1]:
        parts = parts[parts.index("namespaces") + 2:]
    if method == "GET" and len(parts) == 1:
        return f"LIST {parts[0]}"
    return f"{method} {'/'.join(parts)}"


def in_process(c: Cluster, *args: str) -> tuple[int, Counter]:
    """Run the plugin in this process; return its exit code and the requests it sent."""
    from kubectl_ijob.app import main

    with counting() as seen, contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        try:
            main(["--kubeconfig", c.kubeconfig, "-n", c.ns, *args])
            code = 0
        except SystemExit as e:
            code = int(e.code or 0)
    return code, seen


def median_wall(argvs: list[list[str]], env: dict[str, str], runs: int) -> float:
    """Median over runs of the summed wall time of running argvs one after another."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        for argv in argvs:
            subprocess.run(argv, capture_output=True, env=env, timeout=300)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_create(c: Cluster, record: Record) -> None:
    """Target 6: one request per object created, none for discovery; client dry run: none."""
    code, seen = in_process(c, "create", "cost", "--image", c.image, "--items", "a,b,c",
                            "--dry-run=client", "-o", "name")
    record("create --dry-run=client: API requests", str(sum(seen.values())), "target 0",
           "ok" if code == 0 and not seen else "MISSED")
    code, seen = in_process(c, "create", "cost", "--image", c.image, "--items", "a,b,c",
                            "--image-pull-policy", "IfNotPresent", "--", "true")
    posts = sum(n for k, n in seen.items() if k.startswith("POST "))
    record("create with items: API requests (Job, Service, ConfigMap)",
           f"{sum(seen.values())} ({posts} POST)", "target 3 (one per object)",
           "ok" if code == 0 and sum(seen.values()) == 3 == posts else f"MISSED {dict(seen)}")


def bench_status_cost(c: Cluster, record: Record) -> None:
    """Target 2: the same number of requests for 3, 100 and 1,000 completions."""
    sizes = [(3, 3), (100, 100), (1000, 10)]
    for completions, parallelism in sizes:
        c.create(f"cost-{completions}", completions, parallelism, "sh", "-c", "sleep 3600")
    for completions, parallelism in sizes:
        c.wait_pods(f"cost-{completions}", parallelism, "Running")
    counts = []
    for completions, parallelism in sizes:
        code, seen = in_process(c, "status", f"cost-{completions}")
        counts.append(sum(seen.values()))
        detail = ", ".join(describe_request(k) for k in sorted(seen))
        record(f"status, {completions} completions ({parallelism} pods): API requests",
               str(counts[-1]), detail, "ok" if code == 0 else f"exit {code}")
    record("status: requests constant in the number of indexes",
           " / ".join(map(str, counts)), "target: equal, at most 4",
           "ok" if len(set(counts)) == 1 and counts[0] <= 4 else "MISSED")
    for completions, _ in sizes:
        c.kubectl("delete", "job", f"cost-{completions}", "--wait=false")


def bench_status_wall(c: Cluster, record: Record, runs: int = 9) -> None:
    """Target 3: status of 100 indexes vs `kubectl get job` + `kubectl get pods -l`."""
    c.create("wall", 100, 100, "true")
    c.wait_pods("wall", 100, "Succeeded")
    kc = ["kubectl", "--kubeconfig", c.kubeconfig, "-n", c.ns]
    base = [[*kc, "get", "job", "wall"], [*kc, "get", "pods", "-l", "job-name=wall"]]
    plugin = [c.ijob_argv("status", "wall")]
    median_wall(plugin + base, c.env, 1)  # warm caches
    b, p = [], []
    for _ in range(runs):  # alternate, so both see the same machine and API server
        b.append(median_wall(base, c.env, 1))
        p.append(median_wall(plugin, c.env, 1))
    base_t, plug_t = statistics.median(b), statistics.median(p)
    record("status, 100 indexes: kubectl get job + get pods -l", f"{base_t * 1000:.0f} ms")
    record("status, 100 indexes: kubectl ijob status", f"{plug_t * 1000:.0f} ms",
           "vs the two kubectl commands", f"{plug_t / base_t:.2f}x (target <= 1.0x)")
    floor = median_wall([[sys.executable, "-c", "import click, yaml, urllib3, tabulate"]], c.env, runs)
    record("status: of which Python start-up and imports", f"{floor * 1000:.0f} ms",
           "python -c 'import click, yaml, urllib3, tabulate'", f"{floor / base_t:.2f}x of the baseline")
    imp = median_wall([[sys.executable, "-c", "import kubernetes.client"]], c.env, runs)
    record("status: the kubernetes client's import, avoided", f"{imp * 1000:.0f} ms",
           "python -c 'import kubernetes.client'", f"{imp / base_t:.2f}x of the baseline")
    c.kubectl("delete", "job", "wall", "--wait=false")


def naive_loop(c: Cluster, job: str, pods: list[dict[str, Any]], timeout: int) -> float:
    """What users write today: one `kubectl exec ... ping` per pair, one after another."""
    by_index = sorted(pods, key=lambda p: int(p["metadata"]["annotations"]
                                              ["batch.kubernetes.io/job-completion-index"]))
    t = time.perf_counter()
    for src in by_index:
        for j in range(len(by_index)):
            subprocess.run(["kubectl", "--kubeconfig", c.kubeconfig, "-n", c.ns, "exec",
                            src["metadata"]["name"], "--", "ping", "-c", "1", "-W", str(timeout),
                            f"{job}-{j}.{job}"], capture_output=True, timeout=120)
    return time.perf_counter() - t


def bench_ping(c: Cluster, record: Record, sizes: tuple[int, ...] = (2, 4, 8, 16)) -> None:
    """Target 5: ping wall time grows sub-linearly in N; at N=8 >= 10x the naive loop."""
    for n in sizes:
        c.create(f"ping{n}", n, n, "sh", "-c", "sleep 3600")
    pods_of = {n: c.wait_pods(f"ping{n}", n, "Running") for n in sizes}  # all started: a quiet node
    walls = {}
    for n in sizes:
        pods = pods_of[n]
        argv = c.ijob_argv("ping", f"ping{n}")
        ok = subprocess.run(argv, capture_output=True, text=True, env=c.env, timeout=300)
        walls[n] = median_wall([argv], c.env, 5)
        verdict = "all pairs ok" if ok.returncode == 0 else f"exit {ok.returncode}: " + \
            (ok.stdout.strip().splitlines() or ["?"])[-1]
        record(f"ping, N={n} ({n * n} pairs)", f"{walls[n] * 1000:.0f} ms", "", verdict)
        if n == 8:
            naive = naive_loop(c, f"ping{n}", pods, 2)
            record("ping, N=8: naive sequential kubectl exec per pair", f"{naive * 1000:.0f} ms",
                   "vs kubectl ijob ping", f"{naive / walls[n]:.1f}x faster (target >= 10x)")
    lo, hi = sizes[0], sizes[-1]
    growth = walls[hi] / walls[lo]
    record(f"ping: wall time N={hi} vs N={lo}", f"{growth:.2f}x",
           f"pairs grew {hi * hi // (lo * lo)}x, pods {hi // lo}x",
           "sub-linear" if growth < hi / lo else "MISSED (not sub-linear)")
    for n in sizes:
        c.kubectl("delete", "job", f"ping{n}", "--wait=false")


def run(kubeconfig: str, record: Record, image: str = "") -> None:
    """All cluster figures in a fresh namespace, removed afterwards."""
    if not image:
        from tests.cluster.images import BUSYBOX_IMAGE

        image = os.environ.get("IJOB_E2E_IMAGE", BUSYBOX_IMAGE)
    c = Cluster(kubeconfig, image)
    subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "create", "namespace", c.ns],
                   check=True, capture_output=True)
    try:
        deadline = time.monotonic() + 60
        while c.kubectl("get", "serviceaccount", "default", check=False).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("the namespace's default ServiceAccount never appeared")
            time.sleep(0.5)
        bench_create(c, record)
        bench_status_cost(c, record)
        bench_status_wall(c, record)
        bench_ping(c, record)
    finally:
        subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "delete", "namespace", c.ns,
                        "--wait=false"], capture_output=True)
