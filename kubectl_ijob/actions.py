"""Multi-request operations over an injected client: atomic create, status snapshot, watch.

These take any object with the `Kube` methods they use, so the error paths a real
cluster cannot produce on demand (a failure between two creates) are unit-testable
with a small fake, while the happy paths are tested on the real cluster.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

from kubectl_ijob import manifests, status
from kubectl_ijob.errors import IjobError, usage


def create_all(kube: Any, objs: list[dict[str, Any]], dry_run: bool = False) -> list[dict[str, Any]]:
    """Create the Job, then its Service and ConfigMap owned by it; undo everything on failure.

    One POST per object and no discovery. If any POST fails, the objects already created
    are deleted (the Job with Background propagation, so no pod it started survives) and
    the original error is raised, so nothing half-made is left behind.
    """
    created: list[dict[str, Any]] = []
    try:
        for obj in objs:
            if created and obj["kind"] != "Job":
                obj = manifests.owned_by(obj, created[0])
            created.append(kube.create(obj, dry_run=dry_run))
    except IjobError as err:
        if not dry_run:
            problems = _rollback(kube, created)
            if problems:
                raise IjobError(err.message + "\n" + "\n".join(problems)) from err
        raise
    return created


def _rollback(kube: Any, created: list[dict[str, Any]]) -> list[str]:
    problems = []
    for obj in reversed(created):
        meta = obj["metadata"]
        try:
            kube.delete(obj["kind"], meta["name"], meta.get("namespace"), propagation="Background")
        except IjobError as e:
            problems.append(f"error: could not remove {obj['kind'].lower()} {meta['name']} "
                            f"created before the failure: {e.message}")
    return problems


def job_selector(job: dict[str, Any]) -> str:
    """The Job's own label selector as a string (what the Job controller matches)."""
    sel = job.get("spec", {}).get("selector") or {}
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for expr in sel.get("matchExpressions") or []:
        values = ",".join(expr.get("values") or [])
        op = expr.get("operator")
        if op == "In":
            parts.append(f"{expr['key']} in ({values})")
        elif op == "NotIn":
            parts.append(f"{expr['key']} notin ({values})")
        elif op == "Exists":
            parts.append(expr["key"])
        elif op == "DoesNotExist":
            parts.append(f"!{expr['key']}")
    if not parts:
        return f"job-name={job['metadata']['name']}"
    return ",".join(parts)


@dataclass
class Snapshot:
    """Everything `status` renders: the Job, its pods, its Service and EndpointSlices."""

    job: dict[str, Any]
    pods: list[dict[str, Any]]
    service: Optional[dict[str, Any]]
    slices: Optional[list[dict[str, Any]]] = None  # None: not read (no Service, or forbidden)
    notes: list[str] = field(default_factory=list)  # what could not be read, for the user

    def side_query(self, read: Callable[[], Any], what: str) -> Any:
        """read() for something the view can do without: Forbidden becomes a note and None."""
        try:
            return read()
        except IjobError as e:
            if "(Forbidden)" not in e.message:
                raise
            self.notes.append(f"cannot read {what}: {e.message}")
            return None


def get_indexed_job(kube: Any, name: str) -> dict[str, Any]:
    """GET a Job and insist it is Indexed."""
    job = kube.get_job(name)
    if not status.is_indexed(job):
        mode = job.get("spec", {}).get("completionMode") or "NonIndexed"
        raise usage(f'job "{name}" has completionMode {mode}; kubectl ijob works on '
                    "Indexed Jobs (completionMode: Indexed)")
    return job


def snapshot(kube: Any, name: str) -> Snapshot:
    """One GET of the Job, one paginated LIST of its pods, one GET of its Service, and one
    LIST of the Service's EndpointSlices (a side query: Forbidden becomes a note)."""
    job = get_indexed_job(kube, name)
    return _with_service(kube, job, kube.list_pods(job_selector(job)))


def _with_service(kube: Any, job: dict[str, Any], pods: list[dict[str, Any]]) -> Snapshot:
    """Add the Service the pod template's subdomain names and its EndpointSlices (a side
    query: Forbidden becomes a note, not an error)."""
    sub = job.get("spec", {}).get("template", {}).get("spec", {}).get("subdomain")
    snap = Snapshot(job, pods, kube.get_service(sub) if sub else None)
    if snap.service is not None:
        snap.slices = snap.side_query(lambda: kube.list_endpoint_slices(sub),
                                      "EndpointSlices, DNS publication unknown")
    return snap


# The Job's own status (Complete, Failed) changes after its pods' last events, so the pod
# watch is renewed this often (seconds) and the Job read again, instead of waiting on a
# quiet stream for minutes.
WATCH_WINDOW = 10


