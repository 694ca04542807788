"""ping over a fake client: one exec per source, failures reported per pair."""
from kubectl_ijob.client.errors import ExecFailed
from kubectl_ijob.client.exec import ExecResult
from kubectl_ijob.commands.peers import PingOptions, run_ping
from kubectl_ijob.domain.model import IndexedJob
from kubectl_ijob.domain.probes import Method, exec_deadline
from kubectl_ijob.render.documents import matrix_document
from kubectl_ijob.render.matrix import matrix_summary, matrix_text, matrix_warnings

from ..fakes import FakeClient
from ..objects import job, pod


class ExecClient(FakeClient):
    """Answers each pod's exec from a table and records the calls."""

    def __init__(self, outputs):
        super().__init__()
        self.outputs, self.calls = outputs, []

    def exec(self, pod, argv, container=None, timeout=30):
        self.calls.append(pod)
        return self.outputs[pod]


def ping(client, model, method, sources=None):
    o = PingOptions(method, 2, 8, None, sources, "cluster.local")
    return run_ping(o, model, client)


def test_ping_one_exec_per_source_and_failures_reported():
    j = job(completions=3)
    pods = [pod(0), pod(1), pod(2)]
    snap = IndexedJob(j, pods, None)
    ok = "R 0 ok 100 10.88.0.10 -\nR 1 ok 100 10.88.0.11 -\nR 2 ok 100 10.88.0.12 -\nDONE\n"
    client = ExecClient({
        "example-job-0-abcde": ExecResult(ok, "", 0),
        "example-job-1-abcde": ExecResult("R 0 ok 1 10.88.0.10 -\nR 1 timeout - 10.88.0.11 -\n"
                                          "R 2 ok 1 10.88.0.99 -\nDONE\n", "", 0),
        "example-job-2-abcde": ExecResult("", "", None, ExecFailed(
            'exec: "sh": executable file not found in $PATH', missing_executable=True)),
    })
    m = ping(client, snap, Method("icmp"))
    assert sorted(client.calls) == ["example-job-0-abcde", "example-job-1-abcde", "example-job-2-abcde"]
    assert not m.ok
    assert m.cell(0, 2).ok and m.cell(1, 1).code == "timeout" and m.cell(2, 0).code == "no-shell"
    assert matrix_summary(m) == "5/9 pairs ok (icmp)"
    assert any("resolves to 10.88.0.99, but its pod has 10.88.0.12" in w for w in matrix_warnings(m))
    assert m.cell(2, 0).detail == 'exec: "sh": executable file not found in $PATH'
    text = matrix_text(m, colour=False)
    lines = text.splitlines()
    assert lines[0].split() == ["FROM\\TO", "0", "1", "2"]
    assert lines[1].split() == ["0", "ok", "0.10ms", "ok", "0.10ms", "ok", "0.10ms"]
    assert "TIMEOUT" in lines[2] and "NO-SHELL" in lines[3]
    assert lines[-1] == "5/9 pairs ok (icmp)"
    doc = matrix_document(m)
    assert doc["ok"] is False and len(doc["pairs"]) == 9


def test_ping_subset_of_sources():
    j = job(completions=2)
    snap = IndexedJob(j, [pod(0), pod(1)], None)
    out = "R 0 ok 5 10.88.0.10 -\nR 1 ok 5 10.88.0.11 -\nDONE\n"
    client = ExecClient({"example-job-1-abcde": ExecResult(out, "", 0)})
    m = ping(client, snap, Method("dns"), [1])
    assert client.calls == ["example-job-1-abcde"] and m.ok and matrix_summary(m) == "2/2 pairs ok (dns)"


def test_a_matrix_wider_than_the_terminal_is_digested_unless_forced(monkeypatch):
    from kubectl_ijob.commands.peers import matrix_or_digest

    from ..domain.test_peer_digest import matrix_of

    monkeypatch.setenv("COLUMNS", "80")  # and stdout is not a terminal here
    wide = matrix_of(20, lambda s, t: "timeout" if (s, t) == (3, 4) else None)
    digest = matrix_or_digest(wide, False, False, False)
    assert digest.splitlines()[0] == "20 sources x 20 targets = 400 pairs (icmp): 399 ok, 1 TIMEOUT"
    assert "Failing pairs (between the two pods): 3->4 TIMEOUT" in digest
    table = matrix_or_digest(wide, False, True, False)
    assert table.splitlines()[0].split()[:3] == ["FROM\\TO", "0", "1"] and len(table.splitlines()) == 22
    small = matrix_of(3)
    assert matrix_or_digest(small, False, False, False) == matrix_text(small)


def test_exec_deadline_and_nodes_reach_the_matrix():
    j = job(completions=2)
    pods = [pod(0), pod(1)]
    for p in pods:
        p["spec"]["nodeName"] = "node-a"
    out = "R 0 ok 100 10.88.0.10 -\nR 1 ok 100 10.88.0.11 -\nDONE\n"
    timeouts = []

    class Timed(ExecClient):
        def exec(self, pod, argv, container=None, timeout=30):
            timeouts.append(timeout)
            return super().exec(pod, argv, container, timeout)
    client = Timed({p["metadata"]["name"]: ExecResult(out, "", 0) for p in pods})
    m = ping(client, IndexedJob(j, pods, None), Method("tcp", (80, 81)))
    assert timeouts == [exec_deadline(2, 2, 2)] * 2
    assert m.nodes == {0: "node-a", 1: "node-a"}


