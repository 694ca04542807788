"""The timeline drawn for people: a Gantt chart in the terminal and a standalone SVG.

Only this module knows characters, colours and pixels; the rows, bands and summary come
from domain/timeline.py (its -o json document from render/documents.py). Each phase has
its own character, so the chart reads without colour (app decides colour once).
"""
from __future__ import annotations

import datetime as dt
import textwrap
from typing import Optional, Sequence, Union
from xml.sax.saxutils import escape, quoteattr

from kubectl_ijob.domain.timeline import QUEUED, RETRYING, Band, Row, Summary, Timeline, aggregate
from kubectl_ijob.render.colour import paint

Drawable = Union[Row, Band]
MAX_ROWS = 50
# phase -> (character, terminal colour, SVG colour, legend text)
STYLE = {
    RETRYING: ("r", "red", "#e8a0a0", "earlier attempts"),
    "scheduling": (".", "grey", "#c8c8c8", "scheduling"),
    "pulling": ("~", "yellow", "#f0c040", "image pull"),
    "init": ("i", "magenta", "#b07cd8", "init (wait-for-peers)"),
    "starting": (":", "cyan", "#60c0d0", "starting"),
    "running": ("=", "blue", "#5080e0", "running"),
    "ready": ("#", "green", "#40a040", "ready"),
}
MARKS = {"ok": ("|", "green", "#206020", "succeeded"), "fail": ("X", "bold-red", "#d02020", "failed"),
         "open": (">", "bold", "#000000", "still running"), "range": ("-", "grey", "#808080", "min-max")}
WORDS = {QUEUED: "pod not created yet", RETRYING: "earlier attempts", "scheduling": "scheduling",
         "pulling": "image pull", "init": "init (wait-for-peers)", "starting": "container start",
         "running": "running", "ready": "ready"}
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
              43200, 86400)


def duration(seconds: float) -> str:
    """Exact to the second, as a timeline needs: 7s, 95s, 2m5s, 1h3m."""
    s = int(round(max(0.0, seconds)))
    if s < 120:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s}s" if s else f"{m}m"
    h, m = divmod(m, 60)
    return f"{h}h{m}m" if m else f"{h}h"


def iso(t: Optional[float]) -> Optional[str]:
    """Epoch seconds as the API writes timestamps (microseconds only when there are some)."""
    if t is None:
        return None
    d = dt.datetime.fromtimestamp(t, tz=dt.timezone.utc)
    return d.isoformat(timespec="microseconds" if d.microsecond else "seconds").replace("+00:00", "Z")


def _marker(item: Drawable) -> Optional[str]:
    if isinstance(item, Band):
        o = item.outcomes
        return "fail" if o.get("Failed") else "open" if o.get("Running") else "ok" if item.segments else None
    if not item.segments:
        return None
    return "open" if item.open else "fail" if item.outcome == "Failed" else "ok"


def _frame(items: Sequence[Drawable], tl: Timeline) -> tuple[float, float]:
    """The time axis: from the timeline's start to the last drawn end (at least 1 s)."""
    ends = [s.end for i in items for s in i.segments]
    ends += [i.last for i in items if isinstance(i, Band) and i.last is not None]
    return tl.start, max(max(ends, default=tl.start) - tl.start, 1.0)


def _took(item: Drawable) -> str:
    if not item.segments:
        return item.outcome.lower() if isinstance(item, Row) and item.outcome != "NoPod" else "-"
    return duration(item.segments[-1].end - item.segments[0].start)


def _cells(item: Drawable, t0: float, span: float, width: int) -> list[tuple[str, str]]:
    """`width` cells of (character, style key); the last cell is kept for the end marker."""
    def col(t: float) -> int:
        return min(width - 1, max(0, round((t - t0) / span * (width - 1))))

    cells = [(" ", "")] * width
    if isinstance(item, Band) and item.first is not None and item.last is not None:
        for c in range(col(item.first), col(item.last) + 1):
            cells[c] = MARKS["range"][0], "range"
    for s in item.segments:
        for c in range(col(s.start), col(s.end)):
            cells[c] = STYLE[s.phase][0], s.phase
    mark = _marker(item)
    if mark and item.segments:
        cells[min(width - 1, col(item.segments[-1].end))] = MARKS[mark][0], mark
    return cells


def _paint(cells: list[tuple[str, str]], colour: bool) -> str:
    if not colour:
        return "".join(ch for ch, _ in cells).rstrip()
    out, k = [], 0
    while k < len(cells):
        j = k
        while j < len(cells) and cells[j][1] == cells[k][1]:
            j += 1
        run = "".join(ch for ch, _ in cells[k:j])
        out.append(paint(run, (STYLE.get(cells[k][1]) or MARKS.get(cells[k][1]) or ("", None))[1], True))
        k = j
    return "".join(out).rstrip()


