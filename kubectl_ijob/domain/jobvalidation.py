"""The API server's Job rules for the issue-13 fields, checked before anything is sent.

Each check mirrors a function of kubernetes/kubernetes pkg/apis/batch/validation/
validation.go (v1.37) and says what it says, in the same `path: Type: value: detail`
form, so a rejected create reads the same with and without --dry-run=server. The e2e
table tests/e2e/test_jobapi_validation.py holds every rule against the real server.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

MAX_PARALLELISM_INDEXED = 100_000          # maxParallelismForIndexedJob
MAX_FAILED_INDEXES = 100_000               # maxFailedIndexesForIndexedJob
COMPLETIONS_SOFT_LIMIT = 100_000           # completionsSoftLimit
PARALLELISM_HIGH_COMPLETIONS = 10_000      # parallelismLimitForHighCompletions
MAX_FAILED_HIGH_COMPLETIONS = 10_000       # maxFailedIndexesLimitForHighCompletions
MAX_PFP_RULES = 20                         # maxPodFailurePolicyRules
MAX_EXIT_CODES = 255                       # maxPodFailurePolicyOnExitCodesValues
MAX_CONDITION_PATTERNS = 20                # maxPodFailurePolicyOnPodConditionsPatterns
MAX_MANAGED_BY = 63                        # maxManagedByLength
MAX_SUCCEEDED_INDEXES_LEN = 64 * 1024      # maxJobSuccessPolicySucceededIndexesLimit
MAX_SUCCESS_RULES = 20                     # maxSuccessPolicyRule
NEGATIVE = "must be greater than or equal to 0"
_OMIT = object()
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


@dataclass(frozen=True)
class FieldError:
    """One field.Error of the API: where, which type, the bad value and the detail."""

    path: str
    type: str  # "Invalid value", "Required value", "Unsupported value", "Too many", ...
    detail: str = ""
    value: Any = _OMIT

    def __str__(self) -> str:
        # field.Error.ErrorBody: the value is printed for these types, not for Required.
        body = self.type
        if self.value is not _OMIT:
            body += ": " + json.dumps(self.value, separators=(",", ":"))
        return f"{self.path}: {body}: {self.detail}" if self.detail else f"{self.path}: {body}"


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(path, "Invalid value", detail, value)


def required(path: str, detail: str) -> FieldError:
    return FieldError(path, "Required value", detail)


def not_supported(path: str, value: Any, supported: list[str]) -> FieldError:
    return FieldError(path, "Unsupported value", "supported values: " +
                      ", ".join(json.dumps(s) for s in supported), value)


def too_many(path: str, actual: int, limit: int) -> FieldError:
    return FieldError(path, "Too many", f"must have at most {limit} items", actual)


def _go_list(values: list[str]) -> str:
    """Go's %q of a []string: `["In" "NotIn"]`."""
    return "[" + " ".join(json.dumps(v) for v in values) + "]"


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def validate_job(job: dict[str, Any]) -> list[FieldError]:
    """Every issue-13 rule the API applies to a Job on create (ValidateJobCreate)."""
    spec = job.get("spec") or {}
    errs = _counts(spec)
    errs += _indexed_limits(spec)
    if isinstance(spec.get("podFailurePolicy"), dict):
        errs += validate_pod_failure_policy(spec)
    if isinstance(spec.get("successPolicy"), dict):
        if spec.get("completionMode") != "Indexed":
            errs.append(invalid("spec.successPolicy", spec["successPolicy"],
                                "requires indexed completion mode"))
        else:
            errs += validate_success_policy(spec)
    errs += validate_pod_replacement_policy(spec)
    errs += _restart_policy(spec)
    errs += validate_name_allows_completions(job)
    return errs


def _counts(spec: dict[str, Any]) -> list[FieldError]:
    """validateJobSpec: non-negative counts, managedBy, and what needs backoffLimitPerIndex."""
    errs = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        value = _int(spec.get(key))
        if value is not None and value < 0:
            errs.append(invalid(f"spec.{key}", value, NEGATIVE))
    if spec.get("maxFailedIndexes") is not None and spec.get("backoffLimitPerIndex") is None:
        errs.append(required("spec.backoffLimitPerIndex", "when maxFailedIndexes is specified"))
    managed = spec.get("managedBy")
    if isinstance(managed, str):
        errs += _managed_by(managed)
    if spec.get("completionMode") != "Indexed":
        for key in ("backoffLimitPerIndex", "maxFailedIndexes"):
            if spec.get(key) is not None:
                errs.append(invalid(f"spec.{key}", spec[key], "requires indexed completion mode"))
    return errs


