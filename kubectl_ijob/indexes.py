"""Completion-index sets and the interval strings the Job API uses for them.

The API writes completed and failed indexes as `1,3-5,7`. Parsing and formatting
are linear in the number of intervals plus indexes, so 100,000 indexes stay cheap.
"""
from __future__ import annotations

from typing import Iterable

from kubectl_ijob.errors import usage


def parse_ranges(text: str | None, limit: int | None = None, flag: str = "--index") -> list[int]:
    """Parse `0-2,5` into sorted unique indexes; `limit` (exclusive) bounds them."""
    if text is None or not text.strip():
        return []
    out: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        lo_s, sep, hi_s = part.partition("-")
        if not lo_s.isdigit() or (sep and not hi_s.isdigit()):
            raise usage(f"invalid {flag} {text!r}: expected indexes like 0,2-4")
        lo = int(lo_s)
        hi = int(hi_s) if sep else lo
        if hi < lo:
            raise usage(f"invalid {flag} {text!r}: range {part} runs backwards")
        if limit is not None and hi >= limit:
            raise usage(f"invalid {flag} {text!r}: index {hi} is out of range 0-{limit - 1}")
        out.update(range(lo, hi + 1))
    return sorted(out)


def format_ranges(indexes: Iterable[int]) -> str:
    """Format indexes as the API does: sorted, consecutive runs joined with `-`."""
    parts: list[str] = []
    start = prev = None
    for i in sorted(set(indexes)):
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            parts.append(_run(start, prev))
            start = prev = i
    if start is not None:
        parts.append(_run(start, prev))
    return ",".join(parts)


def _run(lo: int, hi: int) -> str:
    # The Job controller writes a pair as `3,4` and only longer runs as `3-5`.
    if lo == hi:
        return str(lo)
    return f"{lo},{hi}" if hi == lo + 1 else f"{lo}-{hi}"


def parse_api_ranges(text: str | None) -> list[int]:
    """Parse an interval string written by the API server; tolerate garbage as empty."""
    try:
        return parse_ranges(text, flag="index list")
    except Exception:
        return []
