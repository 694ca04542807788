"""REST over one urllib3 pool: requests, paginated LISTs, streams (logs, watches).

JSON comes back as dicts. The official client is imported only by config.official_endpoint
for what the plain kubeconfig reader leaves to it; its generated API classes are never
used. Errors are raised typed (client.errors), chained to the transport's exception.
"""
from __future__ import annotations

import gc
import json
import queue
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional
from urllib.parse import urlencode

import urllib3

from kubectl_ijob.client.config import context_namespace, endpoint, tls_context
from kubectl_ijob.client.errors import NotFound, api_error, connection_error
from kubectl_ijob.client.proxy import env_proxy, pool_manager
from kubectl_ijob.client.settings import Settings
from kubectl_ijob.client.wire import (CONNECT_TIMEOUT, TRANSPORT_ERRORS, USER_AGENT, list_metadata,
                                      path, without_managed_fields)

if TYPE_CHECKING:
    from kubectl_ijob.client.exec import ExecResult

PAGE = 500
View = Callable[[dict[str, Any]], dict[str, Any]]  # what of each listed object to keep


class Listing(list):  # type: ignore[type-arg]
    """The items of one LIST and the resourceVersion it was read at (where a watch starts)."""

    def __init__(self, items: list[dict[str, Any]], resource_version: Optional[str]) -> None:
        super().__init__(items)
        self.resource_version = resource_version


