"""The pods of an Indexed Job by index: logs (every attempt, followed across retries)
and exec in an index's current pod."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

import click

from kubectl_ijob import options as opt
from kubectl_ijob.errors import Failed, IjobError, usage

if TYPE_CHECKING:  # the rest loads when a command runs, not for --help
    from kubectl_ijob.client.protocol import KubeClient, Obj
    from kubectl_ijob.domain.model import IndexedJob

PREFIX_COLOURS = ["green", "yellow", "grey", "red"]


@dataclass
class LogsOptions:
    """logs' flags, checked."""

    name: str
    index_text: str  # "all" or ranges
    follow: bool
    previous: bool
    attempt: Optional[int]
    tail: Optional[int]
    since: Optional[int]
    container: Optional[str]
    prefix: Optional[bool]  # None: when several indexes are shown
    colour: bool


def choose_pods(o: LogsOptions, model: IndexedJob) -> list[tuple[int, Obj]]:
    """(index, pod) whose logs to show: each wanted index's current pod, or its Nth attempt."""
    from kubectl_ijob.domain.indexes import parse_ranges

    completions = model.completions
    wanted = list(range(completions)) if o.index_text == "all" else \
        parse_ranges(o.index_text, completions)
    chosen = []
    for i in wanted:
        pods = model.attempts(i)
        if o.attempt is not None:
            if o.attempt > len(pods):
                if o.index_text != "all":
                    raise usage(f"index {i} has {len(pods)} attempts, not {o.attempt}")
                continue
            chosen.append((i, pods[o.attempt - 1]))
        elif pods:
            current = model.current_pod(i)
            assert current is not None
            chosen.append((i, current))
    if not chosen:
        raise usage(f'job "{o.name}" has no pods for --index {o.index_text} yet')
    return chosen


def wait_next_attempt(client: KubeClient, name: str, index: int, ended: Obj, seen: set[str],
                      interval: float = 2.0) -> Optional[Obj]:
    """The index's next started pod after `ended` (None: no attempt will come), so
    `logs -f` follows an index across retries and replaced pods."""
    from kubectl_ijob.domain.model import job_selector
    from kubectl_ijob.domain.status import next_attempt
    from kubectl_ijob.domain.waiting import poll

    def probe() -> Optional[tuple[Optional[Obj], bool]]:
        job = client.get("Job", name)
        pods = client.list_pods(job_selector(job)) if job else []
        pod, done = next_attempt(job, pods, index, ended, seen)
        return (pod, done) if pod is not None or done else None

    found = poll(probe, None, interval)
    return found[0] if found else None


def pump(client: KubeClient, o: LogsOptions, i: int, pod: Optional[Obj], tag: str,
         put: Callable[[Optional[str]], None], fail: Callable[[str], None]) -> None:
    """One index's log; with -f, each next attempt's too, until none will come. Every
    line goes to put(), then None; an error goes to fail(), never among the log lines."""
    from kubectl_ijob.render.errors import error_line

    seen: set[str] = set()
    try:
        while pod is not None:
            seen.add(pod["metadata"]["uid"])
            try:
                for line in client.log_lines(pod["metadata"]["name"], o.container, o.follow,
                                             o.tail, o.since, o.previous):
                    put(tag + line)
            except IjobError as e:
                fail(f"{tag}{error_line(e)}")
            if not o.follow:
                break
            ended, pod = pod, wait_next_attempt(client, o.name, i, pod, seen)
            if pod is not None:
                click.echo(f"index {i}: pod {ended['metadata']['name']} ended; following "
                           f"{pod['metadata']['name']}", err=True)
    except IjobError as e:
        fail(f"{tag}{error_line(e)}")
    put(None)


def run_logs(o: LogsOptions, client: KubeClient) -> bool:
    """Each chosen index's log in index order, or (-f) all merged as lines arrive.

    Errors (e.g. a pod whose node has no kubelet) go to stderr as kubectl words them;
    False when there was any, so the command exits 1 as `kubectl logs` does."""
    import threading
    from queue import Queue

    from kubectl_ijob.commands.snapshot import snapshot
    from kubectl_ijob.render.colour import paint

    model = snapshot(client, o.name)
    if model.name != o.name:  # a CronJob's name: follow its run's Job across retries
        import dataclasses

        o = dataclasses.replace(o, name=model.name)
    chosen = choose_pods(o, model)
    show_prefix = len(chosen) > 1 if o.prefix is None else o.prefix
    out: Queue[Optional[str]] = Queue()

    def tag(i: int) -> str:
        return paint(f"[{i}]", PREFIX_COLOURS[i % len(PREFIX_COLOURS)], o.colour) + " " \
            if show_prefix else ""

    failed: list[str] = []

    def fail(message: str) -> None:
        failed.append(message)
        click.echo(message, err=True)

    if o.follow:
        threads = [threading.Thread(target=pump, args=(client, o, i, p, tag(i), out.put, fail),
                                    daemon=True) for i, p in chosen]
        for t in threads:
            t.start()
        left = len(threads)
        while left:
            line = out.get()
            if line is None:
                left -= 1
            else:
                click.echo(line)
        return not failed
    for i, pod in chosen:  # in index order, each pod's log whole
        pump(client, o, i, pod, tag(i), out.put, fail)
        while (line := out.get()) is not None:
            click.echo(line)
    return not failed


