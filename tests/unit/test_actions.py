"""Atomic create and the watch loop, over a small fake client.

A real cluster cannot be made to fail between two POSTs on demand; the fake can. The
happy paths run against the real cluster in tests/e2e.
"""
import pytest

from kubectl_ijob import actions, manifests
from kubectl_ijob.errors import IjobError

from .objects import job, pod


class FakeKube:
    def __init__(self, fail_on=None, fail_delete=False):
        self.fail_on, self.fail_delete = fail_on, fail_delete
        self.created, self.deleted, self.calls = [], [], []

    def create(self, obj, dry_run=False):
        self.calls.append(("create", obj["kind"], dry_run))
        if obj["kind"] == self.fail_on:
            raise IjobError(f'Error from server (Invalid): {obj["kind"]} "x" is invalid')
        out = dict(obj, metadata=dict(obj["metadata"], uid=f"uid-{obj['kind']}"))
        self.created.append(out)
        return out

    def delete(self, kind, name, namespace=None, propagation=None, dry_run=False):
        self.calls.append(("delete", kind, propagation))
        if self.fail_delete:
            raise IjobError("Error from server (Forbidden): nope")
        self.deleted.append((kind, name))


def objs():
    return manifests.build_all(manifests.CreateSpec(name="j", namespace="ns", image="i:1",
                                                    items=["a", "b"]))


def test_create_sets_owner_references_from_the_created_job():
    kube = FakeKube()
    created = actions.create_all(kube, objs())
    assert [o["kind"] for o in created] == ["Job", "Service", "ConfigMap"]
    for o in created[1:]:
        assert o["metadata"]["ownerReferences"][0]["uid"] == "uid-Job"
    assert len(kube.calls) == 3  # one request per object, no discovery


@pytest.mark.parametrize("fail_on,removed", [
    ("Service", [("Job", "j")]),
    ("ConfigMap", [("Service", "j"), ("Job", "j")]),
    ("Job", []),
])
def test_failure_removes_what_was_created(fail_on, removed):
    kube = FakeKube(fail_on=fail_on)
    with pytest.raises(IjobError) as e:
        actions.create_all(kube, objs())
    assert e.value.message.startswith("Error from server (Invalid)")
    assert kube.deleted == removed
    assert all(c[2] == "Background" for c in kube.calls if c[0] == "delete")


def test_failed_rollback_is_reported():
    kube = FakeKube(fail_on="Service", fail_delete=True)
    with pytest.raises(IjobError) as e:
        actions.create_all(kube, objs())
    assert "could not remove job j" in e.value.message


def test_server_dry_run_never_rolls_back():
    kube = FakeKube(fail_on="Service")
    with pytest.raises(IjobError):
        actions.create_all(kube, objs(), dry_run=True)
    assert kube.deleted == [] and kube.calls[0] == ("create", "Job", True)


def test_selector_string():
    assert actions.job_selector(job()) == "batch.kubernetes.io/controller-uid=" + job()["metadata"]["uid"]
    j = job()
    j["spec"]["selector"] = {"matchLabels": {"a": "b"}, "matchExpressions": [
        {"key": "c", "operator": "In", "values": ["d", "e"]}, {"key": "f", "operator": "Exists"}]}
    assert actions.job_selector(j) == "a=b,c in (d,e),f"


class WatchKube:
    """Serves a job that finishes after a pod event, with a 410 Gone in between."""

    def __init__(self):
        self.last_resource_version = "1"
        self.gets = 0
        self.watches = 0

    def get_job(self, name):
        self.gets += 1
        done = self.gets >= 4
        return job(completions=1, conditions=[{"type": "Complete", "status": "True"}] if done else [])

    def list_pods(self, selector):
        return [pod(0)]

    def get_service(self, name):
        return None

    def watch_pods(self, selector, rv, timeout=300):
        self.watches += 1
        if self.watches == 1:
            yield {"type": "ERROR", "object": {"kind": "Status", "code": 410}}
            return
        yield {"type": "MODIFIED", "object": pod(0, "Succeeded")}


def test_watch_relists_after_gone_and_stops_when_finished():
    kube = WatchKube()
    seen = []
    snap = actions.watch(kube, "example-job", lambda s: seen.append(s), sleep=lambda s: None)
    assert kube.watches == 2
    assert snap.job["status"]["conditions"][0]["type"] == "Complete"
    assert len(seen) >= 3
