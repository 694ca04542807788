"""The client-side Job rules (domain.jobvalidation) against the real API server's answer.

Every row of the unit tables (valid Jobs, and one invalid Job per rule) is sent with
`kubectl create --dry-run=server`: the server must reject it exactly when the client
does, and the client's message must contain the phrase the server says.
"""
from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from kubectl_ijob.domain.jobvalidation import validate_job
from tests.unit.domain.test_jobapi import INVALID, VALID

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dry_run(cluster_kubeconfig):
    """`kubectl create --dry-run=server -f -` in one namespace for the whole table."""
    ns = f"ijob-e2e-{uuid.uuid4().hex[:8]}"
    kc = ["kubectl", "--kubeconfig", cluster_kubeconfig]
    subprocess.run([*kc, "create", "namespace", ns], check=True, capture_output=True)

    def run(manifest: dict) -> subprocess.CompletedProcess:
        return subprocess.run([*kc, "-n", ns, "create", "--dry-run=server", "-o", "name", "-f", "-"],
                              input=json.dumps(manifest), capture_output=True, text=True, timeout=60)
    yield run
    subprocess.run([*kc, "delete", "namespace", ns, "--wait=false"], capture_output=True)


@pytest.mark.parametrize("manifest", VALID)
def test_the_server_accepts_what_the_client_accepts(dry_run, manifest):
    assert validate_job(manifest) == []
    out = dry_run(manifest)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("manifest, phrase", INVALID, ids=[p[:50] for _, p in INVALID])
def test_the_server_rejects_what_the_client_rejects_in_the_same_words(dry_run, manifest, phrase):
    client = [str(e) for e in validate_job(manifest)]
    assert any(phrase in e for e in client), client
    out = dry_run(manifest)
    assert out.returncode != 0, f"the server accepted a Job the client rejects: {client}"
    assert phrase in out.stderr, out.stderr
