"""Container images without a registry: docker-archive tars written with the stdlib.

A workload image (Debian's static busybox and its applets), a Debian-slim-like image
(bash, coreutils, sed, awk and getent with their shared libraries, and no ping, nc or
nslookup, like most language base images), and a pause image (Debian's static
catatonit), imported into containerd with `ctr images import`.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

BUSYBOX_IMAGE = "localhost/ijob-test/busybox:1.36"
PAUSE_IMAGE = "localhost/ijob-test/pause:1"
SLIM_IMAGE = "localhost/ijob-test/slim:12"
SLIM_TOOLS = ("bash", "getent", "sleep", "cat", "date", "awk", "sort", "sed", "tr", "head",
              "timeout", "hostname", "echo", "true", "mkdir", "chmod", "ls")
APPLETS = ("sh", "ash", "ping", "nslookup", "nc", "wget", "rev", "sleep", "cat", "echo",
           "hostname", "ls", "env", "date", "timeout", "seq", "true", "false", "grep", "awk",
           "sed", "sort", "tr", "head", "tail", "cut", "uniq", "wc", "id", "ps", "kill", "mkdir",
           "rm", "cp", "mv", "touch", "test", "[", "[[", "printf", "expr", "adjtimex", "ip",
           "ifconfig", "httpd", "uptime", "which", "xargs", "dd", "tee", "chmod", "ln", "basename",
           "dirname", "readlink", "usleep", "yes", "md5sum", "sha256sum", "nproc", "uname", "whoami")


def _add(tar: tarfile.TarFile, name: str, data: bytes | None = None, mode: int = 0o644,
         kind: bytes = tarfile.REGTYPE, link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.mode, info.uid, info.gid, info.mtime, info.type = mode, 0, 0, 0, kind
    if kind == tarfile.SYMTYPE:
        info.linkname = link
    if kind == tarfile.DIRTYPE:
        tar.addfile(info)
        return
    info.size = len(data or b"")
    tar.addfile(info, io.BytesIO(data or b""))


def _layer(files: dict[str, tuple]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            _add(tar, name, *files[name])
    return buf.getvalue()


def write_archive(path: Path, tag: str, files: dict[str, tuple], entrypoint: list[str] | None,
                  cmd: list[str] | None) -> Path:
    """A docker-archive (`docker save` format) with one layer."""
    layer = _layer(files)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = {"architecture": "amd64" if os.uname().machine == "x86_64" else "arm64", "os": "linux",
              "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                         "Entrypoint": entrypoint, "Cmd": cmd, "WorkingDir": "/"},
              "rootfs": {"type": "layers", "diff_ids": [diff_id]}, "history": [{"created_by": "kubectl-ijob tests"}]}
    cfg = json.dumps(config, sort_keys=True).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    layer_dir = hashlib.sha256(layer).hexdigest()
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": [tag], "Layers": [f"{layer_dir}/layer.tar"]}]).encode()
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
        _add(tar, cfg_name, cfg)
        _add(tar, f"{layer_dir}/", kind=tarfile.DIRTYPE, mode=0o755)
        _add(tar, f"{layer_dir}/layer.tar", layer)
        _add(tar, "manifest.json", manifest)
    return path


def _base() -> dict[str, tuple]:
    dirs = ("bin", "etc", "tmp", "proc", "sys", "dev", "root", "var", "usr", "usr/bin")
    files: dict[str, tuple] = {d: (None, 0o1777 if d == "tmp" else 0o755, tarfile.DIRTYPE) for d in dirs}
    files["etc/passwd"] = (b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", 0o644)
    files["etc/group"] = (b"root:x:0:\nnogroup:x:65534:\n", 0o644)
    return files


def busybox_archive(path: Path) -> Path:
    """The workload image: static busybox with sh, ping, nslookup, nc, rev, sleep..."""
    files = _base()
    files["bin/busybox"] = (Path("/bin/busybox").read_bytes(), 0o755)
    for applet in APPLETS:
        files[f"bin/{applet}"] = (None, 0o777, tarfile.SYMTYPE, "busybox")
    return write_archive(path, BUSYBOX_IMAGE, files, None, ["sh"])


def _dynamic(files: dict[str, tuple], tool: str) -> None:
    """A host binary at bin/<tool>, with the shared libraries ldd names at their paths."""
    real = Path(shutil.which(tool) or f"/usr/bin/{tool}").resolve()
    files[f"bin/{tool}"] = (real.read_bytes(), 0o755)
    for line in subprocess.run(["ldd", str(real)], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        lib = parts[2] if "=>" in parts and len(parts) > 2 else (parts[0] if parts else "")
        if lib.startswith("/"):
            parent = Path(lib.lstrip("/")).parent
            while str(parent) != ".":
                files.setdefault(str(parent), (None, 0o755, tarfile.DIRTYPE))
                parent = parent.parent
            files[lib.lstrip("/")] = (Path(lib).resolve().read_bytes(), 0o755)


def slim_archive(path: Path) -> Path:
    """An image without ping, nc or nslookup: what `ping` must cope with (getent, /dev/tcp)."""
    files = _base()
    for tool in SLIM_TOOLS:
        _dynamic(files, tool)
    files["bin/sh"] = (None, 0o777, tarfile.SYMTYPE, "bash")
    files["etc/nsswitch.conf"] = (b"hosts: files dns\n", 0o644)
    return write_archive(path, SLIM_IMAGE, files, None, ["bash"])


def pause_archive(path: Path) -> Path:
    """The sandbox image: static catatonit as PID 1 (`-P` = pause mode)."""
    files = _base()
    files["catatonit"] = (Path("/usr/bin/catatonit").read_bytes(), 0o755)
    return write_archive(path, PAUSE_IMAGE, files, ["/catatonit", "-P"], None)
