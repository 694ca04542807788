"""Exec in a pod: the v4 channel protocol over one websocket per call.

One socket per call, so calls from several threads (ping's concurrent sources) share
no state. The proxy and TLS context are the transport's, chosen as kubectl chooses them.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Optional, Protocol
from urllib.parse import unquote, urlencode

from kubectl_ijob.client.errors import ExecFailed, connection_error, status_error
from kubectl_ijob.client.proxy import SOCKS, socks5_connect
from kubectl_ijob.client.wire import CONNECT_TIMEOUT, TRANSPORT_ERRORS, USER_AGENT, path
from kubectl_ijob.errors import IjobError
from kubectl_ijob.client.config import Endpoint
from kubectl_ijob.client.settings import Settings


class Connection(Protocol):
    """What exec takes from the transport's client: where and how to connect."""

    host: str
    namespace: str
    endpoint: Endpoint
    proxy: Any  # a parsed proxy URL, or None
    tls: Any  # the ssl.SSLContext, or None for http
    settings: Settings

    def log_request(self, method: str, url: str, outcome: str, start: float) -> None:
        """kubectl -v=6's request line."""

@dataclass
class ExecResult:
    """What an exec produced: output, the remote exit code, or why it did not run."""

    stdout: str
    stderr: str
    code: Optional[int]
    error: Optional[IjobError] = None


def exec_in_pod(kube: Connection, pod: str, argv: list[str], container: Optional[str] = None,
                namespace: Optional[str] = None, timeout: float = 30) -> ExecResult:
    """Run argv in a pod over the exec websocket (v4 channel protocol); one socket per call,
    so calls from several threads do not share state."""
    import websocket

    query: list[tuple[str, Any]] = [("command", a) for a in argv]
    query += [("stdout", "true"), ("stderr", "true")] + \
        ([("container", container)] if container else [])
    url = "ws" + kube.host[4:] + path("Pod", namespace or kube.namespace, pod, "exec") + \
        "?" + urlencode(query)
    ep = kube.endpoint
    timeout_ = kube.settings.request_timeout or CONNECT_TIMEOUT
    start = time.monotonic()
    try:
        ws = websocket.create_connection(
            url, timeout=timeout_, **_route(kube, timeout_),
            header=[f"{k}: {v}" for k, v in ep.headers().items()] +
            [f"User-Agent: {USER_AGENT}"],
            subprotocols=["v4.channel.k8s.io"],
            sslopt={"context": kube.tls, **({"server_hostname": ep.server_name}
                                            if ep.server_name else {})})
    except websocket.WebSocketException as e:  # the handshake was answered with an API error
        kube.log_request("GET", url, "refused", start)
        return ExecResult("", "", None, refusal_error(str(e)))
    except TRANSPORT_ERRORS as e:
        kube.log_request("GET", url, "failed", start)
        return ExecResult("", "", None, connection_error(e, kube.host))
    kube.log_request("GET", url, "101 Switching Protocols", start)
    try:
        channels, broken = read_channels(ws, timeout)
    finally:
        ws.close()
    out, err, status = (bytes(channels.get(c, b"")).decode("utf-8", "replace") for c in (1, 2, 3))
    if broken:  # a lost connection may be retried; our own deadline may not
        return ExecResult(out, err, None, ExecFailed(broken, transient=broken.startswith("lost")))
    return decode_status(out, err, status)


def _route(kube: Connection, timeout: float) -> dict[str, Any]:
    """How the websocket reaches the server: the proxy chosen as kubectl chooses it
    (websocket-client's own HTTP CONNECT; a SOCKS5 tunnel of client.proxy, TLS on top);
    without one, "*" keeps websocket-client from choosing again from the environment."""
    proxy = kube.proxy
    if proxy is None:
        return {"http_no_proxy": ["*"]}
    if proxy.scheme in SOCKS:
        from urllib.parse import urlsplit

        target = urlsplit(kube.host)
        sock = socks5_connect(proxy, target.hostname or "", target.port or
                              (443 if kube.tls else 80), timeout)
        if kube.tls is not None:
            sock = kube.tls.wrap_socket(sock, server_hostname=kube.endpoint.server_name or
                                        target.hostname)
        return {"socket": sock}
    return {"proxy_type": "http", "http_proxy_host": proxy.host,
            "http_proxy_port": proxy.port or 80,
            "http_proxy_auth": tuple(unquote(x) for x in proxy.auth.split(":", 1))
            if proxy.auth else None}


def read_channels(ws: Any, timeout: float) -> tuple[dict[int, bytearray], str]:
    """Each channel's bytes (1 stdout, 2 stderr, 3 the exit status) until the server
    closes the socket; and why it did not close cleanly in time ("" when it did)."""
    import websocket

    channels: dict[int, bytearray] = {}
    deadline, late = time.monotonic() + timeout, f"exec did not finish within {timeout:g}s"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return channels, late
        ws.settimeout(left)
        try:
            opcode, data = ws.recv_data(control_frame=True)
        except websocket.WebSocketTimeoutException:
            return channels, late
        except (websocket.WebSocketConnectionClosedException, *TRANSPORT_ERRORS) as e:
            # the API server always ends with a status on channel 3; without one it is gone
            return channels, "" if 3 in channels else f"lost connection to the pod: {e}"
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return channels, ""
        if opcode in (websocket.ABNF.OPCODE_BINARY, websocket.ABNF.OPCODE_TEXT) and data:
            channels.setdefault(data[0], bytearray()).extend(data[1:])


def decode_status(out: str, err: str, status: str) -> ExecResult:
    """Decode the exec error channel: Success, a non-zero exit, or a failure to start."""
    try:
        doc = json.loads(status) if status else {"status": "Success"}
    except ValueError:
        return ExecResult(out, err, None, ExecFailed(status.strip()))
    if doc.get("status") == "Success":
        return ExecResult(out, err, 0)
    for cause in (doc.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode" and str(cause.get("message", "")).isdigit():
            return ExecResult(out, err, int(cause["message"]))
    message = doc.get("message") or "exec failed"
    return ExecResult(out, err, None, ExecFailed(
        message, missing_executable="executable file not found" in message,
        transient="deadline exceeded" in message.lower()))  # the CRI call timed out


def refusal_error(text: str) -> ExecFailed:
    """The API status a refused exec handshake carries after websocket's `-+-+-` marker."""
    if "-+-+-" in text:
        body = text.rsplit("-+-+-", 1)[-1].strip()
        if body.startswith(("b'", 'b"')):  # older websocket-client: the bytes' repr
            body = body[2:-1].encode().decode("unicode_escape")
        try:
            doc = json.loads(body)
            cause = status_error(doc)
            return ExecFailed(cause.message, cause=cause, transient=cause.status >= 500)
        except (ValueError, AttributeError):
            pass
    return ExecFailed(text, transient="status 5" in text.lower())  # e.g. 502 from a proxy
