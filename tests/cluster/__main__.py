"""python -m tests.cluster deps|build|up|down|status|env: the local test cluster by hand."""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from tests.cluster import cluster
    from tests.cluster.build import build

    cmd = argv[0] if argv else "status"
    if cmd == "deps":
        cluster.deps()
    elif cmd == "build":
        build(force="--force" in argv)
    elif cmd == "up":
        cluster.up()
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
    else:
        print("usage: python -m tests.cluster deps|build|up|down|status|env", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
