"""`wait --for` decisions from recorded-shape objects."""
import pytest

from kubectl_ijob.domain.model import IndexedJob as Snapshot
from kubectl_ijob.domain.waiting import check, poll

from ..objects import job, pod, service
from .test_status import ready, slice_for

DONE = [{"type": "Complete", "status": "True"}]
FAILED = [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
           "message": "Job has reached the specified backoff limit"}]


@pytest.mark.parametrize("cond,conds,want", [
    ("terminal", DONE, (True, True)), ("terminal", FAILED, (True, True)),
    ("terminal", [], (False, False)), ("complete", DONE, (True, True)),
    ("complete", FAILED, (True, False)), ("peers", FAILED, (True, False)),
])
def test_terminal_and_complete(cond, conds, want):
    done, ok, msg = check(cond, Snapshot(job(conditions=conds), [], service()))
    assert (done, ok) == want
    if cond == "complete" and conds == FAILED:
        assert "BackoffLimitExceeded" in msg


def test_peers_and_ready():
    p0, p1 = ready(pod(0)), ready(pod(1), False)
    snap = Snapshot(job(completions=2), [p0, p1], service(), slice_for(p0))
    done, ok, msg = check("peers", snap)
    assert not done and msg.startswith("1/2 peers in DNS; index 1: not in the service's EndpointSlices")
    snap.slices = slice_for(p0, p1)
    assert check("peers", snap)[:2] == (True, True)
    assert check("ready", snap)[:2] == (False, False)
    p1["status"]["containerStatuses"][0]["ready"] = True
    assert check("ready", snap)[:2] == (True, True)


def test_poll_returns_the_first_answer_or_none_after_the_timeout():
    clock = [0.0]
    answers = iter([None, None, "done"])
    sleeps = []

    def sleep(s):
        sleeps.append(s)
        clock[0] += s

    assert poll(lambda: next(answers), 10, sleep=sleep, clock=lambda: clock[0]) == "done"
    assert sleeps == [1.0, 1.0]
    clock[0] = 0.0
    assert poll(lambda: None, 2.5, interval=1.0, sleep=sleep, clock=lambda: clock[0]) is None
    assert clock[0] == 3.0  # probed at 0, 1, 2, 3: the last probe is after the deadline
