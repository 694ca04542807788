"""Which kubeconfig, context, namespace and API endpoint apply, read without the
kubernetes client.

kubectl's order: --kubeconfig, else every file in $KUBECONFIG (read at call time,
`a:b` lists merged, first definition wins), else ~/.kube/config. The namespace is
-n, else the context's namespace, else the in-cluster service account's, else
`default`. Keeping this free of `kubernetes` lets commands start fast: importing the
official client costs more than a whole `kubectl get`, so it is loaded only for what
this module does not read itself (exec plugins, auth providers, in-cluster config,
kubeconfigs with gaps, whose errors it words).
"""
from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from kubectl_ijob.errors import usage

# kubectl's words (clientcmd.ErrEmptyConfig) for a kubeconfig that defines nothing.
EMPTY_CONFIG = ("invalid configuration: no configuration has been provided, "
                "try setting KUBERNETES_MASTER environment variable")
SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def resolve_path(flag: Optional[str]) -> Optional[str]:
    """The kubeconfig path(s) to load, `os.pathsep`-joined, or None when there is none."""
    if flag:
        if not os.path.exists(flag):
            raise usage(f"stat {flag}: no such file or directory")
        return flag
    env = os.environ.get("KUBECONFIG")
    if env:
        present = [p for p in env.split(os.pathsep) if p and os.path.exists(p)]
        return os.pathsep.join(present) if present else None
    default = Path.home() / ".kube" / "config"
    return str(default) if default.exists() else None


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
        """The credential headers for one request (a token file is re-read, as kubectl does)."""
        if self.auth:
            return self.auth()
        token = self.token
        if not token and self.token_file:
            try:
                token = Path(self.token_file).read_text().strip()
            except OSError as e:
                raise usage(f"cannot read token file {self.token_file}: {e.strerror or e}") from e
        if token:
            return {"Authorization": f"Bearer {token}"}
        if self.username is not None and self.password is not None:
            pair = f"{self.username}:{self.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return {}


# The user and cluster keys read here; any other key (exec, auth-provider, ...) sends the
# kubeconfig to the official loader.
USER_KEYS = {"token", "tokenFile", "username", "password", "client-certificate",
             "client-certificate-data", "client-key", "client-key-data"}
CLUSTER_KEYS = {"server", "certificate-authority", "certificate-authority-data",
                "insecure-skip-tls-verify", "tls-server-name", "proxy-url", "extensions",
                "disable-compression"}


def endpoint(flag: Optional[str], context: Optional[str]) -> Optional[Endpoint]:
    """The endpoint a complete, plain kubeconfig context names, or None to leave it to
    the official loader (no kubeconfig, exec plugins, auth providers, anything missing)."""
    path = resolve_path(flag)
    if path is None:
        return None
    files = [(p, _load_one(p)) for p in path.split(os.pathsep)]
    current = context or next((d.get("current-context") for _, d in files
                               if d.get("current-context")), None)
    ctx = _entry(files, "contexts", "context", current)
    if ctx is None or not isinstance(ctx[1], dict):
        return None
    cluster = _entry(files, "clusters", "cluster", ctx[1].get("cluster"))
    user = _entry(files, "users", "user", ctx[1].get("user")) if ctx[1].get("user") \
        else (Path("."), {})
    if cluster is None or user is None:
        return None
    return plain_endpoint(cluster, user)


def plain_endpoint(cluster: tuple[Path, Any], user: tuple[Path, Any]) -> Optional[Endpoint]:
    """An Endpoint from one cluster and one user entry (each with the directory its
    relative paths are relative to), or None if they hold anything not read here."""
    (cdir, c), (udir, u) = cluster, user
    if not isinstance(c, dict) or not isinstance(u, dict) or not isinstance(c.get("server"), str) \
            or set(c) - CLUSTER_KEYS or set(u) - USER_KEYS \
            or not all(isinstance(v, str) for k, v in {**c, **u}.items()
                       if k not in ("insecure-skip-tls-verify", "extensions", "disable-compression")):
        return None

    def file(d: Path, value: Optional[str]) -> Optional[str]:
        return str(d / os.path.expanduser(value)) if value else None

    def data(value: Optional[str]) -> Optional[str]:
        return base64.b64decode("".join(value.split()), validate=True).decode() if value else None

    try:
        return Endpoint(
            server=c["server"], ca_file=file(cdir, c.get("certificate-authority")),
            ca_data=data(c.get("certificate-authority-data")),
            cert_file=file(udir, u.get("client-certificate")),
            cert_data=data(u.get("client-certificate-data")),
            key_file=file(udir, u.get("client-key")), key_data=data(u.get("client-key-data")),
            insecure=c.get("insecure-skip-tls-verify") is True,
            server_name=c.get("tls-server-name"), proxy=c.get("proxy-url"),
            token=u.get("token"), token_file=file(udir, u.get("tokenFile")),
            username=u.get("username"), password=u.get("password"))
    except ValueError:  # bad base64: the official loader words it
        return None


