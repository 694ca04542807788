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


def test_parse_output_per_port_and_retries():
    text = ("R 1:80 ok 120 10.0.0.1 -\nR 1:81 refused - 10.0.0.1 -\n"
            "R 2:80 ok 100 10.0.0.2 -\nR 2:81 ok 300 10.0.0.2 -\n"
            "R 3 nxdomain - - j-3.s\n"
            "R 4:80 timeout - 10.0.0.4 no-arp-reply\nR 4:81 ok 90 10.0.0.4 -\n"
            "R 4:80 ok 150 10.0.0.4 -\n"  # the second pass: the last line of a port counts
            "R 5:x ok 1 a -\nR 5: ok 1 a -\nT 1 2\nDONE\n")
    res = {r.target: r for r in peers.parse_output(0, text, [1, 2, 3, 4, 5])}
    assert (res[1].code, res[1].failing_ports, res[1].latency_ms) == ("refused", [81], None)
    assert [(x.port, x.code) for x in res[1].ports] == [(80, "ok"), (81, "refused")]
    assert (res[2].code, res[2].latency_ms, res[2].addresses) == ("ok", 0.3, ["10.0.0.2"])
    assert res[3].code == "nxdomain" and res[3].ports == []
    assert res[4].ok and res[4].failing_ports == [] and res[4].latency_ms == 0.15
    assert res[5].code == "no-result"  # malformed port fields are ignored
    res = peers.parse_output(0, "R 7 timeout - a -\nR 7 ok 0.5ms a -\n", [7])
    assert res[0].ok and res[0].latency_ms == 0.5
    assert peers.script_times("R 1 ok 1 a -\nT 1700000000000000 1700000001500000\nDONE") == \
        (1700000000000000, 1700000001500000)
    assert peers.script_times("DONE") is None and peers.script_times("T x 1") is None


def _peers(n):
    from kubectl_ijob.domain.probes import Peer

    return [Peer(i, f"p{i}", f"10.0.0.{i}", f"j-{i}.s", f"j-{i}.s.ns.svc.cluster.local")
            for i in range(n)]


@pytest.mark.parametrize("n,k", [(3, 1), (5, 2), (33, 8), (100, 8), (1000, 8), (1000, 1), (9, 7)])
def test_a_sample_probes_k_peers_from_and_to_every_pod(n, k):
    # Every pod probes k others (never itself), each pod is probed by exactly k - so a row
    # and a column keep their meaning - and the sample reaches across the job, not only
    # the next indexes.
    targets = _peers(n)
    each = peers.sampled_targets(targets, targets, k)
    assert all(len(mine) == k == len({t.index for t in mine}) for mine in each)
    assert all(src.index not in {t.index for t in mine} for src, mine in zip(targets, each))
    probed = [t.index for mine in each for t in mine]
    assert all(probed.count(i) == k for i in range(n))
    assert each[0][0].index == 1  # the next pod first: it resolves that name fully
    if k > 1:
        assert max(t.index for t in each[0]) > n // 2


def test_no_sample_or_one_covering_everyone_is_the_full_matrix():
    targets = _peers(4)
    assert peers.sampled_targets(targets, targets, None) == [targets] * 4
    assert peers.sampled_targets(targets, targets, 3) == [targets] * 4  # self pairs too
    some = peers.sampled_targets(targets, targets[2:], 1)  # --index 2,3
    assert [[t.index for t in mine] for mine in some] == [[3], [0]]
