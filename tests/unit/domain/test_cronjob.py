"""CronJobs of peer-networked Indexed Jobs: the flags' checks, the name budget of runs,
the wrapped CronJob and Service, the manual run, and the runs read back (history, the
current run, list rows). The schedule parser itself is tested in test_schedule.py."""
import pytest

from kubectl_ijob.domain import cronjob as c
from kubectl_ijob.domain import manifests as m
from kubectl_ijob.errors import UsageError
from tests.unit.domain.test_schedule import ACCEPTED, REJECTED


def test_accepted_schedules_pass_the_flag_check():
    for schedule in ACCEPTED:
        c.check_schedule(schedule)


def test_refused_schedules_fail_the_flag_check():
    for schedule, _ in REJECTED:
        with pytest.raises(UsageError):
            c.check_schedule(schedule)


@pytest.mark.parametrize("schedule,message", [
    ("*/1 * * *", "invalid --schedule '*/1 * * *': expected exactly 5 fields, found 4: [*/1 * * *]"),
    ("TZ=UTC 0 0 * * *", "invalid --schedule 'TZ=UTC 0 0 * * *': cannot use TZ or CRON_TZ in the "
     "schedule, use --time-zone instead"),
    ("", "--schedule must not be empty, e.g. --schedule '*/10 * * * *'"),
])
def test_schedule_errors_name_the_flag(schedule, message):
    with pytest.raises(UsageError) as e:
        c.check_schedule(schedule)
    assert str(e.value) == message


@pytest.mark.parametrize("completions,limit", [(1, 49), (10, 49), (11, 48), (100, 48), (101, 47),
                                               (1000, 47), (100_000, 45)])
def test_name_budget(completions, limit):
    assert c.max_name_length(completions) == limit
    c.check_name("a" * limit, completions)
    with pytest.raises(UsageError) as e:
        c.check_name("a" * (limit + 1), completions)
    assert f"NAME may be at most {limit}" in str(e.value)
    # the worst case hostname of a run (11-digit minute, last index) is exactly 63 at the limit
    assert len(f"{'a' * limit}-{'9' * 11}-{completions - 1}") == 63


def test_name_budget_message():
    with pytest.raises(UsageError) as e:
        c.check_name("x" * 50, 3)
    assert str(e.value) == (
        f"cronjob name '{'x' * 50}' is 50 characters; with 3 completions NAME may be at most 49: "
        "each run's pod hostname NAME-<scheduled minute, up to 11 digits>-2 must fit 63 characters")


@pytest.mark.parametrize("field,value,message", [
    ("concurrency_policy", "Sometimes", "invalid --concurrency-policy 'Sometimes': supported values: "
     "Allow, Forbid, Replace"),
    ("concurrency_policy", "forbid", "invalid --concurrency-policy 'forbid': supported values: "
     "Allow, Forbid, Replace"),
    ("time_zone", "Mars/Olympus", "invalid --time-zone 'Mars/Olympus': unknown time zone Mars/Olympus"),
    ("starting_deadline_seconds", -1, "--starting-deadline-seconds must be at least 0, got -1"),
    ("successful_jobs_history", -1, "--successful-jobs-history must be at least 0, got -1"),
    ("failed_jobs_history", 2**31, f"--failed-jobs-history must be at most {2**31 - 1}, got {2**31}"),
])
def test_cron_fields_refused(field, value, message):
    with pytest.raises(UsageError) as e:
        c.validate(c.CronSpec("* * * * *", **{field: value}))
    assert str(e.value) == message


def _objs(**kw):
    kw.setdefault("name", "nightly")
    kw.setdefault("namespace", "ns")
    kw.setdefault("image", "localhost/x:1")
    kw.setdefault("completions", 3)
    return m.build_all(m.CreateSpec(**kw))


def _env(container):
    return {e["name"]: e for e in container.get("env") or []}


