"""The rerun Job's wiring: what is stripped from the original and how the index is passed."""
from __future__ import annotations

from kubectl_ijob.domain.jobplans import RerunPlan
from kubectl_ijob.domain.jobrerun import (add_original_index, index_env_data, rerun_base,
                                          strip_wiring)

ORIGINAL_TEMPLATE = {"metadata": {"labels": {"team": "a"}}, "spec": {
    "subdomain": "j", "restartPolicy": "Never",
    "initContainers": [{"name": "ijob-wait-for-peers", "image": "i",
                        "command": ["sh", "-c", "...", "ijob-wait", "300", "j-0.j", "j-0.j.ns.svc"]},
                       {"name": "setup", "image": "i"}],
    "containers": [{"name": "worker", "image": "i",
                    "env": [{"name": "A", "value": "1"}, {"name": "IJOB_ITEM_FILE", "value": "/ijob/item"}],
                    "volumeMounts": [{"name": "ijob-items", "mountPath": "/ijob/item"}]}],
    "volumes": [{"name": "ijob-items", "configMap": {"name": "j-items"}}]}}


def test_strip_wiring_removes_what_create_adds_and_keeps_the_rest() -> None:
    out, timeout = strip_wiring(ORIGINAL_TEMPLATE)
    assert timeout == 300
    pod = out["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["setup"]
    assert "volumes" not in pod and "volumeMounts" not in pod["containers"][0]
    assert pod["containers"][0]["env"] == [{"name": "A", "value": "1"}]
    assert ORIGINAL_TEMPLATE["spec"]["volumes"]  # the input is unchanged


def test_add_original_index_copies_the_env_file_before_any_other_container() -> None:
    out = add_original_index(strip_wiring(ORIGINAL_TEMPLATE)[0], "j-rerun-1", "i")
    pod = out["spec"]
    copier = pod["initContainers"][0]
    assert copier["name"] == "ijob-original-index" and "env" not in copier
    assert copier["command"][1] == "/ijob/rerun/$(JOB_COMPLETION_INDEX)"
    ref = {"fileKeyRef": {"volumeName": "ijob-rerun-env", "path": "original-index.env",
                          "key": "IJOB_ORIGINAL_INDEX"}}
    for c in pod["containers"] + pod["initContainers"][1:]:
        assert {"name": "IJOB_ORIGINAL_INDEX", "valueFrom": ref} in c["env"]
    vols = {v["name"]: v for v in pod["volumes"]}
    assert vols["ijob-rerun-index"]["configMap"]["name"] == "j-rerun-1-index"
    assert vols["ijob-rerun-env"] == {"name": "ijob-rerun-env", "emptyDir": {}}


def test_index_env_data() -> None:
    assert index_env_data(RerunPlan("j-rerun-1", "j", [3, 7])) == {
        "0": "IJOB_ORIGINAL_INDEX='3'\n", "1": "IJOB_ORIGINAL_INDEX='7'\n"}


def test_rerun_base_drops_what_belongs_to_the_original() -> None:
    original = {"metadata": {"name": "j", "uid": "u", "labels": {"team": "a"}},
                "spec": {"completions": 8, "parallelism": 8, "backoffLimitPerIndex": 1, "maxFailedIndexes": 5,
                         "successPolicy": {"rules": [{"succeededIndexes": "0"}]}, "suspend": True,
                         "managedBy": "x.io/y", "selector": {}, "template": {}},
                "status": {"failedIndexes": "3"}}
    base, notes = rerun_base(original, 2)
    assert base["spec"] == {"backoffLimitPerIndex": 1, "maxFailedIndexes": 2}
    assert base["metadata"] == {"labels": {"team": "a"}}
    assert any("successPolicy" in n for n in notes) and any("x.io/y" in n for n in notes)

