"""What requests and exec share: the REST path of each kind, the User-Agent, timeouts,
and which exceptions are transport failures; and reading a LIST body's metadata and
cutting its managedFields without decoding it (large LISTs, issue 12)."""
from __future__ import annotations

import json
from typing import Any, Optional
from urllib.parse import quote

import urllib3

from kubectl_ijob import __version__

USER_AGENT = f"kubectl-ijob/{__version__}"
CONNECT_TIMEOUT = 30.0
# Failures of the transport (refused, reset, TLS, timeouts). Anything else is a bug
# in the plugin and must not be reported as "Unable to connect".
TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, OSError)

# kind -> (API prefix, resource): the REST collection of each kind the plugin touches.
RESOURCES = {
    "Job": ("/apis/batch/v1", "jobs"),
    "CronJob": ("/apis/batch/v1", "cronjobs"),
    "Pod": ("/api/v1", "pods"),
    "Service": ("/api/v1", "services"),
    "ConfigMap": ("/api/v1", "configmaps"),
    "Event": ("/api/v1", "events"),
    "EndpointSlice": ("/apis/discovery.k8s.io/v1", "endpointslices"),
    "Namespace": ("/api/v1", "namespaces"),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies"),
    "Workload": ("/apis/kueue.x-k8s.io/v1beta2", "workloads"),  # Kueue's, when installed
}


def path(kind: str, namespace: Optional[str], name: str = "", sub: str = "") -> str:
    """The REST path of a collection (all namespaces when namespace is None) or object."""
    prefix, resource = RESOURCES[kind]
    parts = [prefix]
    if namespace is not None and kind != "Namespace":
        parts.append(f"namespaces/{quote(namespace, safe='')}")
    parts.append(resource)
    if name:
        parts.append(quote(name, safe=""))
    if sub:
        parts.append(sub)
    return "/".join(parts)


_HEAD = 64 * 1024  # a LIST's metadata sits in its first bytes (a continue token is < 1 KB)


def list_metadata(body: bytes) -> Optional[dict[str, Any]]:
    """A LIST's own metadata (continue, resourceVersion), read from the first bytes only.

    The API server writes kind, apiVersion and metadata before items, so the next page
    can be asked for before this one is decoded. None when metadata is not ahead of the
    items (the caller then decodes the whole body)."""
    text = body[:_HEAD].decode("utf-8", "ignore")
    decoder = json.JSONDecoder()
    at = _skip(text, 0)
    if text[at:at + 1] != "{":
        return None
    at += 1
    try:
        while True:
            key, at = decoder.raw_decode(text, _skip(text, at))
            at = _skip(text, at)
            if text[at:at + 1] != ":" or key == "items":
                return None
            value, at = decoder.raw_decode(text, _skip(text, at + 1))
            if key == "metadata":
                return value if isinstance(value, dict) else None
            at = _skip(text, at)
            if text[at:at + 1] != ",":
                return None
            at += 1
    except ValueError:  # cut off by the prefix, or not a JSON object at all
        return None


def _skip(text: str, at: int) -> int:
    """The position of the next character that is not JSON whitespace."""
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


MANAGED = b',"managedFields":['
END = b']},"'  # managedFields closed, then metadata, then the object's next field


def without_managed_fields(body: bytes) -> bytes:
    """A LIST body with every item's metadata.managedFields cut out before decoding.

    They are ~40% of a pod's bytes and ~60% of its decode time (thousands of one-key
    dicts) and no view reads them; cutting the bytes halves the decode of a pod LIST.
    ObjectMeta's fields are written in Go struct order, managedFields last, so the array
    ends at the first `]},"` (metadata closed, the object's next field: spec, or an
    Event's involvedObject). Inside it `]` only closes it (its entries hold objects and
    strings), and a `"` after `],` or `},` would be escaped within a string; so a `],"`
    or another object's metadata before that point means another order, and the object
    is left whole.
    """
    out, at = [], 0
    while True:
        start = body.find(MANAGED, at)
        end = body.find(END, start) if start >= 0 else -1
        if end < 0:
            break
        inside = start + len(MANAGED)
        if body.find(b'],"', inside, end) >= 0 or body.find(b'"metadata":{', inside, end) >= 0:
            out.append(body[at:inside])  # not the Go order: kept whole
            at = inside
        else:
            out.append(body[at:start])
            at = end + 1  # from `},"<next field>"`
    out.append(body[at:])
    return b"".join(out)
