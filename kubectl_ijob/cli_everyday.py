"""Everyday debugging by index: logs, exec, describe."""
from __future__ import annotations

import os
import sys
import threading
from queue import Queue
from typing import Any, Optional

import click

from kubectl_ijob.cli import (GLOBAL_EPILOG, Globals, _check_output, _job_name, _now, _seconds, cli,
                              connect)
from kubectl_ijob.errors import IjobError, usage


def _attempts(snap: Any, index: int) -> list[dict[str, Any]]:
    """Every pod of an index, oldest first (attempt 1 is the first pod)."""
    from kubectl_ijob import status as st

    pods = [p for p in snap.pods if st.pod_index(p) == index]
    return sorted(pods, key=lambda p: p["metadata"].get("creationTimestamp") or "")


def _current(snap: Any, index: int) -> Optional[dict[str, Any]]:
    from kubectl_ijob import status as st

    pods = sorted((p for p in snap.pods if st.pod_index(p) == index), key=st._rank)
    return pods[0] if pods else None


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@click.option("--index", "index_text", default="all", show_default=True,
              help="Indexes to show: all, I, or ranges like 0,2-4.")
@click.option("-f", "--follow", is_flag=True, help="Stream the logs as they are written, and each index's next attempts.")
@click.option("-p", "--previous", is_flag=True, help="The previous container instance (after a restart).")
@click.option("--attempt", type=click.IntRange(1), help="The Nth pod of the index (1 = first try).")
@click.option("--tail", type=click.IntRange(-1), help="Lines from the end of each log (-1: all).")
@click.option("--since", "since_text", help="Only newer logs, e.g. 5m.")
@click.option("-c", "--container", help="Container name (default: the first).")
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
    from kubectl_ijob import actions
    from kubectl_ijob.indexes import parse_intervals, parse_ranges
    from kubectl_ijob.render import paint, use_colour

    if index_text != "all":
        parse_intervals(index_text)  # syntax first: nothing is sent for a bad --index
    since = _seconds(since_text, "--since") if since_text else None
    tail = None if tail == -1 else tail
    kube = connect(ctx)
    snap = actions.snapshot(kube, name)
    completions = int(snap.job["spec"].get("completions") or 1)
    wanted = list(range(completions)) if index_text == "all" else parse_ranges(index_text, completions)
    chosen = []
    for i in wanted:
        pods = _attempts(snap, i)
        if attempt is not None:
            if attempt > len(pods):
                if index_text != "all":
                    raise usage(f"index {i} has {len(pods)} attempts, not {attempt}")
                continue
            chosen.append((i, pods[attempt - 1]))
        elif pods:
            chosen.append((i, _current(snap, i)))
    if not chosen:
        raise usage(f'job "{name}" has no pods for --index {index_text} yet')
    show_prefix = len(chosen) > 1 if prefix is None else prefix
    on = use_colour(sys.stdout)
    colours = ["green", "yellow", "grey", "red"]
    out: Queue = Queue()

    def pump(i: int, pod: Optional[dict[str, Any]]) -> None:
        """One index's log; with -f, each next attempt's too, until none will come."""
        tag = paint(f"[{i}]", colours[i % len(colours)], on) + " " if show_prefix else ""
        seen: set[str] = set()
        try:
            while pod is not None:
                seen.add(pod["metadata"]["uid"])
                try:
                    for line in kube.log_lines(pod["metadata"]["name"], container, follow, tail,
                                               since, previous):
                        out.put(tag + line)
                except IjobError as e:
                    out.put(f"{tag}{e.message}")
                if not follow:
                    break
                ended, pod = pod, actions.next_attempt(kube, name, i, pod, seen)
                if pod is not None:
                    click.echo(f"index {i}: pod {ended['metadata']['name']} ended; following "
                               f"{pod['metadata']['name']}", err=True)
        except IjobError as e:
            out.put(f"{tag}{e.message}")
        out.put(None)

    if follow:
        threads = [threading.Thread(target=pump, args=c, daemon=True) for c in chosen]
        for t in threads:
            t.start()
        left = len(threads)
        while left:
            line = out.get()
            if line is None:
                left -= 1
            else:
                click.echo(line)
        return
    for i, pod in chosen:  # in index order, each pod's log whole
        pump(i, pod)
        while (line := out.get()) is not None:
            click.echo(line)


