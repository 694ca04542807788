"""Reading and merging kubeconfig files exactly as kubectl (client-go's clientcmd) does.

Which files: --kubeconfig alone (it must exist), else every file in $KUBECONFIG (missing
ones skipped, repeats read once), else ~/.kube/config. Each file is checked as
client-go decodes it - its YAML, the types of the fields kubectl reads, base64 data, no
name twice in one list - and its relative paths are made absolute against its own
directory. Then the files merge: the first definition of a cluster, user or context
wins as a whole entry, and the first non-empty current-context wins. Errors carry
kubectl's words (`error loading config file "...": ...`); the parity suite
(tests/parity) holds them to real kubectl.
"""
from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from kubectl_ijob.errors import usage

# Go types of the fields read, by kind of object: what json.Unmarshal would check.
# "bytes" is a []byte field (base64 text in the file); a tuple is a list of that kind.
SCHEMA: dict[str, dict[str, Any]] = {
    "Config": {"current-context": "string", "clusters": ("NamedCluster",),
               "users": ("NamedAuthInfo",), "contexts": ("NamedContext",),
               "extensions": ("NamedExtension",)},
    "NamedCluster": {"name": "string", "cluster": "Cluster"},
    "Cluster": {"server": "string", "tls-server-name": "string", "proxy-url": "string",
                "insecure-skip-tls-verify": "bool", "certificate-authority": "string",
                "certificate-authority-data": "bytes", "disable-compression": "bool"},
    "NamedAuthInfo": {"name": "string", "user": "AuthInfo"},
    "AuthInfo": {"client-certificate": "string", "client-certificate-data": "bytes",
                 "client-key": "string", "client-key-data": "bytes", "token": "string",
                 "tokenFile": "string", "username": "string", "password": "string"},
    "NamedContext": {"name": "string", "context": "Context"},
    "Context": {"cluster": "string", "user": "string", "namespace": "string"},
    "NamedExtension": {"name": "string"},
}
# The list -> map conversions of client-go, in the order it converts them.
LISTS = (("clusters", "cluster", "NamedCluster", "*map[string]*api.Cluster"),
         ("users", "user", "NamedAuthInfo", "*map[string]*api.AuthInfo"),
         ("contexts", "context", "NamedContext", "*map[string]*api.Context"),
         ("extensions", "extension", "NamedExtension", "*map[string]runtime.Object"))
# Fields holding paths, resolved against the directory of the file that sets them.
PATHS = {"clusters": ("certificate-authority",),
         "users": ("client-certificate", "client-key", "tokenFile")}
GO_STRUCT = ('struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
             'Kind string "json:\\"kind,omitempty\\"" }')


@dataclass
class Merged:
    """The merged kubeconfig: entries by name (bodies as read, paths made absolute)."""

    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    current: str = ""
    files: list[str] = field(default_factory=list)  # the files that existed and were read


def precedence(flag: Optional[str]) -> list[str]:
    """The files kubectl would read, in order (explicit path first and alone)."""
    if flag:
        return [flag]
    env = os.environ.get("KUBECONFIG")
    if env:
        return list(dict.fromkeys(p for p in env.split(os.pathsep) if p))
    return [str(Path.home() / ".kube" / "config")]


def load(flag: Optional[str]) -> Merged:
    """The merged kubeconfig; an explicit --kubeconfig must exist, other files may not."""
    if flag and not os.path.exists(flag):
        raise usage(f"stat {flag}: no such file or directory")
    merged = Merged()
    for p in precedence(flag):
        if not os.path.exists(p):
            continue
        doc = read(p)
        merged.files.append(p)
        base = os.path.dirname(os.path.abspath(p))
        for section, key, _, _ in LISTS[:3]:
            target = getattr(merged, section)
            for item in doc.get(section) or []:
                body = dict(item.get(key) or {})
                for name in PATHS.get(section, ()):
                    if body.get(name) and not os.path.isabs(body[name]):
                        body[name] = os.path.normpath(os.path.join(base, body[name]))
                target.setdefault(item.get("name") or "", body)
        merged.current = merged.current or doc.get("current-context") or ""
    return merged


_CACHE: dict[tuple[str, int, int], dict[str, Any]] = {}


