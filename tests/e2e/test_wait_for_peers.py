"""--wait-for-peers on the real cluster: first attempts wait for the gang, retries do not.

A pod of a finished index leaves DNS (EndpointSlices drop terminal pods whatever
publishNotReadyAddresses says), so a retried index that waited for every peer name would
wait for one that never comes back, time out, and burn another retry.
"""
from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.e2e

# index 0 ends after 10 s (long enough for every first attempt's wait-for-peers, which polls
# every 5 s at most, to see it); index 2 fails its first attempt 15 s later, after index 0
# has left DNS; index 1 outlives them both. The attempt comes from the downward API.
SCRIPT = ('case "$JOB_COMPLETION_INDEX" in 0) sleep 10 ;; 1) sleep 40 ;; '
          '2) [ "${IJOB_FAILURES:-0}" = 0 ] && { sleep 25; exit 1; } ;; esac; exit 0')


def test_a_retried_index_does_not_wait_for_finished_peers(ijob, kubectl, busybox_image):
    made = ijob("create", "gang", "--image", busybox_image, "--completions", "3", "--wait-for-peers", "2m",
                "--dry-run=client", "-o", "json", "--", "sh", "-c", SCRIPT)
    doc = json.loads(made.stdout)
    job = next(o for o in doc["items"] if o["kind"] == "Job")
    assert job["spec"]["backoffLimitPerIndex"] == 6  # retries counted per index: pods know their attempt
    worker = job["spec"]["template"]["spec"]["containers"][0]
    worker["env"] = [{"name": "IJOB_FAILURES", "valueFrom": {"fieldRef": {
        "fieldPath": "metadata.annotations['batch.kubernetes.io/job-index-failure-count']"}}}]
    assert kubectl("create", "-f", "-", input=json.dumps(doc)).returncode == 0
    started = time.monotonic()
    done = ijob("wait", "gang", "--for=complete", "--timeout=240s")
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.monotonic() - started < 120  # a retry that sat out the 2m peer timeout: > 145 s
    status = json.loads(kubectl("get", "job", "gang", "-o", "json").stdout)["status"]
    assert status["succeeded"] == 3 and status.get("failed") == 1
    pods = json.loads(kubectl("get", "pods", "-l", "batch.kubernetes.io/job-name=gang", "-o", "json").stdout)["items"]
    retry = [p for p in pods if p["metadata"]["annotations"].get("batch.kubernetes.io/job-completion-index") == "2"
             and p["metadata"]["annotations"].get("batch.kubernetes.io/job-index-failure-count") == "1"]
    assert len(retry) == 1
    log = kubectl("logs", retry[0]["metadata"]["name"], "-c", "ijob-wait-for-peers").stdout
    assert "index 2 attempt 2: peers started before; not waiting for them" in log
