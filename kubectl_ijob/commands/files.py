"""Reading the files -f and --items-file name (`-` for stdin), with kubectl's errors."""
from __future__ import annotations

import sys
from typing import Any

from kubectl_ijob.errors import usage


def read_text(path: str, flag: str) -> str:
    """A UTF-8 text file (or stdin for `-`)."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        raise usage(f"cannot read {flag} {path}: {(e.strerror or str(e)).lower()}") from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise usage(f"{flag} {path} is not UTF-8 text") from e


def read_object(path: str) -> Any:
    """The one YAML/JSON object in file `path` given with -f (`-` for stdin)."""
    import yaml

    text = read_text(path, "-f")
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise usage(f"error parsing {path}{where}: {getattr(e, 'problem', None) or e}") from e
    if len(docs) != 1:
        raise usage(f"{path}: expected exactly one object, found {len(docs)}")
    return docs[0]
