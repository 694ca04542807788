"""rerun over a fake client: the plan from what was read, and the objects it would create.

That the rerun really runs the chosen indexes (env, items, peers) is tested on the real
cluster in tests/e2e/test_jobapi.py.
"""
from __future__ import annotations

import pytest

from kubectl_ijob.commands.rerun import plan_rerun, rerun_objects
from kubectl_ijob.domain import manifests
from kubectl_ijob.errors import IjobError

from ..fakes import FakeClient


def original(**status: str) -> FakeClient:
    """A job `j` made by create (items a-d, wait-for-peers, per-index retries) that ran."""
    job, service, items = manifests.build_all(manifests.CreateSpec(
        name="j", namespace="default", image="i:1", items=["a", "b", "c", "d"],
        backoff_limit_per_index=0, wait_for_peers=120))
    job["status"] = dict(status)
    return FakeClient(job, service, items, {"kind": "Job", "metadata": {"name": "j-rerun-1"}})


def test_plan_reads_failed_indexes_items_and_the_next_free_name() -> None:
    _, plan = plan_rerun(original(failedIndexes="1,3"), "j", None)
    assert (plan.name, plan.mapping) == ("j-rerun-2", [1, 3])
    assert plan.items == {"0": "b\n", "1": "d\n"}


def test_nothing_failed_is_refused() -> None:
    with pytest.raises(IjobError, match="has no failed indexes to rerun"):
        plan_rerun(original(completedIndexes="0-3"), "j", None)


def test_objects_are_rewired_for_the_new_job() -> None:
    client = original(failedIndexes="1,3")
    job, plan = plan_rerun(client, "j", None)
    objs = rerun_objects(job, plan, "default")
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [
        ("Job", "j-rerun-2"), ("Service", "j-rerun-2"), ("ConfigMap", "j-rerun-2-items"),
        ("ConfigMap", "j-rerun-2-index")]
    new = objs[0]
    pod = new["spec"]["template"]["spec"]
    assert (new["spec"]["completions"], new["spec"]["backoffLimitPerIndex"]) == (2, 0)
    assert pod["subdomain"] == "j-rerun-2"
    inits = pod["initContainers"]
    assert [c["name"] for c in inits] == ["ijob-wait-for-peers", "ijob-original-index"]
    wait_args = inits[0]["command"]
    assert wait_args[wait_args.index("ijob-wait") + 1:] == ["120", "j-rerun-2", "j-rerun-2",
                                                           "default", "cluster.local", "2"]
    assert sorted(v["name"] for v in pod["volumes"]) == ["ijob-items", "ijob-rerun-env", "ijob-rerun-index"]
    assert {v["name"]: v for v in pod["volumes"]}["ijob-items"]["configMap"]["name"] == "j-rerun-2-items"
    worker = pod["containers"][0]
    assert [e["name"] for e in worker["env"]].count("IJOB_ITEM_FILE") == 1
    assert "IJOB_ORIGINAL_INDEX" in [e["name"] for e in worker["env"]]
    assert objs[2]["data"] == {"0": "b\n", "1": "d\n"}
    assert objs[3]["data"] == {"0": "IJOB_ORIGINAL_INDEX='1'\n", "1": "IJOB_ORIGINAL_INDEX='3'\n"}
    generated = new["spec"]["template"].get("metadata", {}).get("labels", {})
    assert "batch.kubernetes.io/controller-uid" not in generated