def _ticks(span: float, width: int) -> list[tuple[int, str]]:
    """Axis labels (column, text) at a round step that leaves room between them."""
    for step in TICK_STEPS + (int(span),):
        if step / span * (width - 1) >= len(f"+{duration(span)}") + 2:
            break
    out, t = [], 0
    while t <= span:
        out.append((round(t / span * (width - 1)), f"+{duration(t)}"))
        t += step
    return out


def _axis(span: float, width: int) -> str:
    line = [" "] * (width + 8)
    for c, text in _ticks(span, width):
        if c + len(text) <= width and all(ch == " " for ch in line[max(0, c - 1):c + len(text)]):
            line[c:c + len(text)] = text
    return "".join(line[:width]).rstrip()


def _used(items: Sequence[Drawable]) -> set[str]:
    """The STYLE and MARKS keys a chart shows, so its legend explains only those."""
    used = {s.phase for i in items for s in i.segments if s.seconds > 0}
    used |= {"range"} if any(isinstance(i, Band) for i in items) else set()
    return used | {m for m in map(_marker, items) if m}


def legend(width: int, colour: bool, keys: Optional[set[str]] = None) -> list[str]:
    """The characters' meanings (of `keys`, default all), wrapped to `width`."""
    items = [(ch, code, text) for k, (ch, code, _, text) in {**STYLE, **MARKS}.items()
             if keys is None or k in keys]
    words = [(f"{ch} {text}", f"{paint(ch, code, colour)} {text}") for ch, code, text in items]
    lines, cur, plain = [], [], 0
    for w, shown in words:
        if cur and plain + 2 + len(w) > width:
            lines.append("  ".join(cur))
            cur, plain = [], 0
        plain += len(w) + (2 if cur else 0)
        cur.append(shown)
    return lines + (["  ".join(cur)] if cur else [])


def _title(tl: Timeline) -> str:
    return f"job {tl.namespace}/{tl.job}: {tl.condition}, {tl.completions} indexes, t=0 at {iso(tl.start)}"


def _wrap(line: str, width: int) -> list[str]:
    return textwrap.wrap(line, width, subsequent_indent="  ", break_on_hyphens=False)


def summary_lines(summary: Summary, width: int) -> list[str]:
    """Critical path, start skew and the per-phase table, as text."""
    out: list[str] = []
    c = summary.critical
    if c and c.open and not c.lagging:
        out += _wrap(f"critical path: none yet, every running index is in {WORDS[c.current]} "
                     f"since +{duration(c.since)} or earlier", width)
    elif c:
        if c.open:
            text = (f"critical path: index {c.label} is furthest behind, in {WORDS[c.current]} "
                    f"since +{duration(c.since)}")
        else:
            text = f"critical path: index {c.label} finished last at +{duration(c.end)}"
            text += f", {duration(c.behind)} after the median index" if c.lagging else ""
        if c.seconds - c.median >= 1:
            took = "has taken" if c.open and c.phase == c.current else "took"
            text += f"; {WORDS[c.phase]} {took} {duration(c.seconds)} (median {duration(c.median)})"
        out += _wrap(text, width)
    s = summary.skew
    if s:
        out += _wrap(f"start skew: {duration(s.seconds)} (index {s.first_label} started running at "
                     f"+{duration(s.first)}, index {s.last_label} at +{duration(s.last)})", width)
    if summary.phases:
        rows = [("PHASE", "INDEXES", "MEDIAN", "SLOWEST")]
        rows += [(WORDS[p.phase], str(p.count), duration(p.median),
                  f"{duration(p.slowest)} (index {p.slowest_label})") for p in summary.phases]
        widths = [max(len(r[k]) for r in rows) for k in range(3)]
        out.append("")
        out += ["   ".join(r[k].ljust(widths[k]) if k < 3 else r[k] for k in range(4)) for r in rows]
    return out


def chart_items(rows: list[Row], max_rows: int = MAX_ROWS, whole: bool = True) -> list[Drawable]:
    """The rows as drawn: bands of consecutive rows when there are more than `max_rows`
    and the caller did not pick indexes (`whole`)."""
    return list(aggregate(rows, max_rows)) if whole and len(rows) > max_rows else list(rows)


def text(tl: Timeline, items: Sequence[Drawable], summary: Summary, width: int = 80,
         colour: bool = False, notes: Sequence[str] = ()) -> str:
    """The Gantt chart, its legend and the summary, every line at most `width` columns."""
    labels = [i.label for i in items]
    lw = max([len("INDEX")] + [len(x) for x in labels])
    took = [_took(i) for i in items]
    tw = max([len("TOOK")] + [len(x) for x in took])
    bw = max(10, width - lw - tw - 2)
    t0, span = _frame(items, tl)
    out = _wrap(_title(tl), width)
    axis = _axis(span, bw)
    out.append(f"{'INDEX':<{lw}} {axis:<{bw}} {'TOOK':>{tw}}")
    for item, label, t in zip(items, labels, took):
        cells = _cells(item, t0, span, bw)
        plain = _paint(cells, False)
        bar = _paint(cells, True) if colour else plain
        out.append(f"{label:<{lw}} {bar}{' ' * (bw - len(plain))} {t:>{tw}}")
    if any(isinstance(i, Band) for i in items):
        size = max(i.count for i in items if isinstance(i, Band))
        out += textwrap.wrap(f"(rows of up to {size} indexes: median phases, - from the earliest "
                             "start to the latest end; --index to zoom)", width)
    out.append("")
    out += legend(width, colour, _used(items))
    out += summary_lines(summary, width)
    out += [f"Note: {n}" for n in notes]
    return "\n".join(line.rstrip() for line in out) + "\n"


