"""The kubeconfig reader that spares most commands the official client's import.

What it reads is checked against a real TLS server that demands a client certificate
(certificates made by openssl): CA and client material as files (relative to their
kubeconfig) and as data, tls-server-name, insecure-skip-tls-verify. What it leaves to
the official loader (exec plugins, auth providers, in-cluster) goes there; the
exec-plugin path itself runs against the real cluster in tests/e2e/test_plugin.py.
Whether all of it agrees with kubectl is tests/parity's question (kubectl as oracle).
"""
from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from kubectl_ijob.client import config
from kubectl_ijob.client.errors import ConfigInvalid, Unreachable
from kubectl_ijob.client.settings import Settings
from kubectl_ijob.client.transport import Client as Kube
from kubectl_ijob.errors import UsageError
from kubectl_ijob.render.errors import error_line

JOB = {"kind": "Job", "metadata": {"name": "x"}}


def kubeconfig(path: Path, cluster: dict, user: dict, **extra) -> str:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "a",
        "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [{"name": "c", "cluster": cluster}], "users": [{"name": "u", "user": user}],
        **extra}))
    return str(path)


def endpoint(path, context=None):
    return config.endpoint(Settings(path, context))


def test_plain_token_context(tmp_path):
    ep = endpoint(kubeconfig(tmp_path / "k", {"server": "https://h:6443"}, {"token": "abc"}), None)
    assert ep is not None and ep.server == "https://h:6443"
    assert ep.headers() == {"Authorization": "Bearer abc"}


def test_basic_auth_and_a_user_without_credentials_is_prompted(tmp_path, monkeypatch, capsys):
    import io

    ep = endpoint(kubeconfig(tmp_path / "k", {"server": "https://h"},
                             {"username": "ann", "password": "pw"}), None)
    assert ep.headers() == {"Authorization": "Basic " + base64.b64encode(b"ann:pw").decode()}
    anonymous = kubeconfig(tmp_path / "k2", {"server": "https://h"}, {})
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(UsageError, match=r"^EOF$"):  # kubectl's words with nothing on stdin
        endpoint(anonymous)
    monkeypatch.setattr("sys.stdin", io.StringIO("\nann\n"))
    with pytest.raises(UsageError, match=r"^error reading input for Password$"):  # not a tty
        endpoint(anonymous)
    assert capsys.readouterr().out.endswith("Please enter Username: Please enter Password: ")
    assert endpoint(kubeconfig(tmp_path / "k3", {"server": "http://h"}, {})).headers() == {}


def test_token_file_is_read_per_request_relative_to_its_kubeconfig(tmp_path):
    (tmp_path / "tok").write_text("one\n")
    ep = endpoint(kubeconfig(tmp_path / "k", {"server": "https://h"}, {"tokenFile": "tok"}), None)
    assert ep.headers() == {"Authorization": "Bearer one"}
    (tmp_path / "tok").write_text("two\n")  # rotated, as a projected service-account token is
    assert ep.headers() == {"Authorization": "Bearer two"}
    (tmp_path / "tok").unlink()
    with pytest.raises(UsageError, match=r"^open .*tok: no such file or directory$"):
        ep.headers()


def test_a_token_file_wins_over_an_inline_token_and_http_gets_no_credentials(tmp_path):
    (tmp_path / "tok").write_text("from-file\n")
    user = {"token": "inline", "tokenFile": "tok"}
    assert endpoint(kubeconfig(tmp_path / "k", {"server": "https://h"}, user)).headers() == \
        {"Authorization": "Bearer from-file"}
    assert endpoint(kubeconfig(tmp_path / "k2", {"server": "http://h"}, user)).headers() == {}


@pytest.mark.parametrize("user", [
    {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "x"}},
    {"auth-provider": {"name": "oidc"}},
])
def test_what_the_official_loader_does_is_left_to_it(tmp_path, monkeypatch, user):
    monkeypatch.setattr(config, "official_endpoint", lambda s, sel: "official")
    assert endpoint(kubeconfig(tmp_path / "k", {"server": "https://h"}, user)) == "official"


