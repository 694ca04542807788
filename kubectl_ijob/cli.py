"""The thin CLI: parse flags, call the domain and the API module, render. Nothing else.

`kubernetes` is imported only inside commands that talk to the API, so `--help`,
completion of subcommands and `create --dry-run=client` start fast.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn, Optional

import click

from kubectl_ijob import __version__
from kubectl_ijob.errors import IjobError, usage
from kubectl_ijob.indexes import digits

if TYPE_CHECKING:
    import datetime as dt

# Global flags (kubectl does not pass its own to plugins): they may appear anywhere
# before `--`, as with kubectl; main() moves them in front of the subcommand.
GLOBAL_VALUE_FLAGS = ("--kubeconfig", "--context", "-n", "--namespace", "--request-timeout")
GLOBAL_BOOL_FLAGS = ("-v", "--verbose")
GLOBAL_EPILOG = ("Global flags --kubeconfig, --context, -n/--namespace, --request-timeout and -v "
                 "may be given before or after the subcommand; see 'kubectl ijob --help'.")


class Globals:
    """The parsed global flags, carried in click's context object. A plain class: every
    module imported here delays `--help`, and dataclasses (with inspect) cost 4 ms."""

    def __init__(self, kubeconfig: Optional[str] = None, context: Optional[str] = None,
                 namespace: Optional[str] = None, request_timeout: Optional[float] = None,
                 verbose: int = 0) -> None:
        self.kubeconfig, self.context, self.namespace = kubeconfig, context, namespace
        self.request_timeout, self.verbose = request_timeout, verbose


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


def _seconds(text: Optional[str], flag: str) -> Optional[int]:
    """A duration flag as whole seconds (None when the flag is absent)."""
    if text is None:
        return None
    value = parse_duration(text, flag)
    if not value or value < 1:
        raise usage(f"invalid {flag} {text!r}: must be at least 1s")
    return int(value)


def _timeout(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[float]:
    return None if value is None else parse_duration(value)


# Callbacks that check names while the flags are parsed, so nothing is sent for a bad one.

def _job_name(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[str]:
    """NAME of an Indexed Job: its pods' hostnames `NAME-<i>` need it to be a DNS label."""
    from kubectl_ijob.manifests import check_dns_label

    if value is not None:
        check_dns_label(value, "job name")
    return value


