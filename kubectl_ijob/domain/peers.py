"""Pure: the peers of an Indexed Job (who probes whom), the probe output parsed into the
N x N matrix, and hostfiles for MPI launchers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from kubectl_ijob.domain.indexes import digits
from kubectl_ijob.domain.model import IndexedJob
from kubectl_ijob.domain.probes import Peer
from kubectl_ijob.errors import usage


@dataclass(frozen=True)
class PortResult:
    """One port of a TCP probe."""

    port: int
    code: str
    latency_ms: Optional[float] = None

    @property
    def ok(self) -> bool:
        return self.code == "ok"


@dataclass
class PairResult:
    """The outcome of probing one peer from one source pod."""

    source: int
    target: int
    code: str  # ok, nxdomain, dns-timeout, timeout, refused, unreachable, no-tool, ...
    latency_ms: Optional[float] = None
    addresses: list[str] = field(default_factory=list)
    detail: str = ""
    ports: list[PortResult] = field(default_factory=list)  # tcp: each port probed

    @property
    def ok(self) -> bool:
        return self.code == "ok"

    @property
    def failing_ports(self) -> list[int]:
        return [p.port for p in self.ports if not p.ok]


def _latency(text: str) -> Optional[float]:
    """Milliseconds from a probe's latency field: microseconds, or `<ms>ms` as ping prints it."""
    if digits(text):
        return int(text) / 1000.0
    if text.endswith("ms") and re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,6})?", text[:-2]):
        return float(text[:-2])
    return None


def merge_ports(source: int, target: int, ports: list[PortResult], addresses: list[str],
                detail: str = "") -> PairResult:
    """One pair from its ports: ok when every port is; else the first failing port's code
    (the cell names the failing ports). The latency is the slowest port's."""
    bad = [p for p in ports if not p.ok]
    times = [p.latency_ms for p in ports if p.latency_ms is not None]
    return PairResult(source, target, bad[0].code if bad else "ok",
                      max(times) if times and not bad else None, addresses, detail, ports)


def parse_output(source: int, text: str, targets: list[int]) -> list[PairResult]:
    """Probe-script output -> one result per target (missing lines become `no-result`).

    `R <i> ...` is a whole pair; `R <i>:<port> ...` one port of a TCP pair. A pair probed
    again (the second pass) prints again: its last line counts."""
    got: dict[int, PairResult] = {}
    ports: dict[int, dict[int, PortResult]] = {}
    for line in text.splitlines():
        parts = line.split(" ", 5)
        index, colon, port = parts[1].partition(":") if len(parts) >= 5 else ("", "", "")
        if parts[0] != "R" or not digits(index) or (colon and not digits(port)):
            continue
        target, latency = int(index), _latency(parts[3])
        addrs = [] if parts[4] == "-" else parts[4].split(",")
        detail = parts[5] if len(parts) > 5 and parts[5] != "-" else ""
        if port:
            ports.setdefault(target, {})[int(port)] = PortResult(int(port), parts[2], latency)
            base = got.get(target)
            got[target] = PairResult(source, target, "", None, addrs,
                                     base.detail if base and base.detail else detail)
        else:
            got[target] = PairResult(source, target, parts[2], latency, addrs, detail)
    for target, by_port in ports.items():
        base = got[target]
        got[target] = merge_ports(source, target, list(by_port.values()), base.addresses, base.detail)
    return [got.get(t) or PairResult(source, t, "no-result", detail="the probe printed nothing")
            for t in targets]


def script_times(text: str) -> Optional[tuple[int, int]]:
    """When the probe script started and ended (microseconds), from its `T` line."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "T" and digits(parts[1]) and digits(parts[2]):
            return int(parts[1]), int(parts[2])
    return None


def failed_source(source: int, targets: list[int], code: str, detail: str) -> list[PairResult]:
    """Every pair of a source whose exec could not run (no shell, exec refused, ...)."""
    return [PairResult(source, t, code, detail=detail) for t in targets]


@dataclass
class Matrix:
    """The N x N result plus the indexes that were not probed and why."""

    method: str
    sources: list[int]
    targets: list[int]
    pairs: list[PairResult]
    skipped: dict[int, str]  # index -> pod phase/status it was in
    expected_ips: dict[int, Optional[str]] = field(default_factory=dict)
    nodes: dict[int, str] = field(default_factory=dict)  # index -> node of its pod
    sample: Optional[int] = None  # peers probed per pod; None: every pair

    def cell(self, source: int, target: int) -> Optional[PairResult]:
        if not hasattr(self, "_cells"):
            self._cells = {(p.source, p.target): p for p in self.pairs}
        return self._cells.get((source, target))

    @property
    def ok(self) -> bool:
        return bool(self.pairs) and all(p.ok for p in self.pairs)

    def mismatches(self) -> list[tuple[PairResult, Optional[str]]]:
        """Pairs whose name resolved to several addresses, or to one that is not the pod's
        (with the pod's address)."""
        out = []
        for p in self.pairs:
            want = self.expected_ips.get(p.target)
            if len(p.addresses) > 1 or (p.addresses and want and p.addresses[0] != want):
                out.append((p, want))
        return out


def plan(job: dict[str, Any], rows: list[Any], cluster_domain: str,
         sources: Optional[list[int]] = None) -> tuple[list[Peer], list[Peer], dict[int, str]]:
    """(source peers, target peers, skipped index -> status) from status rows.

    Only indexes whose current pod is Running are probed, as sources and as targets;
    the others are reported with their status, not counted as network failures.
    """
    model = IndexedJob(job)
    if not model.subdomain:
        raise usage(f'job "{model.name}" has no subdomain in its pod template: its pods '
                    "have no peer DNS names (create it with kubectl ijob create, or set "
                    "spec.template.spec.subdomain to a headless Service)")
    targets, skipped = [], {}
    for r in rows:
        if r.status != "Running" or not r.pod:
            skipped[r.index] = r.status
            continue
        targets.append(Peer(r.index, r.pod, r.ip, model.short_name(r.index) or "",
                            model.fqdn(r.index, cluster_domain) or ""))
    chosen = targets if sources is None else [p for p in targets if p.index in set(sources)]
    return chosen, targets, skipped


def sample_offsets(n: int, k: int) -> list[int]:
    """The k ring offsets (1..n-1) each pod probes: the next pod, then chords spread evenly
    across the job, so a pod's sample reaches far indexes (other nodes, other racks)."""
    k = min(k, n - 1)
    return sorted({1 + (j * (n - 1)) // k for j in range(k)}) if k > 0 else []


def sampled_targets(targets: list[Peer], sources: list[Peer], k: Optional[int]
                    ) -> list[list[Peer]]:
    """Each source's targets: all of them (k None, or k covering every peer), or k peers on
    a ring of the targets. The same offsets from every pod make each pod the target of
    exactly k sources, so a whole failing row is still the source's problem and a whole
    failing column the target's - at k x N pairs instead of N x N."""
    n = len(targets)
    if k is None or k >= n - 1:
        return [targets for _ in sources]
    where = {t.index: i for i, t in enumerate(targets)}
    offsets = sample_offsets(n, k)
    return [[targets[(where[s.index] + o) % n] for o in offsets] for s in sources]
