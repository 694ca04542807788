"""Exec (the websocket) goes where REST goes: the same proxy, TLS name and credentials.

kubectl's exec path needs a running pod, so the oracle here is the REST parity table:
what test_parity.py shows kubectl doing for a kubeconfig (direct, HTTP CONNECT proxy,
SOCKS5 proxy-url or HTTPS_PROXY=socks5://, which is given the name unresolved), the
plugin's exec must do too.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_ijob.client.settings import Settings
from kubectl_ijob.client.transport import Client
from tests.parity.harness import World, config


@pytest.mark.parametrize("route", ["direct", "http-proxy-url", "socks5-proxy-url", "socks5-env"])
def test_exec_takes_the_proxy_and_credentials_rest_takes(route: str, world: World, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(k, raising=False)
    host = "127.0.0.1" if route == "direct" else "a.parity.test"
    cluster = {"server": world.a.url(host), "certificate-authority": str(world.pki.ca.cert_file)}
    if route == "http-proxy-url":
        cluster["proxy-url"] = world.http_proxy.url(auth="pu:pp")
    elif route == "socks5-proxy-url":
        cluster["proxy-url"] = world.socks_proxy.url(auth="su:sp")
    elif route == "socks5-env":
        monkeypatch.setenv("HTTPS_PROXY", world.socks_proxy.url())
    kc = config(tmp_path, clusters=cluster, users={"token": "exec-tok"})
    world.log.clear()
    result = Client(Settings(str(kc), namespace="ns")).exec("pod-0", ["true"], timeout=10)
    requests, _, tunnels = world.log.snapshot()
    assert (result.code, result.stdout, result.error) == (0, "ok\n", None)
    assert [(r.sni, r.authorization) for r in requests if "/exec" in r.path] == \
        [(None if route == "direct" else "a.parity.test", "Bearer exec-tok")]
    want = {"direct": [], "http-proxy-url": [("http-proxy", f"a.parity.test:{world.a.port}", "pu:pp")],
            "socks5-proxy-url": [("socks-proxy", f"a.parity.test:{world.a.port}", "su:sp")],
            "socks5-env": [("socks-proxy", f"a.parity.test:{world.a.port}", None)]}[route]
    assert tunnels == want
