"""plugin.yaml is a valid krew manifest and its sha256 matches the archive the script builds."""
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_shape():
    doc = yaml.safe_load((ROOT / "plugin.yaml").read_text())
    assert doc["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2"
    assert doc["kind"] == "Plugin" and doc["metadata"]["name"] == "ijob"
    spec = doc["spec"]
    from kubectl_ijob import __version__
    assert spec["version"] == f"v{__version__}"
    assert spec["shortDescription"] and spec["description"]
    seen = set()
    for p in spec["platforms"]:
        labels = p["selector"]["matchLabels"]
        seen.add((labels["os"], labels["arch"]))
        assert p["sha256"] == p["sha256"].lower() and len(p["sha256"]) == 64
        assert p["bin"] == "kubectl-ijob"
        assert f"/v{__version__}/" in p["uri"]
        assert {"from": "LICENSE", "to": "."} in p["files"]
    assert seen == {("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64")}


def test_sha256_matches_fresh_build(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "release.py"), "--check",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    with tarfile.open(tmp_path / "kubectl-ijob.tar.gz") as tar:
        assert sorted(tar.getnames()) == ["LICENSE", "kubectl-ijob"]
        assert tar.getmember("kubectl-ijob").mode & 0o111
    tar_dir = tmp_path / "x"
    with tarfile.open(tmp_path / "kubectl-ijob.tar.gz") as tar:
        tar.extractall(tar_dir)
    run = subprocess.run([sys.executable, "-I", str(tar_dir / "kubectl-ijob"), "create", "x",
                          "--image", "i:1", "--dry-run=client", "-o", "name"],
                         capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["job.batch/x", "service/x"], run.stderr
    # linked under the completion name (the README's krew step), it completes instead
    (tar_dir / "kubectl_complete-ijob").symlink_to(tar_dir / "kubectl-ijob")
    comp = subprocess.run([str(tar_dir / "kubectl_complete-ijob"), "st"], capture_output=True,
                          text=True, timeout=60)
    assert comp.stdout.split() == ["status", ":4"], comp.stderr
