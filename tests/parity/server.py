"""A recording HTTPS API server: what arrived, on which listener, with which TLS name
and client certificate, and just enough of the Kubernetes API for both tools to finish.

Answers: /version, legacy discovery (/api, /apis, /api/v1, /apis/batch/v1), empty
lists of jobs, cronjobs, pods and services, a websocket exec that succeeds, and 404 for
a single object (so `status NAME` and `kubectl get job NAME` both end with NotFound). The
TLS handshake runs in the handler thread, so a client that rejects the certificate is
recorded (as a handshake without a request) and does not stall the accept loop.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from tests.parity.pki import PKI, Pair


@dataclass(frozen=True)
class Request:
    """One request as the server saw it (User-Agent and Accept are not kept)."""

    server: str
    sni: Optional[str]
    client_cert: Optional[str]   # the client certificate's CN, None when none was presented
    method: str
    path: str
    authorization: Optional[str]


@dataclass
class Log:
    """Everything every listener and proxy saw, in order, shared by all of them."""

    requests: list[Request] = field(default_factory=list)
    handshakes: list[tuple[str, Optional[str], str]] = field(default_factory=list)  # server, sni, outcome
    tunnels: list[tuple[str, str, Optional[str]]] = field(default_factory=list)  # proxy, target, auth
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.handshakes.clear()
            self.tunnels.clear()

    def snapshot(self) -> tuple[list[Request], list[tuple[str, Optional[str], str]],
                                list[tuple[str, str, Optional[str]]]]:
        with self.lock:
            return list(self.requests), list(self.handshakes), list(self.tunnels)


DISCOVERY: dict[str, Any] = {
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "x:1"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "batch", "versions": [{"groupVersion": "batch/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "batch/v1", "version": "v1"}}]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": r, "singularName": r[:-1], "namespaced": True, "kind": k,
         "verbs": ["get", "list", "watch", "create", "delete", "patch"]}
        for r, k in (("pods", "Pod"), ("services", "Service"))]},
    "/apis/batch/v1": {"kind": "APIResourceList", "groupVersion": "batch/v1", "resources": [
        {"name": "jobs", "singularName": "job", "namespaced": True, "kind": "Job",
         "verbs": ["get", "list", "watch", "create", "delete", "patch"]}]},
    "/version": {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "platform": "linux/amd64"},
}
PREFIX = "/prefix"
LIST = re.compile(r"^/(api/v1|apis/batch/v1)(/namespaces/[^/]+)?/(pods|services|jobs|cronjobs)$")
ONE = re.compile(r"^/(api/v1|apis/batch/v1)/namespaces/[^/]+/(pods|services|jobs|cronjobs)/([^/]+)$")
KINDS = {"pods": "PodList", "services": "ServiceList", "jobs": "JobList", "cronjobs": "CronJobList"}


def answer(path: str) -> tuple[int, dict[str, Any]]:
    """The minimal API: discovery, empty lists, NotFound for any single object."""
    bare = path.split("?", 1)[0]
    if bare.startswith(PREFIX + "/"):  # a server URL with a path (https://host/prefix)
        bare = bare[len(PREFIX):]
    if bare in DISCOVERY:
        return 200, DISCOVERY[bare]
    m = LIST.match(bare)
    if m:
        version = "v1" if m.group(1) == "api/v1" else "batch/v1"
        return 200, {"kind": KINDS[m.group(3)], "apiVersion": version,
                     "metadata": {"resourceVersion": "1"}, "items": []}
    m = ONE.match(bare)
    group = "" if (m and m.group(1) == "api/v1") else ".batch"
    name = m.group(3) if m else bare
    kind = m.group(2) if m else "resources"
    return 404, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                 "message": f'{kind}{group} "{name}" not found', "reason": "NotFound",
                 "details": {"name": name, "kind": kind}, "code": 404}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def setup(self) -> None:
        """Finish the TLS handshake here, recording the name the client asked for."""
        sock = self.request
        if isinstance(sock, ssl.SSLSocket):
            sock.settimeout(10)
            try:
                sock.do_handshake()
            except (ssl.SSLError, OSError) as e:
                self.server.record_handshake(getattr(sock, "sni", None), f"failed: {e}")
                raise
            self.server.record_handshake(getattr(sock, "sni", None), "ok")
        super().setup()

    def handle(self) -> None:
        try:
            super().handle()
        except (ssl.SSLError, OSError):
            pass

    def _serve(self) -> None:
        sock = self.request
        cert = sock.getpeercert() if isinstance(sock, ssl.SSLSocket) else None
        cn = None
        if cert:
            cn = next((v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"),
                      "?")
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.record(Request(self.server.label, getattr(sock, "sni", None), cn,
                                   self.command, self.path, self.headers.get("Authorization")))
        if (self.headers.get("Upgrade") or "").lower() == "websocket":
            self._exec()
            return
        status, doc = answer(self.path)
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _serve

    def _exec(self) -> None:
        """An exec that succeeds at once: `ok` on stdout, Success on the status channel."""
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        protocol = (self.headers.get("Sec-WebSocket-Protocol") or "").split(",")[0].strip()
        self.send_response(101)
        for k, v in (("Upgrade", "websocket"), ("Connection", "Upgrade"),
                     ("Sec-WebSocket-Accept", accept), ("Sec-WebSocket-Protocol", protocol)):
            self.send_header(k, v)
        self.end_headers()
        for payload in (b"\x01ok\n", b'\x03{"metadata":{},"status":"Success"}'):
            self.wfile.write(bytes([0x82, len(payload)]) + payload)
        self.wfile.write(b"\x88\x00")
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, label: str, log: Log, tls: Optional[ssl.SSLContext]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.label, self.log, self.tls = label, log, tls

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def record(self, r: Request) -> None:
        with self.log.lock:
            self.log.requests.append(r)

    def record_handshake(self, sni: Optional[str], outcome: str) -> None:
        with self.log.lock:
            self.log.handshakes.append((self.label, sni, outcome))

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def tls_context(leaf: Pair, client_ca: Pair) -> ssl.SSLContext:
    """Server TLS: leaf's certificate, a client certificate asked for but optional, and
    the SNI name stored on the socket for the handler to record."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(leaf.cert_file), str(leaf.key_file))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.load_verify_locations(cafile=str(client_ca.cert_file))

    def sni(sock: Any, name: Optional[str], _ctx: ssl.SSLContext) -> None:
        sock.sni = name

    ctx.sni_callback = sni
    return ctx


class Listener:
    """One named server on a free loopback port, served by a daemon thread."""

    def __init__(self, label: str, log: Log, leaf: Optional[Pair], pki: PKI) -> None:
        tls = tls_context(leaf, pki.client_ca) if leaf else None
        self.label = label
        self.httpd = _Server(label, log, tls)
        self.port = self.httpd.server_address[1]
        self.scheme = "https" if leaf else "http"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
