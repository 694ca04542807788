"""The parity table: each case is a kubeconfig plus environment given to both tools.

Each function returns the flags and environment both tools get; test_parity.py runs
kubectl and the plugin on it and compares what reached the servers and proxies.
Cases whose known plugin difference is not fixed yet carry `xfail` with the reason.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from tests.parity.harness import Setup, World, config

CASES: dict[str, Callable[[World, Path], Setup]] = {}
XFAIL: dict[str, str] = {}


def case(name: str, xfail: str = "") -> Callable[[Callable[[World, Path], Setup]], Any]:
    def register(fn: Callable[[World, Path], Setup]) -> Callable[[World, Path], Setup]:
        CASES[name] = fn
        if xfail:
            XFAIL[name] = xfail
        return fn
    return register


def tls(w: World, **extra: Any) -> dict[str, Any]:
    """Cluster `a` with the realistic CA as a file."""
    return {"server": w.a.url(), "certificate-authority": str(w.pki.ca.cert_file), **extra}


def one(d: Path, cluster_: dict[str, Any], user_: dict[str, Any], **ctx: Any) -> Setup:
    """A single-context kubeconfig passed with --kubeconfig (ctx: the context's fields)."""
    path = config(d, clusters=cluster_, users=user_,
                  contexts={"cluster": "c", "user": "u", **ctx})
    return Setup(["--kubeconfig", str(path)])


TOKEN = {"token": "tok-inline"}

# ---------------------------------------------------------------- credentials


@case("token")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), TOKEN)


@case("token-file-relative")
def _(w: World, d: Path) -> Setup:
    (d / "secrets").mkdir()
    (d / "secrets" / "tok").write_text("tok-from-file\n")
    return one(d, tls(w), {"tokenFile": "secrets/tok"})


@case("token-and-token-file")
def _(w: World, d: Path) -> Setup:
    (d / "tok").write_text("tok-from-file\n")
    return one(d, tls(w), {"token": "tok-inline", "tokenFile": str(d / "tok")})


@case("token-file-missing")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), {"tokenFile": str(d / "no-such-token")})


@case("basic-auth")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), {"username": "ann", "password": "s3cret"})


@case("basic-auth-and-token")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), {"username": "ann", "password": "s3cret", "token": "tok-inline"})


@case("anonymous")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), {})


@case("client-cert-files")
def _(w: World, d: Path) -> Setup:
    c = w.pki.client
    return one(d, tls(w), {"client-certificate": str(c.cert_file), "client-key": str(c.key_file)})


@case("client-cert-data")
def _(w: World, d: Path) -> Setup:
    c = w.pki.client2
    return one(d, tls(w), {"client-certificate-data": c.cert_b64, "client-key-data": c.key_b64})


@case("client-cert-relative")
def _(w: World, d: Path) -> Setup:
    c = w.pki.client
    (d / "kc" / "pki").mkdir(parents=True)
    (d / "kc" / "pki" / "c.crt").write_text(c.cert_pem)
    (d / "kc" / "pki" / "c.key").write_text(c.key_pem)
    (d / "kc" / "pki" / "ca.crt").write_text(w.pki.ca.cert_pem)
    path = config(d / "kc", clusters={"server": w.a.url(), "certificate-authority": "pki/ca.crt"},
                  users={"client-certificate": "pki/c.crt", "client-key": "pki/c.key"})
    return Setup(["--kubeconfig", str(path)])


@case("client-cert-and-token")
def _(w: World, d: Path) -> Setup:
    c = w.pki.client
    return one(d, tls(w), {"client-certificate": str(c.cert_file),
                           "client-key": str(c.key_file), "token": "tok-inline"})


@case("client-cert-without-key")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), {"client-certificate": str(w.pki.client.cert_file)})


@case("client-cert-file-missing")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), {"client-certificate": str(d / "nope.crt"),
                           "client-key": str(w.pki.client.key_file)})


# ---------------------------------------------------------------- server verification


@case("ca-data")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.a.url(), "certificate-authority-data": w.pki.ca.cert_b64}, TOKEN)


@case("ca-without-key-usage-file")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.nku.url(), "certificate-authority": str(w.pki.ca_nku.cert_file)},
               TOKEN)


@case("ca-without-key-usage-data")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.nku.url(), "certificate-authority-data": w.pki.ca_nku.cert_b64},
               TOKEN)


