"""Changing who owns a job's pods: relabel, delete, orphan, adopt.

Each prints its plan (what changes, what the controllers will do) before acting,
stops there with --dry-run=client, and with --wait reads back what Kubernetes did.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import click

from kubectl_ijob import options as opt
from kubectl_ijob.errors import Failed, usage

if TYPE_CHECKING:  # the rest loads when a command runs, not for --help
    from kubectl_ijob.client.protocol import KubeClient, Obj
    from kubectl_ijob.domain.model import IndexedJob
    from kubectl_ijob.domain.ownership import LabelPlan

RELABEL_DRY_RUN = "client: print the plan only; server: also validate on the server."
MODES = ("detach", "out-of-service", "reattach")


def say(lines: list[str]) -> None:
    """Print lines to stdout."""
    for line in lines:
        click.echo(line)


@dataclass
class RelabelOptions:
    """relabel's flags, checked."""

    name: str
    index: int
    labels: list[str]
    overwrite: bool
    mode: Optional[str]  # detach, out-of-service, reattach
    detach_dns: bool
    force: bool
    dry_run: str
    wait: bool
    seconds: int


def relabel_mode(labels: list[str], detach: bool, detach_dns: bool, out_of_service: bool,
                 reattach: bool) -> Optional[str]:
    """The shortcut the flags ask for (None: only KEY=VALUE edits), refusing bad mixes."""
    from kubectl_ijob.domain import ownership as own

    modes = [m for m, on in zip(MODES, (detach, out_of_service, reattach)) if on]
    if len(modes) > 1:
        raise usage("only one of --detach, --out-of-service and --reattach may be given")
    if detach_dns and not detach:
        raise usage("--detach-dns only works with --detach")
    if not modes and not labels:
        raise usage("at least one label update is required (KEY=VALUE or KEY-), "
                    "or --detach, --out-of-service or --reattach")
    own.parse_label_changes(labels, True, {})  # syntax first: nothing is sent
    return modes[0] if modes else None


def plan_relabel(o: RelabelOptions, model: IndexedJob) -> tuple[Obj, LabelPlan]:
    """The pod to relabel and the plan, refused when it cannot work."""
    from kubectl_ijob.domain import ownership as own
    from kubectl_ijob.domain.model import job_status, labels_of

    if not model.in_range(o.index):
        raise usage(f"invalid --index {o.index}: index {o.index} is out of range "
                    f"0-{model.completions - 1}")
    pod = own.relabel_target(model.pods, model.job, o.index, o.mode == "reattach")
    if pod is None:
        what = "detached pod" if o.mode == "reattach" else "pod owned by the Job"
        raise usage(f'index {o.index} of job "{o.name}" has no {what} to relabel')
    if o.mode and model.finished and not o.force:
        raise usage(f"job.batch/{o.name} is {job_status(model.job)}: its controller no longer "
                    "reacts to label changes (use --force to relabel anyway)")
    current = labels_of(pod)
    changes = own.shortcut_changes(o.mode, model.job, model.service, current, o.detach_dns) \
        if o.mode else {}
    changes.update(own.parse_label_changes(o.labels, o.overwrite, current))
    host = f"{o.name}-{o.index}.{model.subdomain or '<none>'}"
    return pod, own.plan_relabel(model.job, pod, model.service, changes, host)


def run_relabel(o: RelabelOptions, client: KubeClient) -> None:
    """Print the plan, patch the pod's labels, and (--wait) report what followed."""
    from kubectl_ijob.commands.snapshot import family_snapshot
    from kubectl_ijob.domain import ownership as own
    from kubectl_ijob.domain.waiting import poll
    from kubectl_ijob.render.ownership import bullets, label_edits, relabel_report

    model = family_snapshot(client, o.name)
    pod, plan = plan_relabel(o, model)
    say([f"Plan for pod/{plan.pod} (index {o.index}): labels {label_edits(plan.changes)}"])
    say(bullets("Then:", plan.effects))
    if o.dry_run == "client" or not plan.changes:
        return
    client.patch("Pod", plan.pod, plan.patch, dry_run=o.dry_run == "server")
    say([f"pod/{plan.pod} labeled" + (" (server dry run)" if o.dry_run == "server" else "")])
    if not o.wait or o.dry_run != "none":
        return
    uid = pod["metadata"]["uid"]
    old_names = {p["metadata"]["name"] for p in model.pods}

    def settled() -> Optional[IndexedJob]:
        now = family_snapshot(client, o.name, client.get_job(o.name))
        return now if own.relabel_settled(plan, uid, old_names, now.job, now.pods,
                                          now.slices) else None

    after = poll(settled, o.seconds)
    if after is None:
        say([f"timed out after {o.seconds:g}s waiting for the controllers; current state: "
             f"kubectl ijob owners {o.name}"])
        return
    say(relabel_report(o.name, plan, uid, model, after))


