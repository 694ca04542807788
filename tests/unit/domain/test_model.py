"""The IndexedJob model: the facts every command derives the same way."""
import pytest

from kubectl_ijob.domain.model import IndexedJob, current, job_selector
from kubectl_ijob.domain.selectors import map_missing, matches, selects_all_when_empty

from ..objects import job, pod

OLD = pod(1, "Failed", name="example-job-1-old", created="2026-11-22T10:00:00Z")
GOING = pod(1, "Running", name="example-job-1-going", created="2026-11-22T10:01:00Z", deleting=True)
NEW = pod(1, "Running", name="example-job-1-new", created="2026-11-22T10:02:00Z")


def test_selector_string():
    assert job_selector(job()) == "batch.kubernetes.io/controller-uid=" + job()["metadata"]["uid"]
    j = job()
    j["spec"]["selector"] = {"matchLabels": {"a": "b"}, "matchExpressions": [
        {"key": "c", "operator": "In", "values": ["d", "e"]}, {"key": "f", "operator": "Exists"}]}
    assert job_selector(j) == "a=b,c in (d,e),f"
    j["spec"]["selector"] = {}
    assert job_selector(j) == "job-name=example-job"


def test_current_pod_prefers_live_then_newest():
    m = IndexedJob(job(completions=3), [OLD, GOING, NEW, pod(0, "Succeeded")])
    assert m.current_pod(1) is NEW
    assert m.current_pod(0)["metadata"]["name"] == "example-job-0-abcde"
    assert m.current_pod(2) is None
    assert current([OLD, GOING]) is GOING  # terminating beats failed
    assert [p["metadata"]["name"] for p in m.attempts(1)] == [
        "example-job-1-old", "example-job-1-going", "example-job-1-new"]


def test_names_and_ranges():
    m = IndexedJob(job(completions=2, completedIndexes="0", failedIndexes="1"))
    assert (m.name, m.namespace, m.completions, m.subdomain) == ("example-job", "default", 2, "example-job")
    assert m.short_name(1) == "example-job-1.example-job"
    assert m.fqdn(1, "corp.example") == "example-job-1.example-job.default.svc.corp.example"
    assert m.done_indexes() == ({0}, {1})
    assert m.in_range(1) and not m.in_range(2) and not m.in_range(-1)
    bare = IndexedJob(job(subdomain=None))
    assert bare.short_name(0) is None and bare.fqdn(0, "cluster.local") is None


@pytest.mark.parametrize("selector,labels,want", [
    ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {"a": "2"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": "2"}, False),
    ({}, {"a": "1"}, False),  # a Job's empty selector selects nothing
])
def test_label_selectors(selector, labels, want):
    assert matches(selector, labels) is want


def test_policy_and_service_selectors():
    assert selects_all_when_empty({}, {"a": "1"})  # a NetworkPolicy's empty selector: every pod
    assert map_missing({"a": "1", "b": "2"}, {"a": "1"}) == ["b=2"]