def test_wrapped_cronjob_and_shared_service():
    cj, svc = c.build_all(_objs(labels={"team": "a"}), c.CronSpec(
        "*/1 * * * *", time_zone="Europe/Paris", starting_deadline_seconds=30,
        successful_jobs_history=5, failed_jobs_history=2, suspend=True))
    assert cj["kind"] == "CronJob" and cj["metadata"]["name"] == "nightly"
    spec = cj["spec"]
    assert (spec["schedule"], spec["concurrencyPolicy"], spec["timeZone"]) == \
        ("*/1 * * * *", "Forbid", "Europe/Paris")
    assert (spec["startingDeadlineSeconds"], spec["successfulJobsHistoryLimit"],
            spec["failedJobsHistoryLimit"], spec["suspend"]) == (30, 5, 2, True)
    tmpl = spec["jobTemplate"]
    assert tmpl["metadata"]["labels"] == {"team": "a", m.MANAGED_BY: m.PLUGIN, c.GROUP_LABEL: "nightly"}
    job_spec = tmpl["spec"]
    assert job_spec["completionMode"] == "Indexed" and job_spec["completions"] == 3
    pod = job_spec["template"]
    assert pod["metadata"]["labels"][c.GROUP_LABEL] == "nightly"
    assert pod["spec"]["subdomain"] == "nightly"
    env = _env(pod["spec"]["containers"][0])[c.JOB_NAME_ENV]
    assert env["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.labels['batch.kubernetes.io/job-name']"
    assert svc["kind"] == "Service" and svc["spec"]["clusterIP"] == "None"
    assert svc["spec"]["selector"] == {c.GROUP_LABEL: "nightly"}
    assert set(svc["spec"]["selector"].items()) <= set(pod["metadata"]["labels"].items())


def test_defaults_and_no_optional_fields():
    cj = c.build_all(_objs(), c.CronSpec("@hourly"))[0]
    assert cj["spec"]["concurrencyPolicy"] == "Forbid" and cj["spec"]["suspend"] is False
    for key in ("timeZone", "startingDeadlineSeconds", "successfulJobsHistoryLimit",
                "failedJobsHistoryLimit"):
        assert key not in cj["spec"]


def test_wait_for_peers_and_items_work_per_run():
    objs = _objs(wait_for_peers=60, items=["a", "b", "c"], service="peers")
    cj, svc, items = c.build_all(objs, c.CronSpec("*/5 * * * *"))
    pod = cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    wait = pod["initContainers"][0]
    assert wait["name"] == c.WAIT_CONTAINER
    assert c.JOB_NAME_ENV in _env(wait)
    job_wait = objs[0]["spec"]["template"]["spec"]["initContainers"][0]["command"]
    assert job_wait[c.WAIT_JOB_ARG:] == ["nightly", "peers", "ns", "cluster.local", "3"]
    # an empty job name: the script takes this run's from $IJOB_JOB_NAME
    assert wait["command"] == job_wait[:c.WAIT_JOB_ARG] + ["", "peers", "ns", "cluster.local", "3"]
    assert "${2:-$IJOB_JOB_NAME}" in wait["command"][2]
    assert svc["metadata"]["name"] == "peers" and svc["spec"]["selector"] == {c.GROUP_LABEL: "nightly"}
    assert items["kind"] == "ConfigMap" and items["metadata"]["name"] == "nightly-items"
    assert pod["volumes"][0]["configMap"]["name"] == "nightly-items"


def test_existing_env_named_like_ours_is_replaced_not_duplicated():
    objs = _objs(env=[(c.JOB_NAME_ENV, "stale")])
    cj = c.build_all(objs, c.CronSpec("* * * * *"))[0]
    env = cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e["name"] for e in env].count(c.JOB_NAME_ENV) == 1
    assert "value" not in _env({"env": env})[c.JOB_NAME_ENV]


def test_build_cronjob_validates_first():
    with pytest.raises(UsageError):
        c.build_all(_objs(), c.CronSpec("* * * *"))


