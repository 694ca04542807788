"""Which API server, credentials, TLS settings and proxy apply - decided as kubectl
(client-go's DirectClientConfig) decides them, with its refusals and its words.

Selection: --context or current-context picks a context (a named one must exist), its
cluster and user (missing ones are empty); the cluster defaults to
http://localhost:8080. Validation, before anything is sent: no two authentication
methods, a client certificate needs a key, CA file and data not both, named files
readable, a valid proxy-url. Credentials and TLS apply only to https servers. A token
file wins over an inline token and is re-read per request; a user with nothing to
identify it is prompted for a username and password, as kubectl prompts. Exec
credential plugins, auth providers and in-cluster config are left to the official
client, imported only then: importing it costs more than a whole `kubectl get`.
"""
from __future__ import annotations

import base64
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from kubectl_ijob.client.errors import ConfigInvalid
from kubectl_ijob.client.kubeconfig import Merged, data, load
from kubectl_ijob.client.proxy import check_proxy_url
from kubectl_ijob.errors import IjobError, usage

if TYPE_CHECKING:
    import ssl

    from kubectl_ijob.client.settings import Settings

DEFAULT_SERVER = "http://localhost:8080"  # kubectl's ClusterDefaults
SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass
class Endpoint:
    """An API server and how to reach it: TLS material, proxy and credentials.

    `*_data` fields hold PEM text; `auth`, when set, yields the credential headers
    (the official loader's, which refreshes exec-plugin tokens)."""

    server: str
    ca_file: Optional[str] = None
    ca_data: Optional[str] = None
    cert_file: Optional[str] = None
    cert_data: Optional[str] = None
    key_file: Optional[str] = None
    key_data: Optional[str] = None
    insecure: bool = False
    server_name: Optional[str] = None
    proxy: Optional[str] = None
    token: Optional[str] = None
    token_file: Optional[str] = None
    username: Optional[str] = None
    password: Optional[str] = None
    auth: Optional[Callable[[], dict[str, str]]] = None

    def headers(self) -> dict[str, str]:
        """The credential headers for one request: a token file wins over an inline token
        and is re-read each time (a rotated token is picked up), as kubectl does."""
        if self.auth:
            return self.auth()
        token = read_token(self.token_file) if self.token_file else self.token
        if token:
            return {"Authorization": f"Bearer {token}"}
        if self.username or self.password:
            pair = f"{self.username or ''}:{self.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return {}


def read_token(path: str) -> str:
    """A token file's token, surrounding whitespace dropped (Go's error words)."""
    try:
        return Path(path).read_text().strip()
    except OSError as e:
        raise usage(f"open {path}: {(e.strerror or str(e)).lower()}") from e


@dataclass
class Selection:
    """The context, cluster and user the flags and the kubeconfig select."""

    merged: Merged
    context: str
    cluster_name: str
    cluster: dict[str, Any]
    user_name: str
    user: dict[str, Any]


def select(s: Settings) -> Selection:
    """What --context/--cluster/--user or current-context name; refuses, as kubectl
    does, a flag naming something that does not exist and an unusable configuration."""
    merged = load(s.kubeconfig)
    flag_user, flag_cluster = getattr(s, "user", None), getattr(s, "cluster", None)
    context = s.context or merged.current
    ctx = merged.contexts.get(context, {})
    user_name = flag_user or ctx.get("user") or ""
    if flag_cluster and flag_cluster not in merged.clusters:  # kubectl checks this first
        raise usage(f'no server found for cluster "{flag_cluster}"')
    if flag_user and flag_user not in merged.users:
        raise usage(f'auth info "{flag_user}" does not exist')
    if s.context and s.context not in merged.contexts:
        raise ConfigInvalid([f"context was not found for specified context: {s.context}"])
    cluster_name = flag_cluster or ctx.get("cluster") or ""
    sel = Selection(merged, context, cluster_name,
                    {k: v for k, v in merged.clusters.get(cluster_name, {}).items()
                     if v not in (None, "", False)},
                    user_name, {k: v for k, v in merged.users.get(user_name, {}).items()
                                if v not in (None, "")})
    sel.cluster.setdefault("server", DEFAULT_SERVER)
    problems = ([f"context was not found for specified context: {context}"]
                if context and context not in merged.contexts else [])
    problems += user_problems(user_name, sel.user) + cluster_problems(cluster_name, sel.cluster)
    if len(problems) == 1 and not problems[0].startswith("context was not found"):
        raise usage(problems[0])
    if problems:
        raise ConfigInvalid(problems)
    return sel


