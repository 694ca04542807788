"""Run the plugin as a user does (a subprocess of `python -m kubectl_ijob`), and a
one-user kubeconfig for it; shared by the CLI-level tests."""
import os
import subprocess
import sys

import yaml


def run(*args, env=None, stdin=None):
    e = dict(os.environ, KUBECONFIG="/nonexistent/kubeconfig", NO_COLOR="1")
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "kubectl_ijob", *args], capture_output=True,
                          text=True, env=e, input=stdin, timeout=60)

def one_user_kubeconfig(tmp_path, server: str, user: dict) -> str:
    """A kubeconfig with one context, one cluster at `server` and one user."""
    kc = tmp_path / "config"
    kc.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "a",
        "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": user}]}))
    return str(kc)
