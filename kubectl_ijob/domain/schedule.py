"""A CronJob's schedule and time zone, accepted or refused exactly as the API server does.

The API server parses spec.schedule with robfig/cron v3's ParseStandard (five fields,
names of months and days, `*`/`?`, ranges, steps, the @yearly...@hourly macros and
`@every <Go duration>`), refuses `TZ`/`CRON_TZ` anywhere in it (spec.timeZone replaces
them) and loads spec.timeZone with Go's time.LoadLocation (pkg/apis/batch/validation:
validateScheduleFormat, validateTimeZone). The reasons below are robfig's and Go's own
words, so a refusal here reads like the API server's. Checking before sending means
`--dry-run=client` refuses what the server would refuse.
"""
from __future__ import annotations

import re
from typing import Optional, Union

# robfig/cron v3 spec.go bounds: (min, max, names)
_MONTHS = {n: i + 1 for i, n in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_FIELDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 6, _DAYS))
MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_EVERY = "@every "

# Go's unicode.IsSpace beyond ASCII (strings.Fields splits on these; Python's str.split()
# also splits on \x1c-\x1f, which Go does not).
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
                      + "".join(chr(c) for c in range(0x2000, 0x200B)))
# strings.ToLower maps exactly two non-ASCII letters to ASCII ones (İ -> i, Kelvin K -> k).
_GO_LOWER = {"\u0130": "i", "\u212a": "k"}
_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9,
          "m": 60 * 10**9, "h": 3600 * 10**9}
_TZ_PART = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")
TZ_IN_SCHEDULE = "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"


class _Bad(Exception):
    """A parse error carrying robfig's (or Go's) message."""


def schedule_error(schedule: str) -> Optional[str]:
    """Why the API server refuses `schedule` (its own wording), or None when it accepts it."""
    if not schedule:
        return "Required value"
    if "TZ" in schedule:
        return TZ_IN_SCHEDULE
    try:
        if schedule.startswith("@"):
            _descriptor(schedule)
        else:
            _five_fields(schedule)
    except _Bad as e:
        return str(e)
    return None


def _descriptor(spec: str) -> None:
    if spec in MACROS:
        return
    if spec.startswith(_EVERY):
        reason = go_duration_error(spec[len(_EVERY):])
        if reason:
            raise _Bad(f"failed to parse duration {spec}: {reason}")
        return
    raise _Bad(f"unrecognized descriptor: {spec}")


def go_fields(text: str) -> list[str]:
    """Go's strings.Fields: split on Go's white space, dropping empty parts."""
    out, cur = [], []
    for ch in text:
        if ch in _GO_SPACE:
            if cur:
                out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


