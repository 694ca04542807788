"""Table tests of the Job API domain: flags -> spec, the API's rules, plans and fate facts."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_ijob.domain.jobapi import (JobApiFlags, merge_fragment, parse_exit_codes,
                                        parse_success_rule, spec_fragment)
from kubectl_ijob.domain.jobfate import fate, index_failures, match_pod_failure_policy
from kubectl_ijob.domain.jobplans import (next_rerun_name, rerun_indexes, rerun_plan,
                                          scale_plan, suspend_plan)
from kubectl_ijob.domain.jobvalidation import index_set_size, validate_job, validate_update
from kubectl_ijob.errors import IjobError


def job(**spec: Any) -> dict[str, Any]:
    """A valid Indexed Job of 4 completions; keyword arguments override spec fields."""
    base = {"completions": 4, "parallelism": 4, "completionMode": "Indexed",
            "template": {"spec": {"restartPolicy": "Never",
                                  "containers": [{"name": "worker", "image": "i"}]}}}
    for key, value in spec.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": base}


# ------------------------------------------------------------------ flags -> spec

@pytest.mark.parametrize("flags, want", [
    (JobApiFlags(), {}),
    (JobApiFlags(max_failed_indexes=2), {"maxFailedIndexes": 2}),
    (JobApiFlags(success_indexes="3,0,1-2"), {"successPolicy": {"rules": [{"succeededIndexes": "0-3"}]}}),
    (JobApiFlags(success_indexes="0,2-3", success_count=2),
     {"successPolicy": {"rules": [{"succeededIndexes": "0,2-3", "succeededCount": 2}]}}),
    (JobApiFlags(success_count=3), {"successPolicy": {"rules": [{"succeededCount": 3}]}}),
    (JobApiFlags(success_indexes="0", success_rules=["1-3:2", ":4"]),
     {"successPolicy": {"rules": [{"succeededIndexes": "0"},
                                  {"succeededIndexes": "1-3", "succeededCount": 2},
                                  {"succeededCount": 4}]}}),
    (JobApiFlags(fail_index_on_exit_codes="43,42", fail_job_on_exit_codes="1",
                 ignore_exit_codes="137", ignore_disruptions=True),
     {"podFailurePolicy": {"rules": [
         {"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [42, 43]}},
         {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]}},
         {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [137]}},
         {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]}}),
    (JobApiFlags(fail_job_on_exit_codes="1-3", container="main"),
     {"podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {
         "operator": "In", "values": [1, 2, 3], "containerName": "main"}}]}}),
    (JobApiFlags(pod_replacement_policy="Failed", suspend=True),
     {"podReplacementPolicy": "Failed", "suspend": True}),
])
def test_spec_fragment(flags: JobApiFlags, want: dict[str, Any]) -> None:
    assert spec_fragment(flags) == want


@pytest.mark.parametrize("flags, phrase", [
    (JobApiFlags(fail_job_on_exit_codes="0,1"), "must not be 0 for the In operator"),
    (JobApiFlags(fail_index_on_exit_codes="x"), "invalid --fail-index-on-exit-codes 'x': expected exit codes"),
    (JobApiFlags(ignore_exit_codes="1-300"), "must have at most 255 exit codes"),
    (JobApiFlags(ignore_exit_codes=""), "expected exit codes"),
    (JobApiFlags(container="main"), "--container scopes the exit-code rules"),
    (JobApiFlags(container="main", ignore_disruptions=True), "--container scopes"),
    (JobApiFlags(pod_replacement_policy="Always"), 'supported values: Failed, TerminatingOrFailed'),
    (JobApiFlags(success_indexes="2-1"), "runs backwards"),
    (JobApiFlags(success_rules=["a:1"]), "invalid --success-rule 'a:1'"),
    (JobApiFlags(success_rules=["0:x"]), "expected INDEXES, INDEXES:COUNT or :COUNT"),
    (JobApiFlags(success_rules=[""]), "expected INDEXES"),
])
def test_spec_fragment_rejects(flags: JobApiFlags, phrase: str) -> None:
    with pytest.raises(IjobError) as e:
        spec_fragment(flags)
    assert phrase in str(e.value)


def test_ignore_exit_codes_may_hold_zero_only_if_the_api_agrees() -> None:
    # Ignore also uses operator In, so the validator (not the parser) reports 0.
    spec = job(podFailurePolicy={"rules": [{"action": "Ignore", "onExitCodes": {
        "operator": "In", "values": parse_exit_codes("0,1", "--ignore-exit-codes")}}]})["spec"]
    assert any("must not be 0 for the In operator" in str(e) for e in validate_job({"metadata": {"name": "j"}, "spec": spec}))


def test_parse_success_rule_count_only() -> None:
    assert parse_success_rule(":2") == {"succeededCount": 2}


def test_merge_fragment_appends_rules_to_a_manifest() -> None:
    base = {"podFailurePolicy": {"rules": [{"action": "Count", "onExitCodes": {"operator": "In", "values": [5]}}]},
            "backoffLimit": 3}
    out = merge_fragment(base, spec_fragment(JobApiFlags(fail_job_on_exit_codes="1", suspend=True)))
    assert [r["action"] for r in out["podFailurePolicy"]["rules"]] == ["Count", "FailJob"]
    assert out["suspend"] is True and out["backoffLimit"] == 3
    assert len(base["podFailurePolicy"]["rules"]) == 1  # the input is not changed


# ------------------------------------------------------------------ the API's rules

PFP = {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]}}]}


def rules(*r: dict[str, Any]) -> dict[str, Any]:
    return {"rules": list(r)}


def codes(action: str, values: list[int], op: str = "In", **extra: Any) -> dict[str, Any]:
    return {"action": action, "onExitCodes": {"operator": op, "values": values, **extra}}


VALID = [
    job(),
    job(backoffLimitPerIndex=1, maxFailedIndexes=4),
    job(backoffLimitPerIndex=0, podFailurePolicy=rules(codes("FailIndex", [42]))),
    job(successPolicy=rules({"succeededIndexes": "0,2-3", "succeededCount": 3})),
    job(successPolicy=rules({"succeededCount": 4})),
    job(podFailurePolicy=PFP, podReplacementPolicy="Failed"),
    job(podReplacementPolicy="TerminatingOrFailed"),
    job(podFailurePolicy=rules(codes("Ignore", [0], op="NotIn"))),
    job(podFailurePolicy=rules({"action": "Ignore", "onPodConditions": [
        {"type": "DisruptionTarget", "status": "True"}]})),
    job(podFailurePolicy=rules(codes("Count", [1], containerName="worker"))),
    job(managedBy="kueue.x-k8s.io/multikueue"),
    job(suspend=True),
    job(podFailurePolicy=rules({"action": "Ignore", "onPodConditions": [{"type": "X"}]})),  # status: True
    job(completionMode="NonIndexed", completions=None, parallelism=None),
]


@pytest.mark.parametrize("j", VALID)
def test_valid_jobs_pass(j: dict[str, Any]) -> None:
    assert validate_job(j) == []


INVALID = [
    (job(maxFailedIndexes=1), "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"),
    (job(backoffLimitPerIndex=1, maxFailedIndexes=5),
     "spec.maxFailedIndexes: Invalid value: 5: must be less than or equal to completions"),
    (job(backoffLimitPerIndex=1, maxFailedIndexes=-1), "must be greater than or equal to 0"),
    (job(completions=200000, parallelism=1, backoffLimitPerIndex=1, maxFailedIndexes=100001),
     "must be less than or equal to 100000"),
    (job(completions=200000, parallelism=1, backoffLimitPerIndex=1),
     "spec.maxFailedIndexes: Required value: must be specified when completions is above 100000"),
    (job(completions=200000, parallelism=20000, backoffLimitPerIndex=1, maxFailedIndexes=1),
     "must be less than or equal to 10000 when completions are above 100000"),
    (job(parallelism=100001), "must be less than or equal to 100000 when completion mode is Indexed"),
    (job(completions=None), "spec.completions: Required value: when completion mode is Indexed"),
    (job(completionMode="NonIndexed", backoffLimitPerIndex=1), "requires indexed completion mode"),
    (job(completionMode="NonIndexed", successPolicy=rules({"succeededCount": 1})),
     "spec.successPolicy: Invalid value"),
    (job(podFailurePolicy=rules(codes("FailIndex", [42]))),
     'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set'),
    (job(podFailurePolicy=rules(codes("Retry", [42]))),
     'Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"'),
    (job(podFailurePolicy=rules(codes("", [42]))), "rules[0].action: Required value"),
    (job(podFailurePolicy=rules(codes("FailJob", [0, 1]))),
     "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator"),
    (job(podFailurePolicy=rules(codes("FailJob", [2, 1]))), "onExitCodes.values: Invalid value: [2,1]: must be ordered"),
    (job(podFailurePolicy=rules(codes("FailJob", [1, 1]))), "onExitCodes.values[1]: Duplicate value: 1"),
    (job(podFailurePolicy=rules(codes("FailJob", []))), "at least one value is required"),
    (job(podFailurePolicy=rules(codes("FailJob", list(range(1, 257))))), "Too many: 256: must have at most 255 items"),
    (job(podFailurePolicy=rules(codes("FailJob", [1], op="Is"))), 'operator: Unsupported value: "Is"'),
    (job(podFailurePolicy=rules(codes("FailJob", [1], containerName="other"))),
     "must be one of the container or initContainer names in the pod template"),
    (job(podFailurePolicy=rules(*[codes("FailJob", [i]) for i in range(1, 22)])),
     "spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items"),
    (job(podFailurePolicy=rules(codes("FailJob", [1], op=""))),
     'onExitCodes.operator: Required value: valid values: ["In" "NotIn"]'),
    (job(podFailurePolicy=rules({"action": "Ignore", "onPodConditions": [{"type": "bad type!"}]})),
     "onPodConditions[0].type: Invalid value"),
    (job(podFailurePolicy=rules({"action": "Ignore", "onPodConditions": [{"type": f"C{i}"} for i in range(21)]})),
     "onPodConditions: Too many: 21: must have at most 20 items"),
    (job(completions=100000, parallelism=1, successPolicy=rules(
        {"succeededIndexes": ",".join(str(i) for i in range(0, 24000, 2))})),
     "succeededIndexes: Too long: may not be more than 65536 bytes"),
    (job(parallelism=-1), "spec.parallelism: Invalid value: -1: must be greater than or equal to 0"),
    (job(podFailurePolicy=rules({"action": "Ignore"})), "specifying one of OnExitCodes and OnPodConditions is required"),
    (job(podFailurePolicy=rules({**codes("Ignore", [1]), "onPodConditions": [{"type": "X", "status": "True"}]})),
     "specifying both OnExitCodes and OnPodConditions is not supported"),
    (job(podFailurePolicy=rules({"action": "Ignore", "onPodConditions": [{"type": "X", "status": "Maybe"}]})),
     'status: Unsupported value: "Maybe"'),
    (job(podFailurePolicy=PFP, podReplacementPolicy="TerminatingOrFailed"),
     'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"'),
    (job(podReplacementPolicy="Sometimes"), 'supported values: "Failed", "TerminatingOrFailed"'),
    (job(successPolicy=rules({"succeededIndexes": "0,4"})),
     'error parsing succeededIndexes: too large index: "4"'),
    (job(successPolicy=rules({"succeededIndexes": "2,1"})), "non-increasing order, previous: 2, current: 1"),
    (job(successPolicy=rules({"succeededIndexes": "1-1"})), "non-increasing order, previous: 1, current: 1"),
    (job(successPolicy=rules({"succeededIndexes": "a"})), 'cannot convert string to integer for index: "a"'),
    (job(successPolicy=rules({"succeededIndexes": "1-2-3"})), "can have at most two parts separated by '-'"),
    (job(successPolicy=rules({"succeededCount": 5})),
     "must be less than or equal to 4 (the number of specified completions)"),
    (job(successPolicy=rules({"succeededIndexes": "0-1", "succeededCount": 3})),
     "must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)"),
    (job(successPolicy=rules({})), "at least one of succeededCount or succeededIndexes must be specified"),
    (job(successPolicy=rules()), "at least one rules must be specified when the successPolicy is specified"),
    (job(successPolicy=rules(*[{"succeededCount": 1}] * 21)), "Too many: 21: must have at most 20 items"),
    (job(podFailurePolicy=PFP, template={"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "w", "image": "i"}]}}),
     'only "Never" is supported when podFailurePolicy is specified'),
    (job(template={"spec": {"containers": [{"name": "w", "image": "i"}]}}), 'Required value: valid values: "OnFailure", "Never"'),
    (job(managedBy="kueue"), 'must be a domain-prefixed path (such as "acme.io/foo")'),
    (job(managedBy="a.io/" + "x" * 60), "may not be more than 63 bytes"),
    (job(completions=10, parallelism=10) | {"metadata": {"name": "n" * 62}}, "will not able to create pod with invalid DNS label"),
]


@pytest.mark.parametrize("j, phrase", INVALID, ids=[p[:50] for _, p in INVALID])
def test_invalid_jobs_fail_with_the_apis_words(j: dict[str, Any], phrase: str) -> None:
    assert any(phrase in str(e) for e in validate_job(j)), [str(e) for e in validate_job(j)]


@pytest.mark.parametrize("text, completions, want", [
    ("", 3, 0), ("0", 3, 1), ("0,2", 3, 2), ("0-2", 3, 3), ("+1", 3, 1), ("007", 8, 1)])
def test_index_set_size(text: str, completions: int, want: int) -> None:
    assert index_set_size(text, completions) == want


def test_update_needs_parallelism_in_tandem() -> None:
    old = job()
    new = copy.deepcopy(old)
    new["spec"]["completions"] = 6
    assert "can only be modified in tandem with spec.parallelism" in str(validate_update(new, old)[0])
    new["spec"]["parallelism"] = 6
    assert validate_update(new, old) == []


# ------------------------------------------------------------------ plans

def pod(index: int, phase: str = "Running", created: str = "2026-01-01T00:00:00Z",
        annotations: dict[str, str] | None = None, **status: Any) -> dict[str, Any]:
    notes = {"batch.kubernetes.io/job-completion-index": str(index), **(annotations or {})}
    return {"metadata": {"name": f"j-{index}-{phase.lower()}{created[-3:-1]}", "annotations": notes,
                         "creationTimestamp": created},
            "status": {"phase": phase, **status}}


def with_status(j: dict[str, Any], **status: Any) -> dict[str, Any]:
    return {**j, "status": status}


@pytest.mark.parametrize("j, n, allowed, phrase, removed", [
    (job(), 6, True, "", []),
    (job(), 2, True, "", [2, 3]),
    (job(parallelism=2), 6, True, "parallelism changes from 2 to 6", []),
    (job(completionMode="NonIndexed"), 6, False, "field is immutable", []),
    (job(backoffLimitPerIndex=1, maxFailedIndexes=3), 2, False,
     "must be less than or equal to completions", []),
    (job(successPolicy=rules({"succeededIndexes": "3"})), 3, False, 'too large index: "3"', []),
    (job(successPolicy=rules({"succeededCount": 4})), 3, False, "(the number of specified completions)", []),
    (with_status(job(), conditions=[{"type": "Complete", "status": "True"}]), 6, False, "is Complete", []),
    (job() | {"metadata": {"name": "n" * 62}}, 10, False, "invalid DNS label", []),
])
def test_scale_plan(j: dict[str, Any], n: int, allowed: bool, phrase: str, removed: list[int]) -> None:
    plan = scale_plan(j, [], n)
    assert plan.allowed is allowed
    assert phrase in (plan.reason + " ".join(plan.notes))
    assert plan.removed == removed
    if allowed:
        assert plan.patch() == {"spec": {"completions": n, "parallelism": n}}


def test_scale_down_names_completed_and_running_indexes_that_go() -> None:
    j = with_status(job(), completedIndexes="0,3")
    plan = scale_plan(j, [pod(0, "Succeeded"), pod(1), pod(2), pod(3, "Succeeded")], 2)
    assert plan.removed == [2, 3] and plan.removed_completed == [3]
    assert list(plan.removed_running) == [2]


@pytest.mark.parametrize("j, suspend, change, deleted, to_run, phrase", [
    (with_status(job(), completedIndexes="0"), True, True, [1, 2], [], "not counted as failures"),
    (with_status(job(suspend=True), completedIndexes="0", failedIndexes="3"), False, True, [], [1, 2], ""),
    (job(suspend=True), True, False, [], [], "already suspended"),
    (job(), False, False, [], [], "is not suspended"),
    (with_status(job(), conditions=[{"type": "Failed", "status": "True"}]), True, False, [], [], "already Failed"),
    (job(managedBy="kueue.x-k8s.io/multikueue"), True, True, [1, 2], [], "managed by kueue.x-k8s.io/multikueue"),
    (job(suspend=True, activeDeadlineSeconds=60), False, True, [], [0, 1, 2, 3], "startTime is reset"),
    (with_status(job(suspend=True), terminating=2), False, True, [], [0, 1, 2, 3], "2 pods of the suspension"),
])
def test_suspend_plan(j: dict[str, Any], suspend: bool, change: bool, deleted: list[int],
                      to_run: list[int], phrase: str) -> None:
    pods = [pod(0, "Succeeded"), pod(1), pod(2, "Pending")]
    plan = suspend_plan(j, pods, suspend)
    assert plan.change is change
    assert list(plan.deleted) == deleted and plan.to_run == to_run
    assert phrase in plan.reason + " ".join(plan.notes)


@pytest.mark.parametrize("existing, want", [
    ([], "j-rerun-1"), (["j", "j-rerun-1", "j-rerun-3", "jj-rerun-9", "j-rerun-x"], "j-rerun-4")])
def test_next_rerun_name(existing: list[str], want: str) -> None:
    assert next_rerun_name("j", existing) == want


FAILED = [{"type": "Failed", "status": "True"}]


@pytest.mark.parametrize("j, indexes, want", [
    (with_status(job(backoffLimitPerIndex=0), failedIndexes="1,3", completedIndexes="0,2"), None, [1, 3]),
    (with_status(job(), completedIndexes="0,2", conditions=FAILED), None, [1, 3]),
    (with_status(job(), completedIndexes="0-3"), None, []),
    (with_status(job(), completedIndexes="0-3"), "3,1-2", [1, 2, 3]),
])
def test_rerun_indexes(j: dict[str, Any], indexes: str | None, want: list[int]) -> None:
    assert rerun_indexes(j, indexes) == want


def test_rerun_indexes_out_of_range() -> None:
    with pytest.raises(IjobError, match="index 7 is out of range 0-3"):
        rerun_indexes(job(), "7")


def test_rerun_plan_maps_items() -> None:
    j = with_status(job(backoffLimitPerIndex=0), failedIndexes="1,3")
    plan = rerun_plan(j, "j-rerun-1", items={"0": "a\n", "1": "b\n", "2": "c\n", "3": "d\n"})
    assert plan.mapping == [1, 3]
    assert plan.items == {"0": "b\n", "1": "d\n"}
    assert plan.index_data() == {"0": "1", "1": "3"}


# ------------------------------------------------------------------ fate

def terminated(code: int, name: str = "worker") -> dict[str, Any]:
    return {"containerStatuses": [{"name": name, "state": {"terminated": {"exitCode": code}}}]}


POLICY = {"rules": [codes("FailJob", [1]), codes("Ignore", [137]),
                    {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]}


@pytest.mark.parametrize("status, want", [
    (terminated(1), ("FailJob", True)),
    (terminated(137), ("Ignore", False)),
    (terminated(2), (None, True)),
    ({**terminated(2), "conditions": [{"type": "DisruptionTarget", "status": "True"}]}, ("Ignore", False)),
    (terminated(0), (None, True)),
])
def test_match_pod_failure_policy(status: dict[str, Any], want: tuple[Any, bool]) -> None:
    assert match_pod_failure_policy(POLICY, {"status": status}) == want


def test_index_failures_from_annotations_and_own_failure() -> None:
    j = job(backoffLimitPerIndex=2, podFailurePolicy=POLICY)
    pods = [pod(0, "Failed", "2026-01-01T00:00:01Z", **terminated(137)),
            pod(0, "Failed", "2026-01-01T00:00:02Z", annotations={
                "batch.kubernetes.io/job-index-failure-count": "0",
                "batch.kubernetes.io/job-index-ignored-failure-count": "1"}, **terminated(3)),
            pod(1, "Succeeded", annotations={"batch.kubernetes.io/job-index-failure-count": "0"})]
    got = index_failures(j, pods)
    assert list(got) == [0]
    assert (got[0].counted, got[0].ignored) == (1, 1)


def test_index_failures_without_per_index_tally() -> None:
    pods = [pod(2, "Failed", **terminated(137)), pod(2, "Failed", "2026-01-01T00:00:09Z", **terminated(5))]
    got = index_failures(job(podFailurePolicy=POLICY), pods)
    assert (got[2].counted, got[2].ignored) == (1, 1)


def test_fate_of_a_job_decided_by_its_leader() -> None:
    j = with_status(job(backoffLimitPerIndex=1, maxFailedIndexes=2, podFailurePolicy=POLICY,
                        successPolicy=rules({"succeededIndexes": "0"}), managedBy="example.com/ctl"),
                    completedIndexes="0,2", failedIndexes="3", terminating=1,
                    conditions=[{"type": "SuccessCriteriaMet", "status": "True", "reason": "SuccessPolicy",
                                 "message": "Matched rules at index 0"}])
    j["metadata"]["labels"] = {"kueue.x-k8s.io/queue-name": "team-a"}
    f = fate(j, [])
    assert (f.decided, f.final, f.matched_rule, f.terminating) == ("SuccessCriteriaMet", None, 0, 1)
    assert f.success_rules[0].succeeded == [0] and f.success_rules[0].needed == 1
    assert (f.max_failed_indexes, f.failed_indexes, f.failed_indexes_left) == (2, 1, 1)
    assert f.pod_failure_rules == ["FailJob on exit codes 1", "Ignore on exit codes 137",
                                   "Ignore on condition DisruptionTarget=True"]
    assert (f.managed_by, f.queue) == ("example.com/ctl", "team-a")


def test_fate_suspended_and_waiting_for_replacement() -> None:
    j = with_status(job(suspend=True, podReplacementPolicy="Failed"), conditions=[
        {"type": "Suspended", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}])
    terminating = pod(1)
    terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:05Z"
    f = fate(j, [terminating, pod(2)])
    assert f.suspended and f.suspended_since == "2026-01-01T00:00:00Z"
    assert f.waiting_for_replacement == [] and f.managed_by is None  # suspended: no replacement
    assert fate(job(podReplacementPolicy="Failed"), [terminating, pod(2)]).waiting_for_replacement == [1]
    assert fate(job(), [terminating, pod(2)]).waiting_for_replacement == []
    assert fate(job(managedBy="kubernetes.io/job-controller"), []).managed_by is None


@pytest.mark.parametrize("conds, terminating, want", [
    ([], 0, (False, False, "not decided yet")),
    ([{"type": "SuccessCriteriaMet", "status": "True", "reason": "SuccessPolicy",
       "message": "Matched rules at index 0"}], 2,
     (True, True, "decided: SuccessCriteriaMet (SuccessPolicy: Matched rules at index 0); 2 pods still terminating")),
    ([{"type": "FailureTarget", "status": "True", "reason": "MaxFailedIndexesExceeded"}], 0,
     (True, False, "decided: FailureTarget (MaxFailedIndexesExceeded)")),
    ([{"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
      {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}], 0,
     (True, False, "decided: FailureTarget (BackoffLimitExceeded)")),
    ([{"type": "Complete", "status": "True"}], 0, (True, True, "decided: Complete")),
    ([{"type": "SuccessCriteriaMet", "status": "False"}], 0, (False, False, "not decided yet")),
])
def test_decided(conds: list[dict[str, Any]], terminating: int, want: tuple[bool, bool, str]) -> None:
    from kubectl_ijob.domain.jobfate import decided

    assert decided(with_status(job(), conditions=conds, terminating=terminating)) == want


def workload(conds: list[dict[str, Any]], cq: str | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"conditions": conds}
    if cq:
        status["admission"] = {"clusterQueue": cq}
    return {"metadata": {"name": "wl", "ownerReferences": [{"uid": "u1"}]}, "status": status}


@pytest.mark.parametrize("wl, want", [
    (workload([]), "workload wl: pending: not yet considered by Kueue"),
    (workload([{"type": "QuotaReserved", "status": "False", "reason": "Pending", "message": "no quota"}]),
     "workload wl: pending: no quota"),
    (workload([{"type": "QuotaReserved", "status": "True"}], "cq"),
     "workload wl: quota reserved in ClusterQueue cq, waiting for its admission checks"),
    (workload([{"type": "QuotaReserved", "status": "True"}, {"type": "Admitted", "status": "True"}], "cq"),
     "workload wl: admitted by ClusterQueue cq"),
    (workload([{"type": "Evicted", "status": "True", "reason": "Preempted", "message": "preempted by x"}]),
     "workload wl: pending: preempted by x"),
    (workload([{"type": "Finished", "status": "True"}]), "workload wl: finished"),
])
def test_workload_state(wl: dict[str, Any], want: str) -> None:
    from kubectl_ijob.domain.jobfate import workload_state

    assert workload_state(wl) == want


def test_fate_finds_the_jobs_workload_by_owner() -> None:
    j = job(suspend=True)
    j["metadata"].update(uid="u1", labels={"kueue.x-k8s.io/queue-name": "q"})
    other = workload([])
    other["metadata"] = {"name": "other", "ownerReferences": [{"uid": "u2"}]}
    assert fate(j, [], [other, workload([])]).workload == "workload wl: pending: not yet considered by Kueue"
    assert fate(j, [], [other]).workload == "no workload yet (is Kueue running?)"
    assert fate(j, []).workload is None  # not read
