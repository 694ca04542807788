"""suspend, resume and scale: Job API changes shown as a plan before and a result after.

suspend deletes the running pods and keeps the completed indexes; resume starts the
rest; scale changes completions and parallelism together (elastic Indexed Jobs),
refused with the API's reason when the API would refuse it. --wait reads back what
the Job controller did.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

import click

from kubectl_ijob import options as opt
from kubectl_ijob.errors import Failed, usage

if TYPE_CHECKING:  # the rest loads when a command runs, not for --help
    from kubectl_ijob.client.protocol import KubeClient, Obj
    from kubectl_ijob.domain.jobplans import ScalePlan, SuspendPlan
    from kubectl_ijob.domain.model import IndexedJob

F = Callable[..., Any]
DRY_RUN_HELP = "client: print the plan only; server: also validate on the server."


def _suffix(dry_run: str) -> str:
    return " (server dry run)" if dry_run == "server" else ""


def suspend_settled(plan: SuspendPlan, model: IndexedJob) -> bool:
    """Whether the controller has done what the plan says (Suspended, pods gone / started)."""
    from kubectl_ijob.domain.jobplans import live_pods
    from kubectl_ijob.domain.model import conditions

    cond = conditions(model.job).get("Suspended")
    if model.finished:
        return True
    if plan.suspend:
        return cond == "True" and not live_pods(model.pods) and \
            not (model.job.get("status") or {}).get("active")
    return cond != "True" and (bool(live_pods(model.pods)) or not plan.to_run)


def settle(client: KubeClient, name: str, settled: Callable[[IndexedJob], bool], seconds: int,
           doing: str) -> IndexedJob:
    """The job once the controller has done what `settled` checks; Failed after `seconds`."""
    from kubectl_ijob.commands.snapshot import snapshot
    from kubectl_ijob.domain.waiting import poll

    after = poll(lambda: (lambda m: m if settled(m) else None)(snapshot(client, name)), seconds)
    if after is None:
        raise Failed(f"timed out after {seconds}s waiting for the Job controller to {doing} "
                     f"job.batch/{name}")
    return after


def run_suspend(client: KubeClient, name: str, suspend: bool, dry_run: str, wait: bool,
                seconds: int) -> None:
    """Print the plan, patch spec.suspend, and (--wait) the controller's result."""
    from kubectl_ijob.commands.snapshot import snapshot
    from kubectl_ijob.domain.jobplans import suspend_plan, suspend_result
    from kubectl_ijob.render.jobapi import suspend_result_text, suspend_text

    before = snapshot(client, name)
    plan = suspend_plan(before.job, before.pods, suspend)
    click.echo(suspend_text(plan), nl=False)
    if not plan.change or dry_run == "client":
        return
    client.patch("Job", name, {"spec": {"suspend": suspend}}, dry_run=dry_run == "server")
    if not wait or dry_run == "server":
        click.echo(f"job.batch/{name} patched{_suffix(dry_run)}")
        return
    after = settle(client, name, lambda m: suspend_settled(plan, m), seconds,
                   "suspend" if suspend else "resume")
    click.echo(suspend_result_text(suspend_result(plan, before.pods, after.job, after.pods)), nl=False)


def items_configmap(job: Obj) -> Optional[str]:
    """The items ConfigMap the pod template mounts (create's `ijob-items` volume)."""
    for vol in ((job.get("spec") or {}).get("template") or {}).get("spec", {}).get("volumes") or []:
        if vol.get("name") == "ijob-items":
            return (vol.get("configMap") or {}).get("name")
    return None


def check_scalable(plan: ScalePlan, job: Obj, items: Optional[list[str]]) -> None:
    """Refuse what the API refuses, and what would leave the peers or items behind."""
    from kubectl_ijob.domain.jobrerun import WAIT_CONTAINER

    if not plan.allowed:
        raise usage(f"cannot scale job.batch/{plan.name}: {plan.reason}")
    inits = ((job["spec"].get("template") or {}).get("spec") or {}).get("initContainers") or []
    if plan.new != plan.old and any(c.get("name") == WAIT_CONTAINER for c in inits):
        raise usage(f"cannot scale job.batch/{plan.name}: its wait-for-peers init container lists "
                    f"the {plan.old} peers of its creation and the pod template is immutable")
    has_items = items_configmap(job) is not None
    if items is not None and not has_items:
        raise usage(f"--items: job.batch/{plan.name} has no work items")
    if has_items and plan.added and (items is None or len(items) != len(plan.added)):
        raise usage(f"job.batch/{plan.name} has work items: give the {len(plan.added)} new "
                    f"indexes' items with --items (got {0 if items is None else len(items)})")
    if items is not None and not plan.added:
        raise usage("--items gives the items of added indexes; this scale adds none")


