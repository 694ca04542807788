"""The Job API's policies (issue 13) from `create` flags: pure spec fragments.

`create` turns flag values into the spec fields the API has had since 1.28 -
maxFailedIndexes, successPolicy, podFailurePolicy, podReplacementPolicy, suspend - so
nobody needs a hand-written manifest for them. Checking the result against the API's
own rules is domain.jobvalidation's work; this module only builds.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Optional

from kubectl_ijob.errors import IjobError, usage
from kubectl_ijob.domain.indexes import parse_intervals

MAX_EXIT_CODE_VALUES = 255  # maxPodFailurePolicyOnExitCodesValues in the API
DISRUPTION_TARGET = "DisruptionTarget"  # set on pods that are preempted, evicted or drained
REPLACEMENT_POLICIES = ("Failed", "TerminatingOrFailed")
JOB_CONTROLLER = "kubernetes.io/job-controller"  # batch/v1 JobControllerName
FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count"
IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count"
KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name"


@dataclass
class JobApiFlags:
    """The parsed values of create's Job API flags (None/empty: not given)."""

    max_failed_indexes: Optional[int] = None
    success_indexes: Optional[str] = None
    success_count: Optional[int] = None
    success_rules: list[str] = field(default_factory=list)  # --success-rule INDEXES[:COUNT]
    fail_index_on_exit_codes: Optional[str] = None
    fail_job_on_exit_codes: Optional[str] = None
    ignore_exit_codes: Optional[str] = None
    ignore_disruptions: bool = False
    container: Optional[str] = None
    pod_replacement_policy: Optional[str] = None
    suspend: bool = False


def parse_exit_codes(text: str, flag: str) -> list[int]:
    """`1,42-44` -> [1, 42, 43, 44]: sorted and unique, as the API wants them."""
    bad = usage(f"invalid {flag} {text!r}: expected exit codes like 1,42-44")
    try:
        intervals = parse_intervals(text, flag=flag)
    except IjobError:
        raise bad from None
    if not intervals:
        raise bad
    if sum(hi - lo + 1 for lo, hi in intervals) > MAX_EXIT_CODE_VALUES:
        raise usage(f"invalid {flag} {text!r}: must have at most {MAX_EXIT_CODE_VALUES} "
                    "exit codes")
    codes = sorted({c for lo, hi in intervals for c in range(lo, hi + 1)})
    if flag != "--ignore-exit-codes" and 0 in codes:
        # onExitCodes with operator In: "must not be 0 for the In operator".
        raise usage(f"invalid {flag} {text!r}: exit code 0 is success; "
                    "it must not be 0 for the In operator")
    return codes


def parse_success_rule(text: str, flag: str = "--success-rule") -> dict[str, Any]:
    """`0,2-3` (these indexes), `0-7:4` (any 4 of them) or `:5` (any 5) -> one rule."""
    indexes, sep, count = text.partition(":")
    rule: dict[str, Any] = {}
    bad = usage(f"invalid {flag} {text!r}: expected INDEXES, INDEXES:COUNT or :COUNT "
                "(indexes like 0,2-4)")
    if indexes.strip():
        try:
            rule["succeededIndexes"] = _api_intervals(indexes, flag)
        except IjobError:
            raise bad from None
    if sep:
        if not count.isascii() or not count.isdigit():
            raise bad
        rule["succeededCount"] = int(count)
    if not rule:
        raise bad
    return rule


def _api_intervals(text: str, flag: str) -> str:
    """Indexes in the API's interval form (`0,2-3`: increasing, no overlap), from any order."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(parse_intervals(text, flag=flag)):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return ",".join(f"{lo}-{hi}" if hi > lo else str(lo) for lo, hi in merged)


def success_rules(flags: JobApiFlags) -> list[dict[str, Any]]:
    """successPolicy.rules: --success-indexes/--success-count first, then each --success-rule."""
    rules: list[dict[str, Any]] = []
    if flags.success_indexes is not None or flags.success_count is not None:
        rule: dict[str, Any] = {}
        if flags.success_indexes is not None:
            rule["succeededIndexes"] = _api_intervals(flags.success_indexes, "--success-indexes")
        if flags.success_count is not None:
            rule["succeededCount"] = flags.success_count
        rules.append(rule)
    rules.extend(parse_success_rule(r) for r in flags.success_rules)
    return rules


def _on_exit_codes(action: str, codes: list[int], container: Optional[str]) -> dict[str, Any]:
    req: dict[str, Any] = {"operator": "In", "values": codes}
    if container is not None:
        req["containerName"] = container
    return {"action": action, "onExitCodes": req}


def pod_failure_rules(flags: JobApiFlags) -> list[dict[str, Any]]:
    """podFailurePolicy.rules in the order the controller evaluates them (first match wins)."""
    rules = []
    for action, text, flag in (("FailIndex", flags.fail_index_on_exit_codes, "--fail-index-on-exit-codes"),
                               ("FailJob", flags.fail_job_on_exit_codes, "--fail-job-on-exit-codes"),
                               ("Ignore", flags.ignore_exit_codes, "--ignore-exit-codes")):
        if text is not None:
            rules.append(_on_exit_codes(action, parse_exit_codes(text, flag), flags.container))
    if flags.ignore_disruptions:
        rules.append({"action": "Ignore",
                      "onPodConditions": [{"type": DISRUPTION_TARGET, "status": "True"}]})
    if flags.container is not None and not any("onExitCodes" in r for r in rules):
        raise usage("--container scopes the exit-code rules: use it with --fail-index-on-exit-codes, "
                    "--fail-job-on-exit-codes or --ignore-exit-codes")
    return rules


def spec_fragment(flags: JobApiFlags) -> dict[str, Any]:
    """The JobSpec fields these flags set; empty when none was given."""
    out: dict[str, Any] = {}
    if flags.max_failed_indexes is not None:
        out["maxFailedIndexes"] = flags.max_failed_indexes
    rules = success_rules(flags)
    if rules:
        out["successPolicy"] = {"rules": rules}
    pfp = pod_failure_rules(flags)
    if pfp:
        out["podFailurePolicy"] = {"rules": pfp}
    if flags.pod_replacement_policy is not None:
        if flags.pod_replacement_policy not in REPLACEMENT_POLICIES:
            raise usage(f"invalid --pod-replacement-policy {flags.pod_replacement_policy!r}: "
                        f"supported values: {', '.join(REPLACEMENT_POLICIES)}")
        out["podReplacementPolicy"] = flags.pod_replacement_policy
    if flags.suspend:
        out["suspend"] = True
    return out


def merge_fragment(job_spec: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """A copy of `job_spec` (e.g. from -f) with the flags' fields; rules from flags go last."""
    out = copy.deepcopy(job_spec)
    for key, value in fragment.items():
        if key in ("successPolicy", "podFailurePolicy") and isinstance(out.get(key), dict):
            mine = out[key].get("rules") or []
            out[key] = {**out[key], "rules": list(mine) + value["rules"]}
        else:
            out[key] = copy.deepcopy(value)
    return out
