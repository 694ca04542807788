"""Smoke test of one plugin command line (e.g. `python3.13 kubectl-ijob`) against the
parity servers: a CA without keyUsage (Python 3.13's strict X.509 refused it), a token,
a Job that is not there, and the same through a SOCKS5 proxy-url.

    python -m tests.parity.smoke python3.13 /tmp/kubectl-ijob    # exit 0 when all pass

Run by tests/parity/pythons.sh for every interpreter; needs `cryptography` in the
interpreter that runs it (not in the one under test).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.parity.harness import config
from tests.parity.pki import make_pki
from tests.parity.proxies import Proxy
from tests.parity.server import Listener, Log

NOT_FOUND = 'Error from server (NotFound): jobs.batch "nope" not found'


def main(plugin: list[str]) -> int:
    """Run the checks; print one line per check; 0 when all passed."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        pki, log = make_pki(d / "pki"), Log()
        nku, socks = Listener("nku", log, pki.server_nku, pki), Proxy("socks", "socks5", log)
        cluster = {"server": nku.url(), "certificate-authority": str(pki.ca_nku.cert_file)}
        direct = config(d, "direct", clusters=cluster, users={"token": "smoke"})
        via = config(d, "via", clusters={**cluster, "server": nku.url("nku.parity.test"),
                                         "proxy-url": socks.url()}, users={"token": "smoke"})
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(d), "LANG": "C.UTF-8"}
        checks = [("--help", [plugin + ["--help"]], 0, "Usage:"),
                  ("status, CA without keyUsage", [plugin + ["--kubeconfig", str(direct),
                                                             "status", "nope"]], 1, NOT_FOUND),
                  ("list through a SOCKS5 proxy-url", [plugin + ["--kubeconfig", str(via), "list"]],
                   0, "No Indexed Jobs found")]
        failed = 0
        for label, (argv,), code, phrase in checks:
            log.clear()
            out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120,
                                 stdin=subprocess.DEVNULL)
            seen = [r.authorization for r in log.snapshot()[0] if "/jobs" in r.path]
            ok = out.returncode == code and phrase in out.stdout + out.stderr and \
                (label == "--help" or seen == ["Bearer smoke"])
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {label}" +
                  ("" if ok else f": exit {out.returncode}, {(out.stderr or out.stdout).strip()[-300:]}"))
        nku.close()
        socks.close()
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
