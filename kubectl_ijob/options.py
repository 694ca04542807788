"""Flags shared by several commands, each declared once, and what every command gets
from the group (Run: the connection settings and the colour decision).

Values are checked while the flags are parsed, so nothing is sent for a bad one.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

import click

from kubectl_ijob.errors import usage

if TYPE_CHECKING:
    from kubectl_ijob.client.protocol import KubeClient
    from kubectl_ijob.client.settings import Settings

F = Callable[..., Any]
GLOBAL_EPILOG = ("Global flags --kubeconfig, --context, --cluster, --user, -n/--namespace, "
                 "--request-timeout and -v may be given before or after the subcommand; "
                 "see 'kubectl ijob --help'.")
CLUSTER_DOMAIN_HELP = "Cluster DNS domain, for the peers' fully qualified names."


class Run:
    """What the group hands every command: connection settings and whether to colour
    (decided once per run, so a redrawn `status -w` keeps its colour on a terminal)."""

    def __init__(self, settings: Settings, colour: bool) -> None:
        self.settings, self.colour = settings, colour

    def connect(self) -> KubeClient:
        """A connected client for the global flags (imports the transport)."""
        from kubectl_ijob.client.config import check_usable

        check_usable(self.settings.kubeconfig)
        from kubectl_ijob.client.transport import Client

        return Client(self.settings)


def run_of(ctx: click.Context) -> Run:
    """The Run the group stored."""
    return ctx.find_object(Run)


def parse_duration(text: str, flag: str = "--request-timeout") -> Optional[float]:
    """kubectl durations: `0` (none), `30`, `1.5s`, `2m`, `1h`, `1m30s`."""
    import re

    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        value = float(text)
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise usage(f"invalid {flag} {text!r}: use a duration such as 30s, 2m or 1h")
        scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
        value = sum(float(n) * scale[u] for n, u in parts)
    return value or None


def seconds(text: Optional[str], flag: str) -> Optional[int]:
    """A duration flag as whole seconds (None when the flag is absent)."""
    if text is None:
        return None
    value = parse_duration(text, flag)
    if not value or value < 1:
        raise usage(f"invalid {flag} {text!r}: must be at least 1s")
    return int(value)


def check_output(output: Optional[str], allowed: tuple[str, ...]) -> str:
    """The -o value ("table" when absent), refused as kubectl refuses unknown printers."""
    if output is None:
        return "table"
    if output not in allowed:
        raise usage(f'unable to match a printer suitable for the output format "{output}", '
                    f"allowed formats are: {','.join(sorted(allowed))}")
    return output


def timeout_callback(ctx: click.Context, param: click.Parameter,
                     value: Optional[str]) -> Optional[float]:
    """--request-timeout as seconds."""
    return None if value is None else parse_duration(value)


def job_name_callback(ctx: click.Context, param: click.Parameter,
                      value: Optional[str]) -> Optional[str]:
    """NAME of an Indexed Job: its pods' hostnames `NAME-<i>` need it to be a DNS label."""
    from kubectl_ijob.domain.names import check_dns_label

    if value is not None:
        check_dns_label(value, "job name")
    return value


def namespace_callback(ctx: click.Context, param: click.Parameter,
                       value: Optional[str]) -> Optional[str]:
    """-n must be a DNS label."""
    from kubectl_ijob.domain.names import check_dns_label

    if value:
        check_dns_label(value, "namespace")
    return value


def domain_callback(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """--cluster-domain must be a DNS subdomain."""
    from kubectl_ijob.domain.names import check_dns_subdomain

    check_dns_subdomain(value, "--cluster-domain")
    return value


# ---------------------------------------------------------------- decorators

def job_name(required: bool = True) -> F:
    """The NAME argument (an Indexed Job)."""
    return click.argument("name", required=required, callback=job_name_callback)


def output(help_text: str) -> F:
    """-o/--output; the command checks the value with check_output."""
    return click.option("-o", "--output", help=help_text)


no_headers = click.option("--no-headers", is_flag=True, help="Do not print headers.")


def all_namespaces(help_text: str) -> F:
    """-A/--all-namespaces."""
    return click.option("-A", "--all-namespaces", is_flag=True, help=help_text)


def cluster_domain(help_text: str = CLUSTER_DOMAIN_HELP) -> F:
    """--cluster-domain (default cluster.local), checked as a DNS subdomain."""
    return click.option("--cluster-domain", default="cluster.local", show_default=True,
                        callback=domain_callback, help=help_text)


def dry_run(help_text: str) -> F:
    """--dry-run=none|client|server (bare --dry-run means client, as kubectl)."""
    return click.option("--dry-run", type=click.Choice(["none", "client", "server"]),
                        default="none", is_flag=False, flag_value="client", help=help_text)


def index(help_text: str, default: Optional[str] = None, metavar: Optional[str] = "I,J-K") -> F:
    """--index I,J-K (checked by the command: its range needs the job's completions)."""
    return click.option("--index", "index_text", metavar=metavar, default=default,
                        show_default=default is not None, help=help_text)


def container(help_text: str = "Container name (default: the first).") -> F:
    """-c/--container."""
    return click.option("-c", "--container", help=help_text)


wait = click.option("--wait", is_flag=True, help="Wait for the controllers and report what they did.")


def timeout(default: str, help_text: str) -> F:
    """--timeout DURATION (read with seconds())."""
    return click.option("--timeout", "timeout_text", default=default, show_default=True,
                        help=help_text)
