"""Text primitives: kubectl's tables, AGE (HumanDuration), colour, JSON/YAML, -o name."""
from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any, Iterable, Optional, Sequence, TextIO

from kubectl_ijob.domain.durations import human_duration
from kubectl_ijob.domain.model import parse_time

__all__ = ["human_duration"]  # re-exported: renderers import it from here

OUTPUTS = ("table", "wide", "json", "yaml", "name")


def age(timestamp: Optional[str], now: dt.datetime) -> str:
    """AGE of an API timestamp, `<unknown>` when absent (as kubectl)."""
    t = parse_time(timestamp)
    return "<unknown>" if t is None else human_duration(now - t)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], no_headers: bool = False) -> str:
    """Columns as kubectl's tabwriter lays them out: 3 spaces apart, no trailing spaces.

    Plain cells (printable ASCII, one line) are laid out here: a column is as wide as
    its widest cell, header included, exactly like kubectl's. Anything else (colour,
    wide characters, several lines) goes through tabulate, which measures those; the
    two agree on plain cells (tested), and the plain path is ~10x faster at 10,000 rows.
    """
    cells = [[c if isinstance(c, str) else str(c) for c in row] for row in rows]
    if not cells and no_headers:
        return ""
    heads = [] if no_headers else [h.upper() for h in headers]
    plain = _plain_table(heads, cells)
    return plain if plain is not None else _tabulated(heads, cells)


def _plain_table(heads: list[str], cells: list[list[str]]) -> Optional[str]:
    """The table of plain cells, or None when a cell is not plain (see table)."""
    lines = [heads, *cells] if heads else cells
    width = len(lines[0]) if lines else 0
    if any(len(line) != width for line in lines):
        return None
    widths = [0] * width
    for line in lines:
        for i, cell in enumerate(line):
            if not (cell.isascii() and cell.isprintable()) or cell != cell.strip():
                return None
            if len(cell) > widths[i]:
                widths[i] = len(cell)
    text = "\n".join("   ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()
                     for line in lines)
    return "\n".join(text.splitlines())  # as tabulate's: a last empty row leaves no line


def _tabulated(heads: list[str], cells: list[list[str]]) -> str:
    """tabulate with number parsing off (every cell is already text; parsing made a
    10,000-index table 2.5x slower) and no minimum header padding."""
    import tabulate

    tabulate.MIN_PADDING = 0
    row = tabulate.DataRow("", "   ", "")
    layout = tabulate.TableFormat(lineabove=None, linebelowheader=None, linebetweenrows=None,
                                  linebelow=None, headerrow=row, datarow=row, padding=0,
                                  with_header_hide=None)
    text = tabulate.tabulate(cells, heads or (), tablefmt=layout, disable_numparse=True,
                             stralign="left")
    return "\n".join(line.rstrip() for line in text.splitlines())


def to_yaml(data: Any) -> str:
    """YAML as kubectl prints it: block style, keys in the order given."""
    import yaml

    class Dumper(yaml.SafeDumper):
        """Multi-line strings (scripts) as literal blocks, as people write them."""

    def text(dumper: yaml.SafeDumper, value: str) -> Any:
        style = "|" if "\n" in value and not any(l != l.rstrip() for l in value.splitlines()) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True)


def to_json(data: Any) -> str:
    """JSON as kubectl prints it: 4-space indent."""
    return json.dumps(data, indent=4, ensure_ascii=False)


def as_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    """kubectl's `kind: List` wrapper for several objects."""
    return {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}


def dump(data: Any, output: str) -> str:
    """Serialize for -o json or -o yaml."""
    return to_json(data) if output == "json" else to_yaml(data).rstrip("\n")


def object_name(obj: dict[str, Any]) -> str:
    """`-o name`: `kind.group/name` as kubectl prints it."""
    group = obj.get("apiVersion", "").rpartition("/")[0]
    kind = obj.get("kind", "").lower()
    return f"{kind}.{group}/{obj['metadata']['name']}" if group else f"{kind}/{obj['metadata']['name']}"


def write(text: str, stream: Optional[TextIO] = None) -> None:
    """Print text with one trailing newline (nothing for empty text)."""
    if text:
        (stream or sys.stdout).write(text.rstrip("\n") + "\n")


_STATUS_COLOUR = {"Running": "green", "Succeeded": "green", "Complete": "green",
                  "Failed": "red", "Error": "red", "CrashLoopBackOff": "red",
                  "ImagePullBackOff": "red", "ErrImagePull": "red", "Terminating": "grey",
                  "Pending": "yellow", "Waiting": "yellow", "ContainerCreating": "yellow"}


def status_colour(text: str) -> Optional[str]:
    """The colour a status cell gets on a terminal."""
    return _STATUS_COLOUR.get(text) or ("red" if text.startswith("Init:Err") else None)
