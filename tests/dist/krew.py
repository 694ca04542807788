"""krew and its manifest validator, built from the Go module proxy and cached by version.

Release downloads are unreachable here, so the real krew (v0.4.4; v0.4.5's source zip
is not served by the proxy) is built like the cluster's binaries.
"""
from __future__ import annotations

import os
from pathlib import Path

from tests.cluster.build import _publish, _run, _wrapper, cache_root

KREW_VERSION = os.environ.get("IJOB_KREW_VERSION", "v0.4.4")


def krew_bin() -> Path:
    return cache_root() / f"krew-{KREW_VERSION}" / "bin"


def build_krew() -> Path:
    """Build krew and validate-krew-manifest unless cached; return their directory."""
    out = krew_bin()
    if (out / "krew").exists() and (out / "validate-krew-manifest").exists():
        return out
    gomod = f"module ijobtest/krew\n\ngo 1.24.0\n\nrequire sigs.k8s.io/krew {KREW_VERSION}\n"
    work = _wrapper("krew", gomod)
    (work / "tools.go").write_text(
        '//go:build tools\n\npackage tools\n\nimport (\n\t_ "sigs.k8s.io/krew/cmd/krew"\n'
        '\t_ "sigs.k8s.io/krew/cmd/validate-krew-manifest"\n)\n')
    _run(["go", "mod", "tidy"], work)
    tmp = out.with_suffix(".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    _run(["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(tmp) + "/",
          "sigs.k8s.io/krew/cmd/krew", "sigs.k8s.io/krew/cmd/validate-krew-manifest"], work)
    _publish(tmp, out)
    return out


if __name__ == "__main__":
    print(build_krew())