def scale_items_patch(plan: ScalePlan, items: Optional[list[str]]) -> dict[str, Optional[str]]:
    """ConfigMap data changes: items of added indexes, removed keys of removed ones."""
    data: dict[str, Optional[str]] = {str(i): None for i in plan.removed}
    for i, item in zip(plan.added, items or []):
        data[str(i)] = item + "\n"
    return data


def scale_settled(plan: ScalePlan, model: IndexedJob) -> bool:
    """Removed indexes have no running pod and added ones have a pod (or the Job ended)."""
    from kubectl_ijob.domain.jobplans import live_pods
    from kubectl_ijob.domain.model import pod_index

    if model.finished:
        return True
    if any(i >= plan.new for i in live_pods(model.pods)):
        return False
    seen = {pod_index(p) for p in model.pods}
    return all(i in seen for i in plan.added[: max(plan.new, 1)])


def run_scale(client: KubeClient, name: str, completions: int, items: Optional[list[str]],
              dry_run: str, wait: bool, seconds: int) -> None:
    """Plan, refuse or patch completions+parallelism (and the items), then report."""
    from kubectl_ijob.commands.snapshot import snapshot
    from kubectl_ijob.domain.jobplans import scale_plan
    from kubectl_ijob.render.jobapi import scale_text

    before = snapshot(client, name)
    plan = scale_plan(before.job, before.pods, completions)
    check_scalable(plan, before.job, items)
    click.echo(scale_text(plan), nl=False)
    if dry_run == "client" or plan.new == plan.old and plan.parallelism_before == plan.new:
        return
    cm = items_configmap(before.job)
    if cm and plan.added:  # items first: a new pod must find its item
        client.patch("ConfigMap", cm, {"data": scale_items_patch(plan, items)}, dry_run=dry_run == "server")
    client.patch("Job", name, plan.patch(), dry_run=dry_run == "server")
    if cm and plan.removed:
        client.patch("ConfigMap", cm, {"data": scale_items_patch(plan, None)}, dry_run=dry_run == "server")
    if not wait or dry_run == "server":
        click.echo(f"job.batch/{name} patched{_suffix(dry_run)}")
        return
    after = settle(client, name, lambda m: scale_settled(plan, m), seconds, "scale")
    click.echo(scale_text(plan, done=True, completed=(after.job.get("status") or {}).get("completedIndexes")),
               nl=False)


def kueue_workloads(client: KubeClient, model: IndexedJob) -> Optional[list[Obj]]:
    """Kueue's Workloads beside a queued Job (label kueue.x-k8s.io/queue-name); None when
    the Job is not queued or they cannot be read (the reason becomes a note)."""
    from kubectl_ijob.client.errors import NotFound
    from kubectl_ijob.commands.snapshot import side_query
    from kubectl_ijob.domain.jobapi import KUEUE_QUEUE_LABEL

    if KUEUE_QUEUE_LABEL not in ((model.job.get("metadata") or {}).get("labels") or {}):
        return None
    try:
        return side_query(model, lambda: client.list_of("Workload", model.namespace or client.namespace),
                          "Kueue Workloads")
    except NotFound:
        model.notes.append("Kueue's Workload API (kueue.x-k8s.io/v1beta2) is not installed")
        return None


# ---------------------------------------------------------------- create's Job API flags

JOB_API_OPTIONS = [
    click.option("--max-failed-indexes", type=int,
                 help="Fail the Job once more indexes than this have failed (needs --backoff-limit-per-index)."),
    click.option("--success-indexes", metavar="I,J-K",
                 help="successPolicy: the Job succeeds once these indexes have (e.g. 0, the leader)."),
    click.option("--success-count", type=int,
                 help="successPolicy: ... once this many (of --success-indexes, or of all) have succeeded."),
    click.option("--success-rule", "success_rules", multiple=True, metavar="[I,J-K][:COUNT]",
                 help="A further successPolicy rule, e.g. 0-7:4 or :5 (repeatable)."),
    click.option("--fail-index-on-exit-codes", metavar="CODES",
                 help="podFailurePolicy FailIndex: these exit codes fail the index at once."),
    click.option("--fail-job-on-exit-codes", metavar="CODES",
                 help="podFailurePolicy FailJob: these exit codes fail the whole Job."),
    click.option("--ignore-exit-codes", metavar="CODES",
                 help="podFailurePolicy Ignore: these exit codes are retried without counting."),
    click.option("--ignore-disruptions", is_flag=True,
                 help="podFailurePolicy Ignore on DisruptionTarget: preemption and eviction do not count."),
    click.option("--container", "pfp_container", metavar="NAME",
                 help="Apply the exit-code rules to this container only."),
    click.option("--pod-replacement-policy", metavar="POLICY",
                 help="Failed (no new pod until the old one is gone) or TerminatingOrFailed."),
    click.option("--suspend", is_flag=True, help="Create the Job suspended (start it with `resume`)."),
]