def test_gaps_and_bad_fields_are_worded_as_kubectl_words_them(tmp_path):
    missing_cluster = kubeconfig(tmp_path / "k", {"server": "https://h"}, {"token": "t"})
    doc = yaml.safe_load(Path(missing_cluster).read_text())
    doc["contexts"][0]["context"]["cluster"] = "gone"
    Path(missing_cluster).write_text(yaml.safe_dump(doc))
    assert endpoint(missing_cluster).server == "http://localhost:8080"  # kubectl's default
    assert endpoint(kubeconfig(tmp_path / "k2", {}, {"token": "t"})).server == "http://localhost:8080"
    with pytest.raises(ConfigInvalid, match="^context was not found for specified context: other"):
        endpoint(kubeconfig(tmp_path / "k3", {"server": "https://h"}, {"token": "t"}), "other")
    with pytest.raises(UsageError, match="illegal base64 data at input byte 0$"):
        endpoint(kubeconfig(tmp_path / "k4", {"server": "https://h",
                                              "certificate-authority-data": "%%"}, {}))
    with pytest.raises(UsageError, match=r"json: cannot unmarshal array into Go struct field "
                                         r"AuthInfo.users.user.token of type string$"):
        endpoint(kubeconfig(tmp_path / "k5", {"server": "https://h"}, {"token": ["x"]}))


def test_merged_files_first_definition_wins_and_paths_stay_relative_to_their_file(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "ca.crt").write_text("")  # kubectl refuses files it cannot open
    (tmp_path / "b" / "~").mkdir()
    (tmp_path / "b" / "u.crt").write_text("")
    (tmp_path / "b" / "~" / "u.key").write_text("")
    first = kubeconfig(tmp_path / "a" / "config", {"server": "https://first",
                                                  "certificate-authority": "ca.crt"}, {"token": "1"})
    second = kubeconfig(tmp_path / "b" / "config", {"server": "https://second"},
                        {"client-certificate": "u.crt", "client-key": "~/u.key"},
                        **{"current-context": "b"})
    doc = yaml.safe_load(Path(second).read_text())
    doc["contexts"] = [{"name": "b", "context": {"cluster": "c", "user": "u2"}}]
    doc["users"][0]["name"] = "u2"
    Path(second).write_text(yaml.safe_dump(doc))
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([first, second]))
    ep = endpoint(None, None)  # current-context a (first file), its cluster c, user u
    assert (ep.server, ep.ca_file, ep.token) == ("https://first", str(tmp_path / "a" / "ca.crt"), "1")
    ep = endpoint(None, "b")  # cluster c is still the first file's; user u2 the second's
    assert ep.server == "https://first"
    assert ep.cert_file == str(tmp_path / "b" / "u.crt")
    assert ep.key_file == str(tmp_path / "b" / "~" / "u.key")  # no ~ expansion, as kubectl


