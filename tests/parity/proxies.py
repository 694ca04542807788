"""Recording proxies: an HTTP CONNECT proxy and a SOCKS5 proxy (RFC 1928, with RFC 1929
username/password), each logging the tunnels it opened (target as the client named it,
and the credentials it offered).

Every target is forwarded to 127.0.0.1 on the requested port, so names like
a.parity.test - which resolve nowhere else - reach the parity servers only through a
proxy. A client that resolves a SOCKS target itself fails, as it would in real life.
"""
from __future__ import annotations

import base64
import socket
import socketserver
import struct
import threading
from typing import Optional

from tests.parity.server import Log


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    def one_way(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    t = threading.Thread(target=one_way, args=(b, a), daemon=True)
    t.start()
    one_way(a, b)
    t.join(10)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("short read")
        data += chunk
    return data


class _Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, label: str, log: Log, handler: type) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.label, self.log = label, log

    def record(self, target: str, auth: Optional[str]) -> None:
        with self.log.lock:
            self.log.tunnels.append((self.label, target, auth))

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class _Connect(socketserver.BaseRequestHandler):
    server: _Proxy

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                return
            head += chunk
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, target = lines[0].split(" ")[:2]
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        auth = headers.get("proxy-authorization")
        if auth and auth.lower().startswith("basic "):
            auth = base64.b64decode(auth[6:]).decode()
        self.server.record(target if method == "CONNECT" else f"{method} {target}", auth)
        if method != "CONNECT":
            sock.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        port = int(target.rsplit(":", 1)[1])
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            sock.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        sock.settimeout(None)
        upstream.settimeout(None)
        _pipe(sock, upstream)


class _Socks5(socketserver.BaseRequestHandler):
    server: _Proxy

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        version, count = _recv_exact(sock, 2)
        if version != 5:
            return
        methods = _recv_exact(sock, count)
        auth = None
        if 2 in methods:  # username/password offered: take it, to record it
            sock.sendall(b"\x05\x02")
            _, ulen = _recv_exact(sock, 2)
            user = _recv_exact(sock, ulen).decode()
            (plen,) = _recv_exact(sock, 1)
            auth = f"{user}:{_recv_exact(sock, plen).decode()}"
            sock.sendall(b"\x01\x00")
        elif 0 in methods:
            sock.sendall(b"\x05\x00")
        else:
            sock.sendall(b"\x05\xff")
            return
        _, cmd, _, atyp = _recv_exact(sock, 4)
        if atyp == 1:
            host = socket.inet_ntoa(_recv_exact(sock, 4))
        elif atyp == 3:
            (n,) = _recv_exact(sock, 1)
            host = _recv_exact(sock, n).decode()
        elif atyp == 4:
            host = "[" + socket.inet_ntop(socket.AF_INET6, _recv_exact(sock, 16)) + "]"
        else:
            return
        (port,) = struct.unpack("!H", _recv_exact(sock, 2))
        self.server.record(f"{host}:{port}", auth)
        try:
            if cmd != 1:
                raise OSError("only CONNECT")
            upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            sock.sendall(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        sock.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", port))
        sock.settimeout(None)
        upstream.settimeout(None)
        _pipe(sock, upstream)


class Proxy:
    """A running proxy of kind 'http' (CONNECT) or 'socks5'."""

    def __init__(self, label: str, kind: str, log: Log) -> None:
        self.label, self.kind = label, kind
        self.server = _Proxy(label, log, _Connect if kind == "http" else _Socks5)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, scheme: Optional[str] = None, auth: str = "") -> str:
        return f"{scheme or self.kind}://{auth + '@' if auth else ''}127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
