"""The probe script's inputs and outputs, and the matrix built from them."""
import subprocess

import pytest

from kubectl_ijob import actions, peers, status
from kubectl_ijob.errors import IjobError
from kubectl_ijob.kube import ExecResult
from kubectl_ijob.render import matrix_text

from .objects import job, pod


@pytest.mark.parametrize("text,want", [("icmp", "icmp"), ("dns", "dns"), ("tcp:8080", "tcp:8080")])
def test_methods(text, want):
    assert str(peers.parse_method(text)) == want


@pytest.mark.parametrize("text", ["tcp", "tcp:", "tcp:0", "tcp:70000", "udp:53", "icmp:1", ""])
def test_bad_methods(text):
    with pytest.raises(IjobError):
        peers.parse_method(text)


@pytest.mark.parametrize("hostile", ["a;reboot", "$(id)", "`id`", "a\nb", "a b", "A.b", "-x", "a..b"])
def test_hostile_names_never_reach_the_command(hostile):
    with pytest.raises(IjobError):
        peers.probe_command(peers.Method("icmp"), 2,
                            [peers.Peer(0, "p", None, hostile, "x.default.svc.cluster.local")])


def test_names_are_arguments_not_script_text():
    argv = peers.probe_command(peers.Method("tcp", 80), 3,
                               [peers.Peer(1, "p", None, "j-1.s", "j-1.s.ns.svc.cluster.local")])
    assert argv[:3] == ["sh", "-c", peers.PROBE_SCRIPT]
    assert argv[3:] == ["ijob-probe", "tcp", "80", "3", "1", "j-1.s", "j-1.s.ns.svc.cluster.local"]


def test_script_is_valid_posix_sh():
    assert subprocess.run(["sh", "-n", "-c", peers.PROBE_SCRIPT]).returncode == 0


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
    with pytest.raises(IjobError) as e:
        peers.plan(job(subdomain=None), [], "cluster.local")
    assert "no subdomain" in e.value.message


def fake_exec(outputs):
    calls = []

    def run(kube, pod_name, argv, container=None, timeout=0):
        calls.append(pod_name)
        return outputs[pod_name]
    return run, calls


def test_ping_one_exec_per_source_and_failures_reported():
    j = job(completions=3)
    pods = [pod(0), pod(1), pod(2)]
    snap = actions.Snapshot(j, pods, None)
    ok = "R 0 ok 100 10.88.0.10 -\nR 1 ok 100 10.88.0.11 -\nR 2 ok 100 10.88.0.12 -\nDONE\n"
    run, calls = fake_exec({
        "example-job-0-abcde": ExecResult(ok, "", 0),
        "example-job-1-abcde": ExecResult("R 0 ok 1 10.88.0.10 -\nR 1 timeout - 10.88.0.11 -\n"
                                          "R 2 ok 1 10.88.0.99 -\nDONE\n", "", 0),
        "example-job-2-abcde": ExecResult("", "", None,
                                          'exec: "sh": executable file not found in $PATH'),
    })
    m = actions.ping(None, snap, peers.Method("icmp"), 2, 8, None, None, "cluster.local", run)
    assert sorted(calls) == ["example-job-0-abcde", "example-job-1-abcde", "example-job-2-abcde"]
    assert not m.ok
    assert m.cell(0, 2).ok and m.cell(1, 1).code == "timeout" and m.cell(2, 0).code == "no-shell"
    assert m.summary() == "5/9 pairs ok (icmp)"
    assert any("resolves to 10.88.0.99, but its pod has 10.88.0.12" in w for w in m.warnings())
    text = matrix_text(m, colour=False)
    lines = text.splitlines()
    assert lines[0].split() == ["FROM\\TO", "0", "1", "2"]
    assert lines[1].split() == ["0", "ok", "0.10ms", "ok", "0.10ms", "ok", "0.10ms"]
    assert "TIMEOUT" in lines[2] and "NO-SHELL" in lines[3]
    assert lines[-1] == "5/9 pairs ok (icmp)"
    doc = m.document()
    assert doc["ok"] is False and len(doc["pairs"]) == 9


def test_ping_subset_of_sources():
    j = job(completions=2)
    snap = actions.Snapshot(j, [pod(0), pod(1)], None)
    out = "R 0 ok 5 10.88.0.10 -\nR 1 ok 5 10.88.0.11 -\nDONE\n"
    run, calls = fake_exec({"example-job-1-abcde": ExecResult(out, "", 0)})
    m = actions.ping(None, snap, peers.Method("dns"), 2, 8, None, [1], "cluster.local", run)
    assert calls == ["example-job-1-abcde"] and m.ok and m.summary() == "2/2 pairs ok (dns)"