def _namespace(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[str]:
    from kubectl_ijob.manifests import check_dns_label

    if value:
        check_dns_label(value, "namespace")
    return value


def _domain(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from kubectl_ijob.manifests import check_dns_subdomain

    check_dns_subdomain(value, "--cluster-domain")
    return value


CLUSTER_DOMAIN_HELP = "Cluster DNS domain, for the peers' fully qualified names."


class Group(click.Group):
    """Keeps subcommands in the order they are declared, as kubectl's help does."""

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
@click.option("-n", "--namespace", metavar="NS", callback=_namespace,
              help="Namespace (default: the context's namespace, then 'default').")
@click.option("--request-timeout", metavar="DURATION", callback=_timeout,
              help="Time to wait for one server request (e.g. 30s, 1m); 0 waits forever.")
@click.option("-v", "--verbose", count=True,
              help="Log every API request to stderr; show tracebacks on errors.")
@click.version_option(__version__, "--version", prog_name="kubectl-ijob")
@click.pass_context
def cli(ctx: click.Context, kubeconfig: Optional[str], context: Optional[str],
        namespace: Optional[str], request_timeout: Optional[float], verbose: int) -> None:
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
    ctx.obj = Globals(kubeconfig, context, namespace, request_timeout, verbose)


def connect(ctx: click.Context) -> Any:
    """A connected Kube for the global flags (imports the kubernetes client)."""
    from kubectl_ijob.kubeconfig import check_usable

    g: Globals = ctx.find_object(Globals)
    check_usable(g.kubeconfig)
    from kubectl_ijob.kube import Kube, Settings

    return Kube(Settings(g.kubeconfig, g.context, g.namespace, g.request_timeout, g.verbose))


def _check_output(output: Optional[str], allowed: tuple[str, ...]) -> str:
    if output is None:
        return "table"
    if output not in allowed:
        raise usage(f'unable to match a printer suitable for the output format "{output}", '
                    f"allowed formats are: {','.join(sorted(allowed))}")
    return output


def _now() -> dt.datetime:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc)


# ---------------------------------------------------------------- create

@cli.command(epilog=GLOBAL_EPILOG, context_settings={"ignore_unknown_options": False})
@click.argument("name", required=False)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option("--image", help="Container image of the worker.")
@click.option("--completions", type=int, help="Number of indexes (default: items count, else 1).")
@click.option("--parallelism", type=int, help="Pods running at once (default: completions).")
@click.option("--service", help="Name of the headless Service (default: the job name).")
@click.option("--publish-not-ready/--no-publish-not-ready", default=True, show_default=True,
              help="Publish peers in DNS before they are Ready (avoids start-up deadlock).")
@click.option("--env", "env", multiple=True, metavar="K=V", help="Environment variable (repeatable).")
@click.option("--labels", "-l", metavar="K=V,...", help="Labels for the Job, its pods and objects.")
@click.option("--port", "ports", multiple=True, metavar="PORT", help="containerPort (repeatable).")
@click.option("--restart-policy", default="Never", show_default=True, help="Never or OnFailure.")
@click.option("--image-pull-policy", type=click.Choice(["Always", "IfNotPresent", "Never"]),
              help="Pull policy of the worker image.")
@click.option("--backoff-limit", type=int, help="Retries before the whole Job fails.")
@click.option("--backoff-limit-per-index", type=int, help="Retries per index (restart Never).")
@click.option("--active-deadline-seconds", type=int, help="Deadline for the whole Job.")
@click.option("--ttl-seconds-after-finished", type=int, help="Delete the Job this long after it ends.")
@click.option("--items", help="Work items, comma separated: index i gets item i.")
@click.option("--items-file", type=click.Path(dir_okay=False), help="Work items, one per line.")
@click.option("--liveness-http", metavar="PORT[/PATH]", help="HTTP GET liveness probe.")
@click.option("--liveness-tcp", metavar="PORT", help="TCP liveness probe.")
@click.option("--liveness-exec", metavar="CMD", help="Exec liveness probe (split like a shell).")
@click.option("--liveness-initial-delay", type=int, help="Seconds before the first probe.")
@click.option("--liveness-period", type=int, help="Seconds between probes.")
@click.option("--liveness-failure-threshold", type=int, help="Failed probes before a restart.")
@click.option("--wait-for-peers", metavar="TIMEOUT", is_flag=False, flag_value="5m",
              help="Init container that waits until every peer name resolves (default 5m).")
@click.option("--wait-image", help="Image of the wait-for-peers init container (default: --image).")
@click.option("--cluster-domain", default="cluster.local", show_default=True, callback=_domain,
              help=CLUSTER_DOMAIN_HELP)
@click.option("-f", "--filename", type=click.Path(dir_okay=False, allow_dash=True),
              help="A Job, Pod or PodTemplate manifest to turn into a peer-networked Indexed Job.")
@click.option("--dry-run", type=click.Choice(["none", "client", "server"]), default="none",
              is_flag=False, flag_value="client", help="client: print only; server: validate.")
@click.option("-o", "--output", help="yaml, json or name.")
@click.pass_context
def create(ctx: click.Context, name: Optional[str], command: tuple[str, ...], **opts: Any) -> None:
    """Create an Indexed Job with peer networking wired: Service, subdomain, inputs.

    Everything after `--` is the worker's command. Each pod is reachable by its
    peers as NAME-<index>.<service>. With --items, index i reads its own item
    at /ijob/item (no shell needed in the image).

    \b
    Examples:
      # three workers that can ping each other by name
      kubectl ijob create example-job --image busybox:1.36 --completions 3 -- sleep 60
      # one work item per index, printed reversed
      kubectl ijob create rev --image busybox:1.36 --items foo,bar,baz -- rev /ijob/item
      # see what would be created
      kubectl ijob create example-job --image busybox:1.36 --dry-run=client -o yaml
    """
    from kubectl_ijob import manifests
    from kubectl_ijob.render import as_list, dump, object_name, write

    output = _check_output(opts["output"], ("yaml", "json", "name"))
    spec = _create_spec(ctx, name, list(command), opts)
    objs = manifests.build_all(spec)
    dry = opts["dry_run"]
    if dry == "client":
        created = objs
    else:
        from kubectl_ijob.actions import create_all

        created = create_all(connect(ctx), objs, dry_run=dry == "server")
    if output in ("yaml", "json"):
        write(dump(created[0] if len(created) == 1 else as_list(created), output))
        return
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry, "")
    for obj in created:
        write(object_name(obj) if output == "name" else f"{object_name(obj)} created{suffix}")


