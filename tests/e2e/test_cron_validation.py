"""The CronJob rules of domain.schedule and domain.cronjob against the real API server.

Every schedule, time zone and concurrency policy of the unit tables is sent in a CronJob
with `kubectl create --dry-run=server -f -`: the server must refuse it exactly when the
client does, in the client's words. The name budget is checked the same way: the
CronJob name limit on a CronJob, and each run's worst-case pod hostname
`NAME-<11 digits>-<last index>` on a Pod, which is where the API server enforces it.
"""
from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest

from kubectl_ijob.domain import cronjob as c
from kubectl_ijob.domain import manifests as m
from kubectl_ijob.domain.schedule import schedule_error, time_zone_error
from tests.unit.domain.test_schedule import ACCEPTED, REJECTED

pytestmark = pytest.mark.e2e

IMAGE = "localhost/ijob-test/busybox:1.36"
ZONES = ["Europe/Paris", "UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires", "Asia/Kolkata",
         "Local", "local", "Mars/Olympus", "europe/paris", "Europe/Paris ", "/Europe/Paris",
         "America", "Europe/../UTC", "America/Argentina_Buenos_Aires_X", "zone.tab", "Etc/GMT+99",
         "Europe/a..b"]
POLICIES = ["Allow", "Forbid", "Replace", "forbid", "Sometimes"]


@pytest.fixture(scope="module")
def dry_run(cluster_kubeconfig):
    """`kubectl create --dry-run=server -f -` in one namespace for the whole table."""
    ns = f"ijob-e2e-{uuid.uuid4().hex[:8]}"
    kc = ["kubectl", "--kubeconfig", cluster_kubeconfig]
    subprocess.run([*kc, "create", "namespace", ns], check=True, capture_output=True)
    for _ in range(120):  # Pods are admitted once the namespace's default ServiceAccount exists
        if subprocess.run([*kc, "-n", ns, "get", "serviceaccount", "default"],
                          capture_output=True).returncode == 0:
            break
        time.sleep(0.5)

    def run(manifest: dict) -> subprocess.CompletedProcess:
        return subprocess.run([*kc, "-n", ns, "create", "--dry-run=server", "-o", "name", "-f", "-"],
                              input=json.dumps(manifest), capture_output=True, text=True, timeout=60)
    yield run
    subprocess.run([*kc, "delete", "namespace", ns, "--wait=false"], capture_output=True)


def cronjob(name: str = "cron", schedule: str = "*/5 * * * *", **spec) -> dict:
    job = m.build_job(m.CreateSpec(name="cron", namespace="", image=IMAGE, completions=2))
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": schedule, **spec,
                     "jobTemplate": {"spec": job["spec"]}}}


@pytest.mark.parametrize("schedule", ACCEPTED + [s for s, _ in REJECTED])
def test_schedules_agree_with_the_server(dry_run, schedule):
    reason = schedule_error(schedule)
    out = dry_run(cronjob(schedule=schedule))
    assert (out.returncode == 0) == (reason is None), (reason, out.stderr)
    if reason is not None:
        assert reason in out.stderr, out.stderr


@pytest.mark.parametrize("zone", ZONES)
def test_time_zones_agree_with_the_server(dry_run, zone):
    reason = time_zone_error(zone)
    out = dry_run(cronjob(timeZone=zone))
    assert (out.returncode == 0) == (reason is None), (reason, out.stderr)
    if reason is not None:
        assert reason in out.stderr, out.stderr


@pytest.mark.parametrize("policy", POLICIES)
def test_concurrency_policies_agree_with_the_server(dry_run, policy):
    ok = policy in c.CONCURRENCY_POLICIES
    out = dry_run(cronjob(concurrencyPolicy=policy))
    assert (out.returncode == 0) == ok, out.stderr


@pytest.mark.parametrize("length", [c.CRONJOB_NAME_MAX, c.CRONJOB_NAME_MAX + 1])
def test_cronjob_name_limit_is_the_servers(dry_run, length):
    out = dry_run(cronjob(name="n" * length))
    assert (out.returncode == 0) == (length <= c.CRONJOB_NAME_MAX), out.stderr
    if length > c.CRONJOB_NAME_MAX:
        assert "must be no more than 52 characters" in out.stderr


@pytest.mark.parametrize("completions", [1, 10, 11, 101, 100_000])
@pytest.mark.parametrize("extra", [0, 1])
def test_name_budget_is_where_run_pods_stop_being_valid(dry_run, completions, extra):
    """A run's pod gets hostname `<cronjob>-<minute>-<index>`; the server refuses it beyond 63."""
    name = "n" * (c.max_name_length(completions) + extra)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"hostname": f"{name}-{'9' * c.RUN_SUFFIX_DIGITS}-{completions - 1}",
                    "subdomain": "svc", "containers": [{"name": "w", "image": IMAGE}]}}
    out = dry_run(pod)
    fits = True
    try:
        c.check_name(name, completions)
    except Exception:
        fits = False
    assert fits == (extra == 0)
    assert (out.returncode == 0) == fits, out.stderr


def test_a_wrapped_cronjob_with_everything_is_accepted(dry_run):
    objs = m.build_all(m.CreateSpec(name="nightly", namespace="", image=IMAGE, completions=3,
                                    wait_for_peers=60, items=["a", "b", "c"], labels={"team": "x"}))
    cron = c.CronSpec("*/1 * * * *", time_zone="Europe/Paris", starting_deadline_seconds=30,
                      successful_jobs_history=3, failed_jobs_history=1, suspend=True)
    for obj in c.build_all(objs, cron):
        obj["metadata"].pop("namespace", None)
        out = dry_run(obj)
        assert out.returncode == 0, (obj["kind"], out.stderr)
