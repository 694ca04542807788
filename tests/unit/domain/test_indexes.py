"""Index-range parsing and formatting, including the Job controller's own format."""
import pytest
from hypothesis import given, strategies as st

from kubectl_ijob.domain.indexes import format_ranges, parse_api_ranges, parse_ranges
from kubectl_ijob.errors import UsageError
from kubectl_ijob.render.errors import error_line


@pytest.mark.parametrize("text,want", [
    ("0", [0]), ("0-2", [0, 1, 2]), ("1,3-5,7", [1, 3, 4, 5, 7]), ("3,4", [3, 4]),
    (" 2 , 0 ", [0, 2]), ("1-1", [1]), ("", []), (None, []), ("0-2,1-3", [0, 1, 2, 3]),
])
def test_parse(text, want):
    assert parse_ranges(text) == want


@pytest.mark.parametrize("text,msg", [
    ("a", "expected indexes"), ("-1", "expected indexes"), ("3-1", "runs backwards"),
    ("1,,2", "expected indexes"), ("1-", "expected indexes"), ("5", "out of range 0-2"),
])
def test_parse_rejects(text, msg):
    with pytest.raises(UsageError) as e:
        parse_ranges(text, limit=3)
    assert msg in e.value.message
    assert error_line(e.value).startswith("error: invalid --index")


@pytest.mark.parametrize("indexes,want", [
    ([], ""), ([0], "0"), ([0, 1], "0,1"), ([0, 1, 2], "0-2"), ([5, 1, 3, 4, 7], "1,3-5,7"),
    ([0, 1, 2, 4, 5, 9], "0-2,4,5,9"),
])
def test_format_matches_job_controller(indexes, want):
    assert format_ranges(indexes) == want


def test_api_garbage_is_empty():
    assert parse_api_ranges("x-y") == []


@given(st.sets(st.integers(min_value=0, max_value=5000), max_size=300))
def test_round_trip(indexes):
    assert parse_ranges(format_ranges(indexes)) == sorted(indexes)


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 50)), max_size=40))
def test_parse_format_is_canonical(runs):
    text = ",".join(f"{a}-{a + n}" for a, n in runs)
    once = format_ranges(parse_ranges(text))
    assert format_ranges(parse_ranges(once)) == once
