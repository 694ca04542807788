"""`ping`'s N x N matrix as text, and `hosts`' hostfiles."""
from __future__ import annotations

import json
from typing import Any, Optional

from kubectl_ijob.domain.peers import Matrix
from kubectl_ijob.render.colour import paint
from kubectl_ijob.render.text import table

HOST_FORMATS = ("plain", "openmpi", "mpich", "json")


def matrix_summary(m: Matrix) -> str:
    """`5/6 pairs ok (icmp); not probed: 2 (Pending)`."""
    good = sum(1 for p in m.pairs if p.ok)
    line = f"{good}/{len(m.pairs)} pairs ok ({m.method})"
    if m.skipped:
        line += "; not probed: " + ", ".join(f"{i} ({s})" for i, s in sorted(m.skipped.items()))
    return line


def matrix_warnings(m: Matrix) -> list[str]:
    """Names that resolved to several addresses, or to an address that is not the pod's."""
    out = []
    for p, want in m.mismatches():
        if len(p.addresses) > 1:
            out.append(f"from {p.source}: index {p.target} resolves to {len(p.addresses)} "
                       f"addresses ({', '.join(p.addresses)}): a replacement pod next to an "
                       "old one?")
        else:
            out.append(f"from {p.source}: index {p.target} resolves to {p.addresses[0]}, "
                       f"but its pod has {want}")
    return out


_CELL = {"nxdomain": "NXDOMAIN", "dns-timeout": "DNS-TIMEOUT", "timeout": "TIMEOUT",
         "refused": "REFUSED", "unreachable": "UNREACHABLE", "no-tool": "NO-TOOL",
         "no-shell": "NO-SHELL", "no-permission": "NO-PERM", "exec-failed": "EXEC-FAILED",
         "no-result": "NO-RESULT"}


def matrix_cell(pair: Any, on: bool) -> str:
    """One matrix cell: `ok 0.21ms` in green, or a short failure code in red."""
    if pair is None:
        return "-"
    if pair.ok:
        text = "ok" if pair.latency_ms is None else f"ok {pair.latency_ms:.2f}ms"
        if len(pair.addresses) > 1:
            text += f" ({len(pair.addresses)} IPs)"
        return paint(text, "yellow" if len(pair.addresses) > 1 else "green", on)
    return paint(_CELL.get(pair.code, pair.code.upper()), "red", on)


def matrix_text(m: Matrix, no_headers: bool = False, colour: bool = False) -> str:
    """The N x N table (rows: from, columns: to), failure reasons, warnings, summary."""
    on = colour
    heads = ["FROM\\TO"] + [str(t) for t in m.targets]
    body = [[str(s)] + [matrix_cell(m.cell(s, t), on) for t in m.targets] for s in m.sources]
    out = [table(heads, body, no_headers)] if body else []
    reasons = sorted({(p.code, p.detail) for p in m.pairs if not p.ok and p.detail})
    out += [f"{_CELL.get(code, code.upper())}: {detail}" for code, detail in reasons[:10]]
    out += [f"Warning: {w}" for w in matrix_warnings(m)]
    out.append(matrix_summary(m))
    return "\n".join(out)


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
