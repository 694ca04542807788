"""Pure: what a peer matrix too large to print says, and what timeouts on a crowded node mean.

A 1,000-pod job has a million pairs: the digest says which rows fail entirely (the source
pod's problem), which columns (the target's), which pairs are left (the network between
them) and which pairs were slowest. Timeouts between pods of one node that runs many of
them are more likely its neighbour (ARP) table than its network.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Optional

from kubectl_ijob.domain.peers import PairResult


@dataclass
class Digest:
    """What a matrix too wide to print says: a whole failing row is the source pod's
    problem, a whole failing column the target's, the rest is between the two."""

    total: int
    outcomes: dict[str, int]  # code -> pairs, most first
    rows: dict[int, str]  # source failing every target -> its most common code
    columns: dict[int, str]  # target no (otherwise working) source reaches -> code
    scattered: list[PairResult]
    slowest: list[PairResult]


def digest(pairs: list[PairResult], sources: list[int], targets: list[int],
           top: int = 5) -> Digest:
    """Counts per outcome, whole failing rows, then whole failing columns among the other
    rows, the failing pairs left over, and the `top` slowest pairs that worked."""
    by_row: dict[int, list[PairResult]] = {}
    for p in pairs:
        by_row.setdefault(p.source, []).append(p)
    rows = {s: _most_common(by_row[s]) for s in sources
            if by_row.get(s) and not any(p.ok for p in by_row[s])}
    rest = [p for p in pairs if p.source not in rows]
    by_col: dict[int, list[PairResult]] = {}
    for p in rest:
        by_col.setdefault(p.target, []).append(p)
    columns = {t: _most_common(by_col[t]) for t in targets
               if by_col.get(t) and not any(p.ok for p in by_col[t])}
    scattered = [p for p in rest if not p.ok and p.target not in columns]
    timed = sorted((p for p in pairs if p.ok and p.latency_ms is not None),
                   key=lambda p: (-(p.latency_ms or 0), p.source, p.target))
    outcomes = dict(Counter(p.code for p in pairs).most_common())
    return Digest(len(pairs), outcomes, rows, columns, scattered, timed[:top])


def _most_common(pairs: list[PairResult]) -> str:
    return Counter(p.code for p in pairs).most_common(1)[0][0]


ARP_TABLE_DEFAULT = 1024  # net.ipv4.neigh.default.gc_thresh3, for all network namespaces


def neighbour_warning(pairs: list[PairResult], nodes: dict[int, str]) -> Optional[str]:
    """Timeouts between pods of one node that runs many of the job's pods: a full mesh of
    k pods on one node needs about k*(k+1) neighbour entries there (one per peer, plus the
    DNS server's), and a full table leaves ARP requests unanswered."""
    local = [p for p in pairs if p.code == "timeout" and nodes.get(p.source)
             and nodes.get(p.source) == nodes.get(p.target)]
    if not local:
        return None
    per_node = Counter(nodes.values())
    node = max({nodes[p.source] for p in local}, key=lambda n: (per_node[n], n))
    k = per_node[node]
    if k * (k + 1) < ARP_TABLE_DEFAULT // 2 and not any(p.detail == "no-arp-reply" for p in local):
        return None
    return (f"{len(local)} pairs timed out between pods of the same node; node {node} runs {k} "
            f"of them, and a full mesh there needs about {k * (k + 1)} neighbour (ARP) entries "
            f"while Linux allows {ARP_TABLE_DEFAULT} per node by default "
            "(net.ipv4.neigh.default.gc_thresh3): if the node's kernel log says "
            "'neighbor table overflow', raise gc_thresh1/2/3 there - these timeouts are the "
            "table, not the network")
