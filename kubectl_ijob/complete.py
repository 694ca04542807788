"""`kubectl_complete-ijob`: shell completion that kubectl (>= 1.26) asks plugins for.

kubectl runs `kubectl_complete-ijob ARGS... WORD` and expects one candidate per
line followed by a cobra directive (`:4` = no file completion). Subcommands and flags
come from the click tree without importing `kubernetes`; only job names, indexes and
namespaces need the API, and any failure there simply yields no candidates.
"""
from __future__ import annotations

import sys
from typing import Any, Optional

import click

NO_FILE = ":4"
OUTPUTS = {"-o": ["json", "yaml", "wide", "name"], "--output": ["json", "yaml", "wide", "name"]}
VALUE_CHOICES = {"--dry-run": ["none", "client", "server"],
                 "--restart-policy": ["Never", "OnFailure"],
                 "--image-pull-policy": ["Always", "IfNotPresent", "Never"]}


def _flags(cmd: click.Command) -> list[str]:
    out = []
    for p in cmd.params:
        if isinstance(p, click.Option):
            out += [o for o in p.opts + p.secondary_opts if o.startswith("--")]
    return out + ["--help"]


def _takes_value(cmd: Optional[click.Command], flag: str) -> bool:
    from kubectl_ijob.app import GLOBAL_VALUE_FLAGS

    if flag in GLOBAL_VALUE_FLAGS:
        return True
    for p in (cmd.params if cmd else []):
        if isinstance(p, click.Option) and flag in p.opts + p.secondary_opts:
            return not p.is_flag and not p.count
    return False


def candidates(args: list[str], word: str, lookup: Any = None) -> list[str]:
    """Completion candidates for `kubectl ijob ARGS... WORD` (lookup answers API questions)."""
    from kubectl_ijob.app import cli, hoist_globals

    argv = hoist_globals(list(args))
    prev = args[-1] if args else ""
    group_flags = _flags(cli)
    # The first word that is not a flag or a flag's value names the subcommand.
    positional: list[str] = []
    sub: Optional[click.Command] = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return []
        if a.startswith("-"):
            i += 2 if ("=" not in a and _takes_value(sub, a)) else 1
            continue
        if sub is None:
            sub = cli.commands.get(a)
            if sub is None:
                return []
        else:
            positional.append(a)
        i += 1
    if prev in ("-n", "--namespace"):
        return _filter(_ask(lookup, "namespaces"), word)
    if prev == "--context":
        return _filter(_ask(lookup, "contexts"), word)
    if prev in OUTPUTS:
        return _filter(OUTPUTS[prev], word)
    if prev in VALUE_CHOICES:
        return _filter(VALUE_CHOICES[prev], word)
    if prev == "--index" and positional:
        return _filter(_ask(lookup, "indexes", positional[0], argv), word)
    if prev.startswith("-") and _takes_value(sub, prev):
        return []
    if sub is None:
        if word.startswith("-"):
            return _filter(group_flags, word)
        return _filter(list(cli.commands), word)
    if word.startswith("-"):
        return _filter(_flags(sub) + [f for f in group_flags if f != "--version"], word)
    args_params = [p for p in sub.params if isinstance(p, click.Argument)]
    if args_params and args_params[0].name == "name" and not positional:
        if sub.name == "create":
            return []
        return _filter(_ask(lookup, "jobs", None, argv), word)
    return []


def _filter(values: list[str], word: str) -> list[str]:
    return [v for v in values if v.startswith(word)]


def _ask(lookup: Any, what: str, job: Optional[str] = None, argv: Optional[list[str]] = None) -> list[str]:
    try:
        return list((lookup or api_lookup)(what, job, argv or []))
    except Exception:
        return []


def api_lookup(what: str, job: Optional[str], argv: list[str]) -> list[str]:
    """Answer completion questions from the cluster the global flags in argv point at."""
    flags = global_values(argv)
    if what == "contexts":
        from kubectl_ijob.client.config import context_names

        return context_names(flags.get("--kubeconfig"))
    from kubectl_ijob.client.settings import Settings
    from kubectl_ijob.client.transport import Client

    kube = Client(Settings(flags.get("--kubeconfig"), flags.get("--context"),
                         flags.get("-n") or flags.get("--namespace"), 5.0))
    if what == "namespaces":
        return [n["metadata"]["name"] for n in kube.list_namespaces()]
    if what == "jobs":
        from kubectl_ijob.domain.model import is_indexed

        return sorted(j["metadata"]["name"] for j in kube.list_jobs(kube.namespace) if is_indexed(j))
    if what == "indexes" and job:
        from kubectl_ijob.domain.model import completions_of

        completions = completions_of(kube.get_job(job))
        return [str(i) for i in range(completions)]
    return []


def global_values(argv: list[str]) -> dict[str, str]:
    """The values of the global flags in argv (`--flag v`, `--flag=v`, `-nNS`)."""
    from kubectl_ijob.app import GLOBAL_VALUE_FLAGS

    out: dict[str, str] = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            break
        if a in GLOBAL_VALUE_FLAGS and i + 1 < len(argv):
            out[a] = argv[i + 1]
            i += 1
        elif a.startswith("--") and a.split("=", 1)[0] in GLOBAL_VALUE_FLAGS and "=" in a:
            key, value = a.split("=", 1)
            out[key] = value
        elif a.startswith("-n") and len(a) > 2 and not a.startswith("--"):
            out["-n"] = a[2:]
        i += 1
    return out


def main(argv: Optional[list[str]] = None) -> None:
    """Print candidates for kubectl, one per line, then the directive."""
    args = list(sys.argv[1:] if argv is None else argv)
    word = args.pop() if args else ""
    for c in candidates(args, word):
        print(c)
    print(NO_FILE)


if __name__ == "__main__":
    main()
