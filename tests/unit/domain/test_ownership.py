"""Ownership plans derived from both selectors, checked on recorded-shape objects."""
import json

import pytest

from kubectl_ijob.domain import ownership as o
from kubectl_ijob.domain.model import labels_of
from kubectl_ijob.domain.selectors import matches
from kubectl_ijob.errors import UsageError

from ..objects import UID, job, pod, service

HOST = "example-job-1.example-job"


def test_detach_plan_replacement_and_two_addresses():
    j, p, svc = job(), pod(1), service()
    changes = o.shortcut_changes("detach", j, svc, labels_of(p))
    assert changes == {"batch.kubernetes.io/controller-uid": None}
    plan = o.plan_relabel(j, p, svc, changes, HOST)
    assert (plan.job_before, plan.job_after, plan.service_before, plan.service_after) == (True, False, True, True)
    text = " | ".join(plan.effects)
    assert "releases it" in text and "creates a replacement pod for index 1" in text
    assert "resolve to two addresses" in text
    assert plan.patch == {"metadata": {"labels": {"batch.kubernetes.io/controller-uid": None}}}


def test_detach_dns_and_out_of_service():
    j, p, svc = job(), pod(1), service()
    changes = o.shortcut_changes("detach", j, svc, labels_of(p), detach_dns=True)
    plan = o.plan_relabel(j, p, svc, changes, HOST)
    assert plan.service_after is False and not any("two addresses" in e for e in plan.effects)
    changes = o.shortcut_changes("out-of-service", j, svc, labels_of(p))
    assert changes == {"job-name": None}
    plan = o.plan_relabel(j, p, svc, changes, HOST)
    assert plan.job_after and not plan.service_after
    assert not any("replacement" in e for e in plan.effects)
    assert any("DNS record example-job-1.example-job disappears" in e for e in plan.effects)


def test_reattach_plan():
    j, p, svc = job(), pod(1), service()
    del p["metadata"]["labels"]["batch.kubernetes.io/controller-uid"]
    p["metadata"]["ownerReferences"] = []
    changes = o.shortcut_changes("reattach", j, svc, labels_of(p))
    assert changes == {"batch.kubernetes.io/controller-uid": UID}
    plan = o.plan_relabel(j, p, svc, changes, HOST)
    assert any("adopts pod" in e and "deletes one of the two" in e for e in plan.effects)


def test_finished_job_does_not_react():
    j = job(conditions=[{"type": "Complete", "status": "True"}])
    p = pod(1, "Succeeded")
    plan = o.plan_relabel(j, p, service(), {"batch.kubernetes.io/controller-uid": None}, HOST)
    assert not any("replacement" in e for e in plan.effects)


def test_label_changes_like_kubectl_label():
    cur = {"a": "1"}
    assert o.parse_label_changes(["b=2", "a-"], False, cur) == {"b": "2", "a": None}
    with pytest.raises(UsageError) as e:
        o.parse_label_changes(["a=2"], False, cur)
    assert "'a' already has a value (1), and --overwrite is false" in e.value.message
    assert o.parse_label_changes(["a=2"], True, cur) == {"a": "2"}
    for bad in ["a b=1", "x", "=1", "a=b c"]:
        with pytest.raises(UsageError):
            o.parse_label_changes([bad], True, cur)


def test_plain_label_has_no_effect():
    plan = o.plan_relabel(job(), pod(0), service(), {"team": "ml"}, HOST)
    assert plan.effects == ["no effect on the Job or the Service (labels only)"]


def test_ownership_rows_and_orphans():
    j, svc = job(), service()
    owned, detached = pod(0), pod(1, name="example-job-1-old")
    detached["metadata"]["ownerReferences"] = []
    detached["metadata"]["finalizers"] = []
    del detached["metadata"]["labels"]["batch.kubernetes.io/controller-uid"]
    rows = o.ownership_rows(j, [detached, owned], svc, None)
    assert [(r.pod, r.owned, r.job_selected, r.service_selected, r.finalizer) for r in rows] == [
        ("example-job-0-abcde", "yes", True, True, True),
        ("example-job-1-old", "no", False, True, False)]
    orphan_pod = pod(2, job_name="gone-job")
    orphan_pod["metadata"]["ownerReferences"][0]["uid"] = "dead-uid"
    gone_svc = service("gone-job", selector={"job-name": "gone-job"})
    found = o.find_orphans([owned, orphan_pod], [svc, gone_svc], [j])
    assert list(found) == [("default", "gone-job")]
    assert found[("default", "gone-job")]["services"] == [gone_svc]