def _create_spec(ctx: click.Context, name: Optional[str], command: list[str],
                 o: dict[str, Any]) -> Any:
    """Turn create's flags into a validated CreateSpec (the domain never sees click)."""
    from kubectl_ijob import manifests as m

    g: Globals = ctx.find_object(Globals)
    template = job_base = None
    if o["filename"]:
        template, job_base, name = _read_manifest(o["filename"], name)
    if not name:
        raise usage("NAME is required: kubectl ijob create NAME --image IMAGE [-- COMMAND...]")
    items_text = None
    if o["items_file"]:
        items_text = _read_text(o["items_file"], "--items-file")
    probes = [f for f in ("liveness_http", "liveness_tcp", "liveness_exec") if o[f] is not None]
    if len(probes) > 1:
        raise usage("only one of --liveness-http, --liveness-tcp and --liveness-exec may be given")
    probe = None
    if probes:
        probe = m.Probe(initial_delay=o["liveness_initial_delay"], period=o["liveness_period"],
                        failure_threshold=o["liveness_failure_threshold"])
        if o["liveness_http"] is not None:
            probe.http_port, probe.http_path = m.parse_http_probe(o["liveness_http"])
        elif o["liveness_tcp"] is not None:
            probe.tcp_port = m.parse_port(o["liveness_tcp"], "--liveness-tcp")
        else:
            probe.exec_command = m.parse_exec_probe(o["liveness_exec"])
        for flag, value in (("--liveness-initial-delay", probe.initial_delay),
                            ("--liveness-period", probe.period),
                            ("--liveness-failure-threshold", probe.failure_threshold)):
            m.check_positive(value, flag, 0 if flag == "--liveness-initial-delay" else 1)
    elif any(o[f] is not None for f in ("liveness_initial_delay", "liveness_period",
                                         "liveness_failure_threshold")):
        raise usage("--liveness-* settings need a probe: --liveness-http, --liveness-tcp or "
                    "--liveness-exec")
    spec = m.CreateSpec(
        name=name, namespace=g.namespace or "", image=o["image"], command=command,
        completions=o["completions"], parallelism=o["parallelism"], service=o["service"],
        publish_not_ready=o["publish_not_ready"], env=m.parse_env(list(o["env"])),
        labels=m.parse_labels(o["labels"]), ports=[m.parse_port(p, "--port") for p in o["ports"]],
        restart_policy=o["restart_policy"], image_pull_policy=o["image_pull_policy"],
        backoff_limit=o["backoff_limit"], backoff_limit_per_index=o["backoff_limit_per_index"],
        active_deadline_seconds=o["active_deadline_seconds"],
        ttl_seconds_after_finished=o["ttl_seconds_after_finished"],
        items=m.parse_items(o["items"], items_text), liveness=probe,
        wait_for_peers=_seconds(o["wait_for_peers"], "--wait-for-peers"),
        wait_image=o["wait_image"], cluster_domain=o["cluster_domain"],
        template=template, job_base=job_base)
    m.validate(spec)
    if not spec.namespace:
        spec.namespace = _namespace_for_create(ctx, o["dry_run"])
    return spec


def _namespace_for_create(ctx: click.Context, dry_run: str) -> str:
    """The namespace, without importing the client for a client dry run if we can avoid it."""
    if dry_run == "client":
        from kubectl_ijob.kubeconfig import context_namespace

        g: Globals = ctx.find_object(Globals)
        return context_namespace(g.kubeconfig, g.context)
    return connect(ctx).namespace