def env_proxy(server: str) -> Optional[str]:
    """The proxy kubectl takes from the environment for server (Go's ProxyFromEnvironment):
    HTTPS_PROXY or HTTP_PROXY by scheme, never for localhost, loopback addresses or a
    NO_PROXY match (`*`, a domain and its subdomains, `.domain`, an IP, a CIDR, `:port`)."""
    name = "HTTPS_PROXY" if server.startswith("https:") else "HTTP_PROXY"
    proxy = os.environ.get(name) or os.environ.get(name.lower())
    if not proxy:
        return None
    import ipaddress
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
    import ipaddress

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


def _entry(files: list[tuple[str, dict[str, Any]]], section: str, key: str,
           name: Optional[str]) -> Optional[tuple[Path, Any]]:
    """The first definition of a named cluster, user or context, with its file's directory."""
    if not name:
        return None
    for p, doc in files:
        for item in doc.get(section) or []:
            if isinstance(item, dict) and item.get("name") == name:
                return Path(p).parent, item.get(key) or {}
    return None


_CACHE: dict[tuple[str, int, int], dict[str, Any]] = {}


def _load(path: str) -> list[dict[str, Any]]:
    return [_load_one(p) for p in path.split(os.pathsep)]


def _load_one(p: str) -> dict[str, Any]:
    """One kubeconfig file, parsed once per process (the C YAML parser when present)."""
    import yaml

    try:
        st = os.stat(p)
        key = (p, st.st_mtime_ns, st.st_size)
        if key in _CACHE:
            return _CACHE[key]
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(Path(p).read_text(), Loader=loader) or {}
    except OSError as e:
        raise usage(f"cannot load kubeconfig {p}: {e.strerror or e}") from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise usage(f"error loading config file \"{p}\"{where}: "
                    f"{getattr(e, 'problem', None) or e}") from e
    if not isinstance(doc, dict):
        raise usage(f"cannot load kubeconfig {p}: not a kubeconfig mapping")
    _CACHE[key] = doc
    return doc


def context_namespace(flag: Optional[str], context: Optional[str]) -> str:
    """The namespace the current (or named) context selects, falling back as kubectl does."""
    path = resolve_path(flag)
    if path is None:
        if SA_NAMESPACE.exists():
            return SA_NAMESPACE.read_text().strip() or "default"
        if context:
            raise usage(f"context was not found for specified context: {context}")
        return "default"
    docs = _load(path)
    current = context or next((d.get("current-context") for d in docs if d.get("current-context")), None)
    for doc in docs:
        for entry in doc.get("contexts") or []:
            if isinstance(entry, dict) and entry.get("name") == current:
                return (entry.get("context") or {}).get("namespace") or "default"
    if context:
        raise usage(f"context was not found for specified context: {context}")
    return "default"


def check_usable(flag: Optional[str]) -> None:
    """Refuse, as kubectl does, a kubeconfig that defines no cluster, context or user."""
    path = resolve_path(flag)
    if path is None:
        return
    keys = ("clusters", "contexts", "users", "current-context")
    if not any(doc.get(k) for doc in _load(path) for k in keys):
        raise usage(EMPTY_CONFIG)


def context_names(flag: Optional[str]) -> list[str]:
    """Every context name in the kubeconfig(s), for completion of --context."""
    path = resolve_path(flag)
    if path is None:
        return []
    return [c["name"] for d in _load(path) for c in d.get("contexts") or []
            if isinstance(c, dict) and c.get("name")]
