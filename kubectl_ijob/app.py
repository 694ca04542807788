"""The entry point: the click group with the global flags, the commands registered
explicitly, and main(), the one place errors become kubectl's words and exit codes.

Commands live in kubectl_ijob/commands (one module per concept); the client is imported
only when a command connects, so `--help`, completion and `create --dry-run=client`
start fast.
"""
from __future__ import annotations

import sys
from typing import NoReturn, Optional

import click

from kubectl_ijob import __version__
from kubectl_ijob import options as opt
from kubectl_ijob.commands import create, inspect, ownership, peers, pods
from kubectl_ijob.commands import jobapi, rerun
from kubectl_ijob.commands import doctor
from kubectl_ijob.commands import timeline
from kubectl_ijob.commands import cron
from kubectl_ijob.domain.indexes import digits
from kubectl_ijob.errors import IjobError, UsageError

# Global flags (kubectl does not pass its own to plugins): they may appear anywhere
# before `--`, as with kubectl; main() moves them in front of the subcommand.
GLOBAL_VALUE_FLAGS = ("--kubeconfig", "--context", "--cluster", "--user", "-n", "--namespace",
                      "--request-timeout")
GLOBAL_BOOL_FLAGS = ("-v", "--verbose")


def hoist_globals(argv: list[str]) -> list[str]:
    """Move global flags (anywhere before `--`) in front of the subcommand."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in GLOBAL_VALUE_FLAGS and i + 1 < len(argv):
            front += [arg, argv[i + 1]]
            i += 2
            continue
        if arg.startswith(tuple(f + "=" for f in GLOBAL_VALUE_FLAGS if f.startswith("--"))) or \
                (arg.startswith("-n") and len(arg) > 2 and not arg.startswith("--")) or \
                arg in GLOBAL_BOOL_FLAGS or arg in ("-vv", "-vvv"):
            front.append(arg)
        elif arg.startswith(("-v=", "--v=")):
            level = arg.split("=", 1)[1]
            front += ["-v"] * min(int(level) if digits(level) else 1, 9)
        else:
            rest.append(arg)
        i += 1
    return front + rest


class Group(click.Group):
    """Keeps subcommands in the order they are registered, as kubectl's help does."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, self.commands[n].get_short_help_str(limit=200)) for n in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"],
                                          "max_content_width": 100})
@click.option("--kubeconfig", metavar="PATH", help="Path to the kubeconfig file to use.")
@click.option("--context", metavar="NAME", help="The kubeconfig context to use.")
@click.option("--cluster", metavar="NAME", help="The kubeconfig cluster to use (as kubectl's).")
@click.option("--user", metavar="NAME", help="The kubeconfig user to use (as kubectl's).")
@click.option("-n", "--namespace", metavar="NS", callback=opt.namespace_callback,
              help="Namespace (default: the context's namespace, then 'default').")
@click.option("--request-timeout", metavar="DURATION", callback=opt.timeout_callback,
              help="Time to wait for one server request (e.g. 30s, 1m); 0 waits forever.")
@click.option("-v", "--verbose", count=True,
              help="Log every API request to stderr; show tracebacks on errors.")
@click.version_option(__version__, "--version", prog_name="kubectl-ijob")
@click.pass_context
def cli(ctx: click.Context, kubeconfig: Optional[str], context: Optional[str],
        cluster: Optional[str], user: Optional[str], namespace: Optional[str],
        request_timeout: Optional[float], verbose: int) -> None:
    """Indexed Jobs whose pods find and talk to each other.

    Creates an Indexed Job wired for peer DNS (a headless Service and the pod
    subdomain, so every pod is reachable as <job>-<index>.<service>) and shows
    the job per index.

    \b
    Examples:
      kubectl ijob create example-job --image busybox:1.36 --completions 3 -- sh -c 'hostname'
      kubectl ijob status example-job
      kubectl ijob list -A
    """
    from kubectl_ijob.client.settings import Settings
    from kubectl_ijob.render.colour import use_colour

    ctx.obj = opt.Run(Settings(kubeconfig, context, namespace, request_timeout, verbose,
                               cluster, user), use_colour(sys.stdout))


# The commands, in the order `--help` lists them.
for command in (create.create, inspect.status, inspect.list_jobs, peers.ping, peers.hosts,
                peers.wait, pods.logs, pods.exec_, inspect.describe, timeline.timeline, inspect.owners,
                inspect.orphans, ownership.relabel, ownership.delete, ownership.orphan,
                ownership.adopt,
                jobapi.suspend, jobapi.resume, jobapi.scale, rerun.rerun,
                doctor.doctor, cron.trigger):
    cli.add_command(command)


# ---------------------------------------------------------------- the edge

def fail(err: IjobError, verbose: int) -> NoReturn:
    """Print one error line in kubectl's words (traceback only with -v) and exit with its code."""
    from kubectl_ijob.render.errors import error_line, one_line

    if verbose:
        import traceback

        traceback.print_exc()
    sys.stderr.write(one_line(error_line(err)) + "\n")
    sys.exit(err.code)


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point: kubectl-style errors and exit codes, no tracebacks without -v."""
    args = hoist_globals(list(sys.argv[1:] if argv is None else argv))
    verbose = sum(a.count("v") for a in args if a in ("-v", "--verbose", "-vv", "-vvv"))
    try:
        # Outside standalone mode click returns ctx.exit()'s code instead of raising.
        code = cli.main(args=args, prog_name="kubectl ijob", standalone_mode=False)
    except IjobError as e:
        fail(e, verbose)
    except click.exceptions.Abort:
        sys.stderr.write("\n")
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        # One line, naming the flag; kubectl's "See '... --help' for usage." line is left out.
        fail(UsageError(click_message(e)), verbose)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except Exception as e:  # a bug: still one line unless -v
        fail(IjobError(f"{type(e).__name__}: {e}"), verbose)
    sys.exit(code if isinstance(code, int) else 0)


def click_message(e: click.ClickException) -> str:
    """click's messages reworded toward kubectl's (`unknown flag: --x`)."""
    if isinstance(e, click.NoSuchOption):
        return f"unknown flag: {e.option_name}"
    msg = e.format_message()
    return msg[0].lower() + msg[1:] if msg else msg


if __name__ == "__main__":
    main()
