"""The REST transport against a small local HTTP server: pagination, headers, typed errors.

The real API server is exercised by the e2e suite; this covers what it cannot show on
demand: a LIST split over pages, and the exact mapping of status codes to kubectl's words.
"""
from __future__ import annotations

import gzip
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from kubectl_ijob.client.errors import AlreadyExists, Forbidden, NotFound
from kubectl_ijob.client.settings import Settings
from kubectl_ijob.client.transport import Client
from kubectl_ijob.render.errors import error_line


class Handler(BaseHTTPRequestHandler):
    seen: list[dict] = []
    answers: dict = {}
    compress = False  # gzip what is asked for gzipped, as the API server does above 128 KiB

    def _answer(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        Handler.seen.append({"method": self.command, "path": url.path, "query": parse_qs(url.query),
                             "headers": {k.lower(): v for k, v in self.headers.items()}, "body": self.rfile.read(length)})
        status, doc = Handler.answers[(self.command, url.path, parse_qs(url.query).get("continue", [""])[0])]
        data = json.dumps(doc, separators=(",", ":")).encode()  # compact, as the API server
        gzipped = Handler.compress and "gzip" in (self.headers.get("Accept-Encoding") or "")
        data = gzip.compress(data, 1) if gzipped else data
        self.send_response(status)
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
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
    Handler.seen, Handler.answers, Handler.compress = [], {}, False
    yield Client(Settings(str(kc)))
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
    # an http:// server: kubectl sends it no credentials, so neither does the client
    assert not any("authorization" in r["headers"] for r in Handler.seen)
    assert got.resource_version == "42"  # each LIST carries its own resourceVersion


def test_status_codes_become_kubectls_words(kube):
    job = "/apis/batch/v1/namespaces/ns/jobs/x"
    Handler.answers = {
        ("GET", job, ""): (404, status(404, "NotFound", 'jobs.batch "x" not found')),
        ("POST", "/apis/batch/v1/namespaces/ns/jobs", ""): (409, status(409, "AlreadyExists",
                                                                        'jobs.batch "x" already exists')),
        ("DELETE", job, ""): (403, status(403, "Forbidden", 'jobs.batch "x" is forbidden: User "u" cannot delete')),
        ("PATCH", "/api/v1/namespaces/ns/pods/p", ""): (200, {"kind": "Pod"}),
    }
    with pytest.raises(NotFound) as e:
        kube.get_job("x")
    assert (e.value.status, e.value.reason) == (404, "NotFound")
    assert error_line(e.value) == 'Error from server (NotFound): jobs.batch "x" not found'
    assert kube.get("Job", "x") is None
    with pytest.raises(AlreadyExists) as e:
        kube.create({"kind": "Job", "metadata": {"name": "x"}}, dry_run=True)
    assert error_line(e.value).startswith("Error from server (AlreadyExists)")
    assert Handler.seen[-1]["query"]["dryRun"] == ["All"]
    assert json.loads(Handler.seen[-1]["body"]) == {"kind": "Job", "metadata": {"name": "x"}}
    with pytest.raises(Forbidden) as e:
        kube.delete("Job", "x", propagation="Background")
    assert re.match(r"^Error from server \(Forbidden\): .*cannot delete$", error_line(e.value))
    assert Handler.seen[-1]["query"]["propagationPolicy"] == ["Background"]
    kube.patch("Pod", "p", {"metadata": {"labels": {"a": None}}})
    assert Handler.seen[-1]["headers"]["content-type"] == "application/merge-patch+json"
    assert json.loads(Handler.seen[-1]["body"]) == {"metadata": {"labels": {"a": None}}}


def test_rest_paths():
    from kubectl_ijob.client.wire import path

    assert path("Job", "ns", "j") == "/apis/batch/v1/namespaces/ns/jobs/j"
    assert path("Job", None) == "/apis/batch/v1/jobs"
    assert path("Pod", "ns", "p-0", "log") == "/api/v1/namespaces/ns/pods/p-0/log"
    assert path("EndpointSlice", "ns") == "/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices"
    assert path("Namespace", "ignored") == "/api/v1/namespaces"
    assert path("ConfigMap", "a/b", "c d") == "/api/v1/namespaces/a%2Fb/configmaps/c%20d"


def server_page(names: list[str], token: str = "") -> dict:
    """A page as the API server orders it: kind, apiVersion, metadata, then items."""
    meta = {"resourceVersion": "7", **({"continue": token} if token else {})}
    return {"kind": "PodList", "apiVersion": "v1", "metadata": meta,
            "items": [{"metadata": {"name": n, "managedFields": [{"manager": "m"}]},
                       "spec": {"nodeName": "n1", "volumes": []}} for n in names]}


def test_the_next_page_is_asked_for_while_this_one_is_decoded(kube):
    pods = "/api/v1/namespaces/ns/pods"
    Handler.answers = {("GET", pods, ""): (200, server_page(["a", "b"], "t1")),
                       ("GET", pods, "t1"): (200, server_page(["c"], "t2")),
                       ("GET", pods, "t2"): (200, server_page(["d"]))}
    asked: list[int] = []

    def view(pod: dict) -> dict:  # runs while the page is decoded: page 2 is on its way
        for _ in range(200):
            if len(Handler.seen) > len(asked) + 1 or len(Handler.seen) == 3:
                break
            threading.Event().wait(0.01)
        asked.append(len(Handler.seen))
        assert "managedFields" not in pod["metadata"]  # cut before decoding
        return {"name": pod["metadata"]["name"]}

    got = kube.list_pods("job-name=x", view=view)
    assert got == [{"name": n} for n in "abcd"] and got.resource_version == "7"
    assert asked[0] >= 2  # page 1's first pod was decoded after page 2 had been asked for
    assert [r["query"].get("continue") for r in Handler.seen] == [None, ["t1"], ["t2"]]


def test_an_error_on_a_later_page_reaches_the_caller(kube):
    pods = "/api/v1/namespaces/ns/pods"
    Handler.answers = {("GET", pods, ""): (200, server_page(["a"], "t1")),
                       ("GET", pods, "t1"): (410, status(410, "Expired", "too old"))}
    with pytest.raises(Exception) as e:
        kube.list_pods("job-name=x")
    assert error_line(e.value) == "Error from server (Expired): too old"


def test_lists_are_asked_for_gzipped_as_kubectl_does(kube):
    pods = "/api/v1/namespaces/ns/pods"
    Handler.compress = True
    Handler.answers = {("GET", pods, ""): (200, server_page(["a", "b"]))}
    got = kube.list_pods("job-name=x", view=lambda p: {"name": p["metadata"]["name"]})
    assert got == [{"name": "a"}, {"name": "b"}]
    assert Handler.seen[0]["headers"]["accept-encoding"] == "gzip"