# ------------------------------------------------------------------ NetworkPolicies

JOB_LABELS = {"job-name": "train", "batch.kubernetes.io/controller-uid": "u1"}


def policy(name, pod_selector=None, types=None, ingress=None, egress=None):
    spec = {"podSelector": pod_selector if pod_selector is not None else {}}
    if types is not None:
        spec["policyTypes"] = types
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    return {"metadata": {"name": name, "namespace": "ml"}, "spec": spec}


PEERS = {"podSelector": {"matchLabels": {"job-name": "train"}}}


def findings(*policies):
    from kubectl_ijob.peers import policy_findings

    return policy_findings(JOB_LABELS, "ml", list(policies))


def test_no_policy_selecting_the_pods_means_nothing_to_say():
    other = policy("web-only", {"matchLabels": {"app": "web"}}, ["Ingress"])
    assert findings(other) == ([], [])


def test_default_deny_ingress_cuts_peers():
    names, found = findings(policy("deny-all", types=["Ingress"]))
    assert names == ["deny-all"]
    assert found == ["ingress isolated by deny-all and no rule admits the job's own pods: "
                     "peers cannot connect"]


def test_a_rule_admitting_the_job_lifts_isolation_and_ports_limit_it():
    allow = policy("peers", {"matchLabels": {"job-name": "train"}}, ["Ingress"], ingress=[{"from": [PEERS]}])
    assert findings(policy("deny-all", types=["Ingress"]), allow) == (["deny-all", "peers"], [])
    ported = policy("peers", types=["Ingress"], ingress=[{"from": [PEERS], "ports": [
        {"protocol": "TCP", "port": 5000}, {"protocol": "UDP", "port": 9000, "endPort": 9010}]}])
    assert findings(ported)[1] == ["ingress between peers limited by peers to TCP 5000, UDP 9000-9010 "
                                   "(ping and other ports are dropped)"]


@pytest.mark.parametrize("peer,verdict", [
    ({"podSelector": {"matchLabels": {"job-name": "other"}}}, "cut"),
    ({"ipBlock": {"cidr": "10.0.0.0/8"}}, "cut"),
    ({"namespaceSelector": {}}, "ok"),  # every pod of every namespace
    ({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ml"}}}, "ok"),
    ({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "other"}}}, "cut"),
    ({"namespaceSelector": {"matchLabels": {"team": "a"}}}, "unknown"),
    ({"podSelector": {}}, "ok"),  # every pod of the policy's namespace
])
def test_which_peers_admit_the_job(peer, verdict):
    _, found = findings(policy("p", types=["Ingress"], ingress=[{"from": [peer]}]))
    want = {"ok": [],
            "cut": ["ingress isolated by p and no rule admits the job's own pods: peers cannot connect"],
            "unknown": ["ingress isolated by p and no rule admits the job's own pods unless the "
                        "namespace's labels match a namespaceSelector: peers cannot connect"]}[verdict]
    assert found == want


def test_default_policy_types_follow_the_api():
    # No policyTypes: Ingress always, Egress only with egress rules.
    assert findings(policy("p", ingress=[{}]))[1] == []
    found = findings(policy("p", ingress=[{}], egress=[{"to": [PEERS]}]))[1]
    assert found == ["egress isolated by p and no rule allows DNS (port 53): peer names will not resolve"]


@pytest.mark.parametrize("rule,dns", [
    ({"to": [PEERS]}, False),  # only the job's own pods
    ({"ports": [{"protocol": "UDP", "port": 53}], "to": [{"namespaceSelector": {}}]}, True),
    ({"ports": [{"protocol": "UDP", "port": "dns"}]}, True),
    ({"ports": [{"protocol": "TCP", "port": 1, "endPort": 100}]}, True),
    ({"ports": [{"protocol": "TCP", "port": 443}]}, False),
    ({}, True),  # everything, everywhere
])
def test_egress_must_reach_dns(rule, dns):
    found = findings(policy("eg", types=["Egress"], egress=[rule, {"to": [PEERS]}]))[1]
    assert ("egress isolated by eg and no rule allows DNS (port 53): peer names will not resolve"
            in found) is not dns
