"""Where a job's pods may run and what they get: node pools, taints, resources, /dev/shm.

Distributed jobs run on labelled, tainted pools (GPU nodes are tainted so that only pods
asking for them land there) and need more shared memory than a container's 64 MiB
/dev/shm (PyTorch data loaders). These are pure parsers of create's flags, checked as the
API server would (label syntax, quantities, resource names, extended resources as whole
numbers with requests equal to limits), and one function that applies them to a pod spec.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

from kubectl_ijob.domain.inputs import parse_key_values, parse_labels
from kubectl_ijob.domain.names import check_dns_subdomain, check_label, is_dns_subdomain
from kubectl_ijob.errors import usage

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
# apimachinery's resource.Quantity grammar: a signed decimal number, then a binary suffix
# (Ki..Ei), a decimal SI suffix (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
_QUANTITY = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")
_MULTIPLIER = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
               "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1,
               "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
# Resource names in the default namespace (no prefix) that a container may request.
_NATIVE = ("cpu", "memory", "ephemeral-storage")


@dataclass
class Placement:
    """The placement flags of `create`, parsed; empty means "as the template says"."""

    node_selector: dict[str, str] = field(default_factory=dict)
    tolerations: list[dict[str, str]] = field(default_factory=list)
    requests: dict[str, str] = field(default_factory=dict)
    limits: dict[str, str] = field(default_factory=dict)
    shm_size: Optional[str] = None
    priority_class: Optional[str] = None
    service_account: Optional[str] = None
    image_pull_secrets: list[str] = field(default_factory=list)


def quantity_value(text: str, flag: str) -> Decimal:
    """The value of a Kubernetes quantity ('500m', '2Gi', '1e3'), refused as the API would."""
    match = _QUANTITY.fullmatch(text)
    if not match:
        raise usage(f"invalid {flag} quantity {text!r}: quantities must match the regular "
                    "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    suffix = match.group(2) or ""
    number = text[:len(text) - len(suffix)] if suffix else text
    try:
        if suffix[:1] in ("e", "E"):
            return Decimal(number) * (Decimal(10) ** int(suffix[1:]))
        return Decimal(number) * Decimal(_MULTIPLIER[suffix])
    except (InvalidOperation, KeyError):
        raise usage(f"invalid {flag} quantity {text!r}") from None


def _resource_name(name: str, flag: str) -> None:
    """cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-prefixed extended resource."""
    if name in _NATIVE or name.startswith("hugepages-"):
        return
    prefix, slash, rest = name.rpartition("/")
    if not slash or not is_dns_subdomain(prefix) or not rest:
        raise usage(f"invalid {flag} resource name {name!r}: use cpu, memory, ephemeral-storage, "
                    "hugepages-<size>, or an extended resource with a domain prefix "
                    "(e.g. nvidia.com/gpu)")
    if prefix == "kubernetes.io" or prefix.endswith(".kubernetes.io"):
        raise usage(f"invalid {flag} resource name {name!r}: the kubernetes.io domain is reserved")
    check_label(name, None, flag)


def parse_resources(text: Optional[str], flag: str) -> dict[str, str]:
    """`--requests cpu=1,memory=2Gi` / `--limits nvidia.com/gpu=8` as kubectl's old --requests."""
    if not text:
        return {}
    out: dict[str, str] = {}
    for name, value in parse_key_values([p for p in text.split(",") if p], flag):
        _resource_name(name, flag)
        if quantity_value(value, flag) < 0:
            raise usage(f"invalid {flag} {name}={value}: must be greater than or equal to 0")
        out[name] = value
    return out


