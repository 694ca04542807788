"""Fixtures for the plugin's e2e tests that build on the cluster fixtures in tests/conftest.py."""
from __future__ import annotations

import base64
import json

import pytest
import yaml

GROUPS = {"jobs": "batch", "endpointslices": "discovery.k8s.io"}


@pytest.fixture
def restricted_kubeconfig(kubectl, namespace, tmp_path):
    """Make a kubeconfig for a ServiceAccount that holds only the given verbs on the given resources."""

    def make(verbs: list[str], resources: list[str]) -> str:
        rules = {}
        for res in resources:
            rules.setdefault(GROUPS.get(res, ""), []).append(res)
        role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": "restricted", "namespace": namespace},
                "rules": [{"apiGroups": [g], "resources": r, "verbs": verbs} for g, r in rules.items()]}
        manifest = tmp_path / "rbac.yaml"
        manifest.write_text(yaml.safe_dump(role))
        for args in (["create", "serviceaccount", "restricted"], ["apply", "-f", str(manifest)],
                     ["create", "rolebinding", "restricted", "--role=restricted",
                      f"--serviceaccount={namespace}:restricted"]):
            out = kubectl(*args)
            assert out.returncode == 0, out.stderr
        token = kubectl("create", "token", "restricted").stdout.strip()
        admin = json.loads(kubectl("config", "view", "--raw", "--minify", "-o", "json").stdout)
        cluster = admin["clusters"][0]["cluster"]
        if "certificate-authority" in cluster:
            with open(cluster.pop("certificate-authority"), "rb") as f:
                cluster["certificate-authority-data"] = base64.b64encode(f.read()).decode()
        config = {"apiVersion": "v1", "kind": "Config", "current-context": "restricted",
                  "clusters": [{"name": "c", "cluster": cluster}],
                  "users": [{"name": "restricted", "user": {"token": token}}],
                  "contexts": [{"name": "restricted", "context": {
                      "cluster": "c", "user": "restricted", "namespace": namespace}}]}
        path = tmp_path / "restricted.kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return str(path)

    return make
