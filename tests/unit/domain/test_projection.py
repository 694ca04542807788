"""status_view keeps what the status views read: status, describe and owners give the
same output on the projected pods as on the whole ones, and wait --for decides the same,
for every deliberately broken job of doctor's tests, failure policies, init containers
and a real-shaped kwok pod."""
from __future__ import annotations

import copy
import datetime as dt
import inspect
import json

import pytest

from benchmarks import synthetic
from kubectl_ijob.domain import ownership
from kubectl_ijob.domain.jobfate import fate
from kubectl_ijob.domain.model import IndexedJob
from kubectl_ijob.domain.projection import status_view, unmanaged
from kubectl_ijob.domain.status import index_rows, summarize
from kubectl_ijob.domain.waiting import check
from kubectl_ijob.render import documents
from kubectl_ijob.render.describe import describe_text
from kubectl_ijob.render.views import ownership_text, status_text

from ..objects import job, pod, service
from . import doctor_faults as faults
from .doctor_objects import complete, healthy

NOW = dt.datetime(2026, 11, 29, 12, 30, tzinfo=dt.timezone.utc)
POLICY = {"rules": [{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [42]}},
                    {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget",
                                                              "status": "True"}]}]}


def scenarios() -> list[tuple[str, dict, list[dict], dict | None, list | None]]:
    """(name, job, pods, service, slices) of many shapes of job."""
    out = []
    for name, fault in inspect.getmembers(faults, inspect.isfunction):
        if name.startswith("_") or list(inspect.signature(fault).parameters) != ["ev"]:
            continue
        ev = healthy()
        fault(ev)
        out.append((name, ev.job, ev.pods, (ev.services or [None])[0], ev.slices))
    done = complete()
    out.append(("complete", done.job, done.pods, done.services[0], done.slices))
    mixed = [pod(0, "Failed", exit_code=42, name="p0-a"), pod(0, "Running", name="p0-b",
                                                             failure_count=1, restarts=2),
             pod(1, "Pending", waiting="ImagePullBackOff"), pod(2, "Running", deleting=True),
             pod(3, "Failed", reason="OOMKilled", exit_code=137)]
    mixed[0]["status"]["conditions"] = [{"type": "DisruptionTarget", "status": "True"}]
    mixed[2]["spec"]["initContainers"] = [{"name": "wait", "image": "x"}]
    mixed[2]["status"]["initContainerStatuses"] = [{"name": "wait", "ready": False,
                                                    "state": {"waiting": {"reason": "X"}}}]
    out.append(("policies", job(completions=5, podFailurePolicy=POLICY, backoffLimitPerIndex=1),
                mixed, service(), None))
    wiring = [pod(i) for i in range(4)]
    wiring[0]["spec"].update(hostNetwork=True)
    wiring[1]["spec"].update(dnsPolicy="Default")
    wiring[2]["status"] = {"phase": "Pending", "reason": "SchedulingGated"}
    wiring[3]["spec"]["subdomain"] = "other"
    slices = [{"endpoints": [{"targetRef": {"kind": "Pod", "uid": p["metadata"]["uid"]},
                              "hostname": f"example-job-{i}", "conditions": {"ready": True}}
                             for i, p in enumerate(wiring)]}]
    out.append(("wiring", job(completions=4), wiring, service(), slices))
    n = 50
    kwok = [synthetic.pod(i, "example-job", "default") for i in range(n)]
    out.append(("kwok", job(completions=n), kwok, service(), []))
    return out


def views(j: dict, pods: list[dict], svc: dict | None, slices: list | None) -> list[str]:
    """What status (table, wide, json), describe and owners (table, json) print, the
    rows and fate they print from, and what wait --for decides."""
    rows = index_rows(j, pods, "cluster.local", svc, slices)
    model = IndexedJob(j, pods, svc, slices)
    waits = [check(c, model) for c in ("peers", "ready", "complete", "terminal", "decided")]
    summary = summarize(j, svc)
    f = documents.fate_document(fate(j, pods))
    owned = ownership.ownership_rows(j, pods, svc, slices)
    return [repr(rows), repr(owned), repr(f), repr(waits)] + [
        status_text(summary, rows, NOW, wide=wide) for wide in (False, True)] + [
        json.dumps([documents.status_document(summary, rows, []), f], default=str),
        describe_text(j, summary, rows, [], NOW),
        json.dumps(documents.describe_document(summary, rows, [], None, []), default=str),
        ownership_text(j, owned, svc, False, NOW),
        json.dumps(documents.ownership_document("x", svc, False, [], owned), default=str)]


@pytest.mark.parametrize("name,j,pods,svc,slices", scenarios(), ids=lambda v: v if
                         isinstance(v, str) else "")
def test_every_view_is_the_same_on_the_projection(name, j, pods, svc, slices):
    whole = copy.deepcopy(pods)
    assert views(j, [status_view(p) for p in pods], svc, slices) == views(j, whole, svc, slices)
    assert pods == whole  # the projection leaves its input alone


def test_the_projection_keeps_a_fifth_of_a_real_pod():
    p = synthetic.pod(7)
    slim = status_view(p)
    assert "managedFields" not in slim["metadata"] and "volumes" not in slim["spec"]
    assert slim["metadata"]["labels"] == p["metadata"]["labels"]
    assert slim["spec"]["containers"] == [{"name": "worker"}]
    assert len(json.dumps(slim)) < len(json.dumps(p)) / 3


def test_describe_reads_events_without_their_managed_fields():
    ev = healthy()
    rows = index_rows(ev.job, ev.pods, "cluster.local", ev.services[0], ev.slices)
    summary = summarize(ev.job, ev.services[0])
    events = copy.deepcopy(ev.events)
    for e in events:
        e.setdefault("metadata", {})["managedFields"] = [{"manager": "kube-scheduler"}]
    kept = [unmanaged(e) for e in events]
    assert all("managedFields" not in e["metadata"] for e in kept) and events[0] != kept[0]
    for out in (lambda es: describe_text(ev.job, summary, rows, es, NOW),
                lambda es: json.dumps(documents.describe_document(summary, rows, [], None, es))):
        assert out(kept) == out(events)
