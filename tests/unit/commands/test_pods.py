"""logs and exec by index over a fake client: which pods, and how -f follows attempts."""
import pytest

from kubectl_ijob.client.errors import BadRequest
from kubectl_ijob.commands.pods import LogsOptions, choose_pods, exec_pod, pump
from kubectl_ijob.domain.model import IndexedJob
from kubectl_ijob.errors import UsageError

from ..fakes import FakeClient
from ..objects import job, pod

FIRST = pod(1, "Failed", name="example-job-1-first", created="2026-11-22T10:00:00Z")
SECOND = pod(1, "Running", name="example-job-1-second", created="2026-11-22T10:01:00Z")


def options(**kw):
    base = dict(name="example-job", index_text="all", follow=False, previous=False, attempt=None,
                tail=None, since=None, container=None, prefix=None, colour=False)
    base.update(kw)
    return LogsOptions(**base)


def model():
    return IndexedJob(job(completions=3), [pod(0, "Succeeded"), FIRST, SECOND])


@pytest.mark.parametrize("kw,want", [
    ({}, [(0, "example-job-0-abcde"), (1, "example-job-1-second")]),   # index 2 has no pod yet
    ({"attempt": 1}, [(0, "example-job-0-abcde"), (1, "example-job-1-first")]),
    ({"attempt": 2}, [(1, "example-job-1-second")]),
    ({"index_text": "1", "attempt": 1}, [(1, "example-job-1-first")]),
])
def test_choose_pods(kw, want):
    got = choose_pods(options(**kw), model())
    assert [(i, p["metadata"]["name"]) for i, p in got] == want


@pytest.mark.parametrize("kw,msg", [
    ({"index_text": "1", "attempt": 3}, "index 1 has 2 attempts, not 3"),
    ({"index_text": "2"}, 'job "example-job" has no pods for --index 2 yet'),
    ({"index_text": "5"}, "out of range 0-2"),
])
def test_choose_pods_refuses(kw, msg):
    with pytest.raises(UsageError, match=msg):
        choose_pods(options(**kw), model())


class LogClient(FakeClient):
    def __init__(self, logs, job_obj=None, pods=()):
        super().__init__(*(([job_obj] if job_obj else []) + list(pods)))
        self.logs = logs

    def log_lines(self, pod, container=None, follow=False, tail=None, since_seconds=None,
                  previous=False, namespace=None):
        answer = self.logs[pod]
        if isinstance(answer, Exception):
            raise answer
        return iter(answer)


def test_pump_words_errors_apart_from_the_log_lines():
    # kubectl logs: an error goes to stderr (and exit 1), never into the log a script reads
    out, errors = [], []
    client = LogClient({"example-job-1-second": BadRequest(400, "BadRequest", "container is waiting")})
    pump(client, options(), 1, SECOND, "[1] ", out.append, errors.append)
    assert out == [None]
    assert errors == ["[1] Error from server (BadRequest): container is waiting"]


def test_pump_follows_into_the_next_attempt_until_the_job_ends():
    done = job(completions=3, conditions=[{"type": "Complete", "status": "True"}])
    client = LogClient({"example-job-1-first": ["a"], "example-job-1-second": ["b"]},
                       job(completions=3), [FIRST, SECOND])
    out = []

    def put(line):
        out.append(line)
        if line == "b":  # the second attempt's log is read: the job then completes
            client.objects[("Job", "example-job")] = done

    pump(client, options(follow=True), 1, FIRST, "", put, pytest.fail)
    assert out == ["a", "b", None]


def test_exec_pod_needs_a_running_current_pod():
    assert exec_pod(model(), 1) == "example-job-1-second"
    with pytest.raises(UsageError, match="pod example-job-0-abcde is Succeeded, not Running"):
        exec_pod(model(), 0)
    with pytest.raises(UsageError, match="it has no pod"):
        exec_pod(model(), 2)
    with pytest.raises(UsageError, match="out of range 0-2"):
        exec_pod(model(), 3)
