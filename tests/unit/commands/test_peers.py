"""ping over a fake client: one exec per source, failures reported per pair."""
from kubectl_ijob.client.errors import ExecFailed
from kubectl_ijob.client.exec import ExecResult
from kubectl_ijob.commands.peers import PingOptions, run_ping
from kubectl_ijob.domain.model import IndexedJob
from kubectl_ijob.domain.probes import Method
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
