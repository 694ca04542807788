"""The only module that imports `kubernetes`: configuration, requests, watch, exec.

Every call asks the client for the raw response (`_preload_content=False`) and returns
plain dicts, so no generated model (pydantic since kubernetes 37) leaks out and the
rest of the plugin works on the same JSON the API server sent. Errors are translated
here into kubectl's wording. Importing this module costs ~0.5-0.9 s, so the CLI
imports it only inside commands that need the API.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from kubectl_ijob.errors import AlreadyExists, IjobError, NotFound, from_server, usage
from kubectl_ijob.kubeconfig import context_namespace, resolve_path

PAGE = 500
CONNECT_TIMEOUT = 30
# "No read timeout": kubernetes >= 37 validates _request_timeout and rejects None.
NO_TIMEOUT = 365 * 24 * 3600
# Failures of the transport (refused, reset, TLS, timeouts). Anything else is a bug
# in the plugin or the client and must not be reported as "Unable to connect".
TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, OSError)


@dataclass
class Settings:
    """The global connection flags, as the CLI parsed them."""

    kubeconfig: Optional[str] = None
    context: Optional[str] = None
    namespace: Optional[str] = None
    request_timeout: Optional[float] = None


class Kube:
    """A connected client whose methods return the API server's JSON as dicts."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.requests = 0  # counted for the benchmarks: every API round trip
        self.last_resource_version: Optional[str] = None
        cfg = client.Configuration()
        self.namespace = self._load(cfg, settings)
        cfg.retries = False  # fail fast like kubectl instead of urllib3's silent retries
        self.cfg = cfg
        self.api = client.ApiClient(cfg)
        self.core = client.CoreV1Api(self.api)
        self.batch = client.BatchV1Api(self.api)
        self.discovery = client.DiscoveryV1Api(self.api)
        self.host = cfg.host

    @staticmethod
    def _load(cfg: Any, s: Settings) -> str:
        """Load credentials into cfg; return the namespace to use."""
        namespace = s.namespace or context_namespace(s.kubeconfig, s.context)
        path = resolve_path(s.kubeconfig)
        try:
            if path is None:
                config.load_incluster_config(client_configuration=cfg)
            else:
                config.load_kube_config(config_file=path, context=s.context,
                                        client_configuration=cfg, persist_config=False)
        except ConfigException as e:
            if path is None:
                raise usage("no configuration has been provided: set --kubeconfig or "
                            "KUBECONFIG, or create ~/.kube/config") from e
            raise usage(f"invalid configuration in {path}: {str(e).rstrip('.')}") from e
        except (OSError, ValueError) as e:
            raise usage(f"cannot load kubeconfig {path}: {e}") from e
        return namespace

    # ------------------------------------------------------------ transport

    def _timeout(self, read: Optional[float] = None) -> tuple[float, float]:
        """(connect, read) timeouts: --request-timeout for both, else no read limit.

        `read` overrides the read timeout for streams (follow, watch)."""
        t = self.settings.request_timeout
        if read is not None:
            return (t or CONNECT_TIMEOUT, read)
        return (t, t) if t else (CONNECT_TIMEOUT, NO_TIMEOUT)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Run one typed client method, returning the decoded JSON body."""
        self.requests += 1
        try:
            resp = fn(*args, _preload_content=False, _request_timeout=self._timeout(), **kwargs)
            data = resp.data
        except ApiException as e:
            raise api_error(e) from e
        except TRANSPORT_ERRORS as e:
            raise connection_error(e, self.host) from e
        return json.loads(data) if data else {}

    def paginate(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        """All items of a LIST, following `continue` tokens in pages of 500."""
        items: list[dict[str, Any]] = []
        token = None
        while True:
            extra = {"_continue": token} if token else {}
            page = self.call(fn, *args, limit=PAGE, **extra, **kwargs)
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                self.last_resource_version = (page.get("metadata") or {}).get("resourceVersion")
                return items

    # ------------------------------------------------------------ reads

    def get_job(self, name: str, namespace: Optional[str] = None) -> dict[str, Any]:
        return self.call(self.batch.read_namespaced_job, name, namespace or self.namespace)

    def list_jobs(self, namespace: Optional[str]) -> list[dict[str, Any]]:
        """Jobs of one namespace, or of all with namespace None."""
        if namespace is None:
            return self.paginate(self.batch.list_job_for_all_namespaces)
        return self.paginate(self.batch.list_namespaced_job, namespace)

    _GET = {"Job": ("batch", "read_namespaced_job"), "Pod": ("core", "read_namespaced_pod"),
            "Service": ("core", "read_namespaced_service"),
            "ConfigMap": ("core", "read_namespaced_config_map")}

    def get(self, kind: str, name: str, namespace: Optional[str] = None) -> Optional[dict[str, Any]]:
        """Any supported object, or None when it does not exist."""
        try:
            return self.call(self._method(self._GET, kind), name, namespace or self.namespace)
        except NotFound:
            return None

    def list_namespaces(self) -> list[dict[str, Any]]:
        return self.paginate(self.core.list_namespace)

    def list_pods(self, selector: str, namespace: Optional[str] = None) -> list[dict[str, Any]]:
        return self.paginate(self.core.list_namespaced_pod, namespace or self.namespace,
                             label_selector=selector)

    def get_service(self, name: str, namespace: Optional[str] = None) -> Optional[dict[str, Any]]:
        """The Service, or None when it does not exist."""
        try:
            return self.call(self.core.read_namespaced_service, name, namespace or self.namespace)
        except NotFound:
            return None

    def list_services(self, namespace: Optional[str]) -> list[dict[str, Any]]:
        if namespace is None:
            return self.paginate(self.core.list_service_for_all_namespaces)
        return self.paginate(self.core.list_namespaced_service, namespace)

    def list_endpoint_slices(self, service: str, namespace: Optional[str] = None) -> list[dict[str, Any]]:
        return self.paginate(self.discovery.list_namespaced_endpoint_slice,
                             namespace or self.namespace,
                             label_selector=f"kubernetes.io/service-name={service}")

    # ------------------------------------------------------------ writes

    _CREATE = {"Job": ("batch", "create_namespaced_job"),
               "Service": ("core", "create_namespaced_service"),
               "ConfigMap": ("core", "create_namespaced_config_map")}
    _DELETE = {"Job": ("batch", "delete_namespaced_job"),
               "Service": ("core", "delete_namespaced_service"),
               "ConfigMap": ("core", "delete_namespaced_config_map"),
               "Pod": ("core", "delete_namespaced_pod")}

    def _method(self, table: dict[str, tuple[str, str]], kind: str) -> Callable[..., Any]:
        api, name = table[kind]
        return getattr(getattr(self, api), name)

    def create(self, obj: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
        """POST one object; with dry_run the server validates it and stores nothing."""
        ns = obj["metadata"].get("namespace") or self.namespace
        extra = {"dry_run": "All"} if dry_run else {}
        return self.call(self._method(self._CREATE, obj["kind"]), ns, obj, **extra)

    def delete(self, kind: str, name: str, namespace: Optional[str] = None,
               propagation: Optional[str] = None, dry_run: bool = False) -> dict[str, Any]:
        """DELETE one object with a propagation policy (Background, Foreground, Orphan)."""
        extra: dict[str, Any] = {}
        if propagation:
            extra["propagation_policy"] = propagation
        if dry_run:
            extra["dry_run"] = "All"
        return self.call(self._method(self._DELETE, kind), name, namespace or self.namespace,
                         **extra)

    _PATCH = {"Pod": ("core", "patch_namespaced_pod"),
              "Service": ("core", "patch_namespaced_service"),
              "ConfigMap": ("core", "patch_namespaced_config_map"),
              "Job": ("batch", "patch_namespaced_job")}

    def patch(self, kind: str, name: str, body: dict[str, Any],
              namespace: Optional[str] = None, dry_run: bool = False) -> dict[str, Any]:
        """A JSON merge patch (null removes a key) of one object."""
        fn = self._method(self._PATCH, kind)
        extra: dict[str, Any] = {"dry_run": "All"} if dry_run else {}
        if "_content_type" in getattr(fn, "__wrapped__", fn).__code__.co_varnames:
            extra["_content_type"] = "application/merge-patch+json"  # kubernetes >= 37
        return self.call(fn, name, namespace or self.namespace, body, **extra)

    def list_pods_any(self, selectors: list[str], namespace: Optional[str] = None) -> list[dict[str, Any]]:
        """Pods matching any of several selectors, each pod once."""
        seen: dict[str, dict[str, Any]] = {}
        for sel in selectors:
            for pod in self.list_pods(sel, namespace):
                seen[pod["metadata"]["uid"]] = pod
        return list(seen.values())

    def list_all_pods(self, selector: str, namespace: Optional[str]) -> list[dict[str, Any]]:
        """Pods with a label selector in one namespace or (None) all of them."""
        if namespace is None:
            return self.paginate(self.core.list_pod_for_all_namespaces, label_selector=selector)
        return self.list_pods(selector, namespace)

    def list_events(self, namespace: Optional[str] = None) -> list[dict[str, Any]]:
        return self.paginate(self.core.list_namespaced_event, namespace or self.namespace)

    def log_lines(self, pod: str, container: Optional[str] = None, follow: bool = False,
                  tail: Optional[int] = None, since_seconds: Optional[int] = None,
                  previous: bool = False, namespace: Optional[str] = None) -> Iterator[str]:
        """A pod's log, line by line; with follow it streams until the container ends."""
        kwargs: dict[str, Any] = {"follow": follow, "previous": previous}
        if container:
            kwargs["container"] = container
        if tail is not None:
            kwargs["tail_lines"] = tail
        if since_seconds:
            kwargs["since_seconds"] = since_seconds
        self.requests += 1
        try:
            resp = self.core.read_namespaced_pod_log(
                pod, namespace or self.namespace, _preload_content=False,
                _request_timeout=self._timeout(NO_TIMEOUT if follow else None),
                **kwargs)
            buf = b""
            for chunk in resp.stream(4096, decode_content=True):
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    yield line.decode("utf-8", "replace")
            if buf:
                yield buf.decode("utf-8", "replace")
        except ApiException as e:
            raise api_error(e) from e
        except TRANSPORT_ERRORS as e:
            raise connection_error(e, self.host) from e

    # ------------------------------------------------------------ watch

    def watch_pods(self, selector: str, resource_version: Optional[str],
                   namespace: Optional[str] = None, timeout: int = 300) -> Iterator[dict[str, Any]]:
        """Raw watch events ({type, object}) for the job's pods; ends when the server closes."""
        self.requests += 1
        try:
            resp = self.core.list_namespaced_pod(
                namespace or self.namespace, label_selector=selector, watch=True,
                resource_version=resource_version, timeout_seconds=timeout,
                allow_watch_bookmarks=True, _preload_content=False,
                _request_timeout=self._timeout(timeout + 30))
            buf = b""
            for chunk in resp.stream(4096, decode_content=True):
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        yield json.loads(line)
        except ApiException as e:
            raise api_error(e) from e
        except TRANSPORT_ERRORS as e:
            raise connection_error(e, self.host) from e


