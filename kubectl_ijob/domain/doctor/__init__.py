"""Pure: `doctor` - every check the plugin knows, run over evidence already read from the API.

Each check is one function Evidence -> list[Finding] (no API, no click, no rendering);
CHECKS lists them in reading order (wiring, start, DNS, network, progress), and
`diagnose` runs them all and ranks the findings by severity, keeping that order within
a severity. The command gathers the evidence and renders the findings.
"""
from __future__ import annotations

from typing import Callable

from . import dns, network, progress, start, wiring
from .logs import logs_wanted
from .model import SEVERITIES, Evidence, Finding

Check = Callable[[Evidence], "list[Finding]"]

CHECKS: list[Check] = [
    # wiring
    wiring.check_subdomain, wiring.check_service_missing, wiring.check_service_headless,
    wiring.check_service_selector, wiring.check_subdomain_mismatch,
    wiring.check_publish_not_ready, wiring.check_hostname_length, wiring.check_dns_policy,
    # scheduling and start
    start.check_suspended, start.check_failed_create, start.check_unschedulable,
    start.check_image_pull, start.check_container_create, start.check_crash_loop,
    start.check_wait_for_peers,
    # DNS
    dns.check_not_published, dns.check_nxdomain_published, dns.check_several_addresses,
    # network
    network.check_network_policies, network.check_peer_matrix, network.check_ping_tooling,
    # progress
    progress.check_job_failed, progress.check_failed_indexes, progress.check_retrying,
    progress.check_stragglers, progress.check_duplicates, progress.check_orphans,
    progress.check_unread,
]


def diagnose(ev: Evidence, checks: "list[Check] | None" = None) -> list[Finding]:
    """Every finding of every check, errors first, in check order within a severity."""
    found = [f for check in (CHECKS if checks is None else checks) for f in check(ev)]
    return sorted(found, key=lambda f: SEVERITIES.index(f.severity))


def healthy(findings: list[Finding]) -> bool:
    """No error-level finding: `doctor` exits 0."""
    return not any(f.severity == "error" for f in findings)


__all__ = ["CHECKS", "Evidence", "Finding", "SEVERITIES", "diagnose", "healthy", "logs_wanted"]
