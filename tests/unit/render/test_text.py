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


def tabulated(heads, cells):
    """The oracle: tabulate laid out as kubectl's tabwriter (the table before issue 12)."""
    import tabulate

    tabulate.MIN_PADDING = 0
    row = tabulate.DataRow("", "   ", "")
    layout = tabulate.TableFormat(lineabove=None, linebelowheader=None, linebetweenrows=None,
                                  linebelow=None, headerrow=row, datarow=row, padding=0,
                                  with_header_hide=None)
    text = tabulate.tabulate(cells, heads, tablefmt=layout, disable_numparse=True,
                             stralign="left")
    return "\n".join(line.rstrip() for line in text.splitlines())


def test_table_lays_out_as_tabulate_did():
    """The plain layout (ASCII, one line a cell) gives tabulate's text for any table:
    empty cells and rows, numbers as text, no headers, one column, no rows."""
    import random
    import string

    rnd = random.Random(12)
    alphabet = string.ascii_letters + string.digits + "-./:()<>,= "
    for _ in range(2000):
        ncol, nrow = rnd.randint(1, 6), rnd.randint(0, 6)
        heads = ["".join(rnd.choices(string.ascii_letters, k=rnd.randint(1, 8)))
                 for _ in range(ncol)]
        rows = [["".join(rnd.choices(alphabet, k=rnd.choice([0, 0, 1, 3, 12]))).strip()
                 for _ in range(ncol)] for _ in range(nrow)]
        for bare in (False, True):
            want = "" if bare and not rows else \
                tabulated(() if bare else [h.upper() for h in heads], rows)
            assert table(heads, rows, no_headers=bare) == want, (heads, rows, bare)


def test_cells_that_are_not_plain_go_through_tabulate():
    wide = table(["name", "x"], [["日本", "a"], [" pad ", "b"], ["two\nlines", "c"]])
    assert wide == tabulated(["NAME", "X"], [["日本", "a"], [" pad ", "b"], ["two\nlines", "c"]])
    assert wide.splitlines()[:3] == ["NAME   X", "日本   a", "pad    b"]  # 日本 is 4 columns wide