@pytest.mark.parametrize("policy,deleted,kept", [
    ("Background", ["job.batch/example-job", "pod/example-job-0-abcde", "service/example-job"],
     ["pod/x-detached (not owned by the Job)"]),
    ("Orphan", ["job.batch/example-job"],
     ["pod/example-job-0-abcde (ownerReference removed)", "pod/x-detached (not owned by the Job)",
      "service/example-job (ownerReference removed)"]),
])
def test_cascade_plans(policy, deleted, kept):
    j = job()
    svc = dict(service(), kind="Service")
    svc["metadata"]["ownerReferences"] = [{"kind": "Job", "uid": UID, "name": "example-job"}]
    detached = pod(1, name="x-detached")
    detached["metadata"]["ownerReferences"] = []
    plan = o.plan_delete(j, [pod(0), detached], [svc], policy)
    assert plan.deleted == deleted and plan.kept == kept


def test_adopt_plan_from_saved_job():
    j = job(completions=2)
    saved = json.loads(o.saved_job(j))
    p0, p1, extra = pod(0, "Succeeded"), pod(1), pod(5, name="example-job-5-x")
    for p in (p0, p1, extra):
        p["metadata"]["ownerReferences"] = []
    plan = o.plan_adopt(saved, [p0, p1, extra])
    spec = plan.job["spec"]
    assert spec["manualSelector"] is True
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}}
    assert plan.adopted == ["example-job-0-abcde", "example-job-1-abcde", "example-job-5-x"]
    assert any("index 5 >= completions 2" in w for w in plan.warnings)
    assert "controller-uid" not in plan.job["metadata"]["labels"]


def test_adopt_warns_only_about_two_live_pods_of_an_index():
    saved = json.loads(o.saved_job(job(completions=2)))
    a, b = pod(1, name="example-job-1-a"), pod(1, name="example-job-1-b")
    for p in (a, b):
        p["metadata"]["ownerReferences"] = []
    assert any("index 1 has two active pods" in w for w in o.plan_adopt(saved, [a, b]).warnings)
    b["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"  # already going away
    assert not any("two active" in w for w in o.plan_adopt(saved, [a, b]).warnings)
    assert not any("two active" in w for w in o.plan_adopt(saved, [b, a]).warnings)


@pytest.mark.parametrize("selector,labels,want", [
    ({"matchLabels": {"a": "1"}}, {"a": "1"}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]}, {"a": "2"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {"a": "1"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {}, False),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {}, True),
    ({}, {"a": "1"}, False),
])
def test_selector_matching(selector, labels, want):
    assert matches(selector, labels) is want


# ------------------------------------------------------------------ settling after a relabel

def detach_plan(j, p):
    changes = o.shortcut_changes("detach", j, service(), labels_of(p))
    return o.plan_relabel(j, p, service(), changes, HOST)


def released(p):
    p = json.loads(json.dumps(p))
    p["metadata"]["ownerReferences"], p["metadata"]["finalizers"] = [], []
    return p


@pytest.mark.parametrize("after,finished,want", [
    ("unchanged", False, False),       # the controller has not released the pod yet
    ("released", False, False),        # released, but no replacement yet
    ("released+new", False, True),     # released and replaced
    ("released", True, True),          # a finished Job makes no replacement
])
def test_detach_settles_once_released_and_replaced(after, finished, want):
    j = job(completions=2, conditions=[{"type": "Complete", "status": "True"}] if finished else None)
    p = pod(1)
    plan = detach_plan(j, p)
    pods = {"unchanged": [p], "released": [released(p)],
            "released+new": [released(p), pod(1, name="example-job-1-new")]}[after]
    assert o.relabel_settled(plan, p["metadata"]["uid"], {p["metadata"]["name"]}, j, pods,
                             None) is want


def test_out_of_service_settles_when_the_endpoint_goes():
    j, p = job(completions=2), pod(1)
    changes = o.shortcut_changes("out-of-service", j, service(), labels_of(p))
    plan = o.plan_relabel(j, p, service(), changes, HOST)
    uid = p["metadata"]["uid"]
    in_slice = [{"endpoints": [{"targetRef": {"kind": "Pod", "uid": uid}}]}]
    assert not o.relabel_settled(plan, uid, set(), j, [p], in_slice)
    assert o.relabel_settled(plan, uid, set(), j, [p], [{"endpoints": []}])


def test_relabel_target_is_the_owned_pod_or_the_detached_one():
    j = job(completions=2)
    owned, old = pod(1), released(pod(1, name="example-job-1-old"))
    assert o.relabel_target([owned, old], j, 1, detached=False) is owned
    assert o.relabel_target([owned, old], j, 1, detached=True) is old
    assert o.relabel_target([owned], j, 0, detached=False) is None
