"""python -m tests.cluster deps|build|up [--fake-nodes N]|down|status|env: the local test cluster by hand."""
from __future__ import annotations

import sys


def _fake_nodes(argv: list[str]) -> int:
    """The N of `--fake-nodes N` (or `--fake-nodes=N`), 0 when absent."""
    for i, arg in enumerate(argv):
        if arg.startswith("--fake-nodes="):
            return int(arg.split("=", 1)[1])
        if arg == "--fake-nodes" and i + 1 < len(argv):
            return int(argv[i + 1])
    return 0


def main(argv: list[str]) -> int:
    from tests.cluster import cluster
    from tests.cluster.build import build, kubectl_dir

    cmd = argv[0] if argv else "status"
    if cmd == "deps":
        cluster.deps()
    elif cmd == "build":
        build(force="--force" in argv)
    elif cmd == "up":
        cluster.up(fake=_fake_nodes(argv))
    elif cmd == "down":
        cluster.down()
        left = cluster.leftovers()
        if left:
            print("left behind: " + ", ".join(left), file=sys.stderr)
            return 1
    elif cmd == "status":
        for name, up in cluster.status().items():
            print(f"{name:<25}{'running' if up else 'stopped'}")
    elif cmd == "env":
        print(f"export KUBECONFIG={cluster.KUBECONFIG}")
        if kubectl_dir():
            print(f"export PATH={kubectl_dir()}:$PATH")  # the kubectl of the server's version
    else:
        print("usage: python -m tests.cluster deps|build|up [--fake-nodes N]|down|status|env", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
