"""CronJobs of peer-networked Indexed Jobs through the client: create's --schedule flags,
the run a command acts on when NAME is a CronJob, `trigger`, the CronJob rows of `list`,
the header of `status` and `delete` (the pure rules are in domain/cronjob.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

import click

from kubectl_ijob import options as opt
from kubectl_ijob.errors import usage

if TYPE_CHECKING:  # the rest loads when a command runs, not for --help
    from kubectl_ijob.client.protocol import KubeClient, Obj
    from kubectl_ijob.domain.cronjob import CronSpec
    from kubectl_ijob.domain.manifests import CreateSpec
    from kubectl_ijob.domain.model import IndexedJob

CRON_FLAGS = ("concurrency_policy", "time_zone", "starting_deadline_seconds",
              "successful_jobs_history", "failed_jobs_history")


def schedule_flags(f: Callable[..., Any]) -> Callable[..., Any]:
    """create's CronJob flags (--suspend is create's own, shared with the Job API flags)."""
    for decorator in reversed([
        click.option("--schedule", metavar="CRON",
                     help="Make a CronJob: a run of the Indexed Job per schedule "
                          "(e.g. '*/10 * * * *' or @hourly); peers are ${IJOB_JOB_NAME}-<i>.<service>."),
        click.option("--concurrency-policy", help="With --schedule: Forbid (default), Allow or Replace."),
        click.option("--time-zone", metavar="TZ", help="With --schedule: IANA time zone of the schedule."),
        click.option("--starting-deadline-seconds", type=int,
                     help="With --schedule: a run missed by more than this is skipped."),
        click.option("--successful-jobs-history", type=int,
                     help="With --schedule: finished successful runs to keep (default 3)."),
        click.option("--failed-jobs-history", type=int,
                     help="With --schedule: failed runs to keep (default 1)."),
    ]):
        f = decorator(f)
    return f


def cron_spec(flags: dict[str, Any], suspend: bool) -> Optional[CronSpec]:
    """The CronJob fields, or None without --schedule (then its companions are refused)."""
    from kubectl_ijob.domain import cronjob

    if flags.get("schedule") is None:
        given = [f for f in CRON_FLAGS if flags.get(f) is not None]
        if given:
            raise usage(f"--{given[0].replace('_', '-')} needs --schedule")
        return None
    spec = cronjob.CronSpec(
        schedule=flags["schedule"], concurrency_policy=flags.get("concurrency_policy") or "Forbid",
        time_zone=flags.get("time_zone"),
        starting_deadline_seconds=flags.get("starting_deadline_seconds"),
        successful_jobs_history=flags.get("successful_jobs_history"),
        failed_jobs_history=flags.get("failed_jobs_history"), suspend=suspend)
    cronjob.validate(spec)
    return spec


def check_run_names(spec: CreateSpec) -> None:
    """Refuse a NAME its runs' pod hostnames `NAME-<minute>-<index>` cannot carry."""
    from kubectl_ijob.domain.cronjob import check_name
    from kubectl_ijob.domain.manifests import resolve_counts

    check_name(spec.name, resolve_counts(spec)[0])


def build(objs: list[Obj], cron: CronSpec) -> list[Obj]:
    """create's objects as a CronJob; --suspend suspends the CronJob, not each run."""
    from kubectl_ijob.domain import cronjob

    if cron.suspend:
        objs = [{**objs[0], "spec": {k: v for k, v in objs[0]["spec"].items() if k != "suspend"}},
                *objs[1:]]
    return cronjob.build_all(objs, cron)


# ---------------------------------------------------------------- reading

CronShown = tuple  # (the CronJob, its runs, the run the index table shows or None)


def shown(client: KubeClient, name: str, run: Optional[str]) -> CronShown:
    """The CronJob NAME, its runs and which of them `status` shows (run None: none yet)."""
    from kubectl_ijob.commands.cronruns import must_get_cronjob, runs
    from kubectl_ijob.domain.cronjob import pick_run

    cj = must_get_cronjob(client, name)
    jobs = runs(client, cj)
    return cj, jobs, pick_run(cj, jobs, run)["metadata"]["name"] if run else None


def header(client: KubeClient, name: str, run: Optional[str], colour: bool) -> str:
    """The CronJob header of `status NAME [--run JOB]` (run None: the CronJob has none)."""
    import datetime as dt

    from kubectl_ijob.render.cron import cron_header_text

    return cron_header_text(*shown(client, name, run), dt.datetime.now(dt.timezone.utc), colour)


def status_cron(client: KubeClient, name: str, run: Optional[str],
                model: Optional[IndexedJob]) -> Optional[CronShown]:
    """What `status NAME` shows of the CronJob NAME: None when NAME is a Job; model None
    when the CronJob has no runs."""
    if model is not None and run is None and model.name == name:
        return None
    return shown(client, name, model.name if model is not None else None)


