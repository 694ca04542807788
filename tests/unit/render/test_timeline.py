"""The timeline drawn: the 80-column chart (golden), colour, the SVG (parsed with
xml.etree), the -o json document and bands at 10,000 indexes."""
from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET

import pytest

from kubectl_ijob.domain import timeline as tline
from kubectl_ijob.render.documents import timeline_document
from kubectl_ijob.render.timeline import chart_items, duration, svg, text

from ..timeline_objects import NOW, T0, big, big_objects, job, pod, three

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("seconds,want", [(0, "0s"), (7.4, "7s"), (95, "95s"), (125, "2m5s"),
                                          (3600, "1h"), (3780, "1h3m")])
def test_duration(seconds, want):
    assert duration(seconds) == want


GOLDEN = """\
job ns/tl: Complete, 3 indexes, t=0 at 2026-11-29T14:00:00Z
INDEX +0s       +10s     +20s      +30s      +40s      +50s     +60s        TOOK
0     .~iiiiiiiiiiiiiiiiiiiiiiiiiii:============================|            60s
1     .~~~iiiiiiiiiiiiiiiiiiiiiiiii::=============================|          62s
2     .~~~~~~~~~~~~~~~~~~~~~~~~~~~ii:::::::::=============================|  70s

. scheduling  ~ image pull  i init (wait-for-peers)  : starting  = running
| succeeded
critical path: index 2 finished last at +70s, 8s after the median index; image
  pull took 28s (median 3s)
start skew: 9s (index 0 started running at +31s, index 2 at +40s)

PHASE                   INDEXES   MEDIAN   SLOWEST
scheduling              3         1s       1s (index 0)
image pull              3         3s       28s (index 2)
init (wait-for-peers)   3         26s      28s (index 0)
container start         3         2s       9s (index 2)
running                 3         30s      30s (index 1)
"""


def test_golden_text_at_80_columns():
    tl, rows = three()
    out = text(tl, chart_items(rows), tline.summarize(rows, tl.start), width=80)
    assert out == GOLDEN
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "\x1b[" not in out


def test_colour_only_when_asked_and_same_text_underneath():
    tl, rows = three()
    s = tline.summarize(rows, tl.start)
    coloured = text(tl, chart_items(rows), s, width=80, colour=True)
    assert "\x1b[35m" in coloured  # init
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == text(tl, chart_items(rows), s, width=80)


def test_svg_is_well_formed_one_row_per_index_bars_in_time_order():
    tl, rows = three()
    root = ET.fromstring(svg(tl, chart_items(rows), tline.summarize(rows, tl.start)).encode())
    assert root.tag == f"{SVG}svg"
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "row"]
    assert [g.get("data-index") for g in groups] == ["0", "1", "2"]
    for g in groups:
        bars = [r for r in g.iter(f"{SVG}rect") if r.get("class", "").startswith("bar ")]
        xs = [float(r.get("x")) for r in bars]
        assert len(bars) >= 4 and xs == sorted(xs)
        for a, b in zip(bars, bars[1:]):  # each bar ends where the next begins
            assert float(a.get("x")) + float(a.get("width")) == pytest.approx(float(b.get("x")), abs=0.6)
    names = [r.get("class").split()[1] for r in groups[2].iter(f"{SVG}rect")
             if r.get("class", "").startswith("bar ")]
    assert names == ["scheduling", "pulling", "init", "starting", "running"]
    legend = "".join(t.text or "" for g in root.iter(f"{SVG}g") if g.get("class") == "legend"
                     for t in g.iter(f"{SVG}text"))
    assert "image pull" in legend
    summary = [t.text for g in root.iter(f"{SVG}g") if g.get("class") == "summary" for t in g]
    assert any(s and s.startswith("critical path: index 2") for s in summary)


def test_json_has_every_timestamp_in_order():
    tl, rows = three()
    doc = json.loads(json.dumps(timeline_document(tl, rows, tline.summarize(rows, tl.start))))
    assert [i["index"] for i in doc["indexes"]] == [0, 1, 2]
    a = doc["indexes"][2]["attempts"][0]
    assert (a["created"], a["pulled"], a["running"], a["finished"]) == (
        "2026-11-29T14:00:00Z", "2026-11-29T14:00:29Z", "2026-11-29T14:00:40Z", "2026-11-29T14:01:10Z")
    assert a["ready"] is None and a["pod"] == "tl-2-abcde" and a["phase"] == "Succeeded"
    for i in doc["indexes"]:
        stamps = [i["attempts"][0][b] for b in doc["boundaries"] if i["attempts"][0][b]]
        assert stamps == sorted(stamps)
    assert doc["summary"]["criticalPath"]["index"] == "2"
    assert doc["indexes"][2]["phases"]["pulling"] == 28


def test_10000_indexes_aggregate_fast_and_bounded():
    objects = big_objects(10_000)
    t = time.process_time()  # CPU time: the machine's load does not count
    tl = tline.build(*objects, NOW)
    rows = tline.rows(tl)
    items = chart_items(rows)
    out = text(tl, items, tline.summarize(rows, tl.start), width=80)
    elapsed = time.process_time() - t
    assert len(items) == 50 and all(isinstance(b, tline.Band) for b in items)
    assert items[0].label == "0-199" and items[-1].label == "9800-9999" and items[0].count == 200
    assert sum(b.count for b in items) == 10_000
    assert len(out.splitlines()) < 80 and max(len(line) for line in out.splitlines()) <= 80
    assert "X" in out.splitlines()[51]  # the failed index's band
    assert elapsed < 3.0, elapsed
    root = ET.fromstring(svg(tl, items, tline.summarize(rows, tl.start)).encode())
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "row"]) == 50


def test_index_selection_is_never_aggregated():
    tl, rows = big(120)
    assert len(chart_items(rows, whole=False)) == 120
    assert len(chart_items(rows)) == 40  # 120 rows in bands of 3


def test_attempt_rows_end_with_their_outcome_marker():
    pods = [pod(0, created=0, scheduled=1, initialized=1, started=2, finished=10, exit_code=1,
                name="tl-0-aaaaa"),
            pod(0, created=12, scheduled=12, initialized=12, started=14, name="tl-0-bbbbb")]
    tl = tline.build(job(1), pods, [], T0.timestamp() + 30)
    rows = tline.rows(tl, attempts=True)
    out = text(tl, chart_items(rows), tline.summarize(tline.rows(tl), tl.start), width=60)
    bars = {line.split()[0]: line for line in out.splitlines()[2:4]}
    assert bars["0#1"].split()[1].endswith("X") and bars["0#2"].split()[1].endswith(">")
    assert "X failed" in out and "> still running" in out and "| succeeded" not in out
    assert max(len(line) for line in out.splitlines()) <= 60
    (index_row,) = chart_items(tline.rows(tl))
    assert [s.phase for s in index_row.segments if s.seconds][:2] == [tline.RETRYING, "pulling"]


def test_no_critical_path_while_every_index_is_at_the_same_stage():
    pods = [pod(i, created=0, scheduled=1, initialized=2, started=10) for i in range(3)]
    tl = tline.build(job(3), pods, [], NOW)
    rows = tline.rows(tl)
    out = text(tl, chart_items(rows), tline.summarize(rows, tl.start), width=80)
    assert "critical path: none yet, every running index is in running since +10s" in out