def _managed_by(value: str) -> list[FieldError]:
    """IsDomainPrefixedPath plus maxManagedByLength."""
    errs = []
    host, sep, path = value.partition("/")
    if not value:
        errs.append(required("spec.managedBy", ""))
    elif not sep or not host or not path:
        errs.append(invalid("spec.managedBy", value,
                            'must be a domain-prefixed path (such as "acme.io/foo")'))
    elif len(host) > 253 or not _DNS1123_SUBDOMAIN.match(host):
        errs.append(invalid("spec.managedBy", host, "a lowercase RFC 1123 subdomain must consist "
                            "of lower case alphanumeric characters, '-' or '.'"))
    if len(value) > MAX_MANAGED_BY:
        errs.append(FieldError("spec.managedBy", "Too long",
                               f"may not be more than {MAX_MANAGED_BY} bytes"))
    return errs


def _indexed_limits(spec: dict[str, Any]) -> list[FieldError]:
    """validateJobSpec's Indexed-only limits (completions required, caps on the counts)."""
    if spec.get("completionMode") != "Indexed":
        return []
    errs = []
    completions, parallelism = _int(spec.get("completions")), _int(spec.get("parallelism"))
    max_failed = _int(spec.get("maxFailedIndexes"))
    if spec.get("completions") is None:
        errs.append(required("spec.completions", "when completion mode is Indexed"))
    if parallelism is not None and parallelism > MAX_PARALLELISM_INDEXED:
        errs.append(invalid("spec.parallelism", parallelism, "must be less than or equal to "
                            f"{MAX_PARALLELISM_INDEXED} when completion mode is Indexed"))
    if completions is not None and max_failed is not None and max_failed > completions:
        errs.append(invalid("spec.maxFailedIndexes", max_failed,
                            "must be less than or equal to completions"))
    if max_failed is not None and max_failed > MAX_FAILED_INDEXES:
        errs.append(invalid("spec.maxFailedIndexes", max_failed,
                            f"must be less than or equal to {MAX_FAILED_INDEXES}"))
    if (completions is not None and completions > COMPLETIONS_SOFT_LIMIT
            and spec.get("backoffLimitPerIndex") is not None):
        tail = (f"when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff "
                "limit per index")
        if max_failed is None:
            errs.append(required("spec.maxFailedIndexes",
                                 f"must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}"))
        if parallelism is not None and parallelism > PARALLELISM_HIGH_COMPLETIONS:
            errs.append(invalid("spec.parallelism", parallelism, "must be less than or equal to "
                                f"{PARALLELISM_HIGH_COMPLETIONS} {tail}"))
        if max_failed is not None and max_failed > MAX_FAILED_HIGH_COMPLETIONS:
            errs.append(invalid("spec.maxFailedIndexes", max_failed, "must be less than or "
                                f"equal to {MAX_FAILED_HIGH_COMPLETIONS} {tail}"))
    return errs


def _restart_policy(spec: dict[str, Any]) -> list[FieldError]:
    """validateJobSpec's tail: Never or OnFailure, and only Never with a podFailurePolicy."""
    policy = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") or "Always"
    path = "spec.template.spec.restartPolicy"
    if policy == "Always":
        return [required(path, 'valid values: "OnFailure", "Never"')]
    if policy not in ("OnFailure", "Never"):
        return [not_supported(path, policy, ["OnFailure", "Never"])]
    if spec.get("podFailurePolicy") is not None and policy != "Never":
        return [invalid(path, policy, 'only "Never" is supported when podFailurePolicy is specified')]
    return []


def validate_pod_replacement_policy(spec: dict[str, Any]) -> list[FieldError]:
    """validatePodReplacementPolicy: with a podFailurePolicy only Failed is allowed."""
    value = spec.get("podReplacementPolicy")
    if value is None:
        return []
    if spec.get("podFailurePolicy") is not None:
        return [] if value == "Failed" else [
            not_supported("spec.podReplacementPolicy", value, ["Failed"])]
    if value not in ("Failed", "TerminatingOrFailed"):
        return [not_supported("spec.podReplacementPolicy", value, ["Failed", "TerminatingOrFailed"])]
    return []