ROW_H, BAR_H, TOP, CHAR_W = 18, 12, 52, 7.3


def _svg_row(item: Drawable, y: float, x0: float, scale: float, t0: float, width: int) -> list[str]:
    def x(t: float) -> float:
        return round(x0 + (t - t0) * scale, 2)

    index = item.index if isinstance(item, Row) else item.label
    out = [f'<g class="row" data-label={quoteattr(item.label)} data-index={quoteattr(str(index))}>',
           f'<text x="8" y="{y + BAR_H - 2}">{escape(item.label)}</text>']
    if isinstance(item, Band) and item.first is not None and item.last is not None:
        out.append(f'<line class="range" x1="{x(item.first)}" x2="{x(item.last)}" y1="{y + BAR_H / 2}" '
                   f'y2="{y + BAR_H / 2}" stroke="{MARKS["range"][2]}"/>')
    for s in (s for s in item.segments if s.seconds > 0):
        tip = (f"{WORDS[s.phase]}: {duration(s.seconds)} "
               f"(+{duration(s.start - t0)} to +{duration(s.end - t0)})")
        out.append(f'<rect class="bar {s.phase}" x="{x(s.start)}" y="{y}" '
                   f'width="{max(0.5, round(s.seconds * scale, 2))}" height="{BAR_H}" '
                   f'fill="{STYLE[s.phase][2]}"><title>{escape(tip)}</title></rect>')
    mark = _marker(item)
    if mark and item.segments:
        out.append(f'<rect class="end {mark}" x="{x(item.segments[-1].end)}" y="{y - 1}" width="2" '
                   f'height="{BAR_H + 2}" fill="{MARKS[mark][2]}"><title>{MARKS[mark][3]}</title></rect>')
    out.append(f'<text class="took" x="{width - 8}" y="{y + BAR_H - 2}" text-anchor="end">'
               f'{escape(_took(item))}</text></g>')
    return out


def svg(tl: Timeline, items: Sequence[Drawable], summary: Summary, width: int = 960) -> str:
    """The same chart as a standalone SVG document: one <g class="row"> per drawn row."""
    lw = 16 + CHAR_W * max([len("INDEX")] + [len(i.label) for i in items])
    x0, bw = lw, max(100.0, width - lw - 80)
    t0, span = _frame(items, tl)
    scale = bw / span
    bottom = TOP + ROW_H * len(items)
    notes = summary_lines(summary, int((width - 16) / CHAR_W))
    used = _used(items)
    keys = [(v[2], v[3]) for k, v in {**STYLE, **MARKS}.items() if k in used]
    height = bottom + 40 + 18 * ((len(keys) + 3) // 4) + 15 * len(notes) + 10
    title = _title(tl)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">',
           f'<title>{escape(title)}</title>', f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="8" y="18" font-weight="bold">{escape(title)}</text>', '<g class="axis">',
           f'<text x="8" y="{TOP - 10}">INDEX</text>']
    for c, label in _ticks(span, int(bw / CHAR_W)):
        xt = round(x0 + c / max(1, int(bw / CHAR_W) - 1) * bw, 2)
        out.append(f'<line x1="{xt}" x2="{xt}" y1="{TOP - 6}" y2="{bottom}" stroke="#e4e4e4"/>'
                   f'<text x="{xt}" y="{TOP - 10}">{escape(label)}</text>')
    out.append(f'<text x="{width - 8}" y="{TOP - 10}" text-anchor="end">TOOK</text></g>')
    for k, item in enumerate(items):
        out += _svg_row(item, TOP + k * ROW_H + 2, x0, scale, t0, width)
    out.append('<g class="legend">')
    for k, (fill, name) in enumerate(keys):
        lx, ly = 8 + (k % 4) * 220, bottom + 20 + (k // 4) * 18
        out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{fill}"/>'
                   f'<text x="{lx + 18}" y="{ly}">{escape(name)}</text>')
    y = bottom + 20 + 18 * ((len(keys) + 3) // 4) + 10
    out.append('</g><g class="summary">')
    out += [f'<text x="8" y="{y + 15 * k}" xml:space="preserve">{escape(line)}</text>'
            for k, line in enumerate(notes)]
    out.append("</g></svg>")
    return "\n".join(out) + "\n"
