"""Build the krew archive and rewrite plugin.yaml's sha256 and version to match it.

How a Python plugin ships through krew here: one self-contained zipapp
(`kubectl-ijob`, run by the user's python3 >= 3.9) holding the plugin and a pinned,
pure-Python dependency set, packed with the LICENSE into one tar.gz that serves every
platform (linux and darwin, amd64 and arm64). kubernetes 37 needs pydantic-core, a
compiled module a zipapp cannot load, so the archive pins kubernetes 35, the newest pure
release; PyYAML comes from its sdist's pure-Python sources. The build is reproducible
(pinned versions, fixed timestamps, sorted entries), so the same sources give the same
sha256 and a test can check plugin.yaml against a fresh build.

    python scripts/release.py            # build dist/kubectl-ijob.tar.gz, update plugin.yaml
    python scripts/release.py --check    # build and fail if plugin.yaml does not match
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipapp
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EPOCH = 315532800  # 1980-01-01, the earliest time a zip entry can carry
# Pure-Python wheels only (py3-none-any), pinned so the archive is reproducible.
PURE = ["kubernetes==35.0.0", "urllib3==2.6.3", "python-dateutil==2.9.0.post0", "six==1.17.0",
        "certifi==2026.10.18", "websocket-client==1.9.0", "durationpy==0.11",
        "requests==2.32.5", "requests-oauthlib==2.0.0", "oauthlib==4.0.1", "idna==3.20",
        "charset-normalizer==3.5.2", "click==8.1.8", "tabulate==0.9.0"]
PYYAML = "pyyaml==6.0.3"
CACHE = Path(os.environ.get("IJOB_CACHE", Path.home() / ".cache" / "kubectl-ijob")) / "release"


def version() -> str:
    text = (ROOT / "kubectl_ijob" / "__init__.py").read_text()
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                   check=True)


def stage(dest: Path) -> None:
    """Lay out the zipapp's contents: dependencies, PyYAML's pure sources, the plugin."""
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    _pip("download", "--no-deps", "--only-binary=:all:", "--platform", "any",
         "--implementation", "py", "--python-version", "3.9", "-d", str(wheels), *PURE)
    _pip("download", "--no-deps", "--no-binary=:all:", "-d", str(wheels), PYYAML)
    names = {re.split(r"[=<>]", p)[0].lower().replace("-", "_") for p in PURE}
    for whl in sorted(wheels.glob("*.whl")):
        if whl.name.split("-")[0].lower() in names:
            shutil.unpack_archive(str(whl), str(dest), "zip")
    sdist = next(wheels.glob("pyyaml-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        members = [m for m in tar.getmembers() if m.name.startswith(f"{top}/lib/yaml/")]
        with tempfile.TemporaryDirectory() as tmp:
            tar.extractall(tmp, members=members)
            shutil.copytree(Path(tmp) / top / "lib" / "yaml", dest / "yaml")
        lic = next(m for m in tar.getmembers() if m.name == f"{top}/LICENSE")
        (dest / "yaml" / "LICENSE").write_bytes(tar.extractfile(lic).read())
    shutil.copytree(ROOT / "kubectl_ijob", dest / "kubectl_ijob",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # One file, two commands: linked as kubectl_complete-ijob it answers kubectl's
    # completion requests, as the pip-installed script of that name does.
    (dest / "__main__.py").write_text(
        "import os\nimport sys\n\n"
        "if os.path.basename(sys.argv[0]).startswith(\"kubectl_complete-\"):\n"
        "    from kubectl_ijob.complete import main\n"
        "else:\n"
        "    from kubectl_ijob.app import main\n\nmain()\n")
    for path in dest.rglob("*"):
        if path.name == "__pycache__":
            shutil.rmtree(path, ignore_errors=True)
    for path in sorted(dest.rglob("*"), reverse=True):
        if path.exists():
            os.utime(path, (EPOCH, EPOCH), follow_symlinks=False)


def build(out_dir: Path) -> Path:
    """Build dist/kubectl-ijob.tar.gz (zipapp + LICENSE), byte-for-byte reproducible."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "app"
        src.mkdir()
        stage(src)
        pyz = Path(tmp) / "kubectl-ijob"
        zipapp.create_archive(src, pyz, interpreter="/usr/bin/env python3", compressed=True)
        _fix_zip_times(pyz)
        archive = out_dir / "kubectl-ijob.tar.gz"
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, path, mode in (("kubectl-ijob", pyz, 0o755), ("LICENSE", ROOT / "LICENSE", 0o644)):
                info = tarfile.TarInfo(name)
                data = path.read_bytes()
                info.size, info.mode, info.mtime = len(data), mode, EPOCH
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                tar.addfile(info, io.BytesIO(data))
        with open(archive, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
            gz.write(raw.getvalue())
    return archive


def _fix_zip_times(pyz: Path) -> None:
    """Rewrite the zip with fixed entry times (zipapp uses the files' local times)."""
    import zipfile

    data = pyz.read_bytes()
    shebang, _, _ = data.partition(b"PK\x03\x04")
    src = zipfile.ZipFile(io.BytesIO(data[len(shebang):]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            new = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = info.external_attr
            out.writestr(new, src.read(info.filename))
    pyz.write_bytes(shebang + buf.getvalue())
    pyz.chmod(0o755)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def update_manifest(manifest: Path, digest: str, ver: str) -> str:
    """plugin.yaml with every platform's sha256 and the version/uri rewritten."""
    text = manifest.read_text()
    text = re.sub(r"(sha256: )[0-9a-fA-F]+", lambda m: m.group(1) + digest, text)
    text = re.sub(r"(\n  version: )v[^\s]+", lambda m: m.group(1) + "v" + ver, text)
    text = re.sub(r"(/releases/download/)v[^/]+/", lambda m: m.group(1) + "v" + ver + "/", text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if plugin.yaml is stale")
    parser.add_argument("--out", default=str(ROOT / "dist"))
    args = parser.parse_args()
    archive = build(Path(args.out))
    digest = sha256(archive)
    manifest = ROOT / "plugin.yaml"
    new = update_manifest(manifest, digest, version())
    print(f"{archive}  sha256 {digest}")
    if args.check:
        if new != manifest.read_text():
            print("error: plugin.yaml does not match the built archive; run scripts/release.py",
                  file=sys.stderr)
            return 1
        return 0
    manifest.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
