"""The transport decision in figures: the plugin's own REST client against the official
kubernetes client, on the same request to the same local TLS server (tests/parity's
recording server: CA file, bearer token, a Job GET answered 404).

    python -m benchmarks.transport          # prints a markdown table (docs/transport.md)

Measured: start-up without the API (`--help`, `ping --help`), the import the official
client adds, and a whole `status`-style command (process start, kubeconfig, TLS, one
GET) both ways, with `kubectl get job` beside them. Medians of alternating runs.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.parity.harness import config
from tests.parity.pki import make_pki
from tests.parity.server import Listener, Log

OFFICIAL = """
import sys
from kubernetes import client, config
from kubernetes.client.rest import ApiException
config.load_kube_config(config_file=sys.argv[1])
try:
    client.BatchV1Api().read_namespaced_job("nope", "default", _preload_content=False)
except ApiException as e:
    sys.exit(e.status != 404)
"""


def medians(commands: dict[str, list[str]], env: dict[str, str], runs: int = 11) -> dict[str, float]:
    """Median wall time of each command, the commands alternating run by run."""
    times: dict[str, list[float]] = {k: [] for k in commands}
    for i in range(runs + 1):
        for name, cmd in commands.items():
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, env=env, stdin=subprocess.DEVNULL)
            if i:  # the first round warms caches
                times[name].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> int:
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        pki, log = make_pki(d / "pki"), Log()
        server = Listener("a", log, pki.server, pki)
        kc = config(d, clusters={"server": server.url(), "certificate-authority":
                                 str(pki.ca.cert_file)}, users={"token": "bench"})
        (d / "official.py").write_text(OFFICIAL)
        env = {**os.environ, "HOME": str(d), "KUBECONFIG": str(kc), "PYTHONDONTWRITEBYTECODE": "1"}
        m = medians({
            "kubectl ijob --help": [py, "-m", "kubectl_ijob", "--help"],
            "kubectl ijob ping --help": [py, "-m", "kubectl_ijob", "ping", "--help"],
            "python: import click, urllib3, yaml": [py, "-c", "import click, urllib3, yaml"],
            "python: + import kubernetes.client, .config":
                [py, "-c", "import click, urllib3, yaml, kubernetes.client, kubernetes.config"],
            "status NAME, own REST (kubectl ijob)": [py, "-m", "kubectl_ijob", "status", "nope"],
            "the same GET, official client": [py, str(d / "official.py"), str(kc)],
            "kubectl get job NAME": ["kubectl", "get", "job", "nope"],
        }, env)
        server.close()
    print(f"Python {sys.version.split()[0]}, median of 11 alternating runs, loopback TLS server\n")
    print("| what | median |\n| --- | --- |")
    for name, value in m.items():
        print(f"| {name} | {value * 1000:.0f} ms |")
    imp = m["python: + import kubernetes.client, .config"] - m["python: import click, urllib3, yaml"]
    print(f"\nimport of the official client: +{imp * 1000:.0f} ms; "
          f"own REST vs official on the GET: {m['status NAME, own REST (kubectl ijob)'] * 1000:.0f} "
          f"vs {m['the same GET, official client'] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