def watch(kube: Any, name: str, on_change: Callable[[Snapshot], None],
          sleep: Callable[[float], None] = time.sleep) -> Snapshot:
    """Redraw on every change of the job's pods until the Job finishes.

    A watch that expires (410 Gone) or drops is answered by listing again, so nothing
    is missed; Ctrl-C propagates as KeyboardInterrupt to the CLI.
    """
    snap = snapshot(kube, name)
    on_change(snap)
    selector = job_selector(snap.job)
    while not status.finished(snap.job):
        rv = kube.last_resource_version
        try:
            for event in _events(kube, selector, rv):
                snap = Snapshot(kube.get_job(name), _apply(snap.pods, event), snap.service,
                                snap.slices, snap.notes)
                on_change(snap)
                if status.finished(snap.job):
                    return snap
        except IjobError as e:
            if "Unable to connect" not in e.message:
                raise
            sleep(1.0)
        snap = snapshot(kube, name)  # re-list after expiry, a dropped stream or a timeout
        on_change(snap)
    return snap


def _events(kube: Any, selector: str, rv: Optional[str]) -> Iterator[dict[str, Any]]:
    for event in kube.watch_pods(selector, rv, timeout=WATCH_WINDOW):
        kind = event.get("type")
        if kind == "ERROR":
            return  # 410 Gone and friends: the caller re-lists
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            kube.last_resource_version = event["object"]["metadata"].get("resourceVersion")
            yield event


def _apply(pods: list[dict[str, Any]], event: dict[str, Any]) -> list[dict[str, Any]]:
    obj = event["object"]
    uid = obj["metadata"].get("uid")
    rest = [p for p in pods if p["metadata"].get("uid") != uid]
    return rest if event["type"] == "DELETED" else rest + [obj]


def next_attempt(kube: Any, name: str, index: int, ended: dict[str, Any], seen: set[str],
                 interval: float = 2.0) -> Optional[dict[str, Any]]:
    """Wait for the index's next started pod after `ended` (None: no attempt will come),
    so `logs -f` follows an index across retries and replaced pods."""
    while True:
        job = kube.get("Job", name)
        pods = kube.list_pods(job_selector(job)) if job else []
        pod, done = status.next_attempt(job, pods, index, ended, seen)
        if pod is not None or done:
            return pod
        time.sleep(interval)


def ping(kube: Any, snap: Snapshot, method: Any, timeout: int, max_concurrency: int,
         container: Optional[str], sources: Optional[list[int]], cluster_domain: str,
         exec_fn: Callable[..., Any]) -> Any:
    """One exec per source pod, all concurrent (bounded): the N x N peer matrix."""
    from concurrent.futures import ThreadPoolExecutor

    from kubectl_ijob import peers

    rows = status.index_rows(snap.job, snap.pods, cluster_domain, snap.service, snap.slices)
    srcs, targets, skipped = peers.plan(snap.job, rows, cluster_domain, sources)
    argv = peers.probe_command(method, timeout, targets)
    ids = [t.index for t in targets]

    def one(src: Any) -> list[Any]:
        res = exec_fn(kube, src.pod, argv, container=container, timeout=2 * timeout + 20)
        if res.error:
            code = "no-shell" if "executable file not found" in res.error else "exec-failed"
            return peers.failed_source(src.index, ids, code, res.error)
        if res.code not in (0, None) and "DONE" not in res.stdout:
            missing = "sh" if res.code in (126, 127) else ""
            code = "no-shell" if missing else "exec-failed"
            return peers.failed_source(src.index, ids, code, (res.stderr or res.stdout).strip()[:200])
        return peers.parse_output(src.index, res.stdout, ids)

    pairs: list[Any] = []
    if srcs:
        with ThreadPoolExecutor(max_workers=max(1, min(max_concurrency, len(srcs)))) as pool:
            for result in pool.map(one, srcs):
                pairs.extend(result)
    return peers.Matrix(str(method), [s.index for s in srcs], ids, pairs, skipped,
                        {t.index: t.ip for t in targets})


# ---------------------------------------------------------------- ownership operations

def family_snapshot(kube: Any, name: str, job: Optional[dict[str, Any]] = None) -> Snapshot:
    """The Job plus every pod it owns OR that still carries its labels (detached, orphaned)."""
    from kubectl_ijob.ownership import JOB_NAME_LABEL

    job = job or get_indexed_job(kube, name)
    pods = kube.list_pods_any([job_selector(job), f"{JOB_NAME_LABEL}={name}", f"job-name={name}"])
    return _with_service(kube, job, pods)


def dependents(kube: Any, job: dict[str, Any], service: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Service and the ConfigMaps the pod template mounts: what a cascade may reach."""
    out = [dict(service, kind="Service")] if service else []
    for vol in job.get("spec", {}).get("template", {}).get("spec", {}).get("volumes") or []:
        cm = (vol.get("configMap") or {}).get("name")
        obj = kube.get("ConfigMap", cm) if cm else None
        if obj is not None:
            out.append(dict(obj, kind="ConfigMap"))
    return out


def wait_until(probe: Callable[[], Optional[str]], timeout: float,
               sleep: Callable[[float], None] = time.sleep) -> Optional[str]:
    """Poll `probe` (which returns a result or None) until it answers or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got is not None or time.monotonic() >= deadline:
            return got
        sleep(1.0)
