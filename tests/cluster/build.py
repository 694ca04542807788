"""Build the test cluster's binaries from the Go module proxy, cached by version.

There is no release download here, so etcd, the Kubernetes components and CoreDNS
are built from source. k8s.io/kubernetes cannot be `go install`ed (its staging
modules are required at v0.0.0), so each component gets a small wrapper module
with the replace directives derived from the published go.mod. Binaries land in
``$IJOB_CACHE`` (default ``~/.cache/kubectl-ijob``) under a directory named by
component and version; a second run finds them and builds nothing.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

# The newest served release is the default; CI also runs the oldest one upstream supports.
DEFAULT_K8S_VERSION = "v1.37.2"
SUPPORTED_K8S_VERSIONS = ("v1.37.2", "v1.35.4")
# The etcd line each Kubernetes minor is tested with upstream (kubeadm's SupportedEtcdVersion
# in cmd/kubeadm/app/constants of that release), at the newest patch the proxy serves.
ETCD_FOR_MINOR = {"1.33": "v3.5.21", "1.34": "v3.6.16", "1.35": "v3.6.16", "1.36": "v3.7.3",
                  "1.37": "v3.7.3"}
K8S_VERSION = os.environ.get("IJOB_K8S_VERSION", DEFAULT_K8S_VERSION)
ETCD_VERSION = os.environ.get("IJOB_ETCD_VERSION") or ETCD_FOR_MINOR.get(
    ".".join(K8S_VERSION.lstrip("v").split(".")[:2]), "v3.6.16")
COREDNS_VERSION = os.environ.get("IJOB_COREDNS_VERSION", "v1.14.7")
KWOK_VERSION = os.environ.get("IJOB_KWOK_VERSION", "v0.8.0")
# kubectl is built with the server so tests compare against a client within kubectl's skew.
K8S_COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kubectl")


def cache_root() -> Path:
    """Where built binaries live: outside the repository, shared by sessions and CI."""
    return Path(os.environ.get("IJOB_CACHE", Path.home() / ".cache" / "kubectl-ijob"))


def bin_dirs() -> dict[str, Path]:
    """The bin directory of each component, keyed by its name."""
    root = cache_root()
    return {
        "k8s": root / f"k8s-{K8S_VERSION}" / "bin",
        "etcd": root / f"etcd-{ETCD_VERSION}" / "bin",
        "coredns": root / f"coredns-{COREDNS_VERSION}" / "bin",
        "kwok": root / f"kwok-{KWOK_VERSION}" / "bin",
    }


def binaries() -> dict[str, Path]:
    """Path of every binary the cluster needs."""
    dirs = bin_dirs()
    out = {name: dirs["k8s"] / name for name in K8S_COMPONENTS}
    out["etcd"] = dirs["etcd"] / "etcd"
    out["coredns"] = dirs["coredns"] / "coredns"
    out["kwok"] = dirs["kwok"] / "kwok"
    return out


def kubectl_dir() -> Path | None:
    """A directory holding only the kubectl built with the server, for the front of PATH."""
    built = binaries()["kubectl"]
    if not os.access(built, os.X_OK):
        return None
    client = built.parent.parent / "client"
    client.mkdir(exist_ok=True)
    link = client / "kubectl"
    if not link.exists():
        link.symlink_to(built)
    return client


def missing() -> list[str]:
    """Names of binaries not yet built."""
    return [name for name, path in binaries().items() if not os.access(path, os.X_OK)]


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOFLAGS="-mod=mod -buildvcs=false", CGO_ENABLED="0")
    return env


def _run(cmd: list[str], cwd: Path) -> str:
    print("+", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, cwd=cwd, env=_go_env(), text=True, stdout=subprocess.PIPE)
    if proc.returncode != 0:
        raise SystemExit(f"error: command failed ({proc.returncode}): {' '.join(cmd)}")
    return proc.stdout


def _wrapper(name: str, gomod: str) -> Path:
    work = cache_root() / "src" / name
    work.mkdir(parents=True, exist_ok=True)
    (work / "go.mod").write_text(gomod)
    (work / "tools.go").write_text("//go:build tools\n\npackage tools\n")
    return work


def staging_modules(version: str) -> list[str]:
    """The k8s.io staging modules that k8s.io/kubernetes requires at v0.0.0."""
    out = subprocess.run(
        ["go", "mod", "download", "-json", f"k8s.io/kubernetes@{version}"],
        env=_go_env(), text=True, stdout=subprocess.PIPE, check=True, cwd="/",
    ).stdout
    gomod = Path(json.loads(out)["GoMod"]).read_text()
    return sorted(set(re.findall(r"^\s*(k8s\.io/[\w.\-/]+) v0\.0\.0\s*$", gomod, re.M)))


def build_k8s() -> None:
    """kube-apiserver, controller-manager, scheduler and kubelet, with real version strings."""
    minor = K8S_VERSION.lstrip("v").split(".")
    mods = staging_modules(K8S_VERSION)
    staging = "v0." + ".".join(minor[1:])
    lines = ["module ijobtest/k8s", "", "go 1.24.0", "", "godebug default=go1.24", "",
             f"require k8s.io/kubernetes {K8S_VERSION}", ""]
    lines += [f"replace {m} => {m} {staging}" for m in mods]
    work = _wrapper("k8s", "\n".join(lines) + "\n")
    (work / "tools.go").write_text(
        "//go:build tools\n\npackage tools\n\nimport (\n"
        + "".join(f'\t_ "k8s.io/kubernetes/cmd/{c}"\n' for c in K8S_COMPONENTS) + ")\n")
    _run(["go", "mod", "tidy"], work)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    flags = []
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [f"-X {pkg}.gitVersion={K8S_VERSION}", f"-X {pkg}.gitMajor={minor[0]}",
                  f"-X {pkg}.gitMinor={minor[1]}", f"-X {pkg}.gitTreeState=clean",
                  f"-X {pkg}.buildDate={now}"]
    out = bin_dirs()["k8s"]
    tmp = out.with_suffix(".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    _run(["go", "build", "-trimpath", "-ldflags", " ".join(flags + ["-s", "-w"]), "-o", str(tmp) + "/"]
         + [f"k8s.io/kubernetes/cmd/{c}" for c in K8S_COMPONENTS], work)
    _publish(tmp, out)


def build_etcd() -> None:
    """etcd server, whose own replace directives stop a plain `go install`."""
    gomod = (f"module ijobtest/etcd\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 {ETCD_VERSION}\n")
    work = _wrapper("etcd", gomod)
    (work / "tools.go").write_text(
        '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n')
    _run(["go", "mod", "tidy"], work)
    out = bin_dirs()["etcd"]
    tmp = out.with_suffix(".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    _run(["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(tmp / "etcd"),
          "go.etcd.io/etcd/server/v3"], work)
    _publish(tmp, out)


def _go_install(label: str, pkg: str) -> None:
    """`go install pkg` into the component's cached bin directory."""
    out = bin_dirs()[label]
    tmp = out.with_suffix(".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    env = _go_env()
    env["GOBIN"] = str(tmp)
    cmd = ["go", "install", "-trimpath", "-ldflags", "-s -w", pkg]
    print("+", " ".join(cmd), flush=True)
    if subprocess.run(cmd, env=env, cwd="/").returncode != 0:
        raise SystemExit(f"error: building {label} failed")
    _publish(tmp, out)


def build_coredns() -> None:
    """CoreDNS, which installs cleanly with `go install`."""
    _go_install("coredns", f"github.com/coredns/coredns@{COREDNS_VERSION}")


def build_kwok() -> None:
    """kwok, which simulates the fake nodes of the scale tests (no replace directives)."""
    _go_install("kwok", f"sigs.k8s.io/kwok/cmd/kwok@{KWOK_VERSION}")


def _publish(tmp: Path, out: Path) -> None:
    """Move a finished build into place, so a half build never counts as cached."""
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)


def build(force: bool = False) -> None:
    """Build whatever is missing (everything with force), printing each phase's time."""
    steps = [("etcd", ["etcd"], build_etcd), ("coredns", ["coredns"], build_coredns),
             ("kwok", ["kwok"], build_kwok), ("k8s", list(K8S_COMPONENTS), build_k8s)]
    absent = set(missing())
    for label, names, fn in steps:
        if not force and not absent.intersection(names):
            print(f"build: {label} cached in {bin_dirs()[label]}", flush=True)
            continue
        start = time.monotonic()
        fn()
        print(f"build: {label} built in {time.monotonic() - start:.0f}s", flush=True)


if __name__ == "__main__":
    build(force="--force" in sys.argv)
