"""The only module that talks to the API server: connection, requests, watch, exec.

Requests are plain REST calls over one urllib3 pool whose JSON comes back as dicts;
exec is the v4 channel protocol over one websocket per call. Both share one TLS
context built from the kubeconfig's endpoint (kubeconfig.endpoint). The official
client is imported only to load what that reader leaves to it (exec credential
plugins, auth providers, in-cluster config): importing it costs more than a whole
`kubectl get`, and its generated API classes (hundreds of pydantic models since
kubernetes 37) are never used. Errors are translated here into kubectl's wording. The
CLI imports this module only in commands that need the API.
"""
from __future__ import annotations

import json
import os
import ssl
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Iterator, Optional
from urllib.parse import quote, unquote, urlencode

import urllib3

from kubectl_ijob import __version__
from kubectl_ijob.errors import AlreadyExists, IjobError, NotFound, from_server, usage
from kubectl_ijob.kubeconfig import Endpoint, context_namespace, endpoint, env_proxy, resolve_path

PAGE = 500
USER_AGENT = f"kubectl-ijob/{__version__}"
CONNECT_TIMEOUT = 30.0
# Failures of the transport (refused, reset, TLS, timeouts). Anything else is a bug
# in the plugin and must not be reported as "Unable to connect".
TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, OSError)

# kind -> (API prefix, resource): the REST collection of each kind the plugin touches.
RESOURCES = {
    "Job": ("/apis/batch/v1", "jobs"),
    "Pod": ("/api/v1", "pods"),
    "Service": ("/api/v1", "services"),
    "ConfigMap": ("/api/v1", "configmaps"),
    "Event": ("/api/v1", "events"),
    "EndpointSlice": ("/apis/discovery.k8s.io/v1", "endpointslices"),
    "Namespace": ("/api/v1", "namespaces"),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies"),
}


def path(kind: str, namespace: Optional[str], name: str = "", sub: str = "") -> str:
    """The REST path of a collection (all namespaces when namespace is None) or object."""
    prefix, resource = RESOURCES[kind]
    parts = [prefix]
    if namespace is not None and kind != "Namespace":
        parts.append(f"namespaces/{quote(namespace, safe='')}")
    parts.append(resource)
    if name:
        parts.append(quote(name, safe=""))
    if sub:
        parts.append(sub)
    return "/".join(parts)


@dataclass
class Settings:
    """The global connection flags, as the CLI parsed them."""

    kubeconfig: Optional[str] = None
    context: Optional[str] = None
    namespace: Optional[str] = None
    request_timeout: Optional[float] = None
    verbose: int = 0  # -v: log every request to stderr, as kubectl -v=6 does