def check_resources(requests: dict[str, str], limits: dict[str, str]) -> None:
    """Requests within limits; extended resources whole and not overcommitted (the API's rules)."""
    for name, value in requests.items():
        if name in limits and quantity_value(value, "--requests") > quantity_value(limits[name], "--limits"):
            raise usage(f"--requests {name}={value} must be less than or equal to --limits {name}={limits[name]}")
    for flag, table in (("--requests", requests), ("--limits", limits)):
        for name, value in table.items():
            if name in _NATIVE or name.startswith("hugepages-"):
                continue
            amount = quantity_value(value, flag)
            if amount != amount.to_integral_value():
                raise usage(f"invalid {flag} {name}={value}: must be an integer")
            if flag == "--requests" and limits.get(name) is not None and \
                    amount != quantity_value(limits[name], "--limits"):
                raise usage(f"invalid --requests {name}={value}: must be equal to {name} limit "
                            f"{limits[name]} (extended resources cannot be overcommitted)")
            if flag == "--requests" and name not in limits:
                raise usage(f"invalid --requests {name}={value}: extended resources need a limit: "
                            f"use --limits {name}={value}")


def parse_toleration(text: str) -> dict[str, str]:
    """`key[=value]:Effect` (kubectl taint's syntax); Exists when no value is given."""
    spec, colon, effect = text.rpartition(":")
    if not colon or effect not in EFFECTS:
        raise usage(f"invalid --toleration {text!r}: expected key[=value]:Effect with Effect "
                    f"one of {', '.join(EFFECTS)}")
    key, eq, value = spec.partition("=")
    if not key:
        raise usage(f"invalid --toleration {text!r}: the key is required")
    check_label(key, value if eq else None, "--toleration")
    if eq:
        return {"key": key, "operator": "Equal", "value": value, "effect": effect}
    return {"key": key, "operator": "Exists", "effect": effect}


def build(node_selector: Optional[str] = None, tolerations: tuple[str, ...] = (),
          requests: Optional[str] = None, limits: Optional[str] = None,
          shm_size: Optional[str] = None, priority_class: Optional[str] = None,
          service_account: Optional[str] = None, image_pull_secrets: tuple[str, ...] = ()) -> Placement:
    """All placement flags parsed and checked together (resources against each other)."""
    req, lim = parse_resources(requests, "--requests"), parse_resources(limits, "--limits")
    check_resources(req, lim)
    if shm_size is not None and quantity_value(shm_size, "--shm-size") <= 0:
        raise usage(f"invalid --shm-size {shm_size!r}: must be greater than 0")
    for value, flag in ((priority_class, "--priority-class"), (service_account, "--service-account"),
                        *((s, "--image-pull-secret") for s in image_pull_secrets)):
        if value is not None:
            check_dns_subdomain(value, flag)
    return Placement(parse_labels(node_selector, "--node-selector"), [parse_toleration(t) for t in tolerations],
                     req, lim, shm_size, priority_class, service_account, list(image_pull_secrets))


def apply(pod: dict[str, Any], placement: Placement) -> None:
    """Add the placement to a pod spec; what the template already has is kept unless overridden."""
    if placement.node_selector:
        pod["nodeSelector"] = {**pod.get("nodeSelector", {}), **placement.node_selector}
    if placement.tolerations:
        pod["tolerations"] = pod.get("tolerations", []) + placement.tolerations
    if placement.priority_class:
        pod["priorityClassName"] = placement.priority_class
    if placement.service_account:
        pod["serviceAccountName"] = placement.service_account
    if placement.image_pull_secrets:
        have = [s.get("name") for s in pod.get("imagePullSecrets", [])]
        pod["imagePullSecrets"] = pod.get("imagePullSecrets", []) + [
            {"name": s} for s in placement.image_pull_secrets if s not in have]
    main = pod["containers"][0]
    for key, table in (("requests", placement.requests), ("limits", placement.limits)):
        if table:
            main.setdefault("resources", {}).setdefault(key, {}).update(table)
    if placement.shm_size:
        pod["volumes"] = [v for v in pod.get("volumes", []) if v.get("name") != "dshm"] + [
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": placement.shm_size}}]
        for c in pod["containers"]:
            c["volumeMounts"] = [m for m in c.get("volumeMounts", []) if m.get("mountPath") != "/dev/shm"] + [
                {"name": "dshm", "mountPath": "/dev/shm"}]