class Client:
    """A connected client whose methods return the API server's JSON as dicts."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.namespace = settings.namespace or context_namespace(settings.kubeconfig,
                                                                 settings.context)
        ep = endpoint(settings)
        self.endpoint = ep
        self.host = ep.server.rstrip("/")
        self.tls = tls_context(ep) if self.host.lower().startswith("https:") else None
        # retries=False: fail fast like kubectl instead of urllib3's silent retries
        tls = {"ssl_context": self.tls, "retries": False,
               **({"server_hostname": ep.server_name} if ep.server_name else {})}
        proxy = ep.proxy or env_proxy(ep.server)  # the kubeconfig's, else as kubectl's env
        self.proxy = urllib3.util.parse_url(proxy) if proxy else None
        self.pool = pool_manager(proxy, **tls)

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
        """One HTTP request; the urllib3 response, or a typed error (ApiError, Unreachable)."""
        params = {k: v for k, v in (query or {}).items() if v is not None}
        url = self.host + url_path + ("?" + urlencode(params, doseq=True) if params else "")
        data = None if body is None else json.dumps(body).encode()
        start = time.monotonic()
        try:
            headers = self._headers(content_type if data else None)
            if not stream:  # as kubectl's Go transport asks: a 47 MiB pod LIST comes as 3.4 MiB
                headers["Accept-Encoding"] = "gzip"
            resp = self.pool.request(method, url, body=data, headers=headers,
                                     timeout=self._timeout(read_timeout), retries=False,
                                     preload_content=not stream)
        except TRANSPORT_ERRORS as e:
            self.log_request(method, url, "failed", start)
            raise connection_error(e, self.host) from e
        self.log_request(method, url, f"{resp.status} {resp.reason}", start)
        if resp.status >= 400:
            raise api_error(resp.status, resp.data if not stream else resp.read(), resp.reason)
        return resp

    def log_request(self, method: str, url: str, outcome: str, start: float) -> None:
        """kubectl -v=6's request line (the URL only: credentials travel in headers)."""
        if self.settings.verbose:
            ms = (time.monotonic() - start) * 1000
            sys.stderr.write(f"{method} {url} {outcome} in {ms:.0f} milliseconds\n")

    def call(self, method: str, url_path: str, query: Optional[dict[str, Any]] = None,
             body: Any = None, content_type: str = "application/json") -> dict[str, Any]:
        """One request whose answer is a JSON object."""
        data = self.send(method, url_path, query, body, content_type).data
        return json.loads(data) if data else {}

    def paginate(self, url_path: str, query: Optional[dict[str, Any]] = None,
                 view: Optional[View] = None) -> Listing:
        """All items of a LIST in pages of PAGE, each page asked for while the one before
        is decoded; with view, each item is projected as its page is decoded (a view reads
        no managedFields: they are cut from the bytes first)."""
        items: list[dict[str, Any]] = []
        meta: dict[str, Any] = {}
        collecting = gc.isenabled()
        gc.disable()  # decoded JSON has no cycles; scanning it cost 40% of a 10,000-pod decode
        try:
            for body in self._pages(url_path, query or {}):
                page = json.loads(without_managed_fields(body) if view else body)
                got = page.get("items") or []
                items.extend(map(view, got) if view else got)
                meta = page.get("metadata") or {}
                del page, got  # this page's full objects go before the next is decoded
        finally:
            if collecting:
                gc.enable()
                # What was decoded lives as long as the command and has no cycles: moved out
                # of the collector's sight, it is not re-scanned by every full collection the
                # rows built from it trigger (rows of 100,000 pods: 2.5 -> 1.7 s of CPU).
                # Reference counting still frees it.
                gc.freeze()
        return Listing(items, meta.get("resourceVersion"))

    def _pages(self, url_path: str, query: dict[str, Any]) -> Iterator[bytes]:
        """The raw bodies of a LIST's pages. A thread follows the `continue` tokens (read
        from each body's first bytes), so the server serves page k+1 while the caller
        decodes page k: the two overlap instead of taking turns."""
        pages: queue.Queue[Any] = queue.Queue(maxsize=1)
        stop = threading.Event()

        def hand(item: Any) -> None:  # gives up once the caller has stopped reading
            while not stop.is_set():
                try:
                    return pages.put(item, timeout=0.2)
                except queue.Full:
                    continue

        def fetch() -> None:
            token = None
            try:
                while not stop.is_set():
                    body = self.send("GET", url_path, dict(query, limit=PAGE,
                                                           **{"continue": token})).data
                    meta = list_metadata(body)
                    if meta is None:  # metadata after the items: decode it all to find it
                        meta = json.loads(body).get("metadata") or {}
                    hand(body)
                    token = meta.get("continue")
                    if not token:
                        break
            except BaseException as e:  # noqa: B036 - raised in the caller's thread
                hand(e)
            hand(None)

        threading.Thread(target=fetch, name="list-pages", daemon=True).start()
        try:
            while True:
                got = pages.get()
                if got is None:
                    return
                if isinstance(got, BaseException):
                    raise got
                yield got
        finally:
            stop.set()

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

    def list_of(self, kind: str, namespace: Optional[str], selector: Optional[str] = None) -> Listing:
        """Every object of a kind in one namespace, or in all with namespace None."""
        return self.paginate(path(kind, namespace), {"labelSelector": selector})

    def list_jobs(self, namespace: Optional[str]) -> Listing:
        return self.list_of("Job", namespace)

    def list_services(self, namespace: Optional[str]) -> Listing:
        return self.list_of("Service", namespace)

    def list_namespaces(self) -> Listing:
        return self.list_of("Namespace", None)

    def list_pods(self, selector: str, namespace: Optional[str] = None,
                  view: Optional[View] = None) -> Listing:
        """Pods by a label selector; view: what of each pod to keep (see paginate)."""
        return self.paginate(path("Pod", namespace or self.namespace), {"labelSelector": selector},
                             view)

    def list_all_pods(self, selector: str, namespace: Optional[str]) -> Listing:
        """Pods with a label selector in one namespace or (None) all of them."""
        return self.list_of("Pod", namespace, selector)

    def list_pods_any(self, selectors: list[str], namespace: Optional[str] = None,
                      view: Optional[View] = None) -> list[dict[str, Any]]:
        """Pods matching any of several selectors, each pod once."""
        seen: dict[str, dict[str, Any]] = {}
        for sel in selectors:
            for pod in self.list_pods(sel, namespace, view):
                seen[pod["metadata"]["uid"]] = pod
        return list(seen.values())

    def list_endpoint_slices(self, service: str, namespace: Optional[str] = None) -> Listing:
        return self.list_of("EndpointSlice", namespace or self.namespace,
                         f"kubernetes.io/service-name={service}")

    def list_events(self, namespace: Optional[str] = None, view: Optional[View] = None) -> Listing:
        """Events of the namespace; view: what of each event to keep (see paginate)."""
        return self.paginate(path("Event", namespace or self.namespace), {}, view)

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

    def exec(self, pod: str, argv: list[str], container: Optional[str] = None,
             timeout: float = 30) -> ExecResult:
        """Run argv in a pod (client.exec: the exec websocket)."""
        from kubectl_ijob.client.exec import exec_in_pod

        return exec_in_pod(self, pod, argv, container=container, timeout=timeout)
