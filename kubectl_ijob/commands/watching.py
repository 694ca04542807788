"""`status -w`: the watch loop that keeps a job's model current with few reads and flat
memory, and the redraw that repaints only what changed."""
from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

if TYPE_CHECKING:
    from kubectl_ijob.client.protocol import KubeClient, Obj
    from kubectl_ijob.domain.model import IndexedJob

# The Job's own status (Complete, Failed) changes after its pods' last events, so the pod
# watch is renewed this often (seconds) and the Job read again, instead of waiting on a
# quiet stream for minutes.
WATCH_WINDOW = 10


def redrawer(show: Callable[[IndexedJob], None]) -> Callable[[IndexedJob], None]:
    """Wrap a renderer so -w repaints only when the output changes (clearing a terminal)."""
    import contextlib
    import io

    last: dict[str, Optional[str]] = {"text": None}
    tty = sys.stdout.isatty()

    def redraw(model: IndexedJob) -> None:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            show(model)
        text = buf.getvalue()
        if text == last["text"]:
            return
        if tty:
            sys.stdout.write("\x1b[H\x1b[2J")
        elif last["text"] is not None:
            sys.stdout.write("\n")
        last["text"] = text
        sys.stdout.write(text)
        sys.stdout.flush()

    return redraw


def watch(client: KubeClient, name: str, on_change: Callable[[IndexedJob], None],
          sleep: Callable[[float], None] = time.sleep) -> IndexedJob:
    """Call on_change on every change of the job's pods until the Job finishes.

    The watch starts at the pods' LIST resourceVersion and, each WATCH_WINDOW, resumes
    from the last version seen (after the Job, its Service and EndpointSlices are read
    again: the pods are not re-listed, 47 MiB at 10,000). Only a watch that expires
    (410 Gone) or fails is answered by listing again, so nothing is missed and a quiet
    job is not re-listed every window. Pods are kept by uid as status_view projects them,
    so memory stays flat under churn; the events that arrive during a redraw are applied
    together before the next one. Ctrl-C propagates as KeyboardInterrupt to app.main.
    """
    from kubectl_ijob.client.errors import Unreachable
    from kubectl_ijob.commands.snapshot import snapshot, with_service
    from kubectl_ijob.commands.stream import batches
    from kubectl_ijob.domain.model import IndexedJob
    from kubectl_ijob.domain.projection import status_view

    model = snapshot(client, name, view=status_view)
    on_change(model)
    pods = {p["metadata"].get("uid"): p for p in model.pods}
    version = model.pods_version
    while not model.finished:
        try:
            for batch in batches(pod_events(client, model.selector_string, version)):
                changed, version, gone = apply_batch(pods, batch, version)
                if gone:  # 410 Gone: list again below
                    break
                if not changed:
                    continue
                model = IndexedJob(client.get_job(model.name), list(pods.values()),
                                   model.service, model.slices, model.notes, version)
                on_change(model)
                if model.finished:
                    return model
            else:  # the window closed: the Job, Service and EndpointSlices are read again
                model = with_service(client, client.get_job(model.name), list(pods.values()))
                model.pods_version = version
                on_change(model)
                continue
        except Unreachable:
            sleep(1.0)
        model = snapshot(client, name, view=status_view)  # after expiry or a dropped stream
        pods = {p["metadata"].get("uid"): p for p in model.pods}
        version = model.pods_version
        on_change(model)
    return model


def pod_events(client: KubeClient, selector: str, version: Optional[str]
               ) -> Iterator[tuple[str, dict[str, Any], Optional[str]]]:
    """(type, pod, the version to resume from) of each pod event after `version`:
    ADDED, MODIFIED, DELETED, BOOKMARK (moves the version only) or ERROR (410 Gone:
    the caller lists again). Ends when the window closes."""
    for event in client.watch_pods(selector, version, timeout=WATCH_WINDOW):
        kind, obj = event.get("type") or "", event.get("object") or {}
        if kind == "ERROR":
            yield kind, obj, None
            return
        version = (obj.get("metadata") or {}).get("resourceVersion") or version
        if kind in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK"):
            yield kind, obj, version


def apply_batch(pods: dict[Optional[str], Obj], batch: list[tuple[str, Obj, Optional[str]]],
                version: Optional[str]) -> tuple[bool, Optional[str], bool]:
    """Apply a batch of pod_events: (whether a pod changed, the version to resume from,
    whether the watch failed with 410 Gone - the events before it are applied)."""
    from kubectl_ijob.domain.projection import status_view

    changed = False
    for kind, obj, seen in batch:
        if kind == "ERROR":
            return changed, version, True
        version = seen
        if kind != "BOOKMARK":
            apply_event(pods, kind, status_view(obj))
            changed = True
    return changed, version, False


def apply_event(pods: dict[Optional[str], Obj], kind: str, pod: Obj) -> None:
    """Apply one watch event to the pods by uid (a changed pod moves last, as it arrives)."""
    uid = pod["metadata"].get("uid")
    pods.pop(uid, None)
    if kind != "DELETED":
        pods[uid] = pod
