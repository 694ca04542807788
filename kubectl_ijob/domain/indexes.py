"""Completion-index sets and the interval strings the Job API uses for them.

The API writes completed and failed indexes as `1,3-5,7`. Parsing and formatting
are linear in the number of intervals plus indexes, so 100,000 indexes stay cheap.
"""
from __future__ import annotations

from typing import Iterable

from kubectl_ijob.errors import usage

MAX_INDEX = 2**31 - 2  # completions is an int32, so no Job has a higher index


def digits(text: str) -> bool:
    """Only ASCII digits: `²` and `٣` pass str.isdigit() but int() fails on or misreads them."""
    return text.isascii() and text.isdigit()


def parse_intervals(text: str | None, limit: int | None = None,
                    flag: str = "--index") -> list[tuple[int, int]]:
    """Check `0-2,5` and return its intervals, without expanding them into indexes.

    Cheap for any input, so the CLI can check a flag's syntax before it knows `limit`
    (`0-99999999999` must be an error later, not a hang now)."""
    if text is None or not text.strip():
        return []
    out: list[tuple[int, int]] = []
    for part in text.split(","):
        part = part.strip()
        lo_s, sep, hi_s = part.partition("-")
        if not digits(lo_s) or (sep and not digits(hi_s)):
            raise usage(f"invalid {flag} {text!r}: expected indexes like 0,2-4")
        lo = int(lo_s)
        hi = int(hi_s) if sep else lo
        if hi < lo:
            raise usage(f"invalid {flag} {text!r}: range {part} runs backwards")
        if limit is not None and hi >= limit:
            raise usage(f"invalid {flag} {text!r}: index {hi} is out of range 0-{limit - 1}")
        if hi > MAX_INDEX:
            raise usage(f"invalid {flag} {text!r}: index {hi} is out of range 0-{MAX_INDEX}")
        out.append((lo, hi))
    return out


def parse_ranges(text: str | None, limit: int | None = None, flag: str = "--index") -> list[int]:
    """Parse `0-2,5` into sorted unique indexes; `limit` (exclusive) bounds them."""
    out: set[int] = set()
    for lo, hi in parse_intervals(text, limit, flag):
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