@cli.command("exec", epilog=GLOBAL_EPILOG, context_settings={"ignore_unknown_options": True})
@click.argument("name", callback=_job_name)
@click.argument("index", type=click.IntRange(0))
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@click.option("-c", "--container", help="Container name (default: the first).")
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
    from kubectl_ijob import actions
    from kubectl_ijob.kube import exec_in_pod

    kube = connect(ctx)
    snap = actions.snapshot(kube, name)
    completions = int(snap.job["spec"].get("completions") or 1)
    if not 0 <= index < completions:
        raise usage(f"invalid INDEX {index}: index {index} is out of range 0-{completions - 1}")
    pod = _current(snap, index)
    if pod is None or pod.get("status", {}).get("phase") != "Running":
        state = "it has no pod" if pod is None else f"pod {pod['metadata']['name']} is " \
            f"{pod.get('status', {}).get('phase')}"
        raise usage(f"cannot exec into index {index}: {state}, not Running")
    pod_name = pod["metadata"]["name"]
    if stdin or tty:
        # Interactive sessions need a raw terminal and stdin forwarding: kubectl does that best.
        g: Globals = ctx.find_object(Globals)
        argv = ["kubectl", "exec", pod_name, "-n", kube.namespace]
        for flag, value in (("--kubeconfig", g.kubeconfig), ("--context", g.context)):
            if value:
                argv += [flag, value]
        argv += (["-c", container] if container else []) + (["-i"] if stdin else []) + \
            (["-t"] if tty else []) + ["--", *command]
        os.execvp("kubectl", argv)
    res = exec_in_pod(kube, pod_name, list(command), container=container, timeout=24 * 3600)
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    if res.error:
        raise IjobError(f"error: {res.error}")
    ctx.exit(res.code or 0)


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@click.option("-o", "--output", help="json or yaml.")
@click.pass_context
def describe(ctx: click.Context, name: str, output: Optional[str]) -> None:
    """Describe an Indexed Job with what `kubectl describe job` leaves out.

    Full completed and failed index lists, per-index attempts and failures, the
    Service wiring, what the namespace's NetworkPolicies do to traffic between the
    pods, and recent events of the job and its pods.

    \b
    Examples:
      kubectl ijob describe example-job
    """
    from kubectl_ijob import actions, peers
    from kubectl_ijob import status as st
    from kubectl_ijob.render import describe_text, dump, write

    fmt = _check_output(output, ("json", "yaml"))
    kube = connect(ctx)
    snap = actions.snapshot(kube, name)
    uids = {snap.job["metadata"]["uid"]} | {p["metadata"]["uid"] for p in snap.pods}
    events = [e for e in snap.side_query(kube.list_events, "events") or []
              if (e.get("involvedObject") or {}).get("uid") in uids]
    events.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")
    namespace = snap.job["metadata"].get("namespace") or kube.namespace
    policies = snap.side_query(lambda: kube.list_of("NetworkPolicy", namespace),
                               "NetworkPolicies")
    labels = ((snap.job["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
    network = None if policies is None else peers.policy_findings(labels, namespace, policies)
    rows = st.index_rows(snap.job, snap.pods, service=snap.service, slices=snap.slices)
    summary = st.summarize(snap.job, snap.service)
    if fmt in ("json", "yaml"):
        doc = st.status_document(summary, rows, snap.notes)
        doc["kind"] = "IndexedJobDescription"
        doc["networkPolicies"] = None if network is None else \
            {"selecting": network[0], "findings": network[1]}
        doc["events"] = [{"type": e.get("type"), "reason": e.get("reason"),
                          "object": f"{e['involvedObject'].get('kind', '').lower()}/{e['involvedObject'].get('name')}",
                          "message": e.get("message"), "count": e.get("count"),
                          "lastTimestamp": e.get("lastTimestamp") or e.get("eventTime")}
                         for e in events[-50:]]
        write(dump(doc, fmt))
        return
    write(describe_text(snap.job, summary, rows, events[-20:], _now(), snap.notes, network))
