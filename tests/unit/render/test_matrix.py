"""`ping`'s matrix as text: the digest that replaces a table too wide to print, cells that
name the failing ports (render/matrix.py), and the ports in -o json (render/documents.py)."""
import pytest

from kubectl_ijob.domain import peer_digest, peers
from kubectl_ijob.render.documents import matrix_document
from kubectl_ijob.render.matrix import (digest_text, failure_label, matrix_text, matrix_width,
                                        wants_digest)

from ..domain.test_peer_digest import matrix_of, pair


@pytest.mark.parametrize("columns,width,terminal,tty,want", [
    (4, 60, 80, True, False),  # fits
    (8, 100, 80, True, True),  # a terminal too narrow
    (8, 100, 80, False, False),  # a small matrix in a pipe or log stays a table
    (17, 200, 80, False, True),  # a large one does not
    (40, 400, 500, False, False),  # COLUMNS=500 fits it
])
def test_when_the_digest_replaces_the_table(columns, width, terminal, tty, want):
    assert wants_digest(columns, width, terminal, tty) is want


def test_width_is_measured_without_laying_out_a_huge_table():
    small = matrix_of(3)
    assert matrix_width(small, 1000) == max(len(line) for line in matrix_text(small, colour=False).splitlines()[:4])
    huge = matrix_of(300, lambda s, t: "exec-failed")
    assert 80 < matrix_width(huge, 80) < 120  # stopped at the first column past 80


def test_digest_text_of_hundreds_of_failing_sources_is_short():
    m = matrix_of(300, lambda s, t: "exec-failed" if s >= 2 else ("timeout" if (s, t) == (1, 9) else None))
    text = digest_text(m, peer_digest.digest(m.pairs, m.sources, m.targets), on=False)
    lines = text.splitlines()
    assert lines[0] == "300 sources x 300 targets = 90000 pairs (icmp): 89400 EXEC-FAILED, 599 ok, 1 TIMEOUT"
    assert "Sources failing to every target (a problem of the source pod): 2-299 (EXEC-FAILED)" in lines
    assert "Failing pairs (between the two pods): 1->9 TIMEOUT" in lines
    assert lines[-1] == "599/90000 pairs ok (icmp)" and len(text) < 2000


def test_cells_name_the_failing_ports_when_several_were_probed():
    mixed = pair(0, 1, "refused", ports=[(80, "ok"), (81, "refused"), (82, "timeout"), (83, "refused")])
    assert failure_label(mixed, name_ports=True) == "REFUSED:81,83 TIMEOUT:82"
    assert failure_label(mixed) == "REFUSED"
    m = peers.Matrix("tcp:80,81", [0], [0, 1], [pair(0, 0, "ok", 0.2, [(80, "ok", 0.2), (81, "ok", 0.1)]),
                                              pair(0, 1, "refused", ports=[(80, "ok"), (81, "refused")])], {})
    assert matrix_text(m, colour=False).splitlines()[1].split() == ["0", "ok", "0.20ms", "REFUSED:81"]
    doc = matrix_document(m)["pairs"][1]
    assert doc["ports"] == [{"port": 80, "ok": True, "code": "ok", "latencyMs": None},
                            {"port": 81, "ok": False, "code": "refused", "latencyMs": None}]