@dataclass
class ExecResult:
    """What an exec produced: output, the remote exit code, or why it did not run."""

    stdout: str
    stderr: str
    code: Optional[int]
    error: str = ""


def exec_in_pod(kube: Kube, pod: str, argv: list[str], container: Optional[str] = None,
                namespace: Optional[str] = None, timeout: float = 30) -> ExecResult:
    """Run argv in a pod over the exec websocket; a fresh ApiClient per stream (thread-safe)."""
    from kubernetes.stream import stream
    from websocket import WebSocketException

    kube.requests += 1
    core = client.CoreV1Api(client.ApiClient(kube.cfg))
    kwargs: dict[str, Any] = {"command": argv, "stderr": True, "stdin": False, "stdout": True,
                              "tty": False, "_preload_content": False}
    if container:
        kwargs["container"] = container
    try:
        ws = stream(core.connect_get_namespaced_pod_exec, pod, namespace or kube.namespace,
                    **kwargs)
    except ApiException as e:
        return ExecResult("", "", None, _exec_refusal(e))
    except (*TRANSPORT_ERRORS, WebSocketException) as e:
        return ExecResult("", "", None, connection_error(e, kube.host).message)
    try:
        ws.run_forever(timeout=timeout)
        still_open = ws.is_open()
        out, err = ws.read_stdout() or "", ws.read_stderr() or ""
        status = ws.read_channel(3) if not still_open else ""
    finally:
        ws.close()
    if still_open:
        return ExecResult(out, err, None, f"exec did not finish within {timeout:g}s")
    return _exec_status(out, err, status)


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


def _exec_refusal(e: Any) -> str:
    text = str(getattr(e, "reason", "") or e)
    if "-+-+-" in text:  # websocket handshake errors carry the API status after the marker
        body = text.rsplit("-+-+-", 1)[-1].strip()
        body = body[2:-1] if body.startswith(("b'", 'b"')) else body
        try:
            doc = json.loads(body.encode().decode("unicode_escape"))
            return from_server(doc.get("reason", ""), doc.get("message", "")).message
        except ValueError:
            pass
    return api_error(e).message if getattr(e, "body", None) else text


def api_error(e: Any) -> IjobError:
    """kubectl's `Error from server (Reason): message` from an ApiException."""
    reason, message = getattr(e, "reason", "") or "", ""
    try:
        body = json.loads(e.body or "{}")
        reason, message = body.get("reason") or reason, body.get("message") or ""
    except (TypeError, ValueError):
        message = str(e.body or "").strip()
    status = getattr(e, "status", 0)
    if not message:
        message = f"the server responded with the status code {status} but did not return more information"
    err_type = NotFound if status == 404 else AlreadyExists if status == 409 and reason == "AlreadyExists" else IjobError
    err = from_server(reason, message)
    return err_type(err.message)


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
