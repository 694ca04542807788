"""Smoke test of one plugin command line (e.g. `python3.9 kubectl-ijob`) on a real cluster:
create two peer pods, wait until they resolve each other, ping both ways, exec by index,
delete with the cascade - the krew archive as a user of that interpreter runs it.

    python -m tests.parity.cluster_smoke KUBECONFIG IMAGE python3.9 /tmp/kubectl-ijob

Run by tests/parity/pythons.sh when IJOB_E2E_KUBECONFIG names a cluster; exit 0 when all pass.
"""
from __future__ import annotations

import json
import subprocess
import sys
import uuid


def main(kubeconfig: str, image: str, plugin: list[str]) -> int:
    """One line per check; 0 when every check passed."""
    ns = f"ijob-py-{uuid.uuid4().hex[:6]}"
    kubectl = ["kubectl", "--kubeconfig", kubeconfig]
    subprocess.run([*kubectl, "create", "namespace", ns], check=True, capture_output=True)

    def ijob(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*plugin, "--kubeconfig", kubeconfig, "-n", ns, *args],
                              capture_output=True, text=True, timeout=300)
    checks = [
        ("create", lambda: ijob("create", "smoke", "--image", image, "--completions", "2",
                                "--", "sleep", "300").returncode == 0),
        ("wait --for=peers", lambda: ijob("wait", "smoke", "--for=peers", "--timeout=180s").returncode == 0),
        ("ping, both ways ok", lambda: {p["code"] for p in json.loads(
            ijob("ping", "smoke", "-o", "json").stdout or "{}").get("pairs", [])} == {"ok"}),
        ("exec by index", lambda: ijob("exec", "smoke", "1", "--", "hostname").stdout.strip() == "smoke-1"),
        ("delete --wait", lambda: ijob("delete", "smoke", "--wait").returncode == 0),
    ]
    failed = 0
    try:
        for name, check in checks:
            ok = check()
            failed += not ok
            print(f"  {'ok  ' if ok else 'FAIL'} {name}", flush=True)
    finally:
        subprocess.run([*kubectl, "delete", "namespace", ns, "--wait=false"], capture_output=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
