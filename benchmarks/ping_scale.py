"""`ping` at scale: N pods on a healthy job, R consecutive runs, false failures and where the time goes.

    python -m benchmarks.ping_scale --kubeconfig /var/lib/ijob-cluster/admin.kubeconfig
    python -m benchmarks.ping_scale -n 32 --runs 10 --namespace wtping --job mesh   # an existing job

Every pod of the job sleeps, so every pair that is not ok is a false failure. Each run is
the plugin's own `ping` command, run in this process with the exec call wrapped to time it:

- api: reading the Job, pods, Service and EndpointSlices before the first exec;
- exec set-up: from the exec request to the first line of the probe script (its `T` line:
  websocket, API server, kubelet, runtime);
- probes: the probe script's own run time, first pass and second pass (max over pods);
- exec tear-down: from the script's end to the end of the response;
- parsing: the probe outputs parsed into pairs (summed over pods).

Where this machine exposes the kernel's neighbour (ARP) table (/proc/net/stat/arp_cache:
the local cluster's node is this machine), each run also shows the table's size and how
often it was full during the run: a full table leaves ARP requests unanswered, which
`ping` cannot tell from a network that drops packets. Last on each line: the machine's
1-minute load average after the run (the local cluster shares this machine's CPUs).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
ARP_STATS = Path("/proc/net/stat/arp_cache")
ARP_LIMIT = Path("/proc/sys/net/ipv4/neigh/default/gc_thresh3")


def neighbour_table() -> Optional[tuple[int, int]]:
    """(entries, times full so far) of the kernel's ARP table, if this machine shows it."""
    try:
        lines = ARP_STATS.read_text().split("\n")
    except OSError:
        return None
    head = lines[0].split()
    rows = [[int(x, 16) for x in line.split()] for line in lines[1:] if line.strip()]
    col = {name: i for i, name in enumerate(head)}
    return rows[0][col["entries"]], sum(r[col["table_fulls"]] for r in rows)


class Timings:
    """What the wrapped exec saw during one run."""

    def __init__(self) -> None:
        self.first_request: Optional[float] = None
        self.setup: list[float] = []
        self.script: list[float] = []
        self.teardown: list[float] = []
        self.parse = 0.0
        self.retried = 0


