"""Golden tests of the text views: list, owners, orphans, describe, byte for byte.

The golden files were produced by the renderers before the layout recut and checked by
hand against kubectl's conventions (3-space columns, no trailing spaces, AGE as
HumanDuration). To accept an intended change: IJOB_UPDATE_GOLDEN=1 pytest this file.
"""
from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path

import pytest

from kubectl_ijob.domain import ownership
from kubectl_ijob.domain import status as st
from kubectl_ijob.render.describe import describe_text
from kubectl_ijob.render.views import list_text, orphans_text, ownership_text

from ..domain.test_status import ready, slice_for
from ..objects import UID, job, pod, service

NOW = dt.datetime(2026, 11, 22, 10, 5, 3, tzinfo=dt.timezone.utc)
GOLDEN = Path(__file__).parent / "golden"


def check(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("IJOB_UPDATE_GOLDEN"):
        path.write_text(text + "\n")
    assert text + "\n" == path.read_text()
    assert all(line == line.rstrip() for line in text.splitlines())


def list_pairs():
    done = job("done", completions=2, completionTime="2026-11-22T10:03:00Z", succeeded=2,
               conditions=[{"type": "Complete", "status": "True"}])
    run = job(completions=3)
    other = copy.deepcopy(run)
    other["metadata"].update(namespace="team-b", name="nodns")
    other["spec"]["template"]["spec"].pop("subdomain")
    return run, done, other


def test_list():
    run, done, _ = list_pairs()
    check("list", list_text([(run, service()), (done, None)], NOW))


def test_list_all_namespaces_wide():
    run, _, other = list_pairs()
    check("list-A-wide", list_text([(run, service()), (other, None)], NOW, all_namespaces=True,
                                   wide=True))


def test_owners():
    j = job(completions=2)
    p0, p1 = ready(pod(0)), ready(pod(1))
    detached = ready(pod(1, name="example-job-1-old", created="2026-11-22T09:58:00Z"))
    detached["metadata"].update(ownerReferences=[], finalizers=[])
    detached["metadata"]["labels"].pop("batch.kubernetes.io/controller-uid")
    rows = ownership.ownership_rows(j, [p0, p1, detached], service(), slice_for(p0, p1))
    check("owners", ownership_text(j, rows, service(), False, NOW, notes=["cannot read x"]))


def orphans():
    p = pod(0, "Succeeded", job_name="gone")
    p["metadata"]["ownerReferences"] = []
    return {("default", "gone"): {"pods": [p], "services": [service("gone")]}}


def test_orphans():
    check("orphans", orphans_text(orphans(), NOW, all_namespaces=False))


def test_orphans_all_namespaces_no_headers():
    check("orphans-A-no-headers", orphans_text(orphans(), NOW, all_namespaces=True,
                                               no_headers=True))


def describe_case():
    j = job(completions=3, completedIndexes="0", failedIndexes="2", succeeded=1, failed=1,
            active=1, ready=1)
    pods = [pod(0, "Succeeded"), ready(pod(1)), pod(2, "Failed", exit_code=3)]
    rows = st.index_rows(j, pods, service=service(), slices=slice_for(pods[1]))
    return j, rows


def test_describe():
    j, rows = describe_case()
    events = [{"type": "Normal", "reason": "SuccessfulCreate",
               "lastTimestamp": "2026-11-22T10:00:01Z",
               "involvedObject": {"kind": "Job", "name": "example-job", "uid": UID},
               "message": "Created pod: example-job-0-abcde"},
              {"type": "Warning", "reason": "BackOff", "lastTimestamp": "2026-11-22T10:04:03Z",
               "involvedObject": {"kind": "Pod", "name": "example-job-2-abcde"},
               "message": "Back-off\nrestarting"}]
    network = (["deny-all"], ["ingress isolated by deny-all and no rule admits the job's own "
                              "pods: peers cannot connect"])
    check("describe", describe_text(j, st.summarize(j, service()), rows, events, NOW,
                                    ["cannot read events: x"], network))


def test_describe_without_service_events_or_policies():
    j, rows = describe_case()
    check("describe-bare", describe_text(j, st.summarize(j, None), rows, [], NOW, None, None))


@pytest.mark.parametrize("name", ["list", "owners", "orphans", "describe"])
def test_golden_files_are_not_empty(name):
    assert len((GOLDEN / f"{name}.txt").read_text().splitlines()) >= 3
