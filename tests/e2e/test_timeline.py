"""timeline on the real cluster: a job with a wait-for-peers init container whose
indexes run for different times, drawn while it runs and after it finished."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.e2e.test_plugin import create, running

pytestmark = pytest.mark.e2e
SVG = "{http://www.w3.org/2000/svg}"


def chart_rows(text: str) -> list[str]:
    """The chart's rows: the lines between the axis line and the first blank line."""
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("INDEX")) + 1
    return lines[start:lines.index("", start)]


def test_timeline_of_a_running_then_finished_job(ijob, kubectl, busybox_image, tmp_path):
    create(ijob, busybox_image, "tl", "--completions", "3", "--wait-for-peers",
           command=["sh", "-c", "sleep $((30 + JOB_COMPLETION_INDEX * 10))"])
    running(kubectl, "tl", 3)
    live = ijob("timeline", "tl", "--width", "80")
    assert live.returncode == 0, live.stderr
    rows = chart_rows(live.stdout)
    assert [r.split()[0] for r in rows] == ["0", "1", "2"]
    assert all(r.split()[1].endswith(">") for r in rows), live.stdout  # still running
    assert "> still running" in live.stdout and "critical path: " in live.stdout
    assert max(len(line) for line in live.stdout.splitlines()) <= 80
    assert "\x1b[" not in live.stdout  # no colour without a terminal

    assert ijob("wait", "tl", "--for=complete", "--timeout=180s").returncode == 0
    done = ijob("timeline", "tl", "--width", "80")
    assert [r.split()[1][-1] for r in chart_rows(done.stdout)] == ["|", "|", "|"], done.stdout
    assert "critical path: index 2 finished last" in done.stdout

    doc = json.loads(ijob("timeline", "tl", "-o", "json").stdout)
    assert doc["kind"] == "IndexedJobTimeline" and doc["status"] == "Complete"
    assert [i["index"] for i in doc["indexes"]] == [0, 1, 2]
    for i in doc["indexes"]:
        (a,) = i["attempts"]
        stamps = [a[b] for b in doc["boundaries"] if b != "ready"]  # Ready is lost when a pod ends
        assert None not in stamps, a
        assert stamps == sorted(stamps), a
        assert a["phase"] == "Succeeded" and a["pod"].startswith(f"tl-{i['index']}-")
    running_s = [i["phases"]["running"] for i in doc["indexes"]]
    assert running_s[0] + 6 <= running_s[2], running_s  # 30 s against 50 s of sleep

    path = tmp_path / "tl.svg"
    assert ijob("timeline", "tl", "--svg", str(path)).returncode == 0
    root = ET.parse(path).getroot()
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "row"]
    assert [g.get("data-index") for g in groups] == ["0", "1", "2"]
    for g in groups:
        xs = [float(r.get("x")) for r in g.iter(f"{SVG}rect") if r.get("class", "").startswith("bar ")]
        assert xs and xs == sorted(xs)

    attempts = ijob("timeline", "tl", "--attempts", "--index", "1-2")
    assert [r.split()[0] for r in chart_rows(attempts.stdout)] == ["1#1", "2#1"]
