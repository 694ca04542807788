"""What requests and exec share: the REST path of each kind, the User-Agent, timeouts,
and which exceptions are transport failures."""
from __future__ import annotations

from typing import Optional
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
