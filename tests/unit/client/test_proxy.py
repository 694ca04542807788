"""Proxy choice and the SOCKS5 client; tests/parity holds both to real kubectl."""
from __future__ import annotations

import socket
import struct
import threading

import pytest
import urllib3

from kubectl_ijob.client.proxy import check_proxy_url, socks5_connect


@pytest.mark.parametrize("url,problem", [  # client-go's TestProxyURL, with clientcmd's words
    ("socks5://example.com", None),
    ("https://example.com", None),
    ("http://example.com", None),
    ("socks6://example.com", 'unsupported scheme "socks6", must be http, https, or socks5'),
    ("socks5h://example.com", 'unsupported scheme "socks5h", must be http, https, or socks5'),
    ("example.com", 'unsupported scheme "", must be http, https, or socks5'),
    ("chewbacca@example.com", 'unsupported scheme "", must be http, https, or socks5'),
    ("127.0.0.1:3128", "could not parse: 127.0.0.1:3128"),
])
def test_proxy_url_is_checked_as_clientcmd_checks_it(url, problem):
    assert check_proxy_url(url) == problem


def _one_socks_server(replies: list[bytes], seen: list[bytes]) -> int:
    """A SOCKS5 server for one connection: records what arrives, answers from replies."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            for reply in replies:
                seen.append(conn.recv(512))
                conn.sendall(reply)
            conn.sendall(b"tunnel")
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_socks5_hands_the_name_to_the_proxy_with_credentials():
    seen: list[bytes] = []
    port = _one_socks_server([b"\x05\x02", b"\x01\x00",
                              b"\x05\x00\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", 443)], seen)
    proxy = urllib3.util.parse_url(f"socks5://us%40r:pw@127.0.0.1:{port}")
    with socks5_connect(proxy, "api.example.com", 6443, 5) as sock:
        assert sock.recv(6) == b"tunnel"
    assert seen == [b"\x05\x02\x00\x02", b"\x01\x04us@r\x02pw",
                    b"\x05\x01\x00\x03\x0fapi.example.com" + struct.pack("!H", 6443)]


def test_socks5_refusal_is_a_connection_error():
    seen: list[bytes] = []
    port = _one_socks_server([b"\x05\x00", b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"], seen)
    proxy = urllib3.util.parse_url(f"socks5://127.0.0.1:{port}")
    with pytest.raises(ConnectionError, match="connection refused"):
        socks5_connect(proxy, "10.0.0.1", 443, 5)
    assert seen[1] == b"\x05\x01\x00\x01\x0a\x00\x00\x01" + struct.pack("!H", 443)  # an IP as IP
