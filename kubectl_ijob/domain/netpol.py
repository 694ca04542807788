"""Pure: what the namespace's NetworkPolicies do to traffic between a job's pods, read
from the policies themselves (the API's semantics; whether the network plugin enforces
them is not visible from the API)."""
from __future__ import annotations

from typing import Any, Optional

from kubectl_ijob.domain.selectors import matches, selects_all_when_empty

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # on every namespace since 1.21


def policy_findings(labels: dict[str, str], namespace: str,
                    policies: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The names of the policies that select the job's pods, and what they mean for
    peers, one phrase each: isolation no rule lifts for the job's own pods, peer
    traffic limited to some ports, egress without DNS."""
    applied = sorted((p for p in policies if selects_all_when_empty(p.get("spec", {}).get("podSelector"), labels)),
                     key=lambda p: p["metadata"]["name"])
    findings = []
    for direction, key, side in (("ingress", "ingress", "from"), ("egress", "egress", "to")):
        isolating = [p for p in applied if direction.capitalize() in _policy_types(p["spec"])]
        if not isolating:
            continue
        names = ", ".join(p["metadata"]["name"] for p in isolating)
        rules = [r for p in isolating for r in p["spec"].get(key) or []]
        verdicts = [(r, _admits_peers(r.get(side), labels, namespace)) for r in rules]
        admitting = [r for r, ok in verdicts if ok]
        if not admitting:
            maybe = " unless the namespace's labels match a namespaceSelector" \
                if any(ok is None for _, ok in verdicts) else ""
            findings.append(f"{direction} isolated by {names} and no rule admits the job's own "
                            f"pods{maybe}: peers cannot connect")
        elif all(r.get("ports") for r in admitting):
            ports = sorted({_port_text(x) for r in admitting for x in r["ports"]})
            findings.append(f"{direction} between peers limited by {names} to {', '.join(ports)}"
                            " (ping and other ports are dropped)")
        if direction == "egress" and not any(_allows_dns(r) for r in rules):
            findings.append(f"egress isolated by {names} and no rule allows DNS (port 53): "
                            "peer names will not resolve")
    return [p["metadata"]["name"] for p in applied], findings


def _policy_types(spec: dict[str, Any]) -> list[str]:
    """policyTypes, or the API's default: Ingress, plus Egress when egress rules exist."""
    return spec.get("policyTypes") or ["Ingress"] + (["Egress"] if spec.get("egress") else [])


def _admits_peers(peers: Optional[list[dict[str, Any]]], labels: dict[str, str],
                  namespace: str) -> Optional[bool]:
    """Whether a rule's from/to admits the job's own pods; None when it depends on the
    namespace's labels (only its name label is known without reading it)."""
    if not peers:
        return True  # no from/to: every source or destination
    unknown = False
    for peer in peers:
        if "ipBlock" in peer:
            continue  # meant for addresses outside the cluster
        ns_sel = peer.get("namespaceSelector")  # absent: the policy's own namespace
        if ns_sel and not matches(ns_sel, {NAMESPACE_NAME_LABEL: namespace}):
            unknown = unknown or NAMESPACE_NAME_LABEL not in (ns_sel.get("matchLabels") or {})
        elif selects_all_when_empty(peer.get("podSelector"), labels):
            return True
    return None if unknown else False


def _allows_dns(rule: dict[str, Any]) -> bool:
    """An egress rule that can reach a cluster DNS server: port 53 (or every port), to
    anywhere, another namespace or an address block (DNS is not the job's own pods)."""
    ports, to = rule.get("ports") or [], rule.get("to") or []
    return (not ports or any(_covers_dns(p) for p in ports)) and \
        (not to or any("namespaceSelector" in t or "ipBlock" in t for t in to))


def _covers_dns(port: dict[str, Any]) -> bool:
    """Port 53, a range over it, every port, or CoreDNS's port names."""
    value = port.get("port")
    if value is None or value in ("dns", "dns-tcp"):
        return True
    return isinstance(value, int) and value <= 53 <= (port.get("endPort") or value)


def _port_text(port: dict[str, Any]) -> str:
    """`TCP 5000`, `UDP 9000-9010`, `TCP all`."""
    value = port.get("port", "all")
    end = f"-{port['endPort']}" if port.get("endPort") else ""
    return f"{port.get('protocol', 'TCP')} {value}{end}"
