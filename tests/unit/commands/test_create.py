"""Atomic create over a fake client.

A real cluster cannot be made to fail between two POSTs on demand; the fake can. The
happy paths run against the real cluster in tests/e2e.
"""
import pytest

from kubectl_ijob.client.errors import Forbidden, Invalid
from kubectl_ijob.commands.create import create_all
from kubectl_ijob.domain import manifests
from kubectl_ijob.errors import IjobError, RollbackIncomplete
from kubectl_ijob.render.errors import error_line

from ..fakes import FakeClient


class FailingClient(FakeClient):
    def __init__(self, fail_on=None, fail_delete=False):
        super().__init__()
        self.fail_on, self.fail_delete = fail_on, fail_delete
        self.created, self.deleted, self.calls = [], [], []

    def create(self, obj, dry_run=False):
        self.calls.append(("create", obj["kind"], dry_run))
        if obj["kind"] == self.fail_on:
            raise Invalid(422, "Invalid", f'{obj["kind"]} "x" is invalid')
        out = dict(obj, metadata=dict(obj["metadata"], uid=f"uid-{obj['kind']}"))
        self.created.append(out)
        return out

    def delete(self, kind, name, namespace=None, propagation=None, dry_run=False):
        self.calls.append(("delete", kind, propagation))
        if self.fail_delete:
            raise Forbidden(403, "Forbidden", "nope")
        self.deleted.append((kind, name))
        return {}


def objs():
    return manifests.build_all(manifests.CreateSpec(name="j", namespace="ns", image="i:1",
                                                    items=["a", "b"]))


def test_create_sets_owner_references_from_the_created_job():
    kube = FailingClient()
    created = create_all(kube, objs())
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
    kube = FailingClient(fail_on=fail_on)
    with pytest.raises(Invalid) as e:
        create_all(kube, objs())
    assert error_line(e.value).startswith("Error from server (Invalid)")
    assert kube.deleted == removed
    assert all(c[2] == "Background" for c in kube.calls if c[0] == "delete")


def test_failed_rollback_is_reported():
    kube = FailingClient(fail_on="Service", fail_delete=True)
    with pytest.raises(RollbackIncomplete) as e:
        create_all(kube, objs())
    assert isinstance(e.value.__cause__, Invalid)
    assert "could not remove job j" in error_line(e.value)
    assert error_line(e.value).startswith("Error from server (Invalid)")
    assert "Error from server (Forbidden): nope" in error_line(e.value)


def test_server_dry_run_never_rolls_back():
    kube = FailingClient(fail_on="Service")
    with pytest.raises(IjobError):
        create_all(kube, objs(), dry_run=True)
    assert kube.deleted == [] and kube.calls[0] == ("create", "Job", True)