def user_problems(name: str, u: dict[str, Any]) -> list[str]:
    """client-go's validateAuthInfo."""
    out = []
    methods = (["token"] if u.get("token") else []) + \
        (["basicAuth"] if u.get("username") or u.get("password") else [])
    if u.get("client-certificate") or u.get("client-certificate-data"):
        if u.get("client-certificate") and u.get("client-certificate-data"):
            out.append(f"client-cert-data and client-cert are both specified for {name}. "
                       "client-cert-data will override.")
        if u.get("client-key") and u.get("client-key-data"):
            out.append(f"client-key-data and client-key are both specified for {name}; "
                       "client-key-data will override")
        if not u.get("client-key") and not u.get("client-key-data"):
            out.append(f"client-key-data or client-key must be specified for {name} to use "
                       "the clientCert authentication method.")
        for key, what in (("client-certificate", "client-cert"), ("client-key", "client-key")):
            problem = _unreadable(u.get(key))
            if problem:
                out.append(f"unable to read {what} {u[key]} for {name} due to {problem}")
    if len(methods) > 1:
        out.append(f"more than one authentication method found for {name}; "
                   f"found [{' '.join(methods)}], only one is allowed")
    return out


def cluster_problems(name: str, c: dict[str, Any]) -> list[str]:
    """client-go's validateClusterInfo."""
    out = []
    bad_proxy = check_proxy_url(c["proxy-url"]) if c.get("proxy-url") else None
    if bad_proxy:
        out.append(f"invalid 'proxy-url' \"{c['proxy-url']}\" for cluster \"{name}\": {bad_proxy}")
    if c.get("certificate-authority") and c.get("certificate-authority-data"):
        out.append(f"certificate-authority-data and certificate-authority are both specified "
                   f"for {name}. certificate-authority-data will override.")
    problem = _unreadable(c.get("certificate-authority"))
    if problem:
        out.append(f"unable to read certificate-authority {c['certificate-authority']} "
                   f"for {name} due to {problem}")
    return out


def _unreadable(path: Optional[str]) -> Optional[str]:
    """Go's os.Open error for path, or None (also when path is empty)."""
    if not path:
        return None
    try:
        with open(path, "rb"):
            return None
    except OSError as e:
        return f"open {path}: {(e.strerror or str(e)).lower()}"


def server_url(server: str) -> str:
    """Go's DefaultServerURL: a server without scheme://host is reached over http."""
    return server if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/]", server) else "http://" + server


def in_cluster_possible() -> bool:
    """client-go's inClusterClientConfig.Possible."""
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST") and
                os.environ.get("KUBERNETES_SERVICE_PORT")) and (SA_DIR / "token").is_file()


def endpoint(s: Settings) -> Endpoint:
    """The endpoint kubectl would use for these flags and this environment."""
    sel = select(s)
    c, u = sel.cluster, sel.user
    if c == {"server": DEFAULT_SERVER} and not u and in_cluster_possible():
        return official_endpoint(s, sel)
    ep = Endpoint(server=server_url(c["server"]), proxy=c.get("proxy-url"))
    if not ep.server.lower().startswith("https:"):
        return ep  # kubectl sends neither credentials nor TLS settings to an http server
    if "exec" in u or "auth-provider" in u:
        return official_endpoint(s, sel)
    ep.ca_file, ep.ca_data = c.get("certificate-authority"), _pem(c, "certificate-authority-data")
    ep.insecure, ep.server_name = c.get("insecure-skip-tls-verify") is True, c.get("tls-server-name")
    ep.cert_file, ep.cert_data = u.get("client-certificate"), _pem(u, "client-certificate-data")
    ep.key_file, ep.key_data = u.get("client-key"), _pem(u, "client-key-data")
    ep.token, ep.token_file = u.get("token"), u.get("tokenFile")
    ep.username, ep.password = u.get("username"), u.get("password")
    if ep.token_file and not ep.token:
        read_token(ep.token_file)  # kubectl reads it once while loading: its error now
    if not (ep.username or ep.cert_file or ep.cert_data or ep.token or
            (ep.token_file and read_token(ep.token_file))):
        ep.username, ep.password = prompt()
    if (ep.ca_file or ep.ca_data) and ep.insecure:
        raise usage("specifying a root certificates file with the insecure flag is not allowed")
    if (ep.username or ep.password) and (ep.token or ep.token_file):
        raise usage("username/password or bearer token may be set, but not both")
    return ep


def _pem(entry: dict[str, Any], key: str) -> Optional[str]:
    raw = data(entry.get(key))
    return raw.decode("utf-8", "replace") if raw is not None else None