def _five_fields(spec: str) -> None:
    fields = go_fields(spec)
    if len(fields) != 5:
        raise _Bad(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    for text, (low, high, names) in zip(fields, _FIELDS):
        for expr in (p for p in text.split(",") if p):  # FieldsFunc: empty parts vanish
            _range(expr, low, high, names)


def _range(expr: str, low: int, high: int, names: Optional[dict[str, int]]) -> None:
    """robfig's getRange: `*`, `?`, N, N-M, each with an optional /STEP."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    if low_and_high[0] in ("*", "?"):
        start, end = low, high  # robfig ignores anything after `*-`
    else:
        start = _int_or_name(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], names)
        else:
            raise _Bad(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _uint(range_and_step[1])
        if len(low_and_high) == 1:
            end = high  # "N/step" means "N-max/step"
    else:
        raise _Bad(f"too many slashes: {expr}")
    if start < low:
        raise _Bad(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise _Bad(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise _Bad(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise _Bad(f"step of range should be a positive number: {expr}")


def _int_or_name(expr: str, names: Optional[dict[str, int]]) -> int:
    if names is not None:
        lowered = "".join(_GO_LOWER.get(c, c.lower() if c.isascii() else c) for c in expr)
        if lowered in names:
            return names[lowered]
    return _uint(expr)


def _uint(expr: str) -> int:
    """robfig's mustParseInt: strconv.Atoi, then no negatives."""
    num, reason = go_atoi(expr)
    if reason:
        raise _Bad(f"failed to parse int from {expr}: strconv.Atoi: parsing "
                   f"{go_quote(expr)}: {reason}")
    if num < 0:
        raise _Bad(f"negative number ({num}) not allowed: {expr}")
    return num


def go_atoi(s: str) -> tuple[int, str]:
    """Go's strconv.Atoi on 64-bit: (value, '') or (0, 'invalid syntax'|'value out of range')."""
    raw = s.encode()
    body = raw[1:] if raw[:1] in (b"+", b"-") else raw
    if not body:
        return 0, "invalid syntax"
    n = 0
    for c in body:  # ParseUint stops at the first bad byte or the first overflow
        if not 48 <= c <= 57:
            return 0, "invalid syntax"
        n = n * 10 + c - 48
        if n > 2**64 - 1:
            return 0, "value out of range"
    neg = raw[:1] == b"-"
    if (not neg and n >= 2**63) or (neg and n > 2**63):
        return 0, "value out of range"
    return (-n if neg else n), ""


def go_duration_error(s: str) -> Optional[str]:
    """Go's time.ParseDuration error message for `s`, or None when Go accepts it."""
    bad = f"time: invalid duration {go_time_quote(s)}"
    b = s.encode()
    if b[:1] in (b"-", b"+"):
        b = b[1:]
    if b == b"0":
        return None
    if not b:
        return bad
    total = 0
    while b:
        part = _duration_part(b, s)
        if isinstance(part, str):
            return part
        value, b = part
        total = (total + value) % 2**64  # Go's uint64 addition wraps
        if total > 2**63:
            return bad
    if not s.startswith("-") and total > 2**63 - 1:
        return bad
    return None


def _duration_part(b: bytes, orig: str) -> Union[str, tuple[int, bytes]]:
    """One `<digits>[.<digits>]<unit>` of a Go duration: (nanoseconds, rest) or Go's error."""
    bad = f"time: invalid duration {go_time_quote(orig)}"
    if not (b[0] == 46 or 48 <= b[0] <= 57):
        return bad
    i, v = 0, 0
    while i < len(b) and 48 <= b[i] <= 57:
        if v > 2**63 // 10:
            return bad
        v = v * 10 + b[i] - 48
        if v > 2**63:
            return bad
        i += 1
    pre, b = i > 0, b[i:]
    frac, scale, post = 0, 1.0, False
    if b[:1] == b".":
        frac, scale, used = _leading_fraction(b[1:])
        post, b = used > 0, b[1 + used:]
    if not pre and not post:
        return bad
    j = 0
    while j < len(b) and not (b[j] == 46 or 48 <= b[j] <= 57):
        j += 1
    if j == 0:
        return f"time: missing unit in duration {go_time_quote(orig)}"
    unit_text, b = b[:j].decode(errors="replace"), b[j:]
    unit = _UNITS.get(unit_text)
    if unit is None:
        return f"time: unknown unit {go_time_quote(unit_text)} in duration {go_time_quote(orig)}"
    if v > 2**63 // unit:
        return bad
    v *= unit
    if frac > 0:
        v += int(float(frac) * (float(unit) / scale))
        if v > 2**63:
            return bad
    return v, b


def _leading_fraction(b: bytes) -> tuple[int, float, int]:
    x, scale, overflow, i = 0, 1.0, False, 0
    while i < len(b) and 48 <= b[i] <= 57:
        if not overflow:
            if x > (2**63 - 1) // 10:
                overflow = True
            else:
                y = x * 10 + b[i] - 48
                if y > 2**63:
                    overflow = True
                else:
                    x, scale = y, scale * 10
        i += 1
    return x, scale, i


def go_time_quote(s: str) -> str:
    """The time package's quote(): non-ASCII and control bytes as \\xHH."""
    out = ['"']
    for ch in s:
        if ord(ch) >= 0x80 or ch < " ":
            out.extend(f"\\x{byte:02x}" for byte in ch.encode())
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    return "".join(out) + '"'


def go_quote(s: str) -> str:
    """strconv.Quote: printable characters kept, the rest escaped as Go does."""
    named = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
             "\v": "\\v", '"': '\\"', "\\": "\\\\"}
    out = []
    for ch in s:
        code = ord(ch)
        if ch in named:
            out.append(named[ch])
        elif ch == " " or (ch.isprintable() and code != 0x7F):
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def time_zone_error(zone: str) -> Optional[str]:
    """Why spec.timeZone is refused (the API's wording), or None for a loadable IANA name."""
    if not zone:
        return "timeZone must be nil or non-empty string"
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TZ_PART.fullmatch(part):
            return f"unknown time zone {zone}"
    if zone.lower() == "local":
        return "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
    if zone == "UTC":
        return None  # Go's LoadLocation knows UTC without a file
    if ".." in zone:
        return "time: invalid location name"
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(zone)
    except IsADirectoryError:
        return "is a directory"  # Go's words for the same failures
    except zoneinfo.ZoneInfoNotFoundError:
        return f"unknown time zone {zone}"
    except (ValueError, OSError):
        return "malformed time zone information"
    return None
