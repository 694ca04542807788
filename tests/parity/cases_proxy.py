"""Parity cases about proxies: the kubeconfig's proxy-url and the environment.

Servers named *.parity.test resolve nowhere: only a proxy (which forwards every target
to 127.0.0.1) reaches them, so a request that was meant to go through a proxy and did
not fails, and a SOCKS client that resolves the name itself fails too, as kubectl
(Go, which always hands the name to a SOCKS5 proxy) does not.
"""
from __future__ import annotations

from pathlib import Path

from tests.parity.cases import TOKEN, case, one, tls
from tests.parity.harness import Setup, World


def remote(w: World, host: str = "a.parity.test", **extra: object) -> dict[str, object]:
    return tls(w, server=w.a.url(host), **extra)


@case("proxy-url-http")
def _(w: World, d: Path) -> Setup:
    return one(d, remote(w, **{"proxy-url": w.http_proxy.url()}), TOKEN)


@case("proxy-url-http-with-credentials")
def _(w: World, d: Path) -> Setup:
    return one(d, remote(w, **{"proxy-url": w.http_proxy.url(auth="pu:p%40ss")}), TOKEN)


@case("proxy-url-socks5")
def _(w: World, d: Path) -> Setup:
    return one(d, remote(w, **{"proxy-url": w.socks_proxy.url()}), TOKEN)


@case("proxy-url-socks5-with-credentials")
def _(w: World, d: Path) -> Setup:
    return one(d, remote(w, **{"proxy-url": w.socks_proxy.url(auth="su:sp")}), TOKEN)


@case("proxy-url-socks5-client-cert")
def _(w: World, d: Path) -> Setup:
    c = w.pki.client
    return one(d, remote(w, **{"proxy-url": w.socks_proxy.url()}),
               {"client-certificate": str(c.cert_file), "client-key": str(c.key_file)})


@case("proxy-url-for-loopback-server")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w, **{"proxy-url": w.http_proxy.url()}), TOKEN)


@case("proxy-url-beats-environment")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w, **{"proxy-url": w.socks_proxy.url()}), TOKEN)
    s.env = {"HTTPS_PROXY": w.http_proxy.url()}
    return s


@case("proxy-url-bad-scheme")
def _(w: World, d: Path) -> Setup:
    return one(d, remote(w, **{"proxy-url": "socks6://127.0.0.1:1"}), TOKEN)


@case("proxy-url-without-scheme")
def _(w: World, d: Path) -> Setup:
    return one(d, remote(w, **{"proxy-url": f"127.0.0.1:{w.http_proxy.port}"}), TOKEN)


@case("env-https-proxy-http")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.http_proxy.url()}
    return s


@case("env-https-proxy-lowercase")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"https_proxy": w.http_proxy.url(auth="lc:pw")}
    return s


@case("env-https-proxy-without-scheme")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": f"127.0.0.1:{w.http_proxy.port}"}
    return s


@case("env-https-proxy-socks5")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.socks_proxy.url()}
    return s


@case("env-https-proxy-socks5-with-credentials")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.socks_proxy.url(auth="esu:esp")}
    return s


@case("env-http-proxy-only-for-https-server")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTP_PROXY": w.http_proxy.url()}
    return s


@case("env-proxy-skips-loopback")
def _(w: World, d: Path) -> Setup:
    s = one(d, tls(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.http_proxy.url()}
    return s


@case("env-proxy-skips-localhost")
def _(w: World, d: Path) -> Setup:
    s = one(d, tls(w, server=w.a.url("localhost")), TOKEN)
    s.env = {"HTTPS_PROXY": w.http_proxy.url()}
    return s


@case("no-proxy-domain")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.http_proxy.url(), "NO_PROXY": "parity.test"}
    return s


@case("no-proxy-other-domains")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.socks_proxy.url(), "NO_PROXY": "other.test,.example.com,10.0.0.0/8"}
    return s


@case("no-proxy-star")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.http_proxy.url(), "no_proxy": "*"}
    return s


@case("no-proxy-host-and-port")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.http_proxy.url(), "NO_PROXY": f"a.parity.test:{w.a.port}"}
    return s


@case("no-proxy-other-port")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.http_proxy.url(), "NO_PROXY": "a.parity.test:1"}
    return s


@case("no-proxy-does-not-affect-proxy-url")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w, **{"proxy-url": w.http_proxy.url()}), TOKEN)
    s.env = {"NO_PROXY": "*"}
    return s


@case("proxy-url-socks5h")
def _(w: World, d: Path) -> Setup:
    return one(d, remote(w, **{"proxy-url": w.socks_proxy.url("socks5h")}), TOKEN)



@case("env-https-proxy-socks5h")
def _(w: World, d: Path) -> Setup:
    s = one(d, remote(w), TOKEN)
    s.env = {"HTTPS_PROXY": w.socks_proxy.url("socks5h")}
    return s
