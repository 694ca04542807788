"""The timeline from API-shaped Jobs, pods and events: phase boundaries, attempts,
critical path, start skew, per-phase medians and bands."""
from __future__ import annotations

from typing import Optional

import pytest

from kubectl_ijob.domain import timeline as tline

from ..timeline_objects import NOW, T0, big, job, pod, pulled, three


def rel(times: dict[str, Optional[float]]) -> dict[str, Optional[float]]:
    base = T0.timestamp()
    return {k: (None if v is None else v - base) for k, v in times.items()}


@pytest.mark.parametrize("kw,events,want", [
    # a pod with wait-for-peers: every boundary from its own source
    (dict(created=0, scheduled=1, init_started=3, initialized=9, started=10, ready=11),
     [pulled("tl-0-abcde", 2)],
     dict(created=0, scheduled=1, pulled=2, initialized=9, running=10, ready=11, finished=None)),
    # no init containers: Initialized is written at once, moved up to the image pull
    (dict(created=0, scheduled=1, initialized=1, started=6, finished=20), [pulled("tl-0-abcde", 5)],
     dict(created=0, scheduled=1, pulled=5, initialized=5, running=6, ready=None, finished=20)),
    # no events (expired, or Forbidden): the first container start stands for the pull
    (dict(created=0, scheduled=2, init_started=4, initialized=8, started=9), [],
     dict(created=0, scheduled=2, pulled=4, initialized=8, running=9, ready=None, finished=None)),
    # still unscheduled
    (dict(created=3), [],
     dict(created=3, scheduled=None, pulled=None, initialized=None, running=None, ready=None,
          finished=None)),
    # a Pulled event of another pod is not this pod's
    (dict(created=0, scheduled=1, initialized=1, started=4), [pulled("tl-9-zzzzz", 2)],
     dict(created=0, scheduled=1, pulled=4, initialized=4, running=4, ready=None, finished=None)),
])
def test_phase_boundaries(kw, events, want):
    tl = tline.build(job(1), [pod(0, **kw)], events, NOW)
    assert rel(tl.attempts[0][0].times) == want


def test_segments_follow_known_boundaries_and_open_ones_run_to_now():
    tl = tline.build(job(1), [pod(0, created=0, scheduled=1, init_started=3, initialized=9, started=10)],
                     [pulled("tl-0-abcde", 2)], NOW)
    (row,) = tline.rows(tl)
    assert [(s.phase, s.start - T0.timestamp(), s.end - T0.timestamp()) for s in row.segments] == [
        ("scheduling", 0, 1), ("pulling", 1, 2), ("init", 2, 9), ("starting", 9, 10), ("running", 10, 100)]
    assert row.open and row.outcome == "Running"


def test_attempts_are_ordered_and_earlier_ones_count_as_retrying():
    pods = [pod(1, created=30, scheduled=31, initialized=31, started=33, finished=40, name="tl-1-bbbbb"),
            pod(1, created=0, scheduled=1, initialized=1, started=3, finished=20, exit_code=1,
                name="tl-1-aaaaa"),
            pod(0, created=0, scheduled=1, initialized=1, started=2, finished=10),
            pod(2, created=0, uid="other-job-uid")]  # an orphan of an older Job: not ours
    tl = tline.build(job(2), pods, [], NOW)
    assert [(a.attempt, a.pod, a.outcome) for a in tl.attempts[1]] == [
        (1, "tl-1-aaaaa", "Failed"), (2, "tl-1-bbbbb", "Succeeded")]
    assert 2 not in tl.attempts
    index_rows = tline.rows(tl)
    assert [r.label for r in index_rows] == ["0", "1"]
    assert index_rows[1].segments[0].phase == tline.RETRYING and index_rows[1].segments[0].seconds == 30
    assert [r.label for r in tline.rows(tl, attempts=True)] == ["0#1", "1#1", "1#2"]
    assert [r.label for r in tline.rows(tl, indexes=[1], attempts=True)] == ["1#1", "1#2"]


def test_indexes_without_pods_keep_their_row_and_recorded_outcome():
    tl = tline.build(job(3, completedIndexes="0"), [pod(1, created=0)], [], NOW)
    assert [(r.label, r.outcome, bool(r.segments)) for r in tline.rows(tl)] == [
        ("0", "Succeeded", False), ("1", "Pending", True), ("2", "NoPod", False)]


def test_critical_path_names_the_phase_furthest_above_its_median():
    tl, rows = three()
    c = tline.summarize(rows, tl.start).critical
    assert (c.label, c.end, c.open, c.behind) == ("2", 70, False, 8)
    assert (c.phase, c.seconds, c.median) == ("pulling", 28, 3)


def test_critical_path_of_a_running_job_is_the_open_row():
    tl = tline.build(job(2), [pod(0, created=0, scheduled=1, initialized=1, started=2, finished=5),
                              pod(1, created=0)], [], NOW)
    c = tline.summarize(tline.rows(tl), tl.start).critical
    assert (c.label, c.open, c.phase, c.seconds) == ("1", True, "scheduling", 100)


def test_skew_and_phase_medians():
    tl, rows = three()
    s = tline.summarize(rows, tl.start)
    assert (s.skew.seconds, s.skew.first_label, s.skew.last_label) == (9, "0", "2")
    stats = {p.phase: (p.count, p.median, p.slowest, p.slowest_label) for p in s.phases}
    assert stats["init"] == (3, 26, 28, "0")
    assert stats["pulling"] == (3, 3, 28, "2")
    assert stats["running"] == (3, 30, 30, "1")
    assert tline.RETRYING not in stats and s.outcomes == {"Succeeded": 3}


def test_no_pods_no_summary():
    tl = tline.build(job(2), [], [], NOW)
    s = tline.summarize(tline.rows(tl), tl.start)
    assert (s.critical, s.skew, s.phases, s.outcomes) == (None, None, [], {"NoPod": 2})


def test_bands_draw_median_phases_between_earliest_start_and_latest_end():
    tl, rows = big(300)
    (band,) = tline.aggregate(rows, 1)
    assert band.count == 300 and band.first == tl.start
    assert band.last == max(r.end for r in rows)
    assert [s.phase for s in band.segments] == ["scheduling", "pulling", "starting", "running"]
    starts = [s.start for s in band.segments]
    assert starts == sorted(starts)


@pytest.mark.parametrize("second_started,lagging,label", [
    (10, False, "0"),  # both running since +10s: nobody is behind yet
    (15, True, "1"),   # index 1 started 5 s later
    (None, True, "1"),  # index 1 still in its init containers
])
def test_an_open_row_lags_only_when_another_is_further_along(second_started, lagging, label):
    pods = [pod(0, created=0, scheduled=1, initialized=2, started=10),
            pod(1, created=0, scheduled=1, initialized=2 if second_started else None,
                started=second_started, init_started=3)]
    tl = tline.build(job(2), pods, [], NOW)
    c = tline.summarize(tline.rows(tl), tl.start).critical
    assert (c.lagging, c.label, c.open) == (lagging, label, True)
