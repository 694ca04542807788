"""FakeClient: the client Protocol in memory, so every fake implements the same methods
with the same signatures as the real client (tests/unit/client/test_protocol.py checks)."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

from kubectl_ijob.client.errors import NotFound
from kubectl_ijob.client.exec import ExecResult

Obj = dict[str, Any]


class FakeClient:
    """Objects in a dict by (kind, name); tests override the methods they need to vary."""

    namespace = "default"

    def __init__(self, *objs: Obj) -> None:
        self.objects: dict[tuple[str, str], Obj] = {}
        for obj in objs:
            self.objects[(obj["kind"], obj["metadata"]["name"])] = obj

    def get(self, kind: str, name: str, namespace: Optional[str] = None) -> Optional[Obj]:
        return self.objects.get((kind, name))

    def get_job(self, name: str, namespace: Optional[str] = None) -> Obj:
        job = self.get("Job", name, namespace)
        if job is None:
            raise NotFound(404, "NotFound", f'jobs.batch "{name}" not found')
        return job

    def get_service(self, name: str, namespace: Optional[str] = None) -> Optional[Obj]:
        return self.get("Service", name, namespace)

    def list_of(self, kind: str, namespace: Optional[str],
                selector: Optional[str] = None) -> list[Obj]:
        return [o for (k, _), o in self.objects.items() if k == kind]

    def list_jobs(self, namespace: Optional[str]) -> list[Obj]:
        return self.list_of("Job", namespace)

    def list_services(self, namespace: Optional[str]) -> list[Obj]:
        return self.list_of("Service", namespace)

    def list_namespaces(self) -> list[Obj]:
        return self.list_of("Namespace", None)

    def list_pods(self, selector: str, namespace: Optional[str] = None,
                  view: Optional[Callable[[Obj], Obj]] = None) -> list[Obj]:
        pods = self.list_of("Pod", namespace, selector)
        return [view(p) for p in pods] if view else pods

    def list_all_pods(self, selector: str, namespace: Optional[str]) -> list[Obj]:
        return self.list_of("Pod", namespace, selector)

    def list_pods_any(self, selectors: list[str], namespace: Optional[str] = None,
                      view: Optional[Callable[[Obj], Obj]] = None) -> list[Obj]:
        pods = self.list_of("Pod", namespace)
        return [view(p) for p in pods] if view else pods

    def list_endpoint_slices(self, service: str, namespace: Optional[str] = None) -> list[Obj]:
        return self.list_of("EndpointSlice", namespace)

    def list_events(self, namespace: Optional[str] = None,
                    view: Optional[Callable[[Obj], Obj]] = None) -> list[Obj]:
        events = self.list_of("Event", namespace)
        return [view(e) for e in events] if view else events

    def create(self, obj: Obj, dry_run: bool = False) -> Obj:
        if not dry_run:
            self.objects[(obj["kind"], obj["metadata"]["name"])] = obj
        return obj

    def delete(self, kind: str, name: str, namespace: Optional[str] = None,
               propagation: Optional[str] = None, dry_run: bool = False) -> Obj:
        return self.objects.pop((kind, name), {})

    def patch(self, kind: str, name: str, body: Obj, namespace: Optional[str] = None,
              dry_run: bool = False) -> Obj:
        return self.objects.get((kind, name), {})

    def log_lines(self, pod: str, container: Optional[str] = None, follow: bool = False,
                  tail: Optional[int] = None, since_seconds: Optional[int] = None,
                  previous: bool = False, namespace: Optional[str] = None) -> Iterator[str]:
        return iter(())

    def watch_pods(self, selector: str, resource_version: Optional[str],
                   namespace: Optional[str] = None, timeout: int = 300) -> Iterator[Obj]:
        return iter(())

    def exec(self, pod: str, argv: list[str], container: Optional[str] = None,
             timeout: float = 30) -> ExecResult:
        return ExecResult("", "", 0)
