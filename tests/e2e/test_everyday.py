"""logs, exec, describe and completion on the real cluster."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from tests.e2e.test_plugin import create, job_pods, running, until

pytestmark = pytest.mark.e2e
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_logs_by_index_and_attempt(ijob, kubectl, busybox_image):
    # Index 1 fails on every attempt: two attempts with a per-index backoff limit of 1.
    create(ijob, busybox_image, "lg", "--completions", "3", "--backoff-limit-per-index", "1",
           command=["sh", "-c", 'echo "hello from $JOB_COMPLETION_INDEX"; '
                    '[ "$JOB_COMPLETION_INDEX" != 1 ] || { echo "attempt failing"; exit 1; }'])
    assert ijob("wait", "lg", "--for=terminal", "--timeout=180s").returncode == 0
    one = ijob("logs", "lg", "--index", "0")
    assert one.stdout.strip() == "hello from 0"
    allout = ijob("logs", "lg").stdout.splitlines()
    assert "[0] hello from 0" in allout and "[2] hello from 2" in allout
    first = ijob("logs", "lg", "--index", "1", "--attempt", "1")
    assert first.stdout.splitlines() == ["hello from 1", "attempt failing"]
    attempts = [p for p in job_pods(kubectl, "lg")
                if p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] == "1"]
    assert len(attempts) == 2 and all(p["status"]["phase"] == "Failed" for p in attempts)
    assert ijob("logs", "lg", "--index", "1", "--attempt", "3").returncode == 1
    bad = ijob("logs", "lg", "--index", "7")
    assert bad.returncode == 1 and "out of range 0-2" in bad.stderr


def test_exec_exit_status_is_ours(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "ex", "--completions", "2")
    running(kubectl, "ex", 2)
    out = ijob("exec", "ex", "1", "--", "hostname")
    assert (out.returncode, out.stdout.strip()) == (0, "ex-1")
    out = ijob("exec", "ex", "0", "--", "sh", "-c", "echo oops >&2; exit 7")
    assert out.returncode == 7 and out.stderr.strip() == "oops"
    missing = ijob("exec", "ex", "0", "--", "no-such-binary")
    assert missing.returncode == 1 and "no-such-binary" in missing.stderr


def test_describe_has_full_indexes_and_events(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "desc", "--completions", "3", command=["true"])
    assert ijob("wait", "desc", "--for=complete", "--timeout=120s").returncode == 0
    text = ijob("describe", "desc").stdout
    assert "Completed Indexes:        0-2" in text
    assert "SuccessfulCreate" in text and "Completed" in text
    doc = json.loads(ijob("describe", "desc", "-o", "json").stdout)
    assert doc["kind"] == "IndexedJobDescription" and doc["events"]


def test_completion_protocol_lists_indexed_jobs(ijob, kubectl, busybox_image, cluster_kubeconfig, namespace):
    create(ijob, busybox_image, "comp-a", "--completions", "4")
    assert kubectl("create", "job", "not-indexed", f"--image={busybox_image}", "--", "true").returncode == 0
    env = dict(os.environ, KUBECONFIG=cluster_kubeconfig)
    run = lambda *a: subprocess.run([sys.executable, "-m", "kubectl_ijob.complete", *a], capture_output=True,
                                    text=True, env=env, timeout=60).stdout.split()
    assert run("-n", namespace, "status", "") == ["comp-a", ":4"]
    assert run("-n", namespace, "logs", "comp-a", "--index", "") == ["0", "1", "2", "3", ":4"]
    assert run("-n", namespace, "status", "comp-a", "-o", "") == ["json", "yaml", "wide", "name", ":4"]


def test_logs_follow_an_index_across_a_replaced_pod(ijob, kubectl, busybox_image, cluster_kubeconfig,
                                                    namespace):
    # Each attempt says who it is; index 1's pod is deleted while `logs -f` streams it.
    create(ijob, busybox_image, "lf", "--completions", "2",
           command=["sh", "-c", 'echo "up $JOB_COMPLETION_INDEX $(cat /proc/sys/kernel/random/uuid)"; '
                    "sleep 600"])
    first = {p["metadata"]["name"] for p in running(kubectl, "lf", 2)}
    proc = subprocess.Popen([sys.executable, "-m", "kubectl_ijob", "--kubeconfig", cluster_kubeconfig,
                             "-n", namespace, "logs", "lf", "-f"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, NO_COLOR="1", PYTHONPATH=ROOT))
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    until(lambda: len(lines) >= 2, 60, what="both indexes' first lines")
    victim = next(p for p in first if p.startswith("lf-1-"))
    assert kubectl("delete", "pod", victim, "--grace-period=1", "--wait=false").returncode == 0
    until(lambda: sum(line.startswith("[1] up 1 ") for line in lines) == 2, 120,
          what="the replacement's first line")
    assert len({line for line in lines if line.startswith("[1] up 1 ")}) == 2  # two attempts
    assert sum(line.startswith("[0] up 0 ") for line in lines) == 1
    assert proc.poll() is None  # still following both
    assert kubectl("delete", "job", "lf", "--grace-period=1", "--wait=false").returncode == 0
    proc.wait(timeout=90)  # the Job is gone: no attempt will come, so -f ends
    err = proc.stderr.read()
    assert proc.returncode == 0, err
    assert f"index 1: pod {victim} ended; following lf-1-" in err


def test_describe_reads_what_networkpolicies_do_to_peers(ijob, kubectl, busybox_image, namespace, tmp_path):
    # Real policies, validated and defaulted by the API server (policyTypes included).
    create(ijob, busybox_image, "np", "--completions", "2")
    before = json.loads(ijob("describe", "np", "-o", "json").stdout)
    assert before["networkPolicies"] == {"selecting": [], "findings": []}

    def apply(doc: dict) -> None:
        f = tmp_path / f"{doc['metadata']['name']}.yaml"
        f.write_text(json.dumps({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **doc}))
        out = kubectl("apply", "-f", str(f))
        assert out.returncode == 0, out.stderr

    apply({"metadata": {"name": "deny-all"}, "spec": {"podSelector": {}}})
    text = ijob("describe", "np").stdout
    assert "Network Policies:         deny-all" in text
    assert "ingress isolated by deny-all and no rule admits the job's own pods: peers cannot connect" in text
    apply({"metadata": {"name": "np-peers"}, "spec": {
        "podSelector": {"matchLabels": {"job-name": "np"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"job-name": "np"}}}],
                     "ports": [{"port": 29500}]}],
        "egress": [{"to": [{"podSelector": {"matchLabels": {"job-name": "np"}}}]}]}})
    doc = json.loads(ijob("describe", "np", "-o", "json").stdout)["networkPolicies"]
    assert doc["selecting"] == ["deny-all", "np-peers"]
    assert doc["findings"] == [
        "ingress between peers limited by deny-all, np-peers to TCP 29500 (ping and other ports are dropped)",
        "egress isolated by np-peers and no rule allows DNS (port 53): peer names will not resolve"]
