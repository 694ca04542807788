"""What commands may ask of a client: the Protocol the real client (transport.Client)
and every fake in the tests implement, so fakes cannot drift from the real thing.

Objects are the API server's JSON as dicts. Each LIST returns a list that carries the
resourceVersion it was read at (`resource_version`), where a watch of it starts.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Protocol

if TYPE_CHECKING:
    from kubectl_ijob.client.exec import ExecResult

Obj = dict[str, Any]


class KubeClient(Protocol):
    """The API as the commands use it; errors are client.errors types."""

    namespace: str  # the namespace of the flags or the context

    def get(self, kind: str, name: str, namespace: Optional[str] = None) -> Optional[Obj]:
        """Any supported object, or None when it does not exist."""

    def get_job(self, name: str, namespace: Optional[str] = None) -> Obj:
        """The Job (NotFound when it does not exist)."""

    def get_service(self, name: str, namespace: Optional[str] = None) -> Optional[Obj]:
        """The Service, or None."""

    def list_of(self, kind: str, namespace: Optional[str],
                selector: Optional[str] = None) -> list[Obj]:
        """Every object of a kind in a namespace (None: all namespaces)."""

    def list_jobs(self, namespace: Optional[str]) -> list[Obj]:
        """Jobs in a namespace (None: all)."""

    def list_services(self, namespace: Optional[str]) -> list[Obj]:
        """Services in a namespace (None: all)."""

    def list_namespaces(self) -> list[Obj]:
        """Every namespace."""

    def list_pods(self, selector: str, namespace: Optional[str] = None,
                  view: Optional[Callable[[Obj], Obj]] = None) -> list[Obj]:
        """Pods matching a label selector in the client's (or a given) namespace; with
        view, only view(pod) of each is kept (a view must not read managedFields)."""

    def list_all_pods(self, selector: str, namespace: Optional[str]) -> list[Obj]:
        """Pods matching a selector in one namespace or (None) all."""

    def list_pods_any(self, selectors: list[str], namespace: Optional[str] = None,
                      view: Optional[Callable[[Obj], Obj]] = None) -> list[Obj]:
        """Pods matching any of several selectors, each pod once (view as list_pods)."""

    def list_endpoint_slices(self, service: str, namespace: Optional[str] = None) -> list[Obj]:
        """The EndpointSlices of a Service."""

    def list_events(self, namespace: Optional[str] = None,
                    view: Optional[Callable[[Obj], Obj]] = None) -> list[Obj]:
        """Events of the namespace (view as list_pods)."""

    def create(self, obj: Obj, dry_run: bool = False) -> Obj:
        """POST one object."""

    def delete(self, kind: str, name: str, namespace: Optional[str] = None,
               propagation: Optional[str] = None, dry_run: bool = False) -> Obj:
        """DELETE one object with a propagation policy."""

    def patch(self, kind: str, name: str, body: Obj, namespace: Optional[str] = None,
              dry_run: bool = False) -> Obj:
        """A JSON merge patch of one object."""

    def log_lines(self, pod: str, container: Optional[str] = None, follow: bool = False,
                  tail: Optional[int] = None, since_seconds: Optional[int] = None,
                  previous: bool = False, namespace: Optional[str] = None) -> Iterator[str]:
        """A pod's log, line by line."""

    def watch_pods(self, selector: str, resource_version: Optional[str],
                   namespace: Optional[str] = None, timeout: int = 300) -> Iterator[Obj]:
        """Raw watch events ({type, object}) of pods."""

    def exec(self, pod: str, argv: list[str], container: Optional[str] = None,
             timeout: float = 30) -> ExecResult:
        """Run argv in a pod; the outcome, never an exception for a failed command."""


def resource_version(items: list[Obj]) -> Optional[str]:
    """The resourceVersion a LIST was read at (None for a plain list, as fakes return)."""
    return getattr(items, "resource_version", None)
