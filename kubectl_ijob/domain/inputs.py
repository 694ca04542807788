"""Pure parsers of create's flag values (ports, env, labels, probes, work items), each
refusing bad input with a kubectl-style error that names the flag, before anything is sent."""
from __future__ import annotations

import re
from typing import Optional

from kubectl_ijob.domain.indexes import digits
from kubectl_ijob.domain.names import check_label
from kubectl_ijob.errors import usage

MAX_INT32 = 2**31 - 1  # completions, parallelism and the policies are int32 in the Job API
MAX_CONFIGMAP_BYTES = 1024 * 1024
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")


def check_positive(value: Optional[int], flag: str, minimum: int = 1,
                   maximum: int = MAX_INT32) -> None:
    """Reject counts below `minimum` or above `maximum` (the API's int32), naming the flag."""
    if value is not None and value < minimum:
        raise usage(f"{flag} must be at least {minimum}, got {value}")
    if value is not None and value > maximum:
        raise usage(f"{flag} must be at most {maximum}, got {value}")


def parse_key_values(pairs: list[str], flag: str) -> list[tuple[str, str]]:
    """Parse `K=V` items (each may hold several, comma separated, for --labels)."""
    out = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise usage(f"invalid {flag} {pair!r}: expected KEY=VALUE")
        out.append((key, value))
    return out


def parse_env(items: list[str]) -> list[tuple[str, str]]:
    """`--env K=V` items, with names Kubernetes accepts for environment variables."""
    pairs = parse_key_values(items, "--env")
    for key, _ in pairs:
        if not _ENV_NAME.fullmatch(key):
            raise usage(f"invalid --env name {key!r}: it must consist of letters, digits, "
                        "'_', '-' or '.', and must not start with a digit")
    return pairs


def parse_labels(text: Optional[str], flag: str = "--labels") -> dict[str, str]:
    """`a=b,c=d` as kubectl run parses --labels, with label syntax checked (also --node-selector)."""
    if not text:
        return {}
    labels = dict(parse_key_values([p for p in text.split(",") if p], flag))
    for key, value in labels.items():
        check_label(key, value, flag)
    return labels


def parse_port(text: str, flag: str) -> int:
    """A TCP port 1-65535."""
    if not digits(text) or not 1 <= int(text) <= 65535:
        raise usage(f"invalid {flag} {text!r}: a port must be a number from 1 to 65535")
    return int(text)


def parse_http_probe(text: str) -> tuple[int, str]:
    """`PORT[/PATH]` for --liveness-http."""
    port, slash, path = text.partition("/")
    path = "/" + path if slash else "/"
    if not _PATH.fullmatch(path):
        raise usage(f"invalid --liveness-http path {path!r}")
    return parse_port(port, "--liveness-http"), path


def parse_exec_probe(text: str) -> list[str]:
    """`--liveness-exec CMD` split like a shell into the probe's argv (no shell runs it)."""
    import shlex

    try:
        argv = shlex.split(text)
    except ValueError as e:
        raise usage(f"invalid --liveness-exec {text!r}: {str(e).lower()}") from e
    if not argv:
        raise usage("invalid --liveness-exec '': it needs a command, e.g. "
                    "--liveness-exec 'cat /tmp/healthy'")
    return argv


def parse_items(text: Optional[str], file_text: Optional[str]) -> Optional[list[str]]:
    """Work items from `--items a,b,c` or the lines of `--items-file`."""
    if text is not None and file_text is not None:
        raise usage("--items and --items-file cannot be used together")
    if text is not None:
        items = [i.strip() for i in text.split(",")]
    elif file_text is not None:
        if "\x00" in file_text:
            raise usage("--items-file looks binary: expected one work item per line")
        items = file_text.splitlines()
        while items and not items[-1].strip():
            items.pop()
    else:
        return None
    if not items and text is None:
        raise usage("--items-file has no work items: expected one work item per line")
    if not items or any(i == "" for i in items) and text is not None:
        raise usage("--items must list at least one non-empty item, e.g. --items a,b,c")
    if sum(len(i.encode()) + 8 for i in items) > MAX_CONFIGMAP_BYTES:
        raise usage("work items exceed 1 MiB, the size limit of the ConfigMap that holds them")
    return items
