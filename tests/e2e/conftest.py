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

    def make(verbs: list[str] = (), resources: list[str] = (), rules: list[dict] = (),
             name: str = "restricted") -> str:
        """A kubeconfig for ServiceAccount `name` bound to a Role of exactly `rules`
        (or of `verbs` on each of `resources`)."""
        by_group: dict[str, list[str]] = {}
        for res in resources:
            by_group.setdefault(GROUPS.get(res, ""), []).append(res)
        rules = list(rules) + [{"apiGroups": [g], "resources": r, "verbs": list(verbs)}
                               for g, r in by_group.items()]
        role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": name, "namespace": namespace}, "rules": rules}
        manifest = tmp_path / f"{name}-rbac.yaml"
        manifest.write_text(yaml.safe_dump(role))
        for args in (["create", "serviceaccount", name], ["apply", "-f", str(manifest)],
                     ["create", "rolebinding", name, f"--role={name}",
                      f"--serviceaccount={namespace}:{name}"]):
            out = kubectl(*args)
            assert out.returncode == 0, out.stderr
        token = kubectl("create", "token", name).stdout.strip()
        admin = json.loads(kubectl("config", "view", "--raw", "--minify", "-o", "json").stdout)
        cluster = admin["clusters"][0]["cluster"]
        if "certificate-authority" in cluster:
            with open(cluster.pop("certificate-authority"), "rb") as f:
                cluster["certificate-authority-data"] = base64.b64encode(f.read()).decode()
        config = {"apiVersion": "v1", "kind": "Config", "current-context": "restricted",
                  "clusters": [{"name": "c", "cluster": cluster}],
                  "users": [{"name": name, "user": {"token": token}}],
                  "contexts": [{"name": "restricted", "context": {
                      "cluster": "c", "user": name, "namespace": namespace}}]}
        path = tmp_path / f"{name}.kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return str(path)

    return make
