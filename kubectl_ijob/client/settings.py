"""The connection flags (--kubeconfig, --context, --cluster, --user, -n, --request-timeout, -v).

A plain class in a module of its own: app.py builds it for every command, and `--help`
should import nothing more (dataclasses with inspect cost 4 ms)."""
from __future__ import annotations

from typing import Optional


class Settings:
    """The global flags as parsed; the client connects with them."""

    def __init__(self, kubeconfig: Optional[str] = None, context: Optional[str] = None,
                 namespace: Optional[str] = None, request_timeout: Optional[float] = None,
                 verbose: int = 0, cluster: Optional[str] = None,
                 user: Optional[str] = None) -> None:
        self.kubeconfig, self.context, self.namespace = kubeconfig, context, namespace
        self.request_timeout = request_timeout
        self.verbose = verbose  # -v: log every request to stderr, as kubectl -v=6 does
        self.cluster, self.user = cluster, user  # kubectl's --cluster and --user