def prompt() -> tuple[str, str]:
    """kubectl's prompt for a user with no credentials (client-go PromptingAuthLoader):
    a username read from stdin, a password only from a terminal."""
    sys.stdout.write("Please enter Username: ")
    sys.stdout.flush()
    line = sys.stdin.readline()
    while line and not line.split():
        line = sys.stdin.readline()
    if not line:
        raise usage("EOF")
    username = line.split()[0]
    sys.stdout.write("Please enter Password: ")
    sys.stdout.flush()
    if not sys.stdin.isatty():
        raise usage("error reading input for Password")
    import getpass

    return username, getpass.getpass("")


def context_namespace(flag: Optional[str], context: Optional[str]) -> str:
    """The namespace kubectl would use without -n: the context's, else (when in-cluster
    config is possible) the pod's, else `default`."""
    from kubectl_ijob.client.settings import Settings

    sel = select(Settings(flag, context))
    ns = sel.merged.contexts.get(sel.context, {}).get("namespace")
    if ns or not in_cluster_possible():
        return ns or "default"
    if os.environ.get("POD_NAMESPACE"):
        return os.environ["POD_NAMESPACE"]
    try:
        return (SA_DIR / "namespace").read_text().strip() or "default"
    except OSError:
        return "default"


def check_usable(flag: Optional[str]) -> None:
    """Refuse, as kubectl does, kubeconfig files it cannot load (before any import)."""
    load(flag)


def context_names(flag: Optional[str]) -> list[str]:
    """Every context name in the kubeconfig(s), for completion of --context."""
    try:
        return [n for n in load(flag).contexts if n]
    except IjobError:
        return []


def official_endpoint(s: Settings, sel: Selection) -> Endpoint:
    """The endpoint as the official client sees it, for what is not read here: exec
    credential plugins, auth providers and in-cluster config."""
    from kubernetes.client import Configuration
    from kubernetes.config import load_incluster_config, load_kube_config
    from kubernetes.config.config_exception import ConfigException

    cfg = Configuration()
    try:
        if not sel.merged.files or sel.cluster == {"server": DEFAULT_SERVER}:
            load_incluster_config(client_configuration=cfg)
        else:
            load_kube_config(config_file=os.pathsep.join(sel.merged.files),
                             context=s.context or None, client_configuration=cfg,
                             persist_config=False)
    except (ConfigException, OSError, ValueError) as e:
        raise usage(str(e).rstrip(".")) from e

    def auth() -> dict[str, str]:
        # auth_settings() refreshes expiring exec-plugin tokens; the key it stores the
        # bearer header under differs between client versions.
        return {a["key"]: a["value"] for a in cfg.auth_settings().values()
                if a.get("in") == "header" and a.get("value")}

    return Endpoint(server=cfg.host, ca_file=cfg.ssl_ca_cert, cert_file=cfg.cert_file,
                    key_file=cfg.key_file, insecure=not cfg.verify_ssl,
                    server_name=getattr(cfg, "tls_server_name", None),
                    proxy=sel.cluster.get("proxy-url") or cfg.proxy, auth=auth)


def tls_context(ep: Endpoint) -> ssl.SSLContext:
    """One TLS context for requests and exec, verifying as Go's crypto/x509 does: the
    cluster's CA (else the system's), no RFC 5280 strictness (Python 3.13 turns it on and
    then refuses CAs without keyUsage, which kubectl accepts), any certificate in the CA
    bundle a trust anchor; the client certificate; or no verification when asked."""
    import ssl
    import tempfile

    import urllib3

    try:
        ctx = ssl.create_default_context(cafile=ep.ca_file, cadata=ep.ca_data) \
            if ep.ca_file or ep.ca_data else ssl.create_default_context()
    except (ssl.SSLError, ValueError) as e:
        raise usage("unable to load root certificates: unable to parse bytes as PEM block") from e
    ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT
    ctx.verify_flags |= getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0)
    if ep.insecure:  # kubectl warns of nothing here, so neither does urllib3
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if ep.cert_file or ep.cert_data:
        with tempfile.TemporaryDirectory() as tmp:  # ssl loads key pairs from files only
            cert = ep.cert_file or _write(tmp, "cert", ep.cert_data or "")
            key = ep.key_file or (_write(tmp, "key", ep.key_data) if ep.key_data else None)
            try:
                ctx.load_cert_chain(cert, key)
            except (ssl.SSLError, OSError) as e:  # Go's tls.X509KeyPair words
                raise usage("tls: private key does not match public key" if "MISMATCH" in str(e)
                            else "tls: failed to find any PEM data in certificate input") from e
    return ctx


def _write(directory: str, name: str, text: str) -> str:
    """A file only this user can read, removed with its directory once loaded."""
    p = os.path.join(directory, name)
    with open(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(text)
    return p
