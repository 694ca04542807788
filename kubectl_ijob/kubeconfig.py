"""Which kubeconfig, context and namespace apply, read without the kubernetes client.

kubectl's order: --kubeconfig, else every file in $KUBECONFIG (read at call time,
`a:b` lists merged, first definition wins), else ~/.kube/config. The namespace is
-n, else the context's namespace, else the in-cluster service account's, else
`default`. Keeping this free of `kubernetes` lets `create --dry-run=client` start fast.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from kubectl_ijob.errors import usage

# kubectl's words (clientcmd.ErrEmptyConfig) for a kubeconfig that defines nothing.
EMPTY_CONFIG = ("invalid configuration: no configuration has been provided, "
                "try setting KUBERNETES_MASTER environment variable")
SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def resolve_path(flag: Optional[str]) -> Optional[str]:
    """The kubeconfig path(s) to load, `os.pathsep`-joined, or None when there is none."""
    if flag:
        if not os.path.exists(flag):
            raise usage(f"stat {flag}: no such file or directory")
        return flag
    env = os.environ.get("KUBECONFIG")
    if env:
        present = [p for p in env.split(os.pathsep) if p and os.path.exists(p)]
        return os.pathsep.join(present) if present else None
    default = Path.home() / ".kube" / "config"
    return str(default) if default.exists() else None


def _load(path: str) -> list[dict[str, Any]]:
    import yaml

    docs = []
    for p in path.split(os.pathsep):
        try:
            doc = yaml.safe_load(Path(p).read_text()) or {}
        except OSError as e:
            raise usage(f"cannot load kubeconfig {p}: {e.strerror or e}") from e
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark else ""
            raise usage(f"error loading config file \"{p}\"{where}: "
                        f"{getattr(e, 'problem', None) or e}") from e
        if not isinstance(doc, dict):
            raise usage(f"cannot load kubeconfig {p}: not a kubeconfig mapping")
        docs.append(doc)
    return docs


def context_namespace(flag: Optional[str], context: Optional[str]) -> str:
    """The namespace the current (or named) context selects, falling back as kubectl does."""
    path = resolve_path(flag)
    if path is None:
        if SA_NAMESPACE.exists():
            return SA_NAMESPACE.read_text().strip() or "default"
        if context:
            raise usage(f"context was not found for specified context: {context}")
        return "default"
    docs = _load(path)
    current = context or next((d.get("current-context") for d in docs if d.get("current-context")), None)
    for doc in docs:
        for entry in doc.get("contexts") or []:
            if isinstance(entry, dict) and entry.get("name") == current:
                return (entry.get("context") or {}).get("namespace") or "default"
    if context:
        raise usage(f"context was not found for specified context: {context}")
    return "default"


def check_usable(flag: Optional[str]) -> None:
    """Refuse, as kubectl does, a kubeconfig that defines no cluster, context or user."""
    path = resolve_path(flag)
    if path is None:
        return
    keys = ("clusters", "contexts", "users", "current-context")
    if not any(doc.get(k) for doc in _load(path) for k in keys):
        raise usage(EMPTY_CONFIG)


def context_names(flag: Optional[str]) -> list[str]:
    """Every context name in the kubeconfig(s), for completion of --context."""
    path = resolve_path(flag)
    if path is None:
        return []
    return [c["name"] for d in _load(path) for c in d.get("contexts") or []
            if isinstance(c, dict) and c.get("name")]
