"""`ping` with several TCP ports against the real cluster: one cell per pair naming the
failing port, and each port's outcome in -o json."""
from __future__ import annotations

import json

import pytest

from tests.e2e.test_plugin import create, running

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