def read(p: str) -> dict[str, Any]:
    """One file, decoded and checked as client-go does (parsed once per process)."""
    try:
        st = os.stat(p)
        key = (p, st.st_mtime_ns, st.st_size)
        if key in _CACHE:
            return _CACHE[key]
        text = Path(p).read_text()
    except IsADirectoryError:
        raise usage(f'error loading config file "{p}": read {p}: is a directory') from None
    except OSError as e:
        reason = (e.strerror or str(e)).lower()
        raise usage(f'error loading config file "{p}": open {p}: {reason}') from e
    doc = _parse(p, text)
    problem = _type_error(doc, "Config", "") or _duplicate(doc)
    if problem:
        raise usage(f'error loading config file "{p}": {problem}')
    _CACHE[key] = doc
    return doc


def _parse(p: str, text: str) -> dict[str, Any]:
    """YAML to a mapping, with go-yaml's line numbers and sigs.k8s.io/yaml's wording."""
    import yaml

    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as e:
        mark, line = e.problem_mark, 0
        if mark is not None and mark.line:  # go-yaml counts scanner errors one further
            line = mark.line + (1 if isinstance(e, yaml.scanner.ScannerError) else 0)
        elif e.context_mark is not None:
            line = e.context_mark.line
        where = f"line {line}: " if line else ""
        raise usage(f'error loading config file "{p}": yaml: {where}{e.problem}') from e
    except yaml.YAMLError as e:
        raise usage(f'error loading config file "{p}": yaml: {e}') from e
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise usage(f'error loading config file "{p}": couldn\'t get version/kind; json parse '
                    f"error: json: cannot unmarshal {_json_type(doc)} into Go value of type "
                    f"{GO_STRUCT}")
    return doc


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "string")


def _type_error(value: Any, kind: str, where: str) -> Optional[str]:
    """The first field whose type Go's json decoder would refuse (keys in sorted order,
    as sigs.k8s.io/yaml hands them to it), or None."""
    for name in sorted(value, key=str):
        want, got, path = SCHEMA[kind].get(name), value[name], f"{where}{name}"
        if want is None or got is None:
            continue
        if isinstance(want, tuple):
            if not isinstance(got, list):
                return _refused(got, kind, path, f"[]v1.{want[0]}")
            for item in got:
                if not isinstance(item, dict):
                    return _refused(item, kind, path, f"v1.{want[0]}")
                problem = _type_error(item, want[0], path + ".")
                if problem:
                    return problem
        elif want in SCHEMA:
            if not isinstance(got, dict):
                return _refused(got, kind, path, f"v1.{want}")
            problem = _type_error(got, want, path + ".")
            if problem:
                return problem
        elif want == "bytes":
            if not isinstance(got, str):
                return _refused(got, kind, path, "[]uint8")
            problem = _base64_error(got)
            if problem:
                return problem
        elif (want == "bool") != isinstance(got, bool) or \
                (want == "string" and not isinstance(got, str)):
            return _refused(got, kind, path, want)
    return None


def _refused(value: Any, kind: str, path: str, go_type: str) -> str:
    return (f"json: cannot unmarshal {_json_type(value)} into Go struct field "
            f"{kind}.{path} of type {go_type}")


def _base64_error(text: str) -> Optional[str]:
    """Go's base64.StdEncoding error for text, or None when it decodes."""
    bad = re.search(r"[^A-Za-z0-9+/=\r\n]", text)
    if bad:
        return f"illegal base64 data at input byte {bad.start()}"
    try:
        base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return f"illegal base64 data at input byte {len(text.rstrip('='))}"
    return None


def _duplicate(doc: dict[str, Any]) -> Optional[str]:
    """client-go's refusal of a name listed twice in one file (Go's dump of the list,
    which follows `in list:` in kubectl's message, is left out)."""
    for section, _, kind, target in LISTS:
        seen: set[str] = set()
        for item in doc.get(section) or []:
            name = item.get("name") or ""
            if name in seen:
                return (f"error converting *[]{kind} into {target}: "
                        f'duplicate name "{name}" in list')
            seen.add(name)
    return None


def data(value: Optional[str]) -> Optional[bytes]:
    """A *-data field's bytes (already checked by read)."""
    return base64.b64decode("".join(value.split())) if value else None
