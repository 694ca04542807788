"""Which proxy carries a request, and the SOCKS5 client kubectl has and urllib3 lacks.

As kubectl: the cluster's proxy-url (http, https or socks5; anything else is refused
with clientcmd's words), else HTTPS_PROXY/HTTP_PROXY by the server's scheme unless
NO_PROXY or a loopback server exempts it (Go's ProxyFromEnvironment). A SOCKS5 proxy
is handed the server's name, never a locally resolved address (Go's socks dialer does
the same), with RFC 1929 username/password when the URL carries them. The tunnel is
opened here, so REST (urllib3) and exec (websocket) share it without PySocks.
"""
from __future__ import annotations

import ipaddress
import os
import re
import socket
import struct
from typing import Any, Optional
from urllib.parse import unquote

SOCKS = ("socks5", "socks5h")


def check_proxy_url(url: str) -> Optional[str]:
    """clientcmd's complaint about a kubeconfig proxy-url (Go's url.Parse and the
    schemes client-go accepts), or None when kubectl takes it."""
    m = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", url)
    if m is None and ":" in url.split("/", 1)[0]:
        return f"could not parse: {url}"
    scheme = m.group(1).lower() if m else ""
    if scheme not in ("http", "https", "socks5"):
        return f'unsupported scheme "{scheme}", must be http, https, or socks5'
    return None


def env_proxy(server: str) -> Optional[str]:
    """The proxy kubectl takes from the environment for server (Go's ProxyFromEnvironment):
    HTTPS_PROXY or HTTP_PROXY by scheme, never for localhost, loopback addresses or a
    NO_PROXY match (`*`, a domain and its subdomains, `.domain`, an IP, a CIDR, `:port`)."""
    name = "HTTPS_PROXY" if server.startswith("https:") else "HTTP_PROXY"
    proxy = os.environ.get(name) or os.environ.get(name.lower())
    if not proxy:
        return None
    from urllib.parse import urlsplit

    url = urlsplit(server)
    host = (url.hostname or "").lower()
    if host == "localhost":
        return None
    try:
        ip: Any = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None and ip.is_loopback:
        return None
    port = str(url.port or (443 if url.scheme == "https" else 80))
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    if any(_no_proxy_match(e.strip().lower(), host, ip, port) for e in no_proxy.split(",")):
        return None
    return proxy if "://" in proxy else "http://" + proxy


def _no_proxy_match(entry: str, host: str, ip: Any, port: str) -> bool:
    """Whether one NO_PROXY entry exempts host:port, as Go's httpproxy matches it."""
    if entry == "*":
        return True
    if not entry:
        return False
    if "/" in entry:
        try:
            return ip is not None and ip in ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return False
    if entry.startswith("["):  # [v6]:port
        name, _, rest = entry[1:].partition("]")
        want = rest[1:]
    elif entry.count(":") == 1:
        name, want = entry.split(":")
    else:
        name, want = entry, ""
    if want and want != port:
        return False
    try:
        literal = ipaddress.ip_address(name)
    except ValueError:
        literal = None
    if literal is not None:
        return ip == literal
    name = name[1:] if name.startswith("*.") else name
    if name.startswith("."):
        return host.endswith(name)
    return host == name or host.endswith("." + name)


def socks5_connect(proxy: Any, host: str, port: int, timeout: Optional[float]) -> socket.socket:
    """A socket tunnelled to host:port through the SOCKS5 proxy (a parsed URL): the name
    goes to the proxy unresolved, credentials by RFC 1929 when the URL has them."""
    sock = socket.create_connection((proxy.host, proxy.port or 1080), timeout)
    try:
        auth = [unquote(x) for x in proxy.auth.split(":", 1)] + [""] if proxy.auth else None
        sock.sendall(b"\x05\x02\x00\x02" if auth else b"\x05\x01\x00")
        _, method = _read(sock, 2)
        if method == 2 and auth:
            user, password = (x.encode() for x in auth[:2])
            sock.sendall(bytes([1, len(user)]) + user + bytes([len(password)]) + password)
            if _read(sock, 2)[1] != 0:
                raise ConnectionError("socks5: username/password authentication failed")
        elif method != 0:
            raise ConnectionError("socks5: no acceptable authentication methods")
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
            address = (b"\x01" if ip.version == 4 else b"\x04") + ip.packed
        except ValueError:
            name = host.encode("idna")
            address = b"\x03" + bytes([len(name)]) + name
        sock.sendall(b"\x05\x01\x00" + address + struct.pack("!H", port))
        _, reply, _, kind = _read(sock, 4)
        if reply != 0:
            raise ConnectionError(f"socks connect tcp {proxy.host}:{proxy.port or 1080}->"
                                  f"{host}:{port}: {REPLIES.get(reply, 'unknown error')}")
        _read(sock, {1: 4, 4: 16}.get(kind) or _read(sock, 1)[0])
        _read(sock, 2)
        return sock
    except BaseException:
        sock.close()
        raise


REPLIES = {1: "general SOCKS server failure", 2: "connection not allowed by ruleset",
           3: "network unreachable", 4: "host unreachable", 5: "connection refused",
           6: "TTL expired", 7: "command not supported", 8: "address type not supported"}


def _read(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("socks5: the proxy closed the connection")
        data += chunk
    return data


def pool_manager(proxy: Optional[str], **kw: Any) -> Any:
    """The urllib3 pool for a proxy URL (None: direct): its ProxyManager for http(s)
    proxies, a PoolManager whose connections open through socks5_connect for SOCKS."""
    import urllib3

    if not proxy:
        return urllib3.PoolManager(**kw)
    url = urllib3.util.parse_url(proxy)
    if url.scheme not in SOCKS:
        auth = urllib3.make_headers(proxy_basic_auth=unquote(url.auth)) if url.auth else None
        return urllib3.ProxyManager(proxy, proxy_headers=auth, **kw)
    manager = urllib3.PoolManager(**kw)
    manager.pool_classes_by_scheme = _socks_pools(url)
    return manager


def _socks_pools(proxy: Any) -> dict[str, Any]:
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    class Tunnelled:
        host: str
        port: int
        timeout: Any

        def _new_conn(self) -> socket.socket:
            timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
            try:
                return socks5_connect(proxy, self.host, self.port, timeout)
            except socket.timeout as e:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from e
            except OSError as e:
                raise NewConnectionError(self, f"Failed to establish a new connection: {e}") from e

    class Plain(Tunnelled, HTTPConnection):  # type: ignore[misc]
        pass

    class Secure(Tunnelled, HTTPSConnection):  # type: ignore[misc]
        pass

    class PlainPool(HTTPConnectionPool):
        ConnectionCls = Plain

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = Secure

    return {"http": PlainPool, "https": SecurePool}