def _read_text(path: str, flag: str) -> str:
    try:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    except OSError as e:
        raise usage(f"cannot read {flag} {path}: {e.strerror.lower()}") from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise usage(f"{flag} {path} is not UTF-8 text") from e


def read_object(path: str) -> Any:
    """The one YAML/JSON object in file `path` given with -f (`-` for stdin)."""
    import yaml

    text = _read_text(path, "-f")
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise usage(f"error parsing {path}{where}: {getattr(e, 'problem', None) or e}") from e
    if len(docs) != 1:
        raise usage(f"{path}: expected exactly one object, found {len(docs)}")
    return docs[0]


def _read_manifest(path: str, name: Optional[str]) -> tuple[Any, Any, Optional[str]]:
    from kubectl_ijob.manifests import from_manifest

    doc = read_object(path)
    template, job = from_manifest(doc, path)
    return template, job, name or ((doc.get("metadata") or {}).get("name"))


# ---------------------------------------------------------------- status / list

@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", required=False, callback=_job_name)
@click.option("-o", "--output", help="wide, json or yaml.")
@click.option("--no-headers", is_flag=True, help="Do not print headers.")
@click.option("-w", "--watch", is_flag=True, help="Redraw on change until the job finishes.")
@click.option("-A", "--all-namespaces", is_flag=True, help="Without NAME: list in all namespaces.")
@click.option("--cluster-domain", default="cluster.local", show_default=True, callback=_domain,
              help="Cluster DNS domain, for the HOSTNAME column.")
@click.option("--ownership", is_flag=True, help="Show who owns and selects each pod (as `owners`).")
@click.pass_context
def status(ctx: click.Context, name: Optional[str], output: Optional[str], no_headers: bool,
           watch: bool, all_namespaces: bool, cluster_domain: str, ownership: bool) -> None:
    """Show an Indexed Job per index: current pod, state, restarts, peers' DNS wiring.

    Without NAME, lists the Indexed Jobs (as `kubectl ijob list`).

    \b
    Examples:
      kubectl ijob status example-job
      kubectl ijob status example-job -o wide
      kubectl ijob status example-job -w
      kubectl ijob status example-job -o json
    """
    if not name:
        ctx.invoke(list_jobs, output=output, no_headers=no_headers,
                   all_namespaces=all_namespaces)
        return
    if ownership:
        from kubectl_ijob.cli_owners import owners

        ctx.invoke(owners, name=name, output=output, no_headers=no_headers)
        return
    from kubectl_ijob import actions
    from kubectl_ijob import status as st
    from kubectl_ijob.render import dump, write
    from kubectl_ijob.render import status_text

    fmt = _check_output(output, ("wide", "json", "yaml"))
    kube = connect(ctx)

    def show(snap: actions.Snapshot) -> None:
        rows = st.index_rows(snap.job, snap.pods, cluster_domain, snap.service, snap.slices)
        summary = st.summarize(snap.job, snap.service)
        if fmt in ("json", "yaml"):
            write(dump(st.status_document(summary, rows, snap.notes), fmt))
        else:
            write(status_text(summary, rows, _now(), wide=fmt == "wide", no_headers=no_headers,
                              notes=snap.notes))

    if not watch:
        show(actions.snapshot(kube, name))
        return
    redraw = _redrawer(show)
    actions.watch(kube, name, redraw)


def _redrawer(show: Any) -> Any:
    """Wrap a renderer so -w repaints only when the output changes (clearing a terminal)."""
    import contextlib
    import io

    last = {"text": None}
    tty = sys.stdout.isatty()

    def redraw(snap: Any) -> None:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            show(snap)
        text = buf.getvalue()
        if text == last["text"]:
            return
        if tty:
            sys.stdout.write("\x1b[H\x1b[2J")
        elif last["text"] is not None:
            sys.stdout.write("\n")
        last["text"] = text
        sys.stdout.write(text)
        sys.stdout.flush()

    return redraw