@case("ca-wrong")
def _(w: World, d: Path) -> Setup:
    assert w.pki.other_ca
    return one(d, {"server": w.a.url(), "certificate-authority": str(w.pki.other_ca.cert_file)},
               TOKEN)


@case("ca-none-self-signed-server")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.a.url()}, TOKEN)


@case("ca-file-missing")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.a.url(), "certificate-authority": str(d / "nope.crt")}, TOKEN)


@case("ca-data-and-file")
def _(w: World, d: Path) -> Setup:
    assert w.pki.other_ca
    return one(d, {"server": w.a.url(), "certificate-authority-data": w.pki.ca.cert_b64,
                   "certificate-authority": str(w.pki.other_ca.cert_file)}, TOKEN)


@case("tls-server-name")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.named.url(), "certificate-authority": str(w.pki.ca.cert_file),
                   "tls-server-name": "api.internal.test"}, TOKEN)


@case("name-mismatch-without-tls-server-name")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.named.url(), "certificate-authority": str(w.pki.ca.cert_file)},
               TOKEN)


@case("sni-for-a-dns-name")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w, server=w.a.url("localhost")), TOKEN)


@case("insecure-alone")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.named.url(), "insecure-skip-tls-verify": True}, TOKEN)


@case("insecure-false-with-ca")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w, **{"insecure-skip-tls-verify": False}), TOKEN)


@case("insecure-with-ca-file")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w, **{"insecure-skip-tls-verify": True}), TOKEN)


@case("insecure-with-ca-data")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.a.url(), "insecure-skip-tls-verify": True,
                   "certificate-authority-data": w.pki.ca.cert_b64}, TOKEN)


@case("insecure-with-client-cert")
def _(w: World, d: Path) -> Setup:
    c = w.pki.client
    return one(d, {"server": w.a.url(), "insecure-skip-tls-verify": True},
               {"client-certificate": str(c.cert_file), "client-key": str(c.key_file)})


@case("plain-http")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.plain.url()}, TOKEN)


@case("server-with-path")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w, server=w.a.url() + "/prefix"), TOKEN)


@case("server-with-trailing-slash")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w, server=w.a.url() + "/"), TOKEN)


@case("server-without-scheme-with-ca")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w, server=f"127.0.0.1:{w.a.port}"), TOKEN)


@case("server-missing")
def _(w: World, d: Path) -> Setup:
    return one(d, {"certificate-authority": str(w.pki.ca.cert_file)}, TOKEN)


@case("job-not-found")
def _(w: World, d: Path) -> Setup:
    s = one(d, tls(w), TOKEN)
    s.job = "nope"
    return s


@case("username-without-password")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), {"username": "ann"})


@case("password-without-username")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), {"password": "s3cret"})


@case("empty-token")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), {"token": ""})


@case("basic-auth-and-token-file")
def _(w: World, d: Path) -> Setup:
    (d / "tok").write_text("tok-from-file\n")
    return one(d, tls(w), {"username": "ann", "password": "s3cret", "tokenFile": str(d / "tok")})


@case("client-cert-file-and-data")
def _(w: World, d: Path) -> Setup:
    c, c2 = w.pki.client, w.pki.client2
    return one(d, tls(w), {"client-certificate": str(c.cert_file),
                           "client-certificate-data": c2.cert_b64, "client-key-data": c2.key_b64})


@case("ca-data-not-pem")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.a.url(), "certificate-authority-data": "bm90IGEgY2VydA=="}, TOKEN)


@case("ca-data-bad-base64")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.a.url(), "certificate-authority-data": "!!!"}, TOKEN)


@case("insecure-as-a-string")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.a.url(), "insecure-skip-tls-verify": "true"}, TOKEN)


@case("several-problems-at-once")
def _(w: World, d: Path) -> Setup:
    return one(d, {"server": w.a.url(), "certificate-authority": str(d / "nope"),
                   "certificate-authority-data": w.pki.ca.cert_b64},
               {"token": "t", "username": "u", "password": "p"})


@case("plain-http-client-cert")
def _(w: World, d: Path) -> Setup:
    c = w.pki.client
    return one(d, {"server": w.plain.url()}, {"client-certificate": str(c.cert_file),
                                              "client-key": str(c.key_file)})