def dependents(client: KubeClient, job: Obj, service: Optional[Obj]) -> list[Obj]:
    """The Service and the ConfigMaps the pod template mounts: what a cascade may reach."""
    out = [dict(service, kind="Service")] if service else []
    for vol in job.get("spec", {}).get("template", {}).get("spec", {}).get("volumes") or []:
        cm = (vol.get("configMap") or {}).get("name")
        obj = client.get("ConfigMap", cm) if cm else None
        if obj is not None:
            out.append(dict(obj, kind="ConfigMap"))
    return out


def deletion_done(client: KubeClient, model: IndexedJob, policy: str) -> Optional[str]:
    """What became of the pods once the Job is gone (None: not yet)."""
    from kubectl_ijob.domain import ownership as own
    from kubectl_ijob.domain.model import JOB_NAME_LABEL

    if client.get("Job", model.name) is not None:
        return None
    owned = {p["metadata"]["name"] for p in model.pods if own.owned_by_job(p, model.job)}
    left = [p for p in client.list_pods_any([f"{JOB_NAME_LABEL}={model.name}"])
            if p["metadata"]["name"] in owned]
    if policy == "Orphan":
        still = [p for p in left if any(r.get("uid") == model.uid for r in
                                        p["metadata"].get("ownerReferences") or [])]
        return None if still else f"{len(left)} pods live on without an owner"
    return None if left else f"all {len(owned)} pods deleted"


def run_delete(client: KubeClient, name: str, cascade: str, dry_run: str, wait: bool,
               seconds: int) -> None:
    """Print what the cascade removes and keeps, delete, and (--wait) report the outcome."""
    from kubectl_ijob.commands.snapshot import family_snapshot
    from kubectl_ijob.domain import ownership as own
    from kubectl_ijob.domain.waiting import poll
    from kubectl_ijob.render.ownership import bullets

    from kubectl_ijob.client.errors import NotFound
    from kubectl_ijob.commands.cron import delete as delete_cronjob

    policy = cascade.capitalize()
    try:
        model = family_snapshot(client, name)
    except NotFound:  # NAME may be a CronJob of Indexed Jobs (create --schedule)
        if delete_cronjob(client, name, cascade, dry_run, wait, seconds):
            return
        raise
    plan = own.plan_delete(model.job, model.pods, dependents(client, model.job, model.service),
                           policy)
    say(bullets(f"Deleting with --cascade={cascade} removes:", plan.deleted))
    say(bullets("and keeps:", plan.kept or ["nothing"]))
    say([f"Note: {note}" for note in plan.notes])
    if dry_run == "client":
        return
    server_dry = dry_run == "server"
    if policy == "Orphan" and model.service is not None and not server_dry:
        client.patch("Service", model.service["metadata"]["name"], {"metadata": {"annotations": {
            own.SAVED_JOB_ANNOTATION: own.saved_job(model.job)}}})
    client.delete("Job", name, propagation=policy, dry_run=server_dry)
    say([f'job.batch "{name}" deleted' + (" (server dry run)" if server_dry else "")])
    if wait and not server_dry:
        result = poll(lambda: deletion_done(client, model, policy), seconds)
        say([result or f"timed out after {seconds}s waiting for the deletion to finish"])
        if result is None:
            raise Failed("timed out waiting for the deletion")


