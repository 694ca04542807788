"""`ping` against the real cluster: several TCP ports (one cell per pair naming the failing
port, each port's outcome in -o json); with icmp, where ping resolves the names itself, a
name that left DNS is still NXDOMAIN and a name with two addresses is still flagged."""
from __future__ import annotations

import json

import pytest

from tests.e2e.test_plugin import create, job_pods, running, until

pytestmark = pytest.mark.e2e


def test_ping_several_ports_names_the_closed_one(ijob, kubectl, busybox_image):
    # Every pod listens on 8080 and nothing listens on 8081: one run probes both, each pair
    # is one cell naming the failing port, and -o json has each port's outcome.
    create(ijob, busybox_image, "ports", "--completions", "3",
           command=["sh", "-c", "nc -ll -p 8080 -e true & exec sleep 600"])
    running(kubectl, "ports", 3)
    assert ijob("wait", "ports", "--for=peers", "--timeout=60s").returncode == 0
    out = ijob("ping", "ports", "--method", "tcp:8080,8081", "--timeout", "2")
    assert out.returncode == 1, out.stdout + out.stderr
    rows = [line.split() for line in out.stdout.splitlines()[1:4]]
    assert rows == [[str(i), "REFUSED:8081", "REFUSED:8081", "REFUSED:8081"] for i in range(3)], out.stdout
    assert out.stdout.splitlines()[-1] == "0/9 pairs ok (tcp:8080,8081)"
    doc = json.loads(ijob("ping", "ports", "--method", "tcp:8080,8081", "-o", "json").stdout)
    assert doc["method"] == "tcp:8080,8081" and len(doc["pairs"]) == 9
    for pair in doc["pairs"]:
        assert pair["code"] == "refused" and pair["addresses"], pair
        assert [(p["port"], p["code"]) for p in pair["ports"]] == [(8080, "ok"), (8081, "refused")]
        assert pair["ports"][0]["latencyMs"] is not None
    assert doc["overview"]["outcomes"] == {"refused": 9}
    one = json.loads(ijob("ping", "ports", "--method", "tcp:8080", "-o", "json").stdout)
    assert one["ok"] and all(p["ports"][0]["port"] == 8080 for p in one["pairs"])


def test_icmp_reports_a_name_that_left_dns_as_nxdomain(ijob, kubectl, busybox_image):
    # ping resolves each name itself; when it cannot, the resolver decides, so a peer
    # that left the Service is NXDOMAIN (a DNS failure), not a TIMEOUT.
    create(ijob, busybox_image, "gone", "--completions", "3")
    running(kubectl, "gone", 3)
    assert ijob("wait", "gone", "--for=peers", "--timeout=60s").returncode == 0
    ips = {p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]: p["status"]["podIP"]
           for p in job_pods(kubectl, "gone")}
    ok = json.loads(ijob("ping", "gone", "-o", "json").stdout)
    assert ok["ok"] and all(p["addresses"] == [ips[str(p["to"])]] for p in ok["pairs"]), ok["pairs"]
    rel = ijob("relabel", "gone", "--index", "2", "--out-of-service", "--wait")
    assert rel.returncode == 0, rel.stderr

    def column_fails():
        d = json.loads(ijob("ping", "gone", "-o", "json").stdout)
        codes = {(p["from"], p["to"]): p["code"] for p in d["pairs"]}
        return d if all(codes[(s, 2)] == "nxdomain" for s in (0, 1, 2)) else None
    d = until(column_fails, 60, what="index 2's column to fail on DNS with icmp")
    assert all(p["ok"] for p in d["pairs"] if p["to"] != 2), d["pairs"]
    out = ijob("ping", "gone")
    assert out.returncode == 1 and "NXDOMAIN" in out.stdout, out.stdout


def test_icmp_still_flags_a_name_with_two_addresses(ijob, kubectl, busybox_image):
    # ping shows one address; every name is still resolved fully by one source per run.
    create(ijob, busybox_image, "twins", "--completions", "2")
    running(kubectl, "twins", 2)
    out = ijob("relabel", "twins", "--index", "1", "--detach", "--wait")
    assert out.returncode == 0, out.stderr
    running(kubectl, "twins", 3)

    def flagged():
        d = json.loads(ijob("ping", "twins", "-o", "json").stdout)
        return d if any(len(p["addresses"]) == 2 for p in d["pairs"] if p["to"] == 1) else None
    d = until(flagged, 60, what="twins-1 to resolve to both pods with icmp")
    assert any("index 1 resolves to 2 addresses" in w for w in d["warnings"]), d["warnings"]
    assert d["ok"]  # both pods answer: a warning, not a failure


def test_sampled_ping_keeps_rows_and_columns(ijob, kubectl, busybox_image):
    # --sample 2 on 6 pods: each pod probes 2 peers and is probed by 2; index 4 listens on
    # nothing, so its column (and only it) fails - the same verdict as the full matrix, at
    # 12 pairs instead of 36.
    listen = 'if [ "$JOB_COMPLETION_INDEX" != 4 ]; then nc -ll -p 8080 -e true & fi; exec sleep 600'
    create(ijob, busybox_image, "sample", "--completions", "6", command=["sh", "-c", listen])
    running(kubectl, "sample", 6)
    assert ijob("wait", "sample", "--for=peers", "--timeout=60s").returncode == 0
    out = ijob("ping", "sample", "--sample", "2", "--method", "tcp:8080", "-o", "json")
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    assert doc["peersPerPod"] == 2 and len(doc["pairs"]) == 12
    by_source: dict[int, list[int]] = {}
    for p in doc["pairs"]:
        by_source.setdefault(p["from"], []).append(p["to"])
        assert p["code"] == ("refused" if p["to"] == 4 else "ok"), p
    assert sorted(by_source) == list(range(6)) and all(len(t) == 2 for t in by_source.values())
    assert sorted(t for ts in by_source.values() for t in ts) == sorted(list(range(6)) * 2)
    assert doc["overview"]["failingTargets"] == {"4": "refused"}
    assert doc["summary"] == "10/12 pairs ok (tcp:8080); sampled: 2 of 5 peers per pod"
