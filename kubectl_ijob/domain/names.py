"""Kubernetes' name rules (DNS labels and subdomains, label keys and values), written once.

Checked before anything is sent: a pod's hostname `<job>-<index>` must be a DNS label
or its peers cannot resolve it, and only plain DNS names ever reach a pod's command line.
"""
from __future__ import annotations

import re
from typing import Optional

from kubectl_ijob.errors import usage

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def is_dns_label(value: str) -> bool:
    """A DNS-1123 label: 1-63 lower case alphanumerics or '-', alphanumeric at both ends."""
    return len(value) <= 63 and bool(_DNS1123_LABEL.fullmatch(value))


def is_dns_subdomain(value: str, resolvable: bool = False) -> bool:
    """A DNS-1123 subdomain as the API server checks it: at most 253 characters of
    dot-separated labels; `resolvable` also holds each label to DNS's 63 characters."""
    return len(value) <= 253 and all(
        _DNS1123_LABEL.fullmatch(p) and (not resolvable or len(p) <= 63) for p in value.split("."))


def check_dns_label(value: str, what: str, dns1035: bool = False) -> None:
    """Raise a kubectl-style error unless `value` is a DNS-1123 (or 1035) label."""
    pattern = _DNS1035_LABEL if dns1035 else _DNS1123_LABEL
    if len(value) > 63:
        raise usage(f"{what} {value!r} is {len(value)} characters long; "
                    "it must be no more than 63 characters")
    if not pattern.fullmatch(value):
        first = "an alphabetic character" if dns1035 else "an alphanumeric character"
        raise usage(f"{what} {value!r} is invalid: it must consist of lower case alphanumeric "
                    f"characters or '-', start with {first}, and end with an alphanumeric "
                    "character")


def check_dns_subdomain(value: str, what: str) -> None:
    """Raise a kubectl-style error unless `value` is a DNS-1123 subdomain (dot-separated labels)."""
    if len(value) > 253:
        raise usage(f"{what} {value!r} is {len(value)} characters long; "
                    "it must be no more than 253 characters")
    if not is_dns_subdomain(value):
        raise usage(f"{what} {value!r} is invalid: it must consist of lower case alphanumeric "
                    "characters, '-' or '.', and each dot-separated part must start and end "
                    "with an alphanumeric character")


def check_label(key: str, value: Optional[str], flag: str) -> None:
    """Kubernetes' label key (optional DNS prefix + name) and value rules."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or not is_dns_subdomain(prefix)):
        raise usage(f"invalid {flag} key {key!r}: the prefix must be a DNS subdomain")
    if len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        raise usage(f"invalid {flag} key {key!r}: a label name must be 63 characters or less, "
                    "begin and end with an alphanumeric character and contain only "
                    "alphanumerics, '-', '_' or '.'")
    if value is not None and (len(value) > 63 or not _LABEL_VALUE.fullmatch(value)):
        raise usage(f"invalid {flag} value {value!r} for {key!r}: a label value must be 63 "
                    "characters or less, empty or begin and end with an alphanumeric "
                    "character, and contain only alphanumerics, '-', '_' or '.'")


def check_probe_name(name: str) -> str:
    """Only plain DNS names go into a pod's command line."""
    if not is_dns_subdomain(name, resolvable=True):
        raise usage(f"refusing to probe {name!r}: not a valid DNS name")
    return name
