"""Text of the Job API facts and plans (render/jobapi.py)."""
from __future__ import annotations


def test_fate_lines_and_plan_texts() -> None:
    import datetime as dt

    from kubectl_ijob.domain.jobfate import fate
    from kubectl_ijob.domain.jobplans import rerun_plan, scale_plan, suspend_plan
    from kubectl_ijob.render.jobapi import fate_lines, rerun_text, scale_text, suspend_text
    from tests.unit.domain.test_jobapi import POLICY, job, pod, rules, with_status

    j = with_status(job(backoffLimitPerIndex=1, maxFailedIndexes=2, podFailurePolicy=POLICY,
                        successPolicy=rules({"succeededIndexes": "0"}, {"succeededCount": 3})),
                    completedIndexes="0,2", failedIndexes="3", terminating=1,
                    conditions=[{"type": "SuccessCriteriaMet", "status": "True", "reason": "SuccessPolicy",
                                 "message": "Matched rules at index 0"}])
    lines = fate_lines(fate(j, []), dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    assert lines[:4] == [
        "Decided:           SuccessCriteriaMet (SuccessPolicy: Matched rules at index 0); "
        "final condition once 1 terminating pods are gone",
        "Success Policy:    rule 0: indexes 0 (1/1 succeeded: 0) <- decided the job",
        "                   rule 1: any 3 (2/3 succeeded: 0,2)",
        "Max Failed:        2 (1 failed, 1 more may fail)"]
    assert "Failure Policy:    0: FailJob on exit codes 1" in lines
    plan = rerun_plan(with_status(job(backoffLimitPerIndex=0), failedIndexes="1,3"), "j-rerun-1",
                      items={"1": "b\n", "3": "d\n"})
    assert rerun_text(plan).splitlines() == ["job.batch/j-rerun-1 runs 2 indexes of job.batch/j",
                                             "INDEX   ORIGINAL INDEX   ITEM", "0       1                b",
                                             "1       3                d"]
    assert scale_text(scale_plan(with_status(job(), completedIndexes="3"), [pod(2)], 2)).splitlines() == [
        "Plan: scale job.batch/j: completions 4 -> 2, parallelism 4 -> 2", "  indexes removed: 2,3",
        "  completed work dropped: indexes 3", "  running pods deleted: 2:j-2-running00"]
    text = suspend_text(suspend_plan(job(suspend=True), [], False), done=False)
    assert text.splitlines()[:2] == ["Plan: resume job.batch/j", "  indexes to run: 0-3"]
    assert suspend_text(suspend_plan(job(), [], False)) == \
        "job.batch/j unchanged: job j is not suspended\n"


def test_suspend_result_read_back() -> None:
    from kubectl_ijob.domain.jobplans import suspend_plan, suspend_result
    from kubectl_ijob.render.jobapi import suspend_result_text
    from tests.unit.domain.test_jobapi import job, pod, with_status

    before = [pod(0, "Succeeded"), pod(1), pod(2)]
    plan = suspend_plan(with_status(job(), completedIndexes="0"), before, True)
    after_job = with_status(job(suspend=True), completedIndexes="0", terminating=1, conditions=[
        {"type": "Suspended", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}])
    gone = dict(before[2], metadata=dict(before[2]["metadata"], deletionTimestamp="2026-01-01T00:00:01Z"))
    text = suspend_result_text(suspend_result(plan, before, after_job, [before[0], gone]))
    assert text.splitlines() == ["job.batch/j suspended", "  pods deleted: 1:j-1-running00, 2:j-2-running00",
                                 "  pods still terminating: 1", "  completed indexes kept: 0",
                                 "  Suspended condition since 2026-01-01T00:00:00Z"]
    resumed = suspend_result(suspend_plan(after_job, [], False), [], with_status(job(), completedIndexes="0"),
                             [pod(1), pod(2)])
    assert suspend_result_text(resumed).splitlines() == [
        "job.batch/j resumed", "  indexes started: 1,2", "  completed indexes kept: 0"]
