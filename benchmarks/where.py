"""Where a command's wall time goes: the CLI run in-process with timers around each stage.

    python -m benchmarks.where [--page 500] [--gzip] [--rv0] -- status big -n NS

Stages (wall seconds of the main thread): waiting for the server's pages (the next body
not yet there), JSON decode of the pages (with the managedFields cut), the projection,
the per-index rows, the table or document, and the rest (start-up, imports, other
requests). --page, --gzip (Accept-Encoding: gzip, as kubectl sends it) and --rv0
(resourceVersion=0: served from the watch cache, possibly stale) try the API's options.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from typing import Any, Callable

T0 = time.perf_counter()
SPENT: dict[str, float] = defaultdict(float)
COUNT: dict[str, int] = defaultdict(int)


def timer(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """fn, adding its wall time to SPENT[name] (outermost calls only)."""
    depth = {"n": 0}

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        depth["n"] += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            depth["n"] -= 1
            if not depth["n"]:
                SPENT[name] += time.perf_counter() - start
                COUNT[name] += 1
    return wrapped


def instrument(page: int, gzip: bool, rv0: bool) -> None:
    """Wrap the stages in timers and apply the API options asked for."""
    import queue

    from kubectl_ijob.client import transport, wire
    from kubectl_ijob.domain import jobfate, ownership, projection, status
    from kubectl_ijob.render import describe, text, views

    transport.PAGE = page
    real_get = queue.Queue.get
    queue.Queue.get = lambda self, *a, **k: (  # type: ignore[method-assign]
        timer("waiting for pages", real_get)(self, *a, **k)
        if getattr(self, "maxsize", 0) == 1 else real_get(self, *a, **k))
    transport.json = type("J", (), {"loads": staticmethod(timer("json decode", json.loads)),
                                    "dumps": staticmethod(json.dumps)})
    transport.without_managed_fields = timer("managedFields cut", wire.without_managed_fields)
    for mod, name in ((projection, "status_view"), (status, "index_rows"), (jobfate, "fate"),
                      (ownership, "ownership_rows"), (views, "status_text"),
                      (views, "ownership_text"), (describe, "describe_text"), (text, "dump")):
        setattr(mod, name, timer(name, getattr(mod, name)))
    headers = transport.Client._headers
    send = transport.Client.send

    def with_options(self: Any, *a: Any, **k: Any) -> dict[str, str]:
        h = headers(self, *a, **k)
        return dict(h, **({"Accept-Encoding": "gzip"} if gzip else {}))

    def sending(self: Any, method: str, url_path: str, query: Any = None, *a: Any, **k: Any) -> Any:
        if rv0 and query is not None and "limit" in query and not query.get("continue"):
            query = dict(query, resourceVersion="0")
        resp = send(self, method, url_path, query, *a, **k)
        COUNT["requests"] += 1
        COUNT["bytes"] += resp.tell()  # the body's bytes as they came (gzipped with --gzip)
        return resp
    transport.Client._headers = with_options  # type: ignore[method-assign]
    transport.Client.send = sending  # type: ignore[method-assign]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", type=int, default=500)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--rv0", action="store_true")
    ap.add_argument("argv", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    instrument(args.page, args.gzip, args.rv0)
    from kubectl_ijob import app

    out = sys.stdout
    sys.stdout = open("/dev/null", "w")  # noqa: SIM115 - the command's output is not measured
    try:
        app.main([a for a in args.argv if a != "--"])
    except SystemExit:
        pass
    sys.stdout = out
    wall = time.perf_counter() - T0
    stages = {k: round(v * 1000) for k, v in SPENT.items()}
    stages["rest (start-up, imports, other requests)"] = round(wall * 1000 - sum(stages.values()))
    print(json.dumps({"wall ms": round(wall * 1000), **stages, "requests": COUNT["requests"],
                      "bytes received": COUNT["bytes"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
