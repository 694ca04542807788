"""commands/cron.py against the in-memory client: a CronJob's name resolves to its run,
create's objects become a CronJob, trigger names and owns its run, list and delete."""
from __future__ import annotations

import json

import pytest
import yaml

from kubectl_ijob.client.errors import AlreadyExists, Forbidden, NotFound
from kubectl_ijob.commands import cron, cronruns, inspect
from kubectl_ijob.commands.create import create_all
from kubectl_ijob.domain import cronjob as c
from kubectl_ijob.domain import manifests as m
from tests.unit.fakes import FakeClient

CJ = {"apiVersion": "batch/v1", "kind": "CronJob",
      "metadata": {"name": "nightly", "namespace": "default", "uid": "u-1"},
      "spec": {"schedule": "@hourly", "jobTemplate": {
          "metadata": {"labels": {c.GROUP_LABEL: "nightly"}},
          "spec": {"completionMode": "Indexed", "completions": 2}}}}


def run_job(name, done=True):
    return {"kind": "Job", "metadata": {
        "name": name, "creationTimestamp": f"2026-01-01T00:0{name[-1]}:00Z",
        "ownerReferences": [{"kind": "CronJob", "name": "nightly", "uid": "u-1", "controller": True}]},
        "spec": {"completionMode": "Indexed", "completions": 2},
        "status": {"conditions": [{"type": "Complete", "status": "True"}]} if done else {}}


def test_a_cronjob_name_resolves_to_its_current_run():
    client = FakeClient(CJ, run_job("nightly-1"), run_job("nightly-2", done=False))
    got = cronruns.job_or_run(client, "nightly", lambda: client.get_job("nightly"))
    assert got["metadata"]["name"] == "nightly-2"


def test_a_missing_name_keeps_the_jobs_not_found():
    client = FakeClient()
    with pytest.raises(NotFound) as e:
        cronruns.job_or_run(client, "nope", lambda: client.get_job("nope"))
    assert str(e.value) == 'jobs.batch "nope" not found'


def test_no_cronjob_permission_is_the_jobs_not_found():
    client = FakeClient()

    def get(kind, name, namespace=None):
        if kind == "CronJob":
            raise Forbidden(403, "Forbidden", "cronjobs is forbidden")
        return None
    client.get = get
    with pytest.raises(NotFound):
        cronruns.job_or_run(client, "x", lambda: client.get_job("x"))
    assert cron.list_pairs(FakeClient(), None) == []


def test_create_makes_the_cronjob_first_and_owns_the_rest_by_it():
    spec = m.CreateSpec(name="nightly", namespace="default", image="i", completions=2, items=["a", "b"])
    objs = cron.build(m.build_all(spec), c.CronSpec("@hourly", suspend=True))
    client = FakeClient()
    client.create = lambda obj, dry_run=False: {**obj, "metadata": {**obj["metadata"], "uid": "u-9"}}
    made = create_all(client, objs)
    assert [o["kind"] for o in made] == ["CronJob", "Service", "ConfigMap"]
    for obj in made[1:]:
        ref = obj["metadata"]["ownerReferences"][0]
        assert (ref["kind"], ref["name"], ref["uid"]) == ("CronJob", "nightly", "u-9")
    assert made[0]["spec"]["suspend"] is True
    assert "suspend" not in made[0]["spec"]["jobTemplate"]["spec"]


def test_suspend_without_schedule_stays_on_the_job_and_companions_need_schedule():
    assert cron.cron_spec({"schedule": None}, True) is None
    with pytest.raises(Exception, match="--time-zone needs --schedule"):
        cron.cron_spec({"schedule": None, "time_zone": "UTC"}, False)


def test_trigger_retries_a_taken_name_and_owns_the_run():
    client = FakeClient(CJ)
    names = []

    def create(obj, dry_run=False):
        names.append(obj["metadata"]["name"])
        if len(names) == 1:
            raise AlreadyExists(409, "AlreadyExists", "taken")
        return obj
    client.create = create
    job = cron.trigger_run(client, "nightly", "none")
    assert len(names) == 2 and job["metadata"]["name"] == names[1]
    assert names[1].startswith("nightly-manual-") and len(names[1]) == len("nightly") + 12
    assert job["metadata"]["ownerReferences"][0]["uid"] == "u-1"
    with pytest.raises(NotFound, match='cronjobs.batch "other" not found'):
        cron.trigger_run(client, "other", "none")


def test_delete_only_cronjobs_and_status_header():
    client = FakeClient(CJ, run_job("nightly-1"))
    assert cron.delete(client, "other", "background", "none") is False
    assert "Runs:               1" in cron.header(client, "nightly", "nightly-1", False)
    assert cron.delete(client, "nightly", "background", "none") is True
    assert client.get("CronJob", "nightly") is None


def status(client, output="table", run=None):
    inspect.run_status(inspect.StatusOptions("nightly", output, False, False, "cluster.local",
                                             False, run), client)


def test_status_of_a_cronjob_without_runs_prints_its_header(capsys):
    status(FakeClient(CJ))
    out = capsys.readouterr().out
    assert "Schedule:           @hourly" in out and "kubectl ijob trigger nightly" in out


def test_status_of_a_cronjob_as_json_is_a_document_with_or_without_runs(capsys):
    status(FakeClient(CJ), "json")
    doc = json.loads(capsys.readouterr().out)
    assert (doc["kind"], doc["indexes"], doc["cronJob"]["schedule"]) == ("IndexedJobStatus", [],
                                                                          "@hourly")
    status(FakeClient(CJ, run_job("nightly-1"), run_job("nightly-2", done=False)), "yaml")
    doc = yaml.safe_load(capsys.readouterr().out)
    assert doc["cronJob"]["shownRun"] == "nightly-2"
    assert [r["name"] for r in doc["cronJob"]["runs"]] == ["nightly-1", "nightly-2"]
    assert len(doc["indexes"]) == 2  # the shown run's


def test_status_of_a_plain_job_has_no_cronjob_part(capsys):
    client = FakeClient({**run_job("nightly-1"), "metadata": {"name": "nightly"}})
    status(client, "json")
    assert "cronJob" not in json.loads(capsys.readouterr().out)