# ------------------------------------------------------------------ real TLS


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A CA, a server certificate for the name `kubernetes` only, and a client certificate."""
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
            "-keyout", "ca.key", "-out", "ca.crt", cwd=d)
    for name, ext in (("server", "subjectAltName=DNS:kubernetes"), ("client", "extendedKeyUsage=clientAuth")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}-ann",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
        (d / f"{name}.ext").write_text(ext + "\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other-ca",
            "-keyout", "other.key", "-out", "other.crt", cwd=d)
    return d


@pytest.fixture(scope="module")
def https(pki):
    """An HTTPS server that demands a client certificate from the test CA and answers
    every GET with a Job whose name is the client certificate's common name."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            cn = dict(x[0] for x in self.connection.getpeercert()["subject"])["commonName"]
            data = json.dumps({**JOB, "metadata": {"name": cn}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki / "ca.crt"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT  # as the (Go) API server: 3.13 defaults to strict
    ctx.load_cert_chain(str(pki / "server.crt"), str(pki / "server.key"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_port}"
    server.shutdown()


def b64(p: Path) -> str:
    return base64.b64encode(p.read_bytes()).decode()


def test_client_certificate_files_relative_to_the_kubeconfig(tmp_path, pki, https):
    (tmp_path / "pki").symlink_to(pki)
    kc = kubeconfig(tmp_path / "k", {"server": https, "certificate-authority": "pki/ca.crt",
                                      "tls-server-name": "kubernetes"},
                    {"client-certificate": "pki/client.crt", "client-key": "pki/client.key"})
    assert Kube(Settings(kc, namespace="ns")).get_job("x")["metadata"]["name"] == "client-ann"


def test_client_certificate_data(tmp_path, pki, https):
    kc = kubeconfig(tmp_path / "k", {"server": https, "certificate-authority-data": b64(pki / "ca.crt"),
                                      "tls-server-name": "kubernetes"},
                    {"client-certificate-data": b64(pki / "client.crt"),
                     "client-key-data": b64(pki / "client.key")})
    assert Kube(Settings(kc, namespace="ns")).get_job("x")["metadata"]["name"] == "client-ann"


def test_insecure_skip_tls_verify(tmp_path, pki, https):
    kc = kubeconfig(tmp_path / "k", {"server": https, "insecure-skip-tls-verify": True},
                    {"client-certificate-data": b64(pki / "client.crt"),
                     "client-key-data": b64(pki / "client.key")})
    assert Kube(Settings(kc, namespace="ns")).get_job("x")["metadata"]["name"] == "client-ann"


@pytest.mark.parametrize("cluster", [
    {"certificate-authority": "CA"},  # the right CA, but the server is not named 127.0.0.1
    {"certificate-authority": "OTHER", "tls-server-name": "kubernetes"},  # an unknown CA
])
def test_unverifiable_server_is_refused_in_kubectl_words(tmp_path, pki, https, cluster):
    paths = {"CA": str(pki / "ca.crt"), "OTHER": str(pki / "other.crt")}
    cluster = {k: paths.get(v, v) for k, v in cluster.items()}
    kc = kubeconfig(tmp_path / "k", {"server": https, **cluster},
                    {"client-certificate": str(pki / "client.crt"), "client-key": str(pki / "client.key")})
    with pytest.raises(Unreachable) as e:
        Kube(Settings(kc, namespace="ns")).get_job("x")
    assert error_line(e.value).startswith("Unable to connect to the server: tls: ")
    assert "CERTIFICATE_VERIFY_FAILED" in e.value.message
    assert isinstance(e.value.__cause__, Exception)  # chained to the transport's error


def test_unreadable_client_key_is_a_kubeconfig_error(tmp_path, pki):
    kc = kubeconfig(tmp_path / "k", {"server": "https://127.0.0.1:1"},
                    {"client-certificate": str(pki / "client.crt"), "client-key": "missing.key"})
    with pytest.raises(UsageError, match=r"^unable to read client-key .*missing.key for u due to "
                                         r"open .*: no such file or directory$"):
        Kube(Settings(kc, namespace="ns"))


def test_requests_with_a_plain_kubeconfig_never_import_the_official_client(tmp_path, pki, https):
    kc = kubeconfig(tmp_path / "k", {"server": https, "certificate-authority": str(pki / "ca.crt"),
                                      "tls-server-name": "kubernetes"},
                    {"client-certificate": str(pki / "client.crt"), "client-key": str(pki / "client.key")})
    code = ("import sys; from kubectl_ijob.client.transport import Client, Settings\n"
            f"print(Client(Settings({kc!r}, namespace='ns')).get_job('x')['metadata']['name'])\n"
            "print('KUBERNETES' if 'kubernetes' in sys.modules else 'CLEAN')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["client-ann", "CLEAN"], out.stderr


# ------------------------------------------------------------------ proxy from the environment

@pytest.mark.parametrize("server,env,want", [
    ("https://api.example.com:6443", {"HTTPS_PROXY": "http://p:3128"}, "http://p:3128"),
    ("https://api.example.com", {"https_proxy": "p:3128"}, "http://p:3128"),  # scheme added
    ("https://api.example.com", {"HTTP_PROXY": "http://p:3128"}, None),  # the other scheme's
    ("http://api.example.com", {"HTTP_PROXY": "http://p:3128"}, "http://p:3128"),
    ("https://localhost:6443", {"HTTPS_PROXY": "http://p"}, None),  # never for loopback
    ("https://127.0.0.1:6443", {"HTTPS_PROXY": "http://p"}, None),
    ("https://[::1]:6443", {"HTTPS_PROXY": "http://p"}, None),
    ("https://api.example.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "*"}, None),
    ("https://api.example.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "other.org, example.com"}, None),
    ("https://example.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": ".example.com"}, "http://p"),
    ("https://a.example.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "*.example.com"}, None),
    ("https://notexample.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"}, "http://p"),
    ("https://10.1.2.3:6443", {"HTTPS_PROXY": "http://p", "no_proxy": "10.0.0.0/8"}, None),
    ("https://10.1.2.3:6443", {"HTTPS_PROXY": "http://p", "NO_PROXY": "10.1.2.3"}, None),
    ("https://11.1.2.3:6443", {"HTTPS_PROXY": "http://p", "NO_PROXY": "10.0.0.0/8"}, "http://p"),
    ("https://api.example.com:6443", {"HTTPS_PROXY": "http://p", "NO_PROXY": "api.example.com:6443"}, None),
    ("https://api.example.com:6443", {"HTTPS_PROXY": "http://p", "NO_PROXY": "api.example.com:443"}, "http://p"),
    ("https://[fd00::1]:6443", {"HTTPS_PROXY": "http://p", "NO_PROXY": "[fd00::1]:6443"}, None),
    ("https://[fd00::1]:6443", {"HTTPS_PROXY": "http://p", "NO_PROXY": "fd00::/16"}, None),
])
def test_env_proxy_follows_gos_proxy_from_environment(monkeypatch, server, env, want):
    from kubectl_ijob.client.proxy import env_proxy

    for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert env_proxy(server) == want