def status_snapshot(client: KubeClient, name: str, run: Optional[str]) -> Optional[IndexedJob]:
    """The model `status` shows; None for a CronJob with no runs."""
    from kubectl_ijob.commands.snapshot import snapshot
    from kubectl_ijob.domain.cronjob import NoRuns
    from kubectl_ijob.domain.projection import status_view

    try:
        return snapshot(client, run or name, view=status_view)
    except NoRuns:
        return None


def list_pairs(client: KubeClient, namespace: Optional[str]) -> list[tuple[Obj, list[Obj]]]:
    """(CronJob, its runs) for `list`; none when cronjobs cannot be listed."""
    from kubectl_ijob.client.errors import Forbidden
    from kubectl_ijob.domain.cronjob import GROUP_LABEL, is_indexed_cronjob

    try:
        cjs = [c for c in client.list_of("CronJob", namespace) if is_indexed_cronjob(c)]
    except Forbidden:
        return []
    jobs = client.list_of("Job", namespace, GROUP_LABEL) if cjs else []
    return [(c, jobs) for c in sorted(cjs, key=lambda c: (c["metadata"].get("namespace", ""),
                                                          c["metadata"]["name"]))]


# ---------------------------------------------------------------- writing

def delete(client: KubeClient, name: str, cascade: str, dry_run: str, wait: bool = False,
           seconds: int = 60) -> bool:
    """Delete the CronJob NAME (its runs, their pods, the Service and ConfigMap go with it,
    as their owner); False when there is no such CronJob."""
    from kubectl_ijob.commands.cronruns import get_cronjob, runs
    from kubectl_ijob.domain.waiting import poll
    from kubectl_ijob.errors import Failed

    cj = get_cronjob(client, name)
    if cj is None:
        return False
    jobs = runs(client, cj)
    kept = cascade == "orphan"
    click.echo(f"Deleting cronjob.batch/{name} with --cascade={cascade} "
               f"{'keeps' if kept else 'removes'} its {len(jobs)} run(s) and their pods, and "
               f"{'keeps' if kept else 'removes'} what it owns (its headless Service, and its "
               "items ConfigMap if any).")
    if dry_run == "client":
        return True
    client.delete("CronJob", name, propagation=cascade.capitalize(), dry_run=dry_run == "server")
    click.echo(f'cronjob.batch "{name}" deleted' + (" (server dry run)" if dry_run == "server" else ""))
    if wait and dry_run == "none" and not kept:
        gone = poll(lambda: True if client.get("CronJob", name) is None and not runs(client, cj)
                    else None, seconds)
        if gone is None:
            raise Failed(f"timed out after {seconds}s waiting for cronjob {name} and its runs to go")
        click.echo(f"cronjob.batch/{name} and its runs are gone")
    return True


def trigger_run(client: KubeClient, name: str, dry_run: str) -> Obj:
    """Create a run now, as `kubectl create job --from=cronjob/NAME` (retrying a taken name)."""
    import secrets
    import string

    from kubectl_ijob.client.errors import AlreadyExists
    from kubectl_ijob.commands.cronruns import must_get_cronjob
    from kubectl_ijob.domain.cronjob import manual_run

    cj = must_get_cronjob(client, name)
    alphabet = string.ascii_lowercase + string.digits
    for attempt in range(3):
        suffix = "".join(secrets.choice(alphabet) for _ in range(4))
        job = manual_run(cj, suffix)
        if dry_run == "client":
            return job
        try:
            return client.create(job, dry_run=dry_run == "server")
        except AlreadyExists:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@opt.dry_run("client: print the Job only; server: validate it.")
@opt.output("yaml, json or name.")
@click.pass_context
def trigger(ctx: click.Context, name: str, dry_run: str, output: Optional[str]) -> None:
    """Start a run of a scheduled Indexed Job now (as kubectl create job --from=cronjob/NAME).

    The run is the Job NAME-manual-XXXX, owned by the CronJob, with the same pods,
    peer names (${IJOB_JOB_NAME}-<i>.<service>) and Service as the scheduled runs.

    \b
    Examples:
      kubectl ijob trigger nightly
      kubectl ijob status nightly
    """
    from kubectl_ijob.render.text import dump, object_name, write

    fmt = opt.check_output(output, ("yaml", "json", "name"))
    job = trigger_run(opt.run_of(ctx).connect(), name, dry_run)
    if fmt in ("yaml", "json"):
        write(dump(job, fmt))
        return
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    write(object_name(job) if fmt == "name" else f"{object_name(job)} created{suffix}")