def test_owned_by_and_manual_run():
    cj, svc = c.build_all(_objs(), c.CronSpec("* * * * *"))
    assert c.owned_by(svc, cj) is svc  # dry run: no uid, no owner
    cj["metadata"]["uid"] = "u-1"
    ref = c.owned_by(svc, cj)["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == ("CronJob", "nightly", "u-1", False)
    run = c.manual_run(cj, "ab12")
    assert run["metadata"]["name"] == "nightly-manual-ab12"
    assert len("-manual-ab12") == 1 + c.RUN_SUFFIX_DIGITS  # inside the name budget
    assert run["metadata"]["annotations"][c.INSTANTIATE_ANNOTATION] == "manual"
    assert run["metadata"]["labels"][c.GROUP_LABEL] == "nightly"
    assert run["metadata"]["ownerReferences"][0]["controller"] is True
    assert run["spec"] == cj["spec"]["jobTemplate"]["spec"]


def _job(name, scheduled, cond=None, owner_uid="u-1", manual=False, **status):
    meta = {"name": name, "creationTimestamp": scheduled,
            "annotations": {c.SCHEDULED_ANNOTATION: scheduled},
            "ownerReferences": [{"kind": "CronJob", "name": "nightly", "uid": owner_uid,
                                 "controller": True}]}
    if manual:
        meta["annotations"] = {c.INSTANTIATE_ANNOTATION: "manual"}
    st = dict(status)
    if cond:
        st["conditions"] = [{"type": cond, "status": "True"}]
    return {"metadata": meta, "spec": {"completions": 3, "completionMode": "Indexed"}, "status": st}


CRON = {"metadata": {"name": "nightly", "namespace": "ns", "uid": "u-1"},
        "spec": {"schedule": "*/1 * * * *", "suspend": False,
                 "jobTemplate": {"spec": {"completionMode": "Indexed"}}},
        "status": {"active": [{"name": "nightly-29000003"}], "lastScheduleTime": "2026-01-01T00:03:00Z"}}
JOBS = [
    _job("nightly-29000002", "2026-01-01T00:02:00Z", "Failed", failed=3, failedIndexes="0-2"),
    _job("nightly-29000001", "2026-01-01T00:01:00Z", "Complete", succeeded=3, completedIndexes="0-2"),
    _job("nightly-29000003", "2026-01-01T00:03:00Z", active=3),
    _job("other-29000003", "2026-01-01T00:03:00Z", owner_uid="u-2"),
]


def test_history_oldest_first_only_own_runs():
    runs = c.history(CRON, JOBS)
    assert [(r.name, r.status, r.active) for r in runs] == [
        ("nightly-29000001", "Complete", False), ("nightly-29000002", "Failed", False),
        ("nightly-29000003", "Running", True)]
    assert runs[0].completed_indexes == "0-2" and runs[1].failed_indexes == "0-2"


def test_current_run_active_else_latest():
    assert c.current_run(CRON, JOBS)["metadata"]["name"] == "nightly-29000003"
    assert c.current_run(CRON, JOBS[:2])["metadata"]["name"] == "nightly-29000002"
    assert c.current_run(CRON, []) is None


def test_pick_run():
    assert c.pick_run(CRON, JOBS, "nightly-29000001")["metadata"]["name"] == "nightly-29000001"
    with pytest.raises(UsageError) as e:
        c.pick_run(CRON, JOBS, "other-29000003")
    assert str(e.value) == ("'other-29000003' is not a run of cronjob 'nightly' (its runs: "
                            "nightly-29000001, nightly-29000002, nightly-29000003)")
    with pytest.raises(UsageError) as e:
        c.pick_run(CRON, [])
    assert "has no runs yet" in str(e.value) and "kubectl ijob trigger nightly" in str(e.value)


def test_list_row():
    row = c.list_row(CRON, JOBS)
    assert (row["schedule"], row["suspend"], row["active"], row["lastSchedule"], row["lastResult"]) == \
        ("*/1 * * * *", False, 1, "2026-01-01T00:03:00Z", "Failed")
    assert c.list_row(CRON, [])["lastResult"] == "<none>"
    assert c.is_indexed_cronjob(CRON)
    assert c.controlling_cronjob(JOBS[0]) == "nightly" and c.controlling_cronjob({"metadata": {}}) is None
    assert c.runs_selector("nightly") == "kubectl-ijob/group=nightly"