def old_job(name: str, services: list[Obj], given: Optional[Obj]) -> Obj:
    """The deleted Job to re-create: from -f, else the one orphan saved on its Service."""
    import json

    from kubectl_ijob.domain.ownership import SAVED_JOB_ANNOTATION

    if given is not None:
        return given
    saved = next((s for s in services if SAVED_JOB_ANNOTATION in
                  (s["metadata"].get("annotations") or {})), None)
    if saved is None:
        raise usage(f'no saved Job found for "{name}" (it was not orphaned by kubectl ijob): '
                    "give the old Job's manifest with -f")
    return json.loads(saved["metadata"]["annotations"][SAVED_JOB_ANNOTATION])


def run_adopt(client: KubeClient, name: str, given: Optional[Obj], dry_run: str) -> None:
    """Re-create the Job over its orphans and give the Service and ConfigMap back to it."""
    from kubectl_ijob.domain import ownership as own
    from kubectl_ijob.domain.manifests import owned_by
    from kubectl_ijob.domain.model import JOB_NAME_LABEL
    from kubectl_ijob.render.ownership import bullets

    if client.get("Job", name) is not None:
        raise usage(f'job.batch "{name}" still exists: adopt re-creates a deleted Job '
                    f"(delete it with kubectl ijob orphan {name} first)")
    pods = client.list_pods_any([f"{JOB_NAME_LABEL}={name}", f"job-name={name}"])
    services = [s for s in client.list_services(client.namespace)
                if (s.get("spec", {}).get("selector") or {}).get("job-name") == name]
    old = old_job(name, services, given)
    plan = own.plan_adopt(old, [p for p in pods if not p["metadata"].get("ownerReferences")])
    sel = plan.job["spec"]["selector"]["matchLabels"]
    say([f"Plan: create job.batch/{name} with manualSelector: true, selector "
         + ",".join(f"{k}={v}" for k, v in sel.items())])
    say(bullets("It adopts:", plan.adopted or ["no pods"]))
    if plan.warnings:
        say(bullets("Warnings:", plan.warnings))
    if dry_run == "client":
        return
    created = client.create(dict(plan.job, metadata=dict(plan.job["metadata"],
                                                          namespace=client.namespace)),
                            dry_run=dry_run == "server")
    say([f"job.batch/{name} created" + (" (server dry run)" if dry_run == "server" else "")])
    if dry_run == "server":
        return
    for obj in dependents(client, created, services[0] if services else None):
        ref = owned_by(obj, created)["metadata"]["ownerReferences"]
        patch: dict[str, Any] = {"metadata": {"ownerReferences": ref}}
        if obj["kind"] == "Service":
            patch["metadata"]["annotations"] = {own.SAVED_JOB_ANNOTATION: None}
        client.patch(obj["kind"], obj["metadata"]["name"], patch)
        say([f"{obj['kind'].lower()}/{obj['metadata']['name']} owned by job.batch/{name} again"])


# ---------------------------------------------------------------- the click commands

@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.argument("labels", nargs=-1)
@click.option("--index", "index", type=click.IntRange(0), required=True, help="The completion index whose pod to relabel.")
@click.option("--overwrite", is_flag=True, help="Allow changing a label that has a value.")
@click.option("--detach", is_flag=True,
              help="Take the pod out of the Job's selector (quarantine): it is replaced, keeps running.")
