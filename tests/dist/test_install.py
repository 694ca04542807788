"""The install routes of the README, followed literally with the real tools.

krew is the real krew built from source (tests/dist/krew.py), run offline against the
archive scripts/release.py builds; pipx installs this checkout into a throwaway home.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dist.krew import build_krew

ROOT = Path(__file__).resolve().parents[2]


def sh(cmd, env=None, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, **kw)


@pytest.fixture(scope="module")
def krew_dir():
    return build_krew()


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    res = sh([sys.executable, str(ROOT / "scripts" / "release.py"), "--check", "--out", str(out)])
    assert res.returncode == 0, res.stderr
    return out / "kubectl-ijob.tar.gz"


def test_manifest_passes_krews_validator(krew_dir, tmp_path):
    # The validator insists the file is named after the plugin, as in krew-index.
    manifest = tmp_path / "ijob.yaml"
    shutil.copy(ROOT / "plugin.yaml", manifest)
    # -skip-install: its install step downloads the release URI, which is offline here;
    # the install itself is tested with --archive below.
    res = sh([str(krew_dir / "validate-krew-manifest"), "-manifest", str(manifest), "-skip-install"])
    assert res.returncode == 0, res.stderr
    assert "structural validation OK" in res.stderr


def test_krew_install_then_kubectl_finds_the_plugin(krew_dir, archive, tmp_path):
    root = tmp_path / "krew"
    env = dict(os.environ, KREW_ROOT=str(root), PATH=f"{root / 'bin'}:{os.environ['PATH']}",
               KUBECONFIG=str(tmp_path / "none"))
    res = sh([str(krew_dir / "krew"), "install", f"--manifest={ROOT / 'plugin.yaml'}",
              f"--archive={archive}"], env=env)
    assert res.returncode == 0, res.stderr
    assert (root / "bin" / "kubectl-ijob").exists()
    listed = sh(["kubectl", "plugin", "list"], env=env)
    assert str(root / "bin" / "kubectl-ijob") in listed.stdout
    assert "Usage: kubectl ijob" in sh(["kubectl", "ijob", "--help"], env=env).stdout
    made = sh(["kubectl", "ijob", "create", "example-job", "--image", "localhost/x:1",
               "--completions", "3", "--dry-run=client", "-o", "name"], env=env)
    assert made.stdout.split() == ["job.batch/example-job", "service/example-job"], made.stderr
    assert (root / "receipts" / "ijob.yaml").exists()  # krew's record of the install


def test_pipx_install_gives_a_working_plugin(tmp_path):
    env = dict(os.environ, PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(tmp_path / "bin"),
               KUBECONFIG=str(tmp_path / "none"))
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    res = sh([sys.executable, "-m", "pipx", "install", str(ROOT)], env=env)
    assert res.returncode == 0, res.stderr
    for exe in ("kubectl-ijob", "kubectl_complete-ijob"):
        assert (tmp_path / "bin" / exe).exists()
    assert str(tmp_path / "bin" / "kubectl-ijob") in sh(["kubectl", "plugin", "list"], env=env).stdout
    made = sh(["kubectl", "ijob", "create", "x", "--image", "i:1", "--dry-run=client", "-o", "name"], env=env)
    assert made.stdout.split() == ["job.batch/x", "service/x"], made.stderr
    comp = sh([str(tmp_path / "bin" / "kubectl_complete-ijob"), "st"], env=env)
    assert comp.stdout.split() == ["status", ":4"]


@pytest.mark.e2e
def test_krew_archive_talks_to_a_real_cluster(archive, tmp_path, cluster_kubeconfig, namespace, busybox_image):
    # The zipapp pins another kubernetes client (35, pure Python) than a pip install (37):
    # the REST, auth and exec paths must work with it too.
    import tarfile

    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path)
    plugin = [sys.executable, "-I", str(tmp_path / "kubectl-ijob"), "--kubeconfig", cluster_kubeconfig,
              "-n", namespace]
    made = sh([*plugin, "create", "zip", "--image", busybox_image, "--image-pull-policy", "IfNotPresent",
               "--completions", "2", "--", "sleep", "300"])
    assert made.returncode == 0, made.stderr
    assert sh([*plugin, "wait", "zip", "--for=ready", "--timeout=90s"]).returncode == 0
    assert "4/4 pairs ok" in sh([*plugin, "ping", "zip"]).stdout
    assert sh([*plugin, "exec", "zip", "1", "--", "sh", "-c", "exit 4"]).returncode == 4
    assert "zip-1" in sh([*plugin, "status", "zip"]).stdout
