"""Label selectors, evaluated once for every caller: a Job's LabelSelector, a Service's
map selector, a NetworkPolicy's (empty selects all), and the selector as a string."""
from __future__ import annotations

from typing import Any, Optional


def matches(selector: Optional[dict[str, Any]], labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels + matchExpressions) against labels; empty selects nothing."""
    if not selector:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selects_all_when_empty(selector: Optional[dict[str, Any]], labels: dict[str, str]) -> bool:
    """A NetworkPolicy's podSelector: empty selects every pod (unlike a Job's)."""
    return not selector or matches(selector, labels)


def map_missing(selector: Optional[dict[str, str]], labels: dict[str, str]) -> list[str]:
    """The `k=v` pairs of a map selector (a Service's) that labels lack, sorted."""
    return [f"{k}={v}" for k, v in sorted((selector or {}).items()) if labels.get(k) != v]


def map_matches(selector: Optional[dict[str, str]], labels: dict[str, str]) -> bool:
    """A map selector (a Service's) against labels; empty selects nothing."""
    return bool(selector) and not map_missing(selector, labels)


def service_matches(service: Optional[dict[str, Any]], labels: dict[str, str]) -> bool:
    """A Service's selector against labels (an absent Service selects nothing)."""
    return map_matches((service or {}).get("spec", {}).get("selector"), labels)


def selector_string(selector: Optional[dict[str, Any]]) -> str:
    """A LabelSelector as the API's labelSelector query string ("" when empty)."""
    sel = selector or {}
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for expr in sel.get("matchExpressions") or []:
        values = ",".join(expr.get("values") or [])
        op = expr.get("operator")
        if op == "In":
            parts.append(f"{expr['key']} in ({values})")
        elif op == "NotIn":
            parts.append(f"{expr['key']} notin ({values})")
        elif op == "Exists":
            parts.append(expr["key"])
        elif op == "DoesNotExist":
            parts.append(f"!{expr['key']}")
    return ",".join(parts)


def complements(selector: Optional[dict[str, Any]]) -> list[str]:
    """One labelSelector per requirement of a LabelSelector, matching exactly what that
    requirement rejects: together, every object the selector does not match.

    The API's `k!=v` and `k notin (..)` also match objects without k, as a rejected
    `k=v` or `k in (..)` does; [] when the selector has no requirements."""
    sel = selector or {}
    out = [f"{k}!={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for expr in sel.get("matchExpressions") or []:
        key, values = expr.get("key"), ",".join(expr.get("values") or [])
        out.append({"In": f"{key} notin ({values})", "NotIn": f"{key} in ({values})",
                    "Exists": f"!{key}", "DoesNotExist": f"{key}"}[expr.get("operator")])
    return out