def instrument(t: Timings) -> contextlib.ExitStack:
    """Wrap client.exec.exec_in_pod and domain.peers.parse_output for one run of the CLI
    (both are looked up when called, so the wrappers are what `ping` calls)."""
    from kubectl_ijob.client import exec as kube
    from kubectl_ijob.domain import peers

    real_exec, real_parse = kube.exec_in_pod, peers.parse_output

    def timed_exec(*args: Any, **kwargs: Any) -> Any:
        sent = time.time()
        t.first_request = min(t.first_request or sent, sent)
        res = real_exec(*args, **kwargs)
        done = time.time()
        span = peers.script_times(res.stdout)
        if span:
            t.setup.append(span[0] / 1e6 - sent)
            t.script.append((span[1] - span[0]) / 1e6)
            t.teardown.append(done - span[1] / 1e6)
        seen = Counter(line.split()[1] for line in res.stdout.splitlines() if line.startswith("R "))
        t.retried += sum(1 for n in seen.values() if n > 1)
        return res

    def timed_parse(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return real_parse(*args, **kwargs)
        finally:
            t.parse += time.perf_counter() - start

    stack = contextlib.ExitStack()
    for mod, name, fn in ((kube, "exec_in_pod", timed_exec), (peers, "parse_output", timed_parse)):
        stack.callback(setattr, mod, name, getattr(mod, name))
        setattr(mod, name, fn)
    return stack


def one_run(kubeconfig: str, namespace: str, job: str, extra: list[str]) -> dict[str, Any]:
    """The plugin's `ping -o json`, in process; its document, exit code and timings."""
    from kubectl_ijob.app import main

    t, out = Timings(), io.StringIO()
    before = neighbour_table()
    start = time.time()
    with instrument(t), contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(["--kubeconfig", kubeconfig, "-n", namespace, "ping", job, "-o", "json", *extra])
            code = 0
        except SystemExit as e:
            code = int(e.code or 0)
    wall = time.time() - start
    after = neighbour_table()
    doc = json.loads(out.getvalue())
    bad = [p for p in doc["pairs"] if not p["ok"]]
    return {"wall": wall, "code": code, "pairs": len(doc["pairs"]), "bad": bad, "t": t,
            "api": (t.first_request or start) - start,
            "arp": (after[0], after[1] - before[1]) if before and after else None,
            "warnings": doc["warnings"], "load": os.getloadavg()[0]}


def report(i: int, r: dict[str, Any]) -> str:
    t = r["t"]
    codes = dict(Counter(p["code"] for p in r["bad"]))
    arp = f"   arp {r['arp'][0]} entries, full {r['arp'][1]}x" if r["arp"] else ""
    return (f"{i:>3}  {r['wall']:5.2f}s  {r['pairs']} pairs, false failures {len(r['bad']):>3} {codes or ''}"
            f"  retried {t.retried:>3}   api {r['api']:.2f}s  exec set-up {max(t.setup, default=0):.2f}s"
            f" (median {sorted(t.setup)[len(t.setup) // 2] if t.setup else 0:.2f})"
            f"  probes {max(t.script, default=0):.2f}s  tear-down {max(t.teardown, default=0):.2f}s"
            f"  parsing {t.parse * 1000:.1f}ms{arp}   load {r['load']:.1f}")


def setup_job(kubeconfig: str, namespace: str, job: str, n: int, image: str) -> None:
    """A namespace and a healthy job of n sleeping pods, every peer in DNS."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ijob = [sys.executable, "-m", "kubectl_ijob", "--kubeconfig", kubeconfig, "-n", namespace]
    subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "create", "namespace", namespace],
                   check=True, capture_output=True)
    for _ in range(120):  # the namespace's default ServiceAccount, which pods need
        if subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "-n", namespace, "get", "sa",
                           "default"], capture_output=True).returncode == 0:
            break
        time.sleep(0.5)
    subprocess.run([*ijob, "create", job, "--completions", str(n), "--image", image,
                    "--image-pull-policy", "IfNotPresent", "--", "sleep", "3600"],
                   check=True, capture_output=True, env=env)
    out = subprocess.run([*ijob, "wait", job, "--for=peers", "--timeout=600s"],
                         capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(out.stderr.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kubeconfig", default=os.environ.get(
        "KUBECONFIG", "/var/lib/ijob-cluster/admin.kubeconfig"))
    parser.add_argument("-n", "--pods", type=int, default=32)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--image", default="")
    parser.add_argument("--namespace", help="use this namespace's job --job instead of making one")
    parser.add_argument("--job", default="mesh")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between runs")
    parser.add_argument("extra", nargs="*", help="more ping flags, after --")
    a = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    ns = a.namespace or f"ijob-ping-{uuid.uuid4().hex[:6]}"
    if not a.namespace:
        from tests.cluster.images import BUSYBOX_IMAGE

        setup_job(a.kubeconfig, ns, a.job, a.pods, a.image or os.environ.get("IJOB_E2E_IMAGE", BUSYBOX_IMAGE))
    try:
        limit = ARP_LIMIT.read_text().strip() if ARP_LIMIT.exists() else "?"
        print(f"ping {a.job} ({a.pods} pods) {' '.join(a.extra)} x {a.runs} runs; "
              f"neighbour table limit gc_thresh3={limit}")
        results = []
        for i in range(1, a.runs + 1):
            results.append(one_run(a.kubeconfig, ns, a.job, a.extra))
            print(report(i, results[-1]), flush=True)
            time.sleep(a.pause)
        walls = sorted(r["wall"] for r in results)
        false = sum(len(r["bad"]) for r in results)
        print(f"false failures: {false} in {a.runs} runs; wall: median {walls[len(walls) // 2]:.2f}s, "
              f"max {walls[-1]:.2f}s; runs under 3 s: {sum(w < 3 for w in walls)}/{a.runs}")
        warned = [r["warnings"][-1] for r in results if r["warnings"]]
        if warned:
            print(f"ping warned in {len(warned)} runs, last: {warned[-1]}")
        return 0 if false == 0 else 1
    finally:
        if not a.namespace:
            subprocess.run(["kubectl", "--kubeconfig", a.kubeconfig, "delete", "namespace", ns,
                            "--wait=false"], capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
