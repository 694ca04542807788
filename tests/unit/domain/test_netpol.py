"""What NetworkPolicies do to traffic between a job's pods."""
import pytest

from kubectl_ijob.domain.netpol import policy_findings


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
