"""The REST transport against a small local HTTP server: pagination, headers, error words.

The real API server is exercised by the e2e suite; this covers what it cannot show on
demand: a LIST split over pages, and the exact mapping of status codes to kubectl's words.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from kubectl_ijob.errors import AlreadyExists, IjobError, NotFound
from kubectl_ijob.kube import Kube, Settings


class Handler(BaseHTTPRequestHandler):
    seen: list[dict] = []
    answers: dict = {}

    def _answer(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        Handler.seen.append({"method": self.command, "path": url.path, "query": parse_qs(url.query),
                             "headers": {k.lower(): v for k, v in self.headers.items()}, "body": self.rfile.read(length)})
        status, doc = Handler.answers[(self.command, url.path, parse_qs(url.query).get("continue", [""])[0])]
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def kube(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    kc = tmp_path / "config"
    kc.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "a",
        "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u", "namespace": "ns"}}],
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{server.server_port}"}}],
        "users": [{"name": "u", "user": {"token": "t0k"}}]}))
    Handler.seen, Handler.answers = [], {}
    yield Kube(Settings(str(kc)))
    server.shutdown()


def status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "status": "Failure", "reason": reason, "message": message, "code": code}


def test_a_list_follows_continue_tokens(kube):
    pods = "/api/v1/namespaces/ns/pods"
    Handler.answers = {
        ("GET", pods, ""): (200, {"items": [{"metadata": {"name": "a"}}], "metadata": {"continue": "tok"}}),
        ("GET", pods, "tok"): (200, {"items": [{"metadata": {"name": "b"}}],
                                     "metadata": {"resourceVersion": "42"}}),
    }
    got = kube.list_pods("job-name=x")
    assert [p["metadata"]["name"] for p in got] == ["a", "b"]
    assert [r["query"].get("continue") for r in Handler.seen] == [None, ["tok"]]
    assert all(r["query"]["limit"] == ["500"] and r["query"]["labelSelector"] == ["job-name=x"]
               for r in Handler.seen)
    assert all(r["headers"]["authorization"] == "Bearer t0k" for r in Handler.seen)
    assert kube.last_resource_version == "42"


def test_status_codes_become_kubectls_words(kube):
    job = "/apis/batch/v1/namespaces/ns/jobs/x"
    Handler.answers = {
        ("GET", job, ""): (404, status(404, "NotFound", 'jobs.batch "x" not found')),
        ("POST", "/apis/batch/v1/namespaces/ns/jobs", ""): (409, status(409, "AlreadyExists",
                                                                        'jobs.batch "x" already exists')),
        ("DELETE", job, ""): (403, status(403, "Forbidden", 'jobs.batch "x" is forbidden: User "u" cannot delete')),
        ("PATCH", "/api/v1/namespaces/ns/pods/p", ""): (200, {"kind": "Pod"}),
    }
    with pytest.raises(NotFound, match=r'^Error from server \(NotFound\): jobs.batch "x" not found$'):
        kube.get_job("x")
    assert kube.get("Job", "x") is None
    with pytest.raises(AlreadyExists, match=r"^Error from server \(AlreadyExists\)"):
        kube.create({"kind": "Job", "metadata": {"name": "x"}}, dry_run=True)
    assert Handler.seen[-1]["query"]["dryRun"] == ["All"]
    assert json.loads(Handler.seen[-1]["body"]) == {"kind": "Job", "metadata": {"name": "x"}}
    with pytest.raises(IjobError, match=r"^Error from server \(Forbidden\): .*cannot delete$"):
        kube.delete("Job", "x", propagation="Background")
    assert Handler.seen[-1]["query"]["propagationPolicy"] == ["Background"]
    kube.patch("Pod", "p", {"metadata": {"labels": {"a": None}}})
    assert Handler.seen[-1]["headers"]["content-type"] == "application/merge-patch+json"
    assert json.loads(Handler.seen[-1]["body"]) == {"metadata": {"labels": {"a": None}}}


# ------------------------------------------------------------------ exec channels
# The real exec runs on the cluster (tests/e2e); these are the endings it cannot
# produce on demand: a socket that breaks before the status, and a silent one.

class FakeSocket:
    """Frames as the API server sends them: the channel byte, then the bytes."""

    def __init__(self, *frames) -> None:
        self.frames = list(frames)

    def settimeout(self, t: float) -> None:
        pass

    def recv_data(self, control_frame: bool = False):
        frame = self.frames.pop(0)
        if isinstance(frame, BaseException):
            raise frame
        return frame


def test_exec_channels_until_the_status_then_close():
    import websocket
    from kubectl_ijob.kube import _exec_channels, _exec_status

    status = b'\x03{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":' \
             b'[{"reason":"ExitCode","message":"3"}]}}'
    ws = FakeSocket((2, b"\x01"), (2, b"\x01hel"), (2, b"\x02oops"), (2, b"\x01lo"), (2, status),
                    (websocket.ABNF.OPCODE_CLOSE, b""))
    channels, broken = _exec_channels(ws, 5)
    assert broken == "" and channels[1] == b"hello" and channels[2] == b"oops"
    assert _exec_status("hello", "oops", channels[3].decode()).code == 3


def test_exec_socket_lost_before_the_status_is_not_success():
    import websocket
    from kubectl_ijob.kube import _exec_channels

    ws = FakeSocket((2, b"\x01partial"), websocket.WebSocketConnectionClosedException("gone"))
    channels, broken = _exec_channels(ws, 5)
    assert channels[1] == b"partial" and broken == "lost connection to the pod: gone"
    ws = FakeSocket((2, b'\x03{"status":"Success"}'), ConnectionResetError("reset"))
    assert _exec_channels(ws, 5)[1] == ""  # the status arrived: the ending is clean


def test_exec_silent_socket_times_out():
    import websocket
    from kubectl_ijob.kube import _exec_channels

    ws = FakeSocket((2, b"\x01x"), websocket.WebSocketTimeoutException("timed out"))
    assert _exec_channels(ws, 2.5)[1] == "exec did not finish within 2.5s"
