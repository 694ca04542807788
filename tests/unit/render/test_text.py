"""kubectl's HumanDuration and table layout."""
import datetime as dt

import pytest

from kubectl_ijob.render.colour import paint
from kubectl_ijob.render.text import as_list, human_duration, object_name, table


@pytest.mark.parametrize("seconds,want", [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (90, "90s"), (119, "119s"), (120, "2m"),
    (303, "5m3s"), (599, "9m59s"), (600, "10m"), (45 * 60, "45m"), (179 * 60, "179m"),
    (3 * 3600, "3h"), (3 * 3600 + 15 * 60, "3h15m"), (8 * 3600, "8h"), (30 * 3600, "30h"),
    (48 * 3600, "2d"), (3 * 86400 + 5 * 3600, "3d5h"), (8 * 86400, "8d"), (25 * 86400, "25d"),
    (730 * 86400, "2y"), (760 * 86400, "2y30d"), (9 * 365 * 86400, "9y"),
])
def test_human_duration(seconds, want):
    assert human_duration(dt.timedelta(seconds=seconds)) == want


def test_table_kubectl_layout():
    text = table(["name", "status"], [["a", "Running"], ["longer-name", "x"]])
    assert text.splitlines() == ["NAME          STATUS", "a             Running",
                                 "longer-name   x"]
    assert all(line == line.rstrip() for line in text.splitlines())


def test_table_no_headers_and_colour_width():
    text = table(["a", "b"], [[paint("ok", "green", True), "x"], ["long", "y"]], no_headers=True)
    lines = text.splitlines()
    assert lines[0] == "\x1b[32mok\x1b[0m     x"
    assert lines[1] == "long   y"


def test_paint_disabled():
    assert paint("ok", "green", False) == "ok"


def test_names_and_list():
    assert object_name({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}}) == "job.batch/j"
    assert object_name({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}) == "service/s"
    assert as_list([])["kind"] == "List"
