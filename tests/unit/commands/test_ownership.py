"""relabel, delete and wait decisions over a fake client."""
import pytest

from kubectl_ijob.commands.ownership import (RelabelOptions, deletion_done, plan_relabel,
                                             relabel_mode)
from kubectl_ijob.commands.peers import run_wait
from kubectl_ijob.domain.model import IndexedJob
from kubectl_ijob.errors import Failed, UsageError

from ..fakes import FakeClient
from ..objects import job, pod, service


@pytest.mark.parametrize("labels,flags,want", [
    (["a=b"], {}, None),
    ([], {"detach": True}, "detach"),
    ([], {"detach": True, "detach_dns": True}, "detach"),
    (["a-"], {"reattach": True}, "reattach"),
])
def test_relabel_mode(labels, flags, want):
    kw = dict(detach=False, detach_dns=False, out_of_service=False, reattach=False)
    kw.update(flags)
    assert relabel_mode(labels, **kw) == want


@pytest.mark.parametrize("labels,flags,msg", [
    ([], {}, "at least one label update is required"),
    ([], {"detach": True, "reattach": True}, "only one of --detach"),
    ([], {"detach_dns": True, "out_of_service": True}, "--detach-dns only works with --detach"),
    (["a=b=c d"], {}, "invalid label"),
])
def test_relabel_mode_refuses(labels, flags, msg):
    kw = dict(detach=False, detach_dns=False, out_of_service=False, reattach=False)
    kw.update(flags)
    with pytest.raises(UsageError, match=msg):
        relabel_mode(labels, **kw)


def relabel(**kw):
    base = dict(name="example-job", index=1, labels=[], overwrite=False, mode="detach",
                detach_dns=False, force=False, dry_run="client", wait=False, seconds=60)
    base.update(kw)
    return RelabelOptions(**base)


def test_plan_relabel_of_a_running_job():
    j = job(completions=2)
    p, plan = plan_relabel(relabel(), IndexedJob(j, [pod(0), pod(1)], service()))
    assert p["metadata"]["name"] == "example-job-1-abcde"
    assert plan.changes == {"batch.kubernetes.io/controller-uid": None}
    assert plan.job_before and not plan.job_after


@pytest.mark.parametrize("kw,conds,msg", [
    ({"index": 2}, None, "invalid --index 2: index 2 is out of range 0-1"),
    ({"mode": "reattach"}, None, "has no detached pod to relabel"),
    ({}, [{"type": "Complete", "status": "True"}], "is Complete: its controller no longer reacts"),
])
def test_plan_relabel_refuses(kw, conds, msg):
    model = IndexedJob(job(completions=2, conditions=conds), [pod(0), pod(1)], service())
    with pytest.raises(UsageError, match=msg):
        plan_relabel(relabel(**kw), model)


def test_deletion_done_by_policy():
    j = job(completions=2)
    model = IndexedJob(j, [pod(0), pod(1)])
    client = FakeClient(j, pod(0), pod(1))
    assert deletion_done(client, model, "Background") is None  # the Job is still there
    del client.objects[("Job", "example-job")]
    assert deletion_done(client, model, "Background") is None  # its pods are not gone yet
    assert deletion_done(client, model, "Orphan") is None  # they still point at the Job
    for p in client.list_pods(""):
        p["metadata"]["ownerReferences"] = []
    assert deletion_done(client, model, "Orphan") == "2 pods live on without an owner"
    client.objects = {}
    assert deletion_done(client, model, "Background") == "all 2 pods deleted"


def test_wait_reports_the_condition_or_fails():
    done = job(completions=1, conditions=[{"type": "Complete", "status": "True"}])
    assert run_wait("example-job", "complete", 1, FakeClient(done)) == \
        "job.batch/example-job condition met: Complete"
    failed = job(completions=1, conditions=[{"type": "Failed", "status": "True",
                                             "reason": "BackoffLimitExceeded"}])
    with pytest.raises(Failed, match="job.batch/example-job: job failed"):
        run_wait("example-job", "complete", 1, FakeClient(failed))