@cli.command("list", epilog=GLOBAL_EPILOG)
@click.option("-o", "--output", help="wide, json, yaml or name.")
@click.option("--no-headers", is_flag=True, help="Do not print headers.")
@click.option("-A", "--all-namespaces", is_flag=True, help="List across all namespaces.")
@click.pass_context
def list_jobs(ctx: click.Context, output: Optional[str], no_headers: bool,
              all_namespaces: bool) -> None:
    """List Indexed Jobs with their status and whether peer DNS is wired.

    \b
    Examples:
      kubectl ijob list
      kubectl ijob list -A -o wide
    """
    from kubectl_ijob import status as st
    from kubectl_ijob.render import as_list, dump, write
    from kubectl_ijob.render import list_text

    fmt = _check_output(output, ("wide", "json", "yaml", "name"))
    kube = connect(ctx)
    ns = None if all_namespaces else kube.namespace
    jobs = [j for j in kube.list_jobs(ns) if st.is_indexed(j)]
    services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s
                for s in kube.list_services(ns)} if jobs else {}
    if fmt in ("json", "yaml"):
        write(dump(as_list(jobs), fmt))
        return
    if fmt == "name":
        write("\n".join(f"job.batch/{j['metadata']['name']}" for j in jobs))
        return
    if not jobs:
        where = "any namespace" if ns is None else f"{ns} namespace"
        click.echo(f"No Indexed Jobs found in {where}.", err=True)
        return
    pairs = []
    for job in jobs:
        sub = job.get("spec", {}).get("template", {}).get("spec", {}).get("subdomain")
        pairs.append((job, services.get((job["metadata"]["namespace"], sub))))
    write(list_text(pairs, _now(), all_namespaces=ns is None, wide=fmt == "wide",
                    no_headers=no_headers))


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@click.option("--method", "method_text", default="icmp", show_default=True,
              help="icmp (ping), dns (resolve only) or tcp:PORT (connect).")
@click.option("--timeout", type=click.IntRange(1, 60), default=2, show_default=True,
              help="Seconds to wait for each probe.")