def job_api_options(f: F) -> F:
    """create's Job API flags, declared once."""
    for option in reversed(JOB_API_OPTIONS):
        f = option(f)
    return f


def apply_job_api_flags(job_base: Optional[Obj], o: dict[str, Any]) -> Optional[Obj]:
    """The -f Job (or an empty base) with the spec fields these flags set."""
    from kubectl_ijob.domain.jobapi import JobApiFlags, merge_fragment, spec_fragment

    fragment = spec_fragment(JobApiFlags(
        max_failed_indexes=o["max_failed_indexes"], success_indexes=o["success_indexes"],
        success_count=o["success_count"], success_rules=list(o["success_rules"]),
        fail_index_on_exit_codes=o["fail_index_on_exit_codes"],
        fail_job_on_exit_codes=o["fail_job_on_exit_codes"], ignore_exit_codes=o["ignore_exit_codes"],
        ignore_disruptions=o["ignore_disruptions"], container=o["pfp_container"],
        pod_replacement_policy=o["pod_replacement_policy"], suspend=o["suspend"]))
    if not fragment:
        return job_base
    base = dict(job_base or {})
    base["spec"] = merge_fragment(base.get("spec") or {}, fragment)
    return base


def check_job(job: Obj) -> None:
    """Refuse a Job the API server would refuse, in its words, before anything is sent."""
    from kubectl_ijob.domain.jobvalidation import validate_job

    problems = validate_job(job)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise usage(f'The Job "{job["metadata"]["name"]}" is invalid: {problems[0]}{more}')


# ---------------------------------------------------------------- the click commands

def _toggle(ctx: click.Context, name: str, suspend: bool, dry_run: str, wait: bool,
            timeout_text: str) -> None:
    seconds = opt.seconds(timeout_text, "--timeout") or 60
    run_suspend(opt.run_of(ctx).connect(), name, suspend, dry_run, wait, seconds)


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@opt.dry_run(DRY_RUN_HELP)
@opt.wait
@opt.timeout("60s", "How long --wait waits.")
@click.pass_context
def suspend(ctx: click.Context, name: str, dry_run: str, wait: bool, timeout_text: str) -> None:
    """Suspend an Indexed Job: running pods are deleted, completed indexes are kept.

    Deleted pods do not count as failures; `resume` runs the indexes that are not
    done yet. The plan is printed first; --wait reports what the controller did.

    \b
    Examples:
      kubectl ijob suspend train --wait
      kubectl ijob suspend train --dry-run=client
    """
    _toggle(ctx, name, True, dry_run, wait, timeout_text)


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@opt.dry_run(DRY_RUN_HELP)
@opt.wait
@opt.timeout("60s", "How long --wait waits.")
@click.pass_context
def resume(ctx: click.Context, name: str, dry_run: str, wait: bool, timeout_text: str) -> None:
    """Resume a suspended Indexed Job (or one created with --suspend).

    \b
    Examples:
      kubectl ijob resume train --wait
    """
    _toggle(ctx, name, False, dry_run, wait, timeout_text)


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.option("--completions", type=click.IntRange(1), required=True,
              help="The new number of indexes (parallelism follows: the API requires both equal).")
@click.option("--items", help="Work items of the added indexes, comma separated (jobs with items).")
@opt.dry_run(DRY_RUN_HELP)
@opt.wait
@opt.timeout("60s", "How long --wait waits.")
@click.pass_context
def scale(ctx: click.Context, name: str, completions: int, items: Optional[str], dry_run: str,
          wait: bool, timeout_text: str) -> None:
    """Change an Indexed Job's completions (elastic Indexed Jobs).

    completions and parallelism change together, as the API requires; indexes at or
    above the new completions go away (their pods are deleted, their completions
    forgotten). The Service and `hosts` follow; the items ConfigMap too.

    \b
    Examples:
      kubectl ijob scale train --completions 8 --wait
      kubectl ijob scale rev --completions 6 --items new1 --dry-run=client
    """
    from kubectl_ijob.domain.inputs import parse_items

    item_list = parse_items(items, None) if items is not None else None
    seconds = opt.seconds(timeout_text, "--timeout") or 60
    run_scale(opt.run_of(ctx).connect(), name, completions, item_list, dry_run, wait, seconds)