def validate_name_allows_completions(job: dict[str, Any]) -> list[FieldError]:
    """validateNameAllowsCompletions: the last pod's hostname `<name>-<completions-1>`."""
    spec = job.get("spec") or {}
    completions = _int(spec.get("completions"))
    name = (job.get("metadata") or {}).get("name") or ""
    if spec.get("completionMode") != "Indexed" or not completions or completions <= 0:
        return []
    host = f"{name}-{completions - 1}"
    if len(host) <= 63 and re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", host):
        return []
    return [invalid("metadata.name", name,
                    f"will not able to create pod with invalid DNS label: {host}")]


def validate_pod_failure_policy(spec: dict[str, Any]) -> list[FieldError]:
    """validatePodFailurePolicy and validatePodFailurePolicyRule."""
    rules = spec["podFailurePolicy"].get("rules") or []
    errs = []
    if len(rules) > MAX_PFP_RULES:
        errs.append(too_many("spec.podFailurePolicy.rules", len(rules), MAX_PFP_RULES))
    pod = (spec.get("template") or {}).get("spec") or {}
    names = {c.get("name") for c in (pod.get("containers") or []) + (pod.get("initContainers") or [])}
    actions = ["Count", "FailIndex", "FailJob", "Ignore"]
    for i, rule in enumerate(rules):
        path = f"spec.podFailurePolicy.rules[{i}]"
        action = rule.get("action") or ""
        if not action:
            errs.append(required(f"{path}.action", f"valid values: {_go_list(actions)}"))
        elif action == "FailIndex":
            if spec.get("backoffLimitPerIndex") is None:
                errs.append(invalid(f"{path}.action", action,
                                    "requires the backoffLimitPerIndex to be set"))
        elif action not in actions:
            errs.append(not_supported(f"{path}.action", action, actions))
        on_codes, on_conds = rule.get("onExitCodes"), rule.get("onPodConditions") or []
        if on_codes is not None:
            errs += _on_exit_codes(on_codes, f"{path}.onExitCodes", names)
        if on_conds:
            errs += _on_pod_conditions(on_conds, f"{path}.onPodConditions")
        if on_codes is not None and on_conds:
            errs.append(FieldError(path, "Invalid value", "specifying both OnExitCodes and "
                                   "OnPodConditions is not supported"))
        if on_codes is None and not on_conds:
            errs.append(FieldError(path, "Invalid value", "specifying one of OnExitCodes and "
                                   "OnPodConditions is required"))
    return errs


def _on_exit_codes(req: dict[str, Any], path: str, names: set[Any]) -> list[FieldError]:
    """validatePodFailurePolicyRuleOnExitCodes."""
    errs = []
    op = req.get("operator") or ""
    if not op:
        errs.append(required(f"{path}.operator", f'valid values: {_go_list(["In", "NotIn"])}'))
    elif op not in ("In", "NotIn"):
        errs.append(not_supported(f"{path}.operator", op, ["In", "NotIn"]))
    container = req.get("containerName")
    if container is not None and container not in names:
        errs.append(invalid(f"{path}.containerName", container,
                            "must be one of the container or initContainer names in the pod template"))
    values = list(req.get("values") or [])
    if not values:
        errs.append(invalid(f"{path}.values", values, "at least one value is required"))
    elif len(values) > MAX_EXIT_CODES:
        errs.append(too_many(f"{path}.values", len(values), MAX_EXIT_CODES))
    seen: set[Any] = set()
    for j, v in enumerate(values):
        if op == "In" and v == 0:
            errs.append(invalid(f"{path}.values[{j}]", v, "must not be 0 for the In operator"))
        if v in seen:
            errs.append(FieldError(f"{path}.values[{j}]", "Duplicate value", "", v))
        seen.add(v)
    if any(a > b for a, b in zip(values, values[1:])):
        errs.append(invalid(f"{path}.values", values, "must be ordered"))
    return errs


def _on_pod_conditions(patterns: list[Any], path: str) -> list[FieldError]:
    """validatePodFailurePolicyRuleOnPodConditions."""
    errs = []
    if len(patterns) > MAX_CONDITION_PATTERNS:
        errs.append(too_many(path, len(patterns), MAX_CONDITION_PATTERNS))
    for j, p in enumerate(patterns):
        # An empty status is defaulted to True before validation
        # (SetDefaults_PodFailurePolicyOnPodConditionsPattern), so it is never "Required".
        ctype, status = str(p.get("type") or ""), p.get("status") or "True"
        if not _qualified_name(ctype):
            errs.append(invalid(f"{path}[{j}].type", ctype, "name part must consist of "
                                "alphanumeric characters, '-', '_' or '.'"))
        if status not in ("False", "True", "Unknown"):
            errs.append(not_supported(f"{path}[{j}].status", status, ["False", "True", "Unknown"]))
    return errs


