"""`ping`'s N x N matrix as text (or its digest when too wide), and `hosts`' hostfiles."""
from __future__ import annotations

import json
from typing import Any, Optional

from kubectl_ijob.domain.indexes import format_ranges
from kubectl_ijob.domain.peer_digest import Digest, neighbour_warning
from kubectl_ijob.domain.peers import Matrix
from kubectl_ijob.render.colour import paint
from kubectl_ijob.render.text import table

HOST_FORMATS = ("plain", "openmpi", "mpich", "json")


def matrix_summary(m: Matrix) -> str:
    """`5/6 pairs ok (icmp); not probed: 2 (Pending)`."""
    good = sum(1 for p in m.pairs if p.ok)
    line = f"{good}/{len(m.pairs)} pairs ok ({m.method})"
    if m.sample:
        line += f"; sampled: {m.sample} of {len(m.targets) - 1} peers per pod"
    if m.skipped:
        line += "; not probed: " + ", ".join(f"{i} ({s})" for i, s in sorted(m.skipped.items()))
    return line


def matrix_warnings(m: Matrix) -> list[str]:
    """Names that resolved to several addresses, or to an address that is not the pod's;
    timeouts on a node that runs more of the job's pods than its neighbour table holds."""
    out = []
    for p, want in m.mismatches():
        if len(p.addresses) > 1:
            out.append(f"from {p.source}: index {p.target} resolves to {len(p.addresses)} "
                       f"addresses ({', '.join(p.addresses)}): a replacement pod next to an "
                       "old one?")
        else:
            out.append(f"from {p.source}: index {p.target} resolves to {p.addresses[0]}, "
                       f"but its pod has {want}")
    table = neighbour_warning(m.pairs, m.nodes)
    return out + ([table] if table else [])


_CELL = {"nxdomain": "NXDOMAIN", "dns-timeout": "DNS-TIMEOUT", "timeout": "TIMEOUT",
         "refused": "REFUSED", "unreachable": "UNREACHABLE", "no-tool": "NO-TOOL",
         "no-shell": "NO-SHELL", "no-permission": "NO-PERM", "exec-failed": "EXEC-FAILED",
         "no-result": "NO-RESULT"}


def failure_label(pair: Any, name_ports: bool = False) -> str:
    """A failing pair in a few characters: `TIMEOUT`, or with several ports probed the
    failing ones by code: `REFUSED:8081`, `REFUSED:8081,9000 TIMEOUT:29500`."""
    if not (name_ports and pair.ports):
        return _CELL.get(pair.code, pair.code.upper())
    by_code: dict[str, list[str]] = {}
    for x in pair.ports:
        if not x.ok:
            by_code.setdefault(x.code, []).append(str(x.port))
    return " ".join(f"{_CELL.get(c, c.upper())}:{','.join(ports)}" for c, ports in by_code.items())


def matrix_cell(pair: Any, on: bool, name_ports: bool = False) -> str:
    """One matrix cell: `ok 0.21ms` in green, or a short failure code in red."""
    if pair is None:
        return "-"
    if pair.ok:
        text = "ok" if pair.latency_ms is None else f"ok {pair.latency_ms:.2f}ms"
        if len(pair.addresses) > 1:
            text += f" ({len(pair.addresses)} IPs)"
        return paint(text, "yellow" if len(pair.addresses) > 1 else "green", on)
    return paint(failure_label(pair, name_ports), "red", on)


def matrix_text(m: Matrix, no_headers: bool = False, colour: bool = False) -> str:
    """The N x N table (rows: from, columns: to), failure reasons, warnings, summary."""
    ports = "," in m.method
    heads = ["FROM\\TO"] + [str(t) for t in m.targets]
    body = [[str(s)] + [matrix_cell(m.cell(s, t), colour, ports) for t in m.targets]
            for s in m.sources]
    out = [table(heads, body, no_headers)] if body else []
    return "\n".join(out + _matrix_notes(m))


def _matrix_notes(m: Matrix) -> list[str]:
    """Failure reasons, warnings and the summary line, under the table or the digest."""
    reasons = sorted({(p.code, p.detail) for p in m.pairs if not p.ok and p.detail})
    out = [f"{_CELL.get(code, code.upper())}: {detail}" for code, detail in reasons[:10]]
    out += [f"Warning: {w}" for w in matrix_warnings(m)]
    return out + [matrix_summary(m)]


def matrix_width(m: Matrix, limit: int) -> int:
    """The printed table's width, or the first column count past `limit` (so a 1,000-wide
    matrix is not laid out just to learn that it does not fit)."""
    ports = "," in m.method
    width = max([len("FROM\\TO"), *(len(str(s)) for s in m.sources)])
    for t in m.targets:
        cells = [len(matrix_cell(m.cell(s, t), False, ports)) for s in m.sources]
        width += 3 + max([len(str(t)), *cells])
        if width > limit:
            break
    return width


def wants_digest(columns: int, width: int, terminal: int, tty: bool) -> bool:
    """Print the digest instead of the table: on a terminal when the table is wider than
    it; in a pipe only for more than 16 columns that do not fit either (a log of a small
    matrix stays a table)."""
    return width > terminal and (tty or columns > 16)


def digest_text(m: Matrix, d: Digest, on: bool, limit: int = 20) -> str:
    """The digest of a matrix too wide to print: outcomes, failing rows and columns, the
    scattered failing pairs, the slowest pairs."""
    ports = "," in m.method
    counts = ", ".join(paint(f"{n} {'ok' if c == 'ok' else _CELL.get(c, c.upper())}",
                             "green" if c == "ok" else "red", on) for c, n in d.outcomes.items())
    out = [f"{len(m.sources)} sources x {len(m.targets)} targets = {d.total} pairs ({m.method}): {counts}"]
    for title, group in (("Sources failing to every target (a problem of the source pod)", d.rows),
                         ("Targets no other source reaches (a problem of the target pod)", d.columns)):
        by_code: dict[str, list[int]] = {}
        for i, code in group.items():
            by_code.setdefault(code, []).append(i)
        out += [f"{title}: {format_ranges(ix)} ({_CELL.get(c, c.upper())})" for c, ix in by_code.items()]
    if d.scattered:
        shown = ", ".join(f"{p.source}->{p.target} {failure_label(p, ports)}" for p in d.scattered[:limit])
        more = f" and {len(d.scattered) - limit} more" if len(d.scattered) > limit else ""
        out.append(f"Failing pairs (between the two pods): {shown}{more}")
    if d.slowest:
        out.append("Slowest pairs: " + ", ".join(f"{p.source}->{p.target} {p.latency_ms:.2f}ms"
                                                  for p in d.slowest))
    out.append(f"(the {len(m.sources)}x{len(m.targets)} table is wider than the terminal: "
               "--matrix prints it, -o json gives every pair)")
    return "\n".join(out + _matrix_notes(m))


def hostfile(names: list[str], fmt: str, slots: Optional[int]) -> str:
    """The peer list as a launcher wants it: plain, OpenMPI (`slots=N`), MPICH (`:N`), JSON."""
    if fmt == "json":
        return json.dumps([{"host": n, **({"slots": slots} if slots else {})} for n in names],
                          indent=4)
    if fmt == "openmpi":
        return "\n".join(f"{n} slots={slots or 1}" for n in names)
    if fmt == "mpich":
        return "\n".join(f"{n}:{slots or 1}" for n in names)
    return "\n".join(names)
