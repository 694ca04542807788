"""`status CRONJOB -o json|yaml`: the CronJob's settings and its runs as data, not text."""
from __future__ import annotations

import json

import yaml

from kubectl_ijob.render.documents import cron_document, cron_without_runs_document
from tests.unit.domain.test_cronjob import CRON, JOBS


def test_cron_document_has_settings_and_every_own_run_oldest_first():
    doc = cron_document(CRON, JOBS, "nightly-29000003")
    assert doc["schedule"] == "*/1 * * * *" and doc["suspend"] is False
    assert doc["concurrencyPolicy"] == "Allow"  # the API's default when unset
    assert doc["active"] == ["nightly-29000003"] and doc["shownRun"] == "nightly-29000003"
    assert [(r["name"], r["status"], r["trigger"]) for r in doc["runs"]] == [
        ("nightly-29000001", "Complete", "schedule"), ("nightly-29000002", "Failed", "schedule"),
        ("nightly-29000003", "Running", "schedule")]
    first = doc["runs"][0]
    assert (first["completedIndexes"], first["succeeded"], first["completions"]) == ("0-2", 3, 3)
    assert yaml.safe_load(yaml.safe_dump(doc)) == json.loads(json.dumps(doc))  # plain data


def test_without_runs_the_document_is_still_json_with_no_indexes():
    doc = cron_without_runs_document(cron_document(CRON, [], None))
    assert doc["kind"] == "IndexedJobStatus" and doc["indexes"] == []
    assert doc["cronJob"]["runs"] == [] and doc["cronJob"]["shownRun"] is None
    assert "kubectl ijob trigger nightly" in doc["notes"][0]
