"""The probe script's output parsed, and who probes whom."""
import pytest

from kubectl_ijob.domain import peers
from kubectl_ijob.domain import status
from kubectl_ijob.errors import UsageError

from ..objects import job, pod


def test_parse_output():
    text = ("R 1 ok 210 10.88.0.5 -\nR 0 nxdomain - - j-0.s\nR 2 ok 300 10.88.0.6,10.88.0.9 -\n"
            "garbage\nDONE\n")
    res = peers.parse_output(0, text, [0, 1, 2, 3])
    assert [(r.target, r.code) for r in res] == [(0, "nxdomain"), (1, "ok"), (2, "ok"), (3, "no-result")]
    assert res[1].latency_ms == 0.21 and res[2].addresses == ["10.88.0.6", "10.88.0.9"]
    # ping's own figure passes through as milliseconds; anything else is no latency
    res = peers.parse_output(0, "R 0 ok 0.123ms a -\nR 1 ok 1ms a -\nR 2 ok 1e9ms a -\nR 3 ok .5ms a -", [0, 1, 2, 3])
    assert [r.latency_ms for r in res] == [0.123, 1.0, None, None]


def test_plan_skips_pods_not_running():
    j = job(completions=4)
    pods = [pod(0), pod(1, "Succeeded"), pod(2, "Pending")]
    rows = status.index_rows(j, pods)
    srcs, targets, skipped = peers.plan(j, rows, "cluster.local")
    assert [p.index for p in targets] == [0]
    assert skipped == {1: "Succeeded", 2: "ContainerCreating", 3: "Waiting"}
    assert targets[0].short == "example-job-0.example-job"
    assert targets[0].fqdn == "example-job-0.example-job.default.svc.cluster.local"


def test_plan_without_subdomain_is_an_error():
    with pytest.raises(UsageError) as e:
        peers.plan(job(subdomain=None), [], "cluster.local")
    assert "no subdomain" in e.value.message