class Kube:
    """A connected client whose methods return the API server's JSON as dicts."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.last_resource_version: Optional[str] = None
        self.namespace = settings.namespace or context_namespace(settings.kubeconfig,
                                                                 settings.context)
        ep = endpoint(settings.kubeconfig, settings.context) or official_endpoint(settings)
        self.endpoint = ep
        self.host = ep.server.rstrip("/")
        try:
            self.tls = tls_context(ep) if self.host.startswith("https:") else None
        except (OSError, ValueError) as e:  # ssl.SSLError is an OSError
            raise usage(f"cannot load kubeconfig {resolve_path(settings.kubeconfig)}: "
                        f"TLS material: {e}") from e
        # retries=False: fail fast like kubectl instead of urllib3's silent retries
        tls = {"ssl_context": self.tls, "retries": False,
               **({"server_hostname": ep.server_name} if ep.server_name else {})}
        proxy = ep.proxy or env_proxy(ep.server)  # the kubeconfig's, else as kubectl's env
        self.proxy = urllib3.util.parse_url(proxy) if proxy else None
        if self.proxy:
            auth = urllib3.make_headers(proxy_basic_auth=unquote(self.proxy.auth)) \
                if self.proxy.auth else None
            self.pool = urllib3.ProxyManager(proxy, proxy_headers=auth, **tls)
        else:
            self.pool = urllib3.PoolManager(**tls)

    # ------------------------------------------------------------ transport

    def _headers(self, content_type: Optional[str] = None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT,
                   **self.endpoint.headers()}
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def _timeout(self, read: Optional[float] = None) -> urllib3.Timeout:
        """--request-timeout bounds connect and each read; streams pass their own read."""
        t = self.settings.request_timeout
        return urllib3.Timeout(connect=t or CONNECT_TIMEOUT, read=read if read else t)

    def send(self, method: str, url_path: str, query: Optional[dict[str, Any]] = None,
             body: Any = None, content_type: str = "application/json", stream: bool = False,
             read_timeout: Optional[float] = None) -> Any:
        """One HTTP request; the urllib3 response, or IjobError in kubectl's words."""
        params = {k: v for k, v in (query or {}).items() if v is not None}
        url = self.host + url_path + ("?" + urlencode(params, doseq=True) if params else "")
        data = None if body is None else json.dumps(body).encode()
        start = time.monotonic()
        try:
            resp = self.pool.request(method, url, body=data,
                                     headers=self._headers(content_type if data else None),
                                     timeout=self._timeout(read_timeout), retries=False,
                                     preload_content=not stream)
        except TRANSPORT_ERRORS as e:
            self._log(method, url, "failed", start)
            raise connection_error(e, self.host) from e
        self._log(method, url, f"{resp.status} {resp.reason}", start)
        if resp.status >= 400:
            raise api_error(resp.status, resp.data if not stream else resp.read(), resp.reason)
        return resp

    def _log(self, method: str, url: str, outcome: str, start: float) -> None:
        """kubectl -v=6's request line (the URL only: credentials travel in headers)."""
        if self.settings.verbose:
            ms = (time.monotonic() - start) * 1000
            sys.stderr.write(f"{method} {url} {outcome} in {ms:.0f} milliseconds\n")

    def call(self, method: str, url_path: str, query: Optional[dict[str, Any]] = None,
             body: Any = None, content_type: str = "application/json") -> dict[str, Any]:
        """One request whose answer is a JSON object."""
        data = self.send(method, url_path, query, body, content_type).data
        return json.loads(data) if data else {}

    def paginate(self, url_path: str, query: Optional[dict[str, Any]] = None) -> list[dict[str, Any]]:
        """All items of a LIST, following `continue` tokens in pages of 500."""
        items: list[dict[str, Any]] = []
        token = None
        while True:
            page = self.call("GET", url_path, dict(query or {}, limit=PAGE, **{"continue": token}))
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                self.last_resource_version = (page.get("metadata") or {}).get("resourceVersion")
                return items

    def _lines(self, url_path: str, query: dict[str, Any], read_timeout: Optional[float]) -> Iterator[bytes]:
        """A streamed response, line by line (logs, watches)."""
        resp = self.send("GET", url_path, query, stream=True, read_timeout=read_timeout)
        try:
            buf = b""
            for chunk in resp.stream(4096, decode_content=True):
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    yield line
            if buf:
                yield buf
        except TRANSPORT_ERRORS as e:
            raise connection_error(e, self.host) from e
        finally:
            resp.release_conn()

    # ------------------------------------------------------------ reads

    def get(self, kind: str, name: str, namespace: Optional[str] = None) -> Optional[dict[str, Any]]:
        """Any supported object, or None when it does not exist."""
        try:
            return self.call("GET", path(kind, namespace or self.namespace, name))
        except NotFound:
            return None

    def get_job(self, name: str, namespace: Optional[str] = None) -> dict[str, Any]:
        return self.call("GET", path("Job", namespace or self.namespace, name))

    def get_service(self, name: str, namespace: Optional[str] = None) -> Optional[dict[str, Any]]:
        """The Service, or None when it does not exist."""
        return self.get("Service", name, namespace)

    def list_of(self, kind: str, namespace: Optional[str], selector: Optional[str] = None) -> list[dict[str, Any]]:
        """Every object of a kind in one namespace, or in all with namespace None."""
        return self.paginate(path(kind, namespace), {"labelSelector": selector})

    def list_jobs(self, namespace: Optional[str]) -> list[dict[str, Any]]:
        return self.list_of("Job", namespace)

    def list_services(self, namespace: Optional[str]) -> list[dict[str, Any]]:
        return self.list_of("Service", namespace)

    def list_namespaces(self) -> list[dict[str, Any]]:
        return self.list_of("Namespace", None)

    def list_pods(self, selector: str, namespace: Optional[str] = None) -> list[dict[str, Any]]:
        return self.list_of("Pod", namespace or self.namespace, selector)

    def list_all_pods(self, selector: str, namespace: Optional[str]) -> list[dict[str, Any]]:
        """Pods with a label selector in one namespace or (None) all of them."""
        return self.list_of("Pod", namespace, selector)

    def list_pods_any(self, selectors: list[str], namespace: Optional[str] = None) -> list[dict[str, Any]]:
        """Pods matching any of several selectors, each pod once."""
        seen: dict[str, dict[str, Any]] = {}
        for sel in selectors:
            for pod in self.list_pods(sel, namespace):
                seen[pod["metadata"]["uid"]] = pod
        return list(seen.values())

    def list_endpoint_slices(self, service: str, namespace: Optional[str] = None) -> list[dict[str, Any]]:
        return self.list_of("EndpointSlice", namespace or self.namespace,
                         f"kubernetes.io/service-name={service}")

    def list_events(self, namespace: Optional[str] = None) -> list[dict[str, Any]]:
        return self.list_of("Event", namespace or self.namespace)

    # ------------------------------------------------------------ writes

    def create(self, obj: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
        """POST one object; with dry_run the server validates it and stores nothing."""
        ns = obj["metadata"].get("namespace") or self.namespace
        return self.call("POST", path(obj["kind"], ns), {"dryRun": "All" if dry_run else None},
                         body=obj)

    def delete(self, kind: str, name: str, namespace: Optional[str] = None,
               propagation: Optional[str] = None, dry_run: bool = False) -> dict[str, Any]:
        """DELETE one object with a propagation policy (Background, Foreground, Orphan)."""
        return self.call("DELETE", path(kind, namespace or self.namespace, name),
                         {"propagationPolicy": propagation, "dryRun": "All" if dry_run else None})

    def patch(self, kind: str, name: str, body: dict[str, Any],
              namespace: Optional[str] = None, dry_run: bool = False) -> dict[str, Any]:
        """A JSON merge patch (null removes a key) of one object."""
        return self.call("PATCH", path(kind, namespace or self.namespace, name),
                         {"dryRun": "All" if dry_run else None}, body=body,
                         content_type="application/merge-patch+json")

    # ------------------------------------------------------------ streams

    def log_lines(self, pod: str, container: Optional[str] = None, follow: bool = False,
                  tail: Optional[int] = None, since_seconds: Optional[int] = None,
                  previous: bool = False, namespace: Optional[str] = None) -> Iterator[str]:
        """A pod's log, line by line; with follow it streams until the container ends."""
        query = {"container": container, "follow": "true" if follow else None,
                 "previous": "true" if previous else None, "tailLines": tail,
                 "sinceSeconds": since_seconds or None}
        for line in self._lines(path("Pod", namespace or self.namespace, pod, "log"), query, None):
            yield line.decode("utf-8", "replace")

    def watch_pods(self, selector: str, resource_version: Optional[str],
                   namespace: Optional[str] = None, timeout: int = 300) -> Iterator[dict[str, Any]]:
        """Raw watch events ({type, object}) for the job's pods; ends when the server closes."""
        query = {"watch": "true", "labelSelector": selector, "resourceVersion": resource_version,
                 "timeoutSeconds": timeout, "allowWatchBookmarks": "true"}
        for line in self._lines(path("Pod", namespace or self.namespace), query, timeout + 30):
            if line.strip():
                yield json.loads(line)


def official_endpoint(s: Settings) -> Endpoint:
    """The endpoint as the official client's loader sees it: exec credential plugins,
    auth providers and in-cluster config, and its wording for broken kubeconfigs."""
    from kubernetes.client import Configuration
    from kubernetes.config import load_incluster_config, load_kube_config
    from kubernetes.config.config_exception import ConfigException

    cfg = Configuration()
    path_ = resolve_path(s.kubeconfig)
    try:
        if path_ is None:
            load_incluster_config(client_configuration=cfg)
        else:
            load_kube_config(config_file=path_, context=s.context,
                             client_configuration=cfg, persist_config=False)
    except ConfigException as e:
        if path_ is None:
            raise usage("no configuration has been provided: set --kubeconfig or "
                        "KUBECONFIG, or create ~/.kube/config") from e
        raise usage(f"invalid configuration in {path_}: {str(e).rstrip('.')}") from e
    except (OSError, ValueError) as e:
        raise usage(f"cannot load kubeconfig {path_}: {e}") from e

    def auth() -> dict[str, str]:
        # auth_settings() refreshes expiring exec-plugin tokens; the key it stores the
        # bearer header under differs between client versions.
        return {a["key"]: a["value"] for a in cfg.auth_settings().values()
                if a.get("in") == "header" and a.get("value")}

    return Endpoint(server=cfg.host, ca_file=cfg.ssl_ca_cert, cert_file=cfg.cert_file,
                    key_file=cfg.key_file, insecure=not cfg.verify_ssl,
                    server_name=getattr(cfg, "tls_server_name", None), proxy=cfg.proxy,
                    auth=auth)


def tls_context(ep: Endpoint) -> ssl.SSLContext:
    """One TLS context for requests and exec: the cluster's CA (or the system's), the
    client certificate, or no verification when the kubeconfig says so."""
    ctx = ssl.create_default_context(cafile=ep.ca_file, cadata=ep.ca_data) \
        if ep.ca_file or ep.ca_data else ssl.create_default_context()
    if ep.insecure:  # kubectl warns of nothing here, so neither does urllib3
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if ep.cert_file or ep.cert_data:
        with tempfile.TemporaryDirectory() as tmp:  # ssl loads key pairs from files only
            cert = ep.cert_file or _write(tmp, "cert", ep.cert_data or "")
            key = ep.key_file or (_write(tmp, "key", ep.key_data) if ep.key_data else None)
            ctx.load_cert_chain(cert, key)
    return ctx


def _write(directory: str, name: str, text: str) -> str:
    """A file only this user can read, removed with its directory once loaded."""
    p = os.path.join(directory, name)
    with open(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(text)
    return p


@dataclass
class ExecResult:
    """What an exec produced: output, the remote exit code, or why it did not run."""

    stdout: str
    stderr: str
    code: Optional[int]
    error: str = ""


def exec_in_pod(kube: Kube, pod: str, argv: list[str], container: Optional[str] = None,
                namespace: Optional[str] = None, timeout: float = 30) -> ExecResult:
    """Run argv in a pod over the exec websocket (v4 channel protocol); one socket per call,
    so calls from several threads do not share state."""
    import websocket

    query: list[tuple[str, Any]] = [("command", a) for a in argv]
    query += [("stdout", "true"), ("stderr", "true")] + \
        ([("container", container)] if container else [])
    url = "ws" + kube.host[4:] + path("Pod", namespace or kube.namespace, pod, "exec") + \
        "?" + urlencode(query)
    ep, proxy = kube.endpoint, kube.proxy
    # The proxy was chosen as kubectl chooses it; "*" keeps websocket-client from
    # choosing again from the environment by rules of its own.
    via = {"http_proxy_host": proxy.host, "http_proxy_port": proxy.port or 80,
           "http_proxy_auth": tuple(unquote(x) for x in proxy.auth.split(":", 1))
           if proxy.auth else None} if proxy else {"http_no_proxy": ["*"]}
    start = time.monotonic()
    try:
        ws = websocket.create_connection(
            url, timeout=kube.settings.request_timeout or CONNECT_TIMEOUT,
            header=[f"{k}: {v}" for k, v in ep.headers().items()] +
            [f"User-Agent: {USER_AGENT}"],
            subprotocols=["v4.channel.k8s.io"],
            sslopt={"context": kube.tls, **({"server_hostname": ep.server_name}
                                            if ep.server_name else {})},
            proxy_type="http", **via)
    except websocket.WebSocketException as e:  # the handshake was answered with an API error
        kube._log("GET", url, "refused", start)
        return ExecResult("", "", None, _exec_refusal(str(e)))
    except TRANSPORT_ERRORS as e:
        kube._log("GET", url, "failed", start)
        return ExecResult("", "", None, connection_error(e, kube.host).message)
    kube._log("GET", url, "101 Switching Protocols", start)
    try:
        channels, broken = _exec_channels(ws, timeout)
    finally:
        ws.close()
    out, err, status = (bytes(channels.get(c, b"")).decode("utf-8", "replace") for c in (1, 2, 3))
    if broken:
        return ExecResult(out, err, None, broken)
    return _exec_status(out, err, status)


def _exec_channels(ws: Any, timeout: float) -> tuple[dict[int, bytearray], str]:
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


def _exec_status(out: str, err: str, status: str) -> ExecResult:
    """Decode the exec error channel: Success, a non-zero exit, or a failure to start."""
    try:
        doc = json.loads(status) if status else {"status": "Success"}
    except ValueError:
        return ExecResult(out, err, None, status.strip())
    if doc.get("status") == "Success":
        return ExecResult(out, err, 0)
    for cause in (doc.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode" and str(cause.get("message", "")).isdigit():
            return ExecResult(out, err, int(cause["message"]))
    return ExecResult(out, err, None, doc.get("message") or "exec failed")


def _exec_refusal(text: str) -> str:
    """The API status a refused exec handshake carries after websocket's `-+-+-` marker."""
    if "-+-+-" in text:
        body = text.rsplit("-+-+-", 1)[-1].strip()
        if body.startswith(("b'", 'b"')):  # older websocket-client: the bytes' repr
            body = body[2:-1].encode().decode("unicode_escape")
        try:
            doc = json.loads(body)
            return from_server(doc.get("reason", ""), doc.get("message", "")).message
        except (ValueError, AttributeError):
            pass
    return text


def api_error(status: int, body: Any, reason: str = "") -> IjobError:
    """kubectl's `Error from server (Reason): message` from an API status response."""
    message = ""
    try:
        doc = json.loads(body or b"{}")
        reason, message = doc.get("reason") or reason, doc.get("message") or ""
    except (TypeError, ValueError, AttributeError):
        message = (body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")).strip()
    if not message:
        message = (f"the server responded with the status code {status} but did not return "
                   "more information")
    err_type = NotFound if status == 404 else \
        AlreadyExists if status == 409 and reason == "AlreadyExists" else IjobError
    return err_type(from_server(reason, message).message)


def connection_error(e: BaseException, host: str) -> IjobError:
    """kubectl's `Unable to connect to the server: ...` for transport failures."""
    text = str(e)
    cause = getattr(e, "reason", None) or e
    name = type(cause).__name__
    address = host.split("://", 1)[-1].rstrip("/")
    if "Timeout" in name or "timed out" in text:
        detail = f"dial tcp {address}: i/o timeout" if "Connect" in name else \
            "net/http: request canceled (Client.Timeout exceeded while awaiting headers)"
    elif "refused" in text:
        detail = f"dial tcp {address}: connect: connection refused"
    elif "SSL" in name or "certificate" in text.lower():
        detail = f"tls: {cause}"
    elif "Name or service not known" in text or "nodename nor servname" in text:
        detail = f"dial tcp: lookup {address.split(':')[0]}: no such host"
    else:
        detail = str(cause)
    return IjobError(f"Unable to connect to the server: {detail}")
