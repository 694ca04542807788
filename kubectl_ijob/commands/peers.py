"""The peers of an Indexed Job: ping (the N x N matrix), hosts (hostfiles), wait."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import click

from kubectl_ijob import options as opt
from kubectl_ijob.errors import Failed, usage

if TYPE_CHECKING:  # the rest loads when a command runs, not for --help
    from kubectl_ijob.client.protocol import KubeClient
    from kubectl_ijob.domain.model import IndexedJob
    from kubectl_ijob.domain.peers import Matrix, PairResult
    from kubectl_ijob.domain.probes import Method, Peer

CONDITIONS = ("peers", "ready", "complete", "terminal", "decided")  # of domain.waiting.check
EXEC_RETRY_PAUSE = 1.0  # seconds before a dropped exec is run again


@dataclass
class PingOptions:
    """ping's flags, checked."""

    method: Method
    timeout: int
    max_concurrency: int
    container: Optional[str]
    sources: Optional[list[int]]  # None: every running index
    cluster_domain: str
    sample: Optional[int] = None  # peers probed from each pod; None: all of them


def probe_from(client: KubeClient, o: PingOptions, src: Peer, argv: list[str],
               ids: list[int]) -> list[PairResult]:
    """One source pod's exec, its output parsed (or every pair failed, with why). An exec
    that the connection, the API server or the container runtime dropped is run once more
    a second later: that is the cluster stumbling, not the source pod failing its peers."""
    import time

    from kubectl_ijob.client.errors import ExecFailed, transient
    from kubectl_ijob.domain import peers
    from kubectl_ijob.domain.probes import exec_deadline
    from kubectl_ijob.render.errors import error_line

    deadline = exec_deadline(len(ids), len(o.method.ports), o.timeout)
    res = client.exec(src.pod, argv, container=o.container, timeout=deadline)
    if res.error is not None and transient(res.error):
        time.sleep(EXEC_RETRY_PAUSE)
        res = client.exec(src.pod, argv, container=o.container, timeout=deadline)
    if res.error is not None:
        missing = isinstance(res.error, ExecFailed) and res.error.missing_executable
        return peers.failed_source(src.index, ids, "no-shell" if missing else "exec-failed",
                                   error_line(res.error))
    if res.code not in (0, None) and "DONE" not in res.stdout:
        code = "no-shell" if res.code in (126, 127) else "exec-failed"
        return peers.failed_source(src.index, ids, code, (res.stderr or res.stdout).strip()[:200])
    return peers.parse_output(src.index, res.stdout, ids)


def run_ping(o: PingOptions, model: IndexedJob, client: KubeClient) -> Matrix:
    """One exec per source pod, all concurrent (bounded): the N x N peer matrix, with the
    node of each probed pod (timeouts on a crowded node are read differently)."""
    from concurrent.futures import ThreadPoolExecutor

    from kubectl_ijob.domain import peers
    from kubectl_ijob.domain.probes import full_resolves, probe_command
    from kubectl_ijob.domain.status import model_rows

    rows = model_rows(model, o.cluster_domain)
    srcs, targets, skipped = peers.plan(model.job, rows, o.cluster_domain, o.sources)
    ids = [t.index for t in targets]
    each = peers.sampled_targets(targets, srcs, o.sample)
    sampled = bool(each) and len(each[0]) < len(targets)
    # every name is resolved fully once: by its ring predecessor when sampled
    argvs = [probe_command(o.method, o.timeout, mine, [mine[0].index] if sampled
                           else full_resolves(ids, k, len(srcs))) for k, mine in enumerate(each)]
    pairs: list[PairResult] = []
    if srcs:
        with ThreadPoolExecutor(max_workers=max(1, min(o.max_concurrency, len(srcs)))) as pool:
            for result in pool.map(lambda s, argv, mine: probe_from(
                    client, o, s, argv, [t.index for t in mine]), srcs, argvs, each):
                pairs.extend(result)
    node_of = {p["metadata"]["name"]: p.get("spec", {}).get("nodeName") or "" for p in model.pods}
    return peers.Matrix(str(o.method), [s.index for s in srcs], ids, pairs, skipped,
                        {t.index: t.ip for t in targets},
                        {t.index: node_of.get(t.pod, "") for t in targets},
                        len(each[0]) if sampled else None)


def run_wait(name: str, condition: str, seconds: int, client: KubeClient) -> str:
    """Poll the job until the condition is reached (its message) or fails (Failed)."""
    from kubectl_ijob.commands.snapshot import snapshot
    from kubectl_ijob.domain.projection import status_view
    from kubectl_ijob.domain.waiting import check, poll

    last: dict[str, str] = {}

    def reached() -> Optional[tuple[bool, str]]:
        model = snapshot(client, name, view=status_view)  # check reads the status rows only
        done, ok, message = check(condition, model)
        last["message"], last["job"] = message, model.name  # a CronJob's name: its run's
        return (ok, message) if done else None

    result = poll(reached, seconds)
    if result is None:
        raise Failed(f"timed out waiting for the condition on job.batch/{last.get('job', name)}: "
                     f"{last['message']}")
    ok, message = result
    if not ok:
        raise Failed(f"job.batch/{last['job']}: {message}")
    return f"job.batch/{last['job']} {message}"


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.option("--method", "method_text", default="icmp", show_default=True,
              help="icmp (ping), dns (resolve only) or tcp:PORT[,PORT...] (connect to each).")
