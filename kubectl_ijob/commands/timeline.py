"""`timeline`: when each index was created, scheduled, pulled its image, initialised
(wait-for-peers), started, became ready and finished - as a Gantt chart, an SVG file or
every timestamp (-o json|yaml). Reads the Job, its pods and the namespace's events."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import click

from kubectl_ijob import options as opt

if TYPE_CHECKING:  # the rest loads when a command runs, not for --help
    from kubectl_ijob.client.protocol import KubeClient

MIN_WIDTH, MAX_WIDTH = 40, 1000


@dataclass
class TimelineOptions:
    """timeline NAME's flags, checked."""

    name: str
    attempts: bool
    index_text: Optional[str]
    output: str  # table, json, yaml
    svg: Optional[str]  # a file, or `-` for stdout instead of the chart
    width: int
    colour: bool


def save(path: str, text: str) -> None:
    """Write the SVG (`-`: to stdout)."""
    from kubectl_ijob.errors import usage
    from kubectl_ijob.render.text import write

    if path == "-":
        write(text)
        return
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise usage(f"cannot write --svg {path}: {(e.strerror or str(e)).lower()}") from e


def check_svg(path: Optional[str], output: str) -> None:
    """Refuse an --svg that cannot be written before anything is read from the cluster."""
    import os

    from kubectl_ijob.errors import usage

    if path is None:
        return
    if path == "-":
        if output != "table":
            raise usage(f"--svg - cannot be used with -o {output}: both write to stdout")
    elif not path or os.path.isdir(path):
        raise usage(f"invalid --svg {path!r}: expected a file name (or - for stdout)")
    elif not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise usage(f"cannot write --svg {path}: no such directory")


def run_timeline(o: TimelineOptions, client: KubeClient) -> None:
    """Read the job once, then draw or dump it."""
    import time

    from kubectl_ijob.commands.snapshot import get_indexed_job, side_query
    from kubectl_ijob.domain import timeline as tline
    from kubectl_ijob.domain.indexes import parse_ranges
    from kubectl_ijob.domain.model import IndexedJob, job_selector
    from kubectl_ijob.render import documents
    from kubectl_ijob.render import timeline as view
    from kubectl_ijob.render.text import dump, write

    job = get_indexed_job(client, o.name)
    model = IndexedJob(job, client.list_pods(job_selector(job)))
    events = side_query(model, client.list_events,
                        "events, image pulls are taken from container starts") or []
    wanted = parse_ranges(o.index_text, model.completions) if o.index_text else None
    tl = tline.build(job, model.pods, events, time.time())
    index_rows = tline.rows(tl, wanted)
    summary = tline.summarize(index_rows, tl.start)
    rows = tline.rows(tl, wanted, attempts=True) if o.attempts else index_rows
    items = view.chart_items(rows, whole=wanted is None)
    if o.svg:
        save(o.svg, view.svg(tl, items, summary))
    if o.output in ("json", "yaml"):
        write(dump(documents.timeline_document(tl, index_rows, summary, model.notes), o.output))
    elif o.svg != "-":
        write(view.text(tl, items, summary, o.width, o.colour, model.notes))


def default_width() -> int:
    """The terminal's width (COLUMNS first), 80 when there is no terminal."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.option("--attempts", is_flag=True, help="One row per attempt (pod) instead of per index.")
@opt.index("Only these indexes (never grouped into bands).")
@opt.output("json or yaml: every timestamp of every attempt.")
@click.option("--svg", "svg_file", metavar="FILE",
              help="Also write the chart as a standalone SVG file (`-`: only the SVG, to stdout).")
@click.option("--width", type=int, help="Columns of the chart (default: the terminal's, else 80).")
@click.pass_context
def timeline(ctx: click.Context, name: str, attempts: bool, index_text: Optional[str],
             output: Optional[str], svg_file: Optional[str], width: Optional[int]) -> None:
    """Show each index's phases over time: created, scheduled, image pulled, init done
    (wait-for-peers), running, ready, finished - and which index held the job up.

    Below the chart: the critical path (the index that finished last, or is furthest
    behind, and the phase that made it late), the start skew across indexes and the
    median and slowest time per phase. Over 50 indexes, consecutive indexes are drawn
    as bands (median phases, earliest start to latest end) unless --index picks them.

    \b
    Examples:
      kubectl ijob timeline example-job
      kubectl ijob timeline example-job --attempts --index 3,7-9
      kubectl ijob timeline example-job --svg timeline.svg
      kubectl ijob timeline example-job -o json
    """
    from kubectl_ijob.domain.indexes import parse_intervals
    from kubectl_ijob.errors import usage

    fmt = opt.check_output(output, ("json", "yaml"))
    parse_intervals(index_text)  # syntax first: nothing is sent for a bad --index
    if width is not None and not MIN_WIDTH <= width <= MAX_WIDTH:
        raise usage(f"invalid --width {width}: must be between {MIN_WIDTH} and {MAX_WIDTH}")
    check_svg(svg_file, fmt)
    run_ = opt.run_of(ctx)
    o = TimelineOptions(name, attempts, index_text, fmt, svg_file,
                        width or min(MAX_WIDTH, max(MIN_WIDTH, default_width())), run_.colour)
    run_timeline(o, run_.connect())