@click.option("--max-concurrency", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Pods probed at once (one exec each).")
@click.option("-c", "--container", help="Container to exec in (default: the first).")
@click.option("--index", "index_text", metavar="I,J-K", help="Probe only from these indexes.")
@click.option("-o", "--output", help="json or yaml.")
@click.option("--no-headers", is_flag=True, help="Do not print the matrix header.")
@click.option("--cluster-domain", default="cluster.local", show_default=True, callback=_domain,
              help=CLUSTER_DOMAIN_HELP)
@click.pass_context
def ping(ctx: click.Context, name: str, method_text: str, timeout: int, max_concurrency: int,
         container: Optional[str], index_text: Optional[str], output: Optional[str],
         no_headers: bool, cluster_domain: str) -> None:
    """Probe every pair of running pods by peer DNS name: the N x N matrix.

    One exec per pod runs all its probes at once: DNS resolution of each
    <job>-<i>.<service>, then an ICMP echo or a TCP connect. Exit code 0 only
    if every pair is ok, so CI can gate on it. Pods that are not running are
    listed, not probed.

    \b
    Examples:
      kubectl ijob ping example-job
      kubectl ijob ping example-job --method tcp:29500 --timeout 3
      kubectl ijob ping example-job --index 0 -o json
    """
    from kubectl_ijob import actions
    from kubectl_ijob.indexes import parse_intervals, parse_ranges
    from kubectl_ijob.peers import parse_method
    from kubectl_ijob.render import dump, matrix_text, write

    fmt = _check_output(output, ("json", "yaml"))
    method = parse_method(method_text)
    parse_intervals(index_text)  # syntax first: nothing is sent for a bad --index
    kube = connect(ctx)
    snap = actions.snapshot(kube, name)
    completions = int(snap.job.get("spec", {}).get("completions") or 1)
    sources = parse_ranges(index_text, completions) if index_text else None
    from kubectl_ijob.kube import exec_in_pod

    matrix = actions.ping(kube, snap, method, timeout, max_concurrency, container, sources,
                          cluster_domain, exec_in_pod)
    if fmt in ("json", "yaml"):
        write(dump(matrix.document(), fmt))
    else:
        write(matrix_text(matrix, no_headers))
    if not matrix.ok:
        ctx.exit(1)


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@click.option("--format", "fmt", type=click.Choice(["plain", "openmpi", "mpich", "json"]),
              default="plain", show_default=True, help="Hostfile format.")
@click.option("--slots", type=click.IntRange(1, 100000), help="Slots per host (openmpi/mpich/json).")
@click.option("--short", is_flag=True, help="Print <job>-<i>.<service> instead of the FQDN.")
@click.option("--cluster-domain", default="cluster.local", show_default=True, callback=_domain,
              help="Cluster DNS domain of the FQDNs.")
@click.pass_context
def hosts(ctx: click.Context, name: str, fmt: str, slots: Optional[int], short: bool,
          cluster_domain: str) -> None:
    """Print the job's peer list as a hostfile for MPI or torchrun launchers.

    The names are those every pod can resolve: <job>-<index>.<service>.

    \b
    Examples:
      kubectl ijob hosts train --format openmpi --slots 8 > hostfile
      kubectl ijob hosts train --format mpich
    """
    from kubectl_ijob import actions, peers
    from kubectl_ijob.render import write

    job = actions.get_indexed_job(connect(ctx), name)
    sub = job["spec"]["template"]["spec"].get("subdomain")
    if not sub:
        raise usage(f'job "{name}" has no subdomain: its pods have no peer DNS names')
    names = peers.peer_names(name, sub, job["metadata"]["namespace"],
                             int(job["spec"].get("completions") or 1), cluster_domain)
    write(peers.hostfile([s if short else f for s, f in names], fmt, slots))


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@click.option("--for", "condition", required=True,
              type=click.Choice(["peers", "ready", "complete", "terminal"]),
              help="peers: every running pod is in DNS; ready: every index Ready or done; "
                   "complete: the Job succeeded; terminal: Complete OR Failed.")
@click.option("--timeout", "timeout_text", default="30s", show_default=True,
              help="How long to wait (e.g. 90s, 5m).")
@click.pass_context
def wait(ctx: click.Context, name: str, condition: str, timeout_text: str) -> None:
    """Wait until the job reaches a condition; exit 0 when reached, 1 otherwise.

    `terminal` waits for Complete OR Failed, which `kubectl wait` cannot express.

    \b
    Examples:
      kubectl ijob wait example-job --for=peers --timeout=2m
      kubectl ijob wait example-job --for=terminal --timeout=1h && kubectl ijob status example-job
    """
    import time

    from kubectl_ijob import actions
    from kubectl_ijob.waiting import check

    deadline = time.monotonic() + (_seconds(timeout_text, "--timeout") or 0)
    kube = connect(ctx)
    while True:
        snap = actions.snapshot(kube, name)
        done, ok, message = check(condition, snap)
        if done:
            if not ok:
                raise IjobError(f"error: job.batch/{name}: {message}")
            click.echo(f"job.batch/{name} {message}")
            return
        if time.monotonic() >= deadline:
            raise IjobError(f"error: timed out waiting for the condition on job.batch/{name}: "
                            f"{message}")
        time.sleep(1.0)


from kubectl_ijob import cli_everyday, cli_owners  # noqa: E402,F401  (register their commands)

# ---------------------------------------------------------------- entry points

def fail(err: IjobError, verbose: int) -> NoReturn:
    """Print one error line (traceback only with -v) and exit with its code."""
    if verbose:
        import traceback

        traceback.print_exc()
    sys.stderr.write(one_line(err.message) + "\n")
    sys.exit(err.code)


def one_line(text: str) -> str:
    """A message on one line: its lines joined, indentation dropped."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


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
        fail(IjobError(f"error: {_click_message(e)}"), verbose)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except Exception as e:  # a bug: still one line unless -v
        fail(IjobError(f"error: {type(e).__name__}: {e}"), verbose)
    sys.exit(code if isinstance(code, int) else 0)


def _click_message(e: click.ClickException) -> str:
    """click's messages reworded toward kubectl's (`unknown flag: --x`)."""
    if isinstance(e, click.NoSuchOption):
        return f"unknown flag: {e.option_name}"
    msg = e.format_message()
    return msg[0].lower() + msg[1:] if msg else msg


if __name__ == "__main__":
    main()