@click.option("--timeout", type=click.IntRange(1, 60), default=2, show_default=True,
              help="Seconds to wait for each probe.")
@click.option("--max-concurrency", type=click.IntRange(1, 256), default=32, show_default=True,
              help="Pods probed at once (one exec each).")
@click.option("--sample", type=click.IntRange(1, 1000), metavar="K",
              help="Probe K peers from each pod instead of every one (the next pod and chords "
                   "across the job; each pod is also probed by K): K x N pairs for large jobs.")
@opt.container("Container to exec in (default: the first).")
@opt.index("Probe only from these indexes.")
@opt.output("json or yaml.")
@click.option("--no-headers", is_flag=True, help="Do not print the matrix header.")
@click.option("--matrix", "force_matrix", is_flag=True,
              help="Print the whole table even when it is wider than the terminal.")
@opt.cluster_domain()
@click.pass_context
def ping(ctx: click.Context, name: str, method_text: str, timeout: int, max_concurrency: int,
         sample: Optional[int], container: Optional[str], index_text: Optional[str],
         output: Optional[str], no_headers: bool, force_matrix: bool, cluster_domain: str) -> None:
    """Probe every pair of running pods by peer DNS name: the N x N matrix.

    One exec per pod runs its probes (a few at a time): DNS resolution of each
    <job>-<i>.<service>, then an ICMP echo or a TCP connect to each port; a
    probe that timed out is tried once more before it is reported. Exit code 0
    only if every pair is ok, so CI can gate on it. Pods that are not running
    are listed, not probed. A matrix wider than the terminal is summarised:
    whole failing rows (source pods), columns (target pods), the other failing
    pairs and the slowest ones.

    \b
    Examples:
      kubectl ijob ping example-job
      kubectl ijob ping example-job --method tcp:29500,29501 --timeout 3
      kubectl ijob ping example-job --index 0 -o json
      kubectl ijob ping example-job --sample 8      # 8 peers per pod, for 1,000 pods
    """
    from kubectl_ijob.commands.snapshot import snapshot
    from kubectl_ijob.domain.indexes import parse_intervals, parse_ranges
    from kubectl_ijob.domain.probes import parse_method
    from kubectl_ijob.render.documents import matrix_document
    from kubectl_ijob.render.text import dump, write

    fmt = opt.check_output(output, ("json", "yaml"))
    method = parse_method(method_text)
    parse_intervals(index_text)  # syntax first: nothing is sent for a bad --index
    run_ = opt.run_of(ctx)
    client = run_.connect()
    model = snapshot(client, name)
    sources = parse_ranges(index_text, model.completions) if index_text else None
    matrix = run_ping(PingOptions(method, timeout, max_concurrency, container, sources,
                                  cluster_domain, sample), model, client)
    if fmt in ("json", "yaml"):
        write(dump(matrix_document(matrix), fmt))
    else:
        write(matrix_or_digest(matrix, no_headers, force_matrix, run_.colour))
    if not matrix.ok:
        ctx.exit(1)


def matrix_or_digest(matrix: Matrix, no_headers: bool, force: bool, colour: bool) -> str:
    """The table, or its digest when the table would not fit the terminal."""
    import shutil
    import sys

    from kubectl_ijob.domain.peer_digest import digest
    from kubectl_ijob.render.matrix import digest_text, matrix_text, matrix_width, wants_digest

    terminal = shutil.get_terminal_size().columns
    if force or not wants_digest(len(matrix.targets), matrix_width(matrix, terminal), terminal,
                                 sys.stdout.isatty()):
        return matrix_text(matrix, no_headers, colour=colour)
    return digest_text(matrix, digest(matrix.pairs, matrix.sources, matrix.targets), colour)


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.option("--format", "fmt", type=click.Choice(["plain", "openmpi", "mpich", "json"]),
              default="plain", show_default=True, help="Hostfile format.")
@click.option("--slots", type=click.IntRange(1, 100000), help="Slots per host (openmpi/mpich/json).")
@click.option("--short", is_flag=True, help="Print <job>-<i>.<service> instead of the FQDN.")
@opt.cluster_domain("Cluster DNS domain of the FQDNs.")
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
    from kubectl_ijob.commands.snapshot import get_indexed_job
    from kubectl_ijob.domain.model import IndexedJob, peer_names
    from kubectl_ijob.render.matrix import hostfile
    from kubectl_ijob.render.text import write

    model = IndexedJob(get_indexed_job(opt.run_of(ctx).connect(), name))
    if not model.subdomain:
        raise usage(f'job "{name}" has no subdomain: its pods have no peer DNS names')
    names = peer_names(model.name, model.subdomain, model.namespace, model.completions,
                       cluster_domain)
    write(hostfile([s if short else f for s, f in names], fmt, slots))


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.option("--for", "condition", required=True, type=click.Choice(list(CONDITIONS)),
              help="peers: every running pod is in DNS; ready: every index Ready or done; "
                   "complete: the Job succeeded; terminal: Complete OR Failed; "
                   "decided: SuccessCriteriaMet or FailureTarget (before the pods are gone).")
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
    seconds = opt.seconds(timeout_text, "--timeout") or 0
    click.echo(run_wait(name, condition, seconds, opt.run_of(ctx).connect()))
