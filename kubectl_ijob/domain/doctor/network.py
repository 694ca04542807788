"""Checks of peer traffic: what the NetworkPolicies do to it, and the failing pairs of
the ping matrix summarised - a whole row is the source pod's problem, a whole column the
target's, scattered pairs the network's."""
from __future__ import annotations

from collections import Counter

from kubectl_ijob.domain.indexes import format_ranges
from kubectl_ijob.domain.peers import PairResult

from .model import Evidence, Finding, plural

TOOLING = ("no-tool", "no-permission", "no-shell")  # the image cannot probe: not a network fault
EXEC = ("exec-failed", "no-result")  # the probe did not run or answer: the source's fault
BLOCKING = ("cannot connect", "will not resolve")  # policy phrases that mean no traffic at all


def check_network_policies(ev: Evidence) -> list[Finding]:
    """Each NetworkPolicy finding: isolation no rule lifts, ports only, no DNS."""
    if not ev.policy_findings:
        return []
    names = ", ".join(ev.policies or []) or "?"
    return [Finding("error" if any(b in f for b in BLOCKING) else "warning", "network-policy", f,
                    [f"NetworkPolicies selecting the job's pods: {names}"],
                    [ev.cmd("describe"), ev.kubectl("get networkpolicy", "-o yaml")])
            for f in ev.policy_findings]


def _codes(pairs: list[PairResult]) -> str:
    """`timeout x3, nxdomain` - the failure codes of some pairs, most common first."""
    counts = Counter(p.code for p in pairs)
    return ", ".join(c if n == 1 else f"{c} x{n}" for c, n in counts.most_common())


def _split(pairs: list[PairResult], failing: list[PairResult], sources: list[int],
           targets: list[int]) -> tuple[list[int], list[int], list[PairResult]]:
    """(whole rows, whole columns, the rest) over the pairs probed (all, or a sample): rows
    and columns need at least 2 cells."""
    bad = {(p.source, p.target) for p in failing}
    row_of: dict[int, list[tuple[int, int]]] = {}
    col_of: dict[int, list[tuple[int, int]]] = {}
    for p in pairs:
        row_of.setdefault(p.source, []).append((p.source, p.target))
        col_of.setdefault(p.target, []).append((p.source, p.target))
    rows = [s for s in sources if len(row_of.get(s, ())) > 1 and bad.issuperset(row_of[s])]
    cols = [t for t in targets if len(col_of.get(t, ())) > 1 and bad.issuperset(col_of[t])]
    rest = [p for p in failing if p.source not in rows and p.target not in cols]
    return rows, cols, rest


def _failed_pairs(ev: Evidence) -> list[PairResult]:
    return [p for p in ev.ping.pairs if not p.ok] if ev.ping else []


def check_ping_tooling(ev: Evidence) -> list[Finding]:
    """Pairs `ping` could not probe because the image lacks a tool (not a network fault)."""
    tooling = [p for p in _failed_pairs(ev) if p.code in TOOLING]
    if not tooling:
        return []
    details = sorted({p.detail or p.code for p in tooling})
    return [Finding("info", "ping-tooling", f"{plural(len(tooling), 'pair')} could not be "
                    "probed: the image lacks what the method needs",
                    [f"{_codes(tooling)}: {', '.join(details)}"],
                    [ev.cmd("ping", "--method dns"), "use an image with ping/nc, or "
                     "--method tcp:PORT for a port the workers listen on"])]


def _explained(ev: Evidence, pair: PairResult) -> bool:
    """NXDOMAIN is for the DNS and wiring checks to explain (Service, publication, negative
    caching) once the EndpointSlices were read."""
    return pair.code == "nxdomain" and ev.endpoints is not None


def check_peer_matrix(ev: Evidence) -> list[Finding]:
    """The failing pairs of `ping`, summarised as row, column or scattered failures."""
    m = ev.ping
    failing = [p for p in _failed_pairs(ev) if p.code not in TOOLING and not _explained(ev, p)]
    if m is None or not failing:
        return []
    method, sources, targets, total = m.method, m.sources, m.targets, len(m.pairs)
    rows, cols, rest = _split(m.pairs, failing, sources, targets)
    if len(rows) == len(sources) and len(sources) > 1:
        return [Finding("error", "ping-all", f"every pair fails ({method}): no peer "
                        "reaches any other", [f"{total} pairs: {_codes(failing)}"],
                        [ev.cmd("describe") + "   # NetworkPolicies, Service",
                         "check the network plugin (CNI) on the nodes"])]
    out = []
    for s in rows:
        row = [p for p in failing if p.source == s]
        why = "the probe could not run in that pod" if all(p.code in EXEC for p in row) \
            else "the source pod's problem (its DNS, egress or network)"
        out.append(Finding("error", "ping-source", f"index {s} reaches no peer ({method}): {why}",
                           [f"from {s} to {format_ranges(sorted(p.target for p in row))}: {_codes(row)}"],
                           [ev.cmd("exec", str(s), "-- cat /etc/resolv.conf"),
                            ev.cmd("ping", "--index", str(s))]))
    for t in cols:
        col = [p for p in failing if p.target == t]
        out.append(Finding("error", "ping-target", f"no peer reaches index {t} ({method}): "
                           "the target pod's problem (its DNS record, ingress or network)",
                           [f"from {format_ranges(sorted(p.source for p in col))} to {t}: {_codes(col)}"],
                           [ev.cmd("status"), ev.cmd("describe")]))
    if rest:
        shown = ", ".join(f"{p.source}->{p.target} {p.code}" for p in rest[:10])
        out.append(Finding("error", "ping-scattered",
                           f"{plural(len(rest), 'pair')} of {total} fail with no row or column "
                           f"pattern ({method}): the network between them",
                           [shown + (" ..." if len(rest) > 10 else "")],
                           [ev.cmd("ping") + "   # again: does the pattern move?",
                            "check the nodes of those pods and the network plugin (CNI, MTU)"]))
    return out