class FlakyExecClient(ExecClient):
    """Answers each pod's execs in turn from a list (the last answer repeats)."""

    def exec(self, pod, argv, container=None, timeout=30):
        self.calls.append(pod)
        answers = self.outputs[pod]
        return answers.pop(0) if len(answers) > 1 else answers[0]


def test_an_exec_the_cluster_dropped_is_run_once_more(monkeypatch):
    # A 5xx handshake, a lost socket, a runtime past its deadline or an unreachable server
    # is the cluster stumbling: the probe runs again and its answers count. A refusal, a
    # missing shell and our own deadline are answers: reported at once, not retried.
    import kubectl_ijob.commands.peers as peers_cmd
    from kubectl_ijob.client.errors import ApiError, Forbidden, Unreachable

    monkeypatch.setattr(peers_cmd, "EXEC_RETRY_PAUSE", 0)
    ok = ExecResult("R 0 ok 5 10.88.0.10 -\nDONE\n", "", 0)
    dropped = {
        "5xx": ExecFailed("error dialing backend", cause=ApiError(500, "InternalError", "x"),
                          transient=True),
        "lost": ExecFailed("lost connection to the pod: reset", transient=True),
        "runtime": ExecFailed("context deadline exceeded", transient=True),
        "unreachable": Unreachable("dial tcp 10.0.0.1:6443: i/o timeout"),
    }
    for why, error in dropped.items():
        client = FlakyExecClient({"example-job-0-abcde": [ExecResult("", "", None, error), ok]})
        m = ping(client, IndexedJob(job(completions=1), [pod(0)], None), Method("dns"))
        assert m.ok and len(client.calls) == 2, why
    answers = {
        "forbidden": ExecFailed("forbidden", cause=Forbidden(403, "Forbidden", "no")),
        "no shell": ExecFailed('exec: "sh": executable file not found', missing_executable=True),
        "deadline": ExecFailed("exec did not finish within 9s"),
    }
    for why, error in answers.items():
        client = FlakyExecClient({"example-job-0-abcde": [ExecResult("", "", None, error), ok]})
        m = ping(client, IndexedJob(job(completions=1), [pod(0)], None), Method("dns"))
        assert not m.ok and len(client.calls) == 1, why
    twice = FlakyExecClient({"example-job-0-abcde": [ExecResult("", "", None, dropped["lost"])]})
    m = ping(twice, IndexedJob(job(completions=1), [pod(0)], None), Method("dns"))
    assert m.cell(0, 0).code == "exec-failed" and len(twice.calls) == 2


def test_exec_errors_say_whether_a_retry_may_run_them():
    from kubectl_ijob.client.errors import transient
    from kubectl_ijob.client.exec import decode_status, refusal_error

    assert transient(refusal_error('Handshake status 500 Internal Server Error -+-+- {} -+-+- '
                                   '{"kind":"Status","code":500,"message":"error dialing backend"}'))
    assert not transient(refusal_error('Handshake status 403 Forbidden -+-+- {} -+-+- '
                                       '{"kind":"Status","code":403,"message":"no"}'))
    assert transient(refusal_error("Handshake status 502 Bad Gateway -+-+- {} -+-+- b''"))
    runtime = decode_status("", "", '{"status":"Failure","message":"rpc error: code = '
                                    'DeadlineExceeded desc = context deadline exceeded"}')
    assert transient(runtime.error)
    gone = decode_status("", "", '{"status":"Failure","message":"container not found (\\"c\\")"}')
    assert not transient(gone.error)


def test_ping_sample_execs_each_pod_with_its_own_targets():
    n, k = 40, 3
    model = IndexedJob(job(completions=n), [pod(i) for i in range(n)], None)

    class Sampled(ExecClient):
        def exec(self, pod, argv, container=None, timeout=30):
            i = int(pod.split("-")[2])
            self.calls.append((i, [int(a) for a in argv[8::3]], argv[7]))
            lines = [f"R {t} ok 5 10.88.0.{t} -" for t in argv[8::3]]
            return ExecResult("\n".join(lines + ["DONE"]) + "\n", "", 0)

    client = Sampled({})
    o = PingOptions(Method("dns"), 2, 8, None, None, "cluster.local", k)
    m = run_ping(o, model, client)
    assert len(client.calls) == n and len(m.pairs) == n * k and m.ok and m.sample == k
    assert all(len(targets) == k and i not in targets for i, targets, _ in client.calls)
    assert sorted(int(full) for _, _, full in client.calls) == list(range(n))  # each name once
    assert matrix_summary(m) == f"{n * k}/{n * k} pairs ok (dns); sampled: {k} of {n - 1} peers per pod"
    assert matrix_document(m)["peersPerPod"] == k
