"""Run kubectl and the plugin on the same kubeconfig and environment; say what each did.

The oracle is real kubectl: `kubectl get jobs` beside `kubectl ijob list` (both send
GET .../namespaces/NS/jobs?limit=500), and `kubectl get job NAME` beside
`kubectl ijob status NAME` (both get a 404). What is compared (Outcome.wire):
which listener got the Job request, under which TLS server name, with which client
certificate and Authorization header; which proxy opened which tunnel with which
credentials; the exit status; and, when kubectl refused the configuration before
sending anything, the exact sentence it printed. kubectl's discovery requests are
not compared (the plugin needs none). Each run gets a fresh HOME and KUBECACHEDIR
and an environment without the caller's KUBECONFIG or proxy variables.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from tests.parity.pki import PKI
from tests.parity.proxies import Proxy
from tests.parity.server import Listener, Log, Request

ROOT = Path(__file__).resolve().parents[2]
KLOG = re.compile(r"^[IWEF]\d{4} ")
DUMP = re.compile(r'(duplicate name "[^"]*" in list): \[.*$')
UNREACHABLE = ("Unable to connect to the server", "The connection to the server")


def kubectl_binaries() -> dict[str, str]:
    """The kubectl oracles present here: the system one and the locally built v1.37.2."""
    found = {}
    system = shutil.which("kubectl")
    if system:
        found["system"] = system
    built = Path(os.environ.get("IJOB_CACHE", Path.home() / ".cache" / "kubectl-ijob")) \
        / "k8s-v1.37.2" / "bin" / "kubectl"
    if built.is_file():
        found["v1.37.2"] = str(built)
    return found


def plugin_command() -> list[str]:
    """How the plugin runs: IJOB_PARITY_PLUGIN may name a command (e.g. `python3.13
    dist/kubectl-ijob.pyz`); by default this interpreter's `-m kubectl_ijob`."""
    custom = os.environ.get("IJOB_PARITY_PLUGIN")
    return custom.split() if custom else [sys.executable, "-m", "kubectl_ijob"]


@dataclass(repr=False)
class World:
    """The servers, proxies and certificates every case can use."""

    pki: PKI
    log: Log
    a: Listener          # TLS, CA `ca`, names 127.0.0.1 localhost {a,b,c}.parity.test
    b: Listener          # the same certificate on another port (merge order)
    nku: Listener        # TLS, CA without keyUsage
    named: Listener      # TLS, certificate only for api.internal.test
    plain: Listener      # plain HTTP
    http_proxy: Proxy
    socks_proxy: Proxy


@dataclass
class Setup:
    """What one case gives both tools: global flags, environment, and the verb."""

    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    job: Optional[str] = None   # None: list jobs; a name: get that one Job (404)


@dataclass
class Outcome:
    """What one tool did."""

    tool: str
    code: int
    message: str                 # stderr without klog lines, on one line
    requests: list[Request]
    handshakes: list[tuple[str, Optional[str], str]]
    tunnels: list[tuple[str, str, Optional[str]]]

    @property
    def job_requests(self) -> set[tuple[Any, ...]]:
        return {(r.server, r.sni, r.client_cert, r.method, r.path, r.authorization)
                for r in self.requests if "/jobs" in r.path}

    @property
    def sent_nothing(self) -> bool:
        return not (self.requests or self.handshakes or self.tunnels)

    @property
    def wire(self) -> dict[str, Any]:
        """Everything compared between the two tools, as one comparable value."""
        return {"exit": self.code, "job requests": sorted(self.job_requests, key=repr),
                "tunnels": sorted({(p, t, a) for p, t, a in self.tunnels}, key=repr),
                "tls names": sorted({(s, n) for s, n, _ in self.handshakes}, key=repr),
                "sent nothing": self.sent_nothing}


def config(directory: Path, name: str = "config", *, clusters: Any = None, users: Any = None,
           contexts: Any = None, current: Optional[str] = "x", **extra: Any) -> Path:
    """Write a kubeconfig; `clusters`/`users`/`contexts` are lists of (name, body) pairs
    or a single body (named c, u and x). Returns its path."""
    def named(items: Any, key: str, default: str) -> list[dict[str, Any]]:
        if items is None:
            return []
        if isinstance(items, dict):
            items = [(default, items)]
        return [{"name": n, key: body} for n, body in items]

    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config",
                           "clusters": named(clusters, "cluster", "c"),
                           "users": named(users, "user", "u"),
                           "contexts": named(contexts if contexts is not None else
                                             {"cluster": "c", "user": "u"}, "context", "x")}
    if current is not None:
        doc["current-context"] = current
    doc.update(extra)
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _env(directory: Path, tool: str, extra: dict[str, str]) -> dict[str, str]:
    home = directory / "home"
    (home / ".kube").mkdir(parents=True, exist_ok=True)
    cache = directory / f"cache-{tool}"
    cache.mkdir(exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(home),
           "KUBECACHEDIR": str(cache), "PYTHONPATH": os.environ.get("IJOB_PARITY_ROOT", str(ROOT)),
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra)
    return env


def run(tool: str, argv: list[str], setup: Setup, directory: Path, log: Log) -> Outcome:
    """Run one tool in directory (its working directory too) and collect what arrived."""
    log.clear()
    proc = subprocess.run(argv, cwd=directory, env=_env(directory, tool, setup.env),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    lines = [x.strip() for x in proc.stderr.splitlines() if x.strip() and not KLOG.match(x)]
    # Go's %v dump of the whole list after "duplicate name ... in list" is data, not wording
    message = DUMP.sub(r"\1", " ".join(lines))
    requests, handshakes, tunnels = log.snapshot()
    return Outcome(tool, proc.returncode, message, requests, handshakes, tunnels)


def run_kubectl(binary: str, setup: Setup, directory: Path, log: Log) -> Outcome:
    verb = ["get", "job", setup.job] if setup.job else ["get", "jobs"]
    return run("kubectl", [binary, *setup.args, *verb], setup, directory, log)


def run_plugin(setup: Setup, directory: Path, log: Log) -> Outcome:
    verb = ["status", setup.job] if setup.job else ["list"]
    return run("plugin", [*plugin_command(), *setup.args, *verb], setup, directory, log)


def differences(k: Outcome, p: Outcome) -> list[str]:
    """How the plugin's outcome differs from kubectl's ([] when they agree)."""
    out = [f"{key}: kubectl {k.wire[key]!r} != plugin {p.wire[key]!r}"
           for key in k.wire if k.wire[key] != p.wire[key]]
    if k.code != p.code:
        out.append(f"kubectl said {k.message!r}; plugin said {p.message!r}")
    elif k.code != 0:
        if k.message.startswith(UNREACHABLE[1]) and k.message != p.message:  # refused: exact
            out.append(f"wording: kubectl {k.message!r} != plugin {p.message!r}")
        elif k.message.startswith(UNREACHABLE):
            if not p.message.startswith(UNREACHABLE):
                out.append(f"kubectl could not connect ({k.message!r}); plugin said {p.message!r}")
        elif k.message != p.message:
            out.append(f"wording: kubectl {k.message!r} != plugin {p.message!r}")
    return out


Case = Callable[[World, Path], Setup]