def exec_pod(model: IndexedJob, index: int) -> str:
    """The name of the index's current pod, refused unless it is Running."""
    if not model.in_range(index):
        raise usage(f"invalid INDEX {index}: index {index} is out of range 0-{model.completions - 1}")
    pod = model.current_pod(index)
    if pod is None or pod.get("status", {}).get("phase") != "Running":
        state = "it has no pod" if pod is None else f"pod {pod['metadata']['name']} is " \
            f"{pod.get('status', {}).get('phase')}"
        raise usage(f"cannot exec into index {index}: {state}, not Running")
    return pod["metadata"]["name"]


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@opt.index("Indexes to show: all, I, or ranges like 0,2-4.", default="all", metavar=None)
@click.option("-f", "--follow", is_flag=True, help="Stream the logs as they are written, and each index's next attempts.")
@click.option("-p", "--previous", is_flag=True, help="The previous container instance (after a restart).")
@click.option("--attempt", type=click.IntRange(1), help="The Nth pod of the index (1 = first try).")
@click.option("--tail", type=click.IntRange(-1), help="Lines from the end of each log (-1: all).")
@click.option("--since", "since_text", help="Only newer logs, e.g. 5m.")
@opt.container()
@click.option("--prefix/--no-prefix", default=None, help="Prefix lines with their index "
              "(default: when several indexes are shown).")
@click.pass_context
def logs(ctx: click.Context, name: str, index_text: str, follow: bool, previous: bool,
         attempt: Optional[int], tail: Optional[int], since_text: Optional[str],
         container: Optional[str], prefix: Optional[bool]) -> None:
    """Print the logs of a job by index, including finished and failed attempts.

    With several indexes each line is prefixed by `[index]`; with -f the streams are
    merged as lines arrive, and an index whose pod ends is followed into its next
    attempt until it completes or fails.

    \b
    Examples:
      kubectl ijob logs example-job --index 3
      kubectl ijob logs example-job -f
      kubectl ijob logs example-job --index 1 --attempt 1     # the first, failed try
    """
    if index_text != "all":
        from kubectl_ijob.domain.indexes import parse_intervals

        parse_intervals(index_text)  # syntax first: nothing is sent for a bad --index
    since = opt.seconds(since_text, "--since") if since_text else None
    run_ = opt.run_of(ctx)
    if not run_logs(LogsOptions(name, index_text, follow, previous, attempt,
                                None if tail == -1 else tail, since, container, prefix, run_.colour),
                    run_.connect()):
        ctx.exit(1)


@click.command("exec", epilog=opt.GLOBAL_EPILOG, context_settings={"ignore_unknown_options": True})
@opt.job_name()
@click.argument("index", type=click.IntRange(0))
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@opt.container()
@click.option("-i", "--stdin", is_flag=True, help="Pass stdin to the command (via kubectl exec).")
@click.option("-t", "--tty", is_flag=True, help="Allocate a TTY (via kubectl exec).")
@click.pass_context
def exec_(ctx: click.Context, name: str, index: int, command: tuple[str, ...],
          container: Optional[str], stdin: bool, tty: bool) -> None:
    """Run a command in the current pod of an index; its exit status becomes ours.

    \b
    Examples:
      kubectl ijob exec example-job 2 -- cat /etc/hostname
      kubectl ijob exec example-job 0 -it -- sh
    """
    from kubectl_ijob.commands.snapshot import snapshot
    from kubectl_ijob.render.errors import error_line

    run_ = opt.run_of(ctx)
    client = run_.connect()
    pod = exec_pod(snapshot(client, name), index)
    if stdin or tty:
        # Interactive sessions need a raw terminal and stdin forwarding: kubectl does that best.
        s = run_.settings
        argv = ["kubectl", "exec", pod, "-n", client.namespace]
        for flag, value in (("--kubeconfig", s.kubeconfig), ("--context", s.context),
                            ("--cluster", s.cluster), ("--user", s.user)):
            if value:
                argv += [flag, value]
        argv += (["-c", container] if container else []) + (["-i"] if stdin else []) + \
            (["-t"] if tty else []) + ["--", *command]
        os.execvp("kubectl", argv)
    res = client.exec(pod, list(command), container=container, timeout=24 * 3600)
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    if res.error is not None:
        raise Failed(error_line(res.error))
    ctx.exit(res.code or 0)
