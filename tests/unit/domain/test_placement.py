"""Placement flags: node pools, tolerations, resources and /dev/shm, checked as the API would."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kubectl_ijob.domain import placement
from kubectl_ijob.errors import IjobError


@pytest.mark.parametrize("text,value", [
    ("1", 1), ("500m", Decimal("0.5")), ("2Gi", 2 * 2**30), ("1k", 1000), ("1e3", 1000),
    ("1.5", Decimal("1.5")), (".5", Decimal("0.5")), ("16Gi", 16 * 2**30), ("100M", 10**8),
    ("0", 0), ("1E-2", Decimal("0.01")),
])
def test_quantities_parse_as_the_api_does(text, value):
    assert placement.quantity_value(text, "--limits") == value


@pytest.mark.parametrize("text", ["", "1GB", "abc", "1.2.3", "Gi", "1 Gi", "1gi", "--1", "1Kii"])
def test_bad_quantities_are_refused(text):
    with pytest.raises(IjobError, match="quantit"):
        placement.quantity_value(text, "--limits")


@pytest.mark.parametrize("text,expected", [
    ("gpu:NoSchedule", {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}),
    ("kwok.x-k8s.io/node=fake:NoSchedule",
     {"key": "kwok.x-k8s.io/node", "operator": "Equal", "value": "fake", "effect": "NoSchedule"}),
    ("nvidia.com/gpu=:NoExecute", {"key": "nvidia.com/gpu", "operator": "Equal", "value": "", "effect": "NoExecute"}),
])
def test_tolerations(text, expected):
    assert placement.parse_toleration(text) == expected


@pytest.mark.parametrize("text", ["gpu", "gpu:Never", ":NoSchedule", "bad key:NoSchedule", "k=v v:NoSchedule"])
def test_bad_tolerations_name_the_flag(text):
    with pytest.raises(IjobError, match="--toleration"):
        placement.parse_toleration(text)


def test_resources_and_extended_resources():
    p = placement.build(requests="cpu=1,memory=2Gi", limits="memory=4Gi,nvidia.com/gpu=8")
    assert p.requests == {"cpu": "1", "memory": "2Gi"}
    assert p.limits == {"memory": "4Gi", "nvidia.com/gpu": "8"}


@pytest.mark.parametrize("requests,limits,message", [
    ("memory=4Gi", "memory=2Gi", "less than or equal"),
    (None, "nvidia.com/gpu=0.5", "must be an integer"),
    ("nvidia.com/gpu=1", "nvidia.com/gpu=2", "cannot be overcommitted"),
    ("nvidia.com/gpu=1", None, "need a limit"),
    ("gpu=1", None, "domain prefix"),
    (None, "kubernetes.io/foo=1", "reserved"),
    ("cpu=-1", None, "greater than or equal to 0"),
    ("cpu", None, "KEY=VALUE"),
])
def test_resource_rules(requests, limits, message):
    with pytest.raises(IjobError, match=message):
        placement.build(requests=requests, limits=limits)


def test_apply_adds_to_the_template_and_mounts_shm_everywhere():
    pod = {"containers": [{"name": "a"}, {"name": "b", "volumeMounts": [{"name": "x", "mountPath": "/dev/shm"}]}],
           "tolerations": [{"key": "t", "operator": "Exists"}], "nodeSelector": {"pool": "old", "keep": "1"}}
    p = placement.build(node_selector="pool=gpu", tolerations=("nvidia.com/gpu:NoSchedule",),
                        limits="nvidia.com/gpu=8", shm_size="16Gi", priority_class="high",
                        service_account="trainer", image_pull_secrets=("regcred", "regcred2"))
    placement.apply(pod, p)
    assert pod["nodeSelector"] == {"pool": "gpu", "keep": "1"}
    assert [t["key"] for t in pod["tolerations"]] == ["t", "nvidia.com/gpu"]
    assert pod["containers"][0]["resources"] == {"limits": {"nvidia.com/gpu": "8"}}
    assert pod["volumes"] == [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}}]
    assert all(c["volumeMounts"] == [{"name": "dshm", "mountPath": "/dev/shm"}] for c in pod["containers"])
    assert pod["priorityClassName"] == "high" and pod["serviceAccountName"] == "trainer"
    assert pod["imagePullSecrets"] == [{"name": "regcred"}, {"name": "regcred2"}]


@pytest.mark.parametrize("kwargs,flag", [
    ({"shm_size": "0"}, "--shm-size"), ({"priority_class": "Bad_Name"}, "--priority-class"),
    ({"service_account": "-x"}, "--service-account"), ({"image_pull_secrets": ("a b",)}, "--image-pull-secret"),
    ({"node_selector": "k=v v"}, "--node-selector"), ({"node_selector": "novalue"}, "--node-selector"),
])
def test_bad_placement_names_the_flag(kwargs, flag):
    with pytest.raises(IjobError, match=flag):
        placement.build(**kwargs)