@click.option("--detach-dns", is_flag=True, help="With --detach: also take it out of the Service.")
@click.option("--out-of-service", is_flag=True, help="Take the pod out of the Service only (no DNS record).")
@click.option("--reattach", is_flag=True, help="Put a detached pod of the index back into the Job and Service.")
@click.option("--force", is_flag=True, help="Relabel even when the Job is finished and will not react.")
@opt.dry_run(RELABEL_DRY_RUN)
@opt.wait
@opt.timeout("60s", "How long --wait waits.")
@opt.cluster_domain()
@click.pass_context
def relabel(ctx: click.Context, name: str, labels: tuple[str, ...], index: int, overwrite: bool,
            detach: bool, detach_dns: bool, out_of_service: bool, reattach: bool, force: bool,
            dry_run: str, wait: bool, timeout_text: str, cluster_domain: str) -> None:
    """Change labels on the pod of one index and show what the controllers do.

    Mirrors `kubectl label pod`, with shortcuts that say the intent. The plan is
    printed first; --dry-run=client prints only the plan; --wait reports the
    replacement pod, the released pod and the DNS records once the controllers
    have reacted.

    \b
    Examples:
      kubectl ijob relabel example-job --index 1 --detach --wait
      kubectl ijob relabel example-job --index 1 --out-of-service
      kubectl ijob relabel example-job --index 1 --reattach --wait
      kubectl ijob relabel example-job --index 0 team=ml debug-
    """
    mode = relabel_mode(list(labels), detach, detach_dns, out_of_service, reattach)
    seconds = opt.seconds(timeout_text, "--timeout") or 60
    run_relabel(RelabelOptions(name, index, list(labels), overwrite, mode, detach_dns, force,
                               dry_run, wait, seconds), opt.run_of(ctx).connect())


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.option("--cascade", type=click.Choice(["background", "foreground", "orphan"]),
              default="background", show_default=True,
              help="What happens to the pods, Service and ConfigMap (as kubectl delete).")
@opt.dry_run(RELABEL_DRY_RUN)
@opt.wait
@opt.timeout("60s", "How long --wait waits.")
@click.pass_context
def delete(ctx: click.Context, name: str, cascade: str, dry_run: str, wait: bool,
           timeout_text: str) -> None:
    """Delete the Job, showing what the cascade deletes and what it keeps.

    Default background, like kubectl (a raw API DELETE of a batch/v1 Job orphans its
    pods). foreground keeps the Job until its pods are gone; orphan keeps pods,
    Service and ConfigMap, and saves the Job on the Service so `adopt` can bring it back.

    \b
    Examples:
      kubectl ijob delete example-job --dry-run=client
      kubectl ijob delete example-job --cascade=foreground --wait
      kubectl ijob delete example-job --cascade=orphan
    """
    seconds = opt.seconds(timeout_text, "--timeout") or 60
    run_delete(opt.run_of(ctx).connect(), name, cascade, dry_run, wait, seconds)


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@opt.dry_run(RELABEL_DRY_RUN)
@opt.wait
@opt.timeout("60s", "How long --wait waits.")
@click.pass_context
def orphan(ctx: click.Context, name: str, dry_run: str, wait: bool, timeout_text: str) -> None:
    """Delete the Job but keep its pods, Service and ConfigMap running (cascade=orphan).

    \b
    Examples:
      kubectl ijob orphan example-job
      kubectl ijob adopt example-job      # bring a Job back over the survivors
    """
    seconds = opt.seconds(timeout_text, "--timeout") or 60
    run_delete(opt.run_of(ctx).connect(), name, "orphan", dry_run, wait, seconds)
    if dry_run == "none":
        click.echo(f"To adopt them again: kubectl ijob adopt {name}")


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.option("-f", "--filename", type=click.Path(dir_okay=False, allow_dash=True),
              help="The old Job's manifest, if it was not orphaned by kubectl ijob.")
@opt.dry_run(RELABEL_DRY_RUN)
@click.pass_context
def adopt(ctx: click.Context, name: str, filename: Optional[str], dry_run: str) -> None:
    """Re-create a deleted Job over its orphans, so they are owned again.

    Same name and pod template, manualSelector: true and a selector on the orphans'
    old controller-uid; the surviving Service and ConfigMap get their
    ownerReference to the new Job back.

    \b
    Examples:
      kubectl ijob adopt example-job --dry-run=client
      kubectl ijob adopt example-job
    """
    given = None
    if filename:  # read and check the manifest before anything is sent
        from kubectl_ijob.commands.files import read_object
        from kubectl_ijob.domain.manifests import saved_job_manifest
        from kubectl_ijob.domain.ownership import plan_adopt

        given = saved_job_manifest(read_object(filename), name, filename)
        plan_adopt(given, [])
    run_adopt(opt.run_of(ctx).connect(), name, given, dry_run)