def _qualified_name(value: str) -> bool:
    """ValidateQualifiedName: an optional DNS-subdomain prefix and a 63-character name."""
    prefix, sep, name = value.rpartition("/")
    if sep and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_QUALIFIED.match(name))


def validate_success_policy(spec: dict[str, Any]) -> list[FieldError]:
    """validateSuccessPolicy and validateSuccessPolicyRule (Indexed Jobs only)."""
    rules = spec["successPolicy"].get("rules") or []
    errs = []
    if not rules:
        errs.append(required("spec.successPolicy.rules", "at least one rules must be specified "
                             "when the successPolicy is specified"))
    if len(rules) > MAX_SUCCESS_RULES:
        errs.append(too_many("spec.successPolicy.rules", len(rules), MAX_SUCCESS_RULES))
    completions = _int(spec.get("completions"))
    if completions is None:
        return errs  # "completions: Required value" is reported already
    for i, rule in enumerate(rules):
        errs += _success_rule(rule, f"spec.successPolicy.rules[{i}]", completions)
    return errs


def _success_rule(rule: dict[str, Any], path: str, completions: int) -> list[FieldError]:
    count, indexes = _int(rule.get("succeededCount")), rule.get("succeededIndexes")
    errs = []
    if rule.get("succeededCount") is None and indexes is None:
        errs.append(required(path, "at least one of succeededCount or succeededIndexes must be specified"))
    total = 0
    if indexes is not None:
        if len(indexes) > MAX_SUCCEEDED_INDEXES_LEN:
            errs.append(FieldError(f"{path}.succeededIndexes", "Too long",
                                   f"may not be more than {MAX_SUCCEEDED_INDEXES_LEN} bytes"))
        try:
            total = index_set_size(indexes, completions)
        except ValueError as e:
            errs.append(invalid(f"{path}.succeededIndexes", indexes,
                                f"error parsing succeededIndexes: {e}"))
    if count is not None:
        if count < 0:
            errs.append(invalid(f"{path}.succeededCount", count, NEGATIVE))
        if count > completions:
            errs.append(invalid(f"{path}.succeededCount", count, f"must be less than or equal to "
                                f"{completions} (the number of specified completions)"))
        if indexes is not None and count > total:
            errs.append(invalid(f"{path}.succeededCount", count, f"must be less than or equal to "
                                f"{total} (the number of indexes in the specified succeededIndexes field)"))
    return errs


def _atoi(text: str) -> int:
    """Go's strconv.Atoi: optional sign, ASCII digits, nothing else."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(f"cannot convert string to integer for index: {json.dumps(text)}")
    return int(text)


def index_set_size(text: str, completions: int) -> int:
    """validateIndexesFormat/parseIndexInterval: how many indexes `0,2-3` holds, or ValueError."""
    if not text:
        return 0
    total, last = 0, None
    for part in text.split(","):
        bounds = part.split("-")
        if len(bounds) > 2:
            raise ValueError(f"the fragment {json.dumps(part)} violates the requirement that an "
                             "index interval can have at most two parts separated by '-'")
        lo = _atoi(bounds[0])
        if lo >= completions:
            raise ValueError(f"too large index: {json.dumps(bounds[0])}")
        hi = lo
        if len(bounds) == 2:
            hi = _atoi(bounds[1])
            if hi >= completions:
                raise ValueError(f"too large index: {json.dumps(bounds[1])}")
            if lo >= hi:
                raise ValueError(f"non-increasing order, previous: {lo}, current: {hi}")
        if last is not None and last >= lo:
            raise ValueError(f"non-increasing order, previous: {last}, current: {lo}")
        total += hi - lo + 1
        last = hi
    return total


def validate_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """ValidateJobUpdate for the fields kubectl-ijob changes (completions, parallelism, suspend)."""
    errs = validate_job(new)
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    if spec.get("completions") != old_spec.get("completions"):
        if spec.get("completionMode") != "Indexed":  # validateCompletions
            errs.append(invalid("spec.completions", spec.get("completions"), "field is immutable"))
        elif spec.get("completions") is not None and spec.get("completions") != spec.get("parallelism"):
            errs.append(invalid("spec.completions", spec.get("completions"),
                                "can only be modified in tandem with spec.parallelism"))
    return errs
