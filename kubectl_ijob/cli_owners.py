"""Ownership commands: owners, orphans, relabel, delete, orphan, adopt.

Each prints its plan (what changes, what the controllers will do) before acting,
stops there with --dry-run=client, and with --wait reads back what Kubernetes did.
"""
from __future__ import annotations

import json
from typing import Any, Optional

import click

from kubectl_ijob.cli import (GLOBAL_EPILOG, _check_output, _domain, _job_name, _now, _seconds, cli,
                              connect)
from kubectl_ijob.errors import IjobError, usage

DRY_RUN = click.option("--dry-run", type=click.Choice(["none", "client", "server"]),
                       default="none", is_flag=False, flag_value="client",
                       help="client: print the plan only; server: also validate on the server.")
WAIT = click.option("--wait", is_flag=True, help="Wait for the controllers and report what they did.")
TIMEOUT = click.option("--timeout", "timeout_text", default="60s", show_default=True,
                       help="How long --wait waits.")


def _say(lines: list[str], title: str) -> None:
    click.echo(title)
    for line in lines:
        click.echo(f"  - {line}")


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@click.option("-o", "--output", help="json or yaml.")
@click.option("--no-headers", is_flag=True, help="Do not print headers.")
@click.pass_context
def owners(ctx: click.Context, name: str, output: Optional[str], no_headers: bool) -> None:
    """Show, per pod, who owns and who selects it: the Job, the Service, DNS.

    Lists every pod the Job owns and every pod that still carries its labels
    (detached or orphaned), with: owned by the Job (ownerReference), selected by
    the Job's selector, selected by the Service, published in DNS, job-tracking
    finalizer.

    \b
    Examples:
      kubectl ijob owners example-job
      kubectl ijob status example-job --ownership
    """
    from dataclasses import asdict

    from kubectl_ijob import actions, ownership
    from kubectl_ijob.render import dump, ownership_text, write

    fmt = _check_output(output, ("json", "yaml"))
    snap = actions.family_snapshot(connect(ctx), name)
    rows = ownership.ownership_rows(snap.job, snap.pods, snap.service, snap.slices)
    svc = snap.service
    svc_owned = bool(svc) and ownership.owned_by_job(svc, snap.job)
    if fmt in ("json", "yaml"):
        write(dump({"apiVersion": "ijob.kubectl.io/v1alpha1", "kind": "JobOwnership",
                    "job": name, "service": svc["metadata"]["name"] if svc else None,
                    "serviceOwnedByJob": svc_owned, "notes": snap.notes,
                    "pods": [asdict(r) for r in rows]}, fmt))
        return
    write(ownership_text(snap.job, rows, svc, svc_owned, _now(), no_headers, snap.notes))


@cli.command(epilog=GLOBAL_EPILOG)
@click.option("-A", "--all-namespaces", is_flag=True, help="Look in every namespace.")
@click.option("-o", "--output", help="json or yaml.")
@click.option("--no-headers", is_flag=True, help="Do not print headers.")
@click.pass_context
def orphans(ctx: click.Context, all_namespaces: bool, output: Optional[str], no_headers: bool) -> None:
    """List pods and headless Services left behind by deleted Indexed Jobs.

    \b
    Examples:
      kubectl ijob orphans
      kubectl ijob orphans -A
    """
    from kubectl_ijob import ownership
    from kubectl_ijob.render import dump, orphans_text, write

    fmt = _check_output(output, ("json", "yaml"))
    kube = connect(ctx)
    ns = None if all_namespaces else kube.namespace
    pods = kube.list_all_pods(ownership.JOB_NAME_LABEL, ns) + [
        p for p in kube.list_all_pods("job-name", ns) if ownership.JOB_NAME_LABEL not in
        (p["metadata"].get("labels") or {})]
    found = ownership.find_orphans(pods, kube.list_services(ns), kube.list_jobs(ns))
    if fmt in ("json", "yaml"):
        write(dump({"apiVersion": "ijob.kubectl.io/v1alpha1", "kind": "OrphanList", "items": [
            {"namespace": k[0], "job": k[1],
             "pods": [p["metadata"]["name"] for p in v["pods"]],
             "services": [s["metadata"]["name"] for s in v["services"]]}
            for k, v in sorted(found.items())]}, fmt))
        return
    if not found:
        where = "any namespace" if ns is None else f"{ns} namespace"
        click.echo(f"No orphans of Indexed Jobs found in {where}.", err=True)
        return
    write(orphans_text(found, _now(), ns is None, no_headers))


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@click.argument("labels", nargs=-1)
@click.option("--index", "index", type=click.IntRange(0), required=True, help="The completion index whose pod to relabel.")
@click.option("--overwrite", is_flag=True, help="Allow changing a label that has a value.")
@click.option("--detach", is_flag=True,
              help="Take the pod out of the Job's selector (quarantine): it is replaced, keeps running.")
@click.option("--detach-dns", is_flag=True, help="With --detach: also take it out of the Service.")
@click.option("--out-of-service", is_flag=True, help="Take the pod out of the Service only (no DNS record).")
@click.option("--reattach", is_flag=True, help="Put a detached pod of the index back into the Job and Service.")
@click.option("--force", is_flag=True, help="Relabel even when the Job is finished and will not react.")
@DRY_RUN
@WAIT
@TIMEOUT
@click.option("--cluster-domain", default="cluster.local", show_default=True, callback=_domain)
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
    from kubectl_ijob import actions, ownership
    from kubectl_ijob import status as st

    modes = [m for m, on in (("detach", detach), ("out-of-service", out_of_service),
                             ("reattach", reattach)) if on]
    if len(modes) > 1:
        raise usage("only one of --detach, --out-of-service and --reattach may be given")
    if detach_dns and not detach:
        raise usage("--detach-dns only works with --detach")
    if not modes and not labels:
        raise usage("at least one label update is required (KEY=VALUE or KEY-), "
                    "or --detach, --out-of-service or --reattach")
    ownership.parse_label_changes(list(labels), True, {})  # syntax first: nothing is sent
    seconds = _seconds(timeout_text, "--timeout") or 60
    kube = connect(ctx)
    snap = actions.family_snapshot(kube, name)
    completions = int(snap.job["spec"].get("completions") or 1)
    if not 0 <= index < completions:
        raise usage(f"invalid --index {index}: index {index} is out of range 0-{completions - 1}")
    pod = _pod_for(snap, index, reattach)
    if pod is None:
        what = "detached pod" if reattach else "pod owned by the Job"
        raise usage(f'index {index} of job "{name}" has no {what} to relabel')
    mode = modes[0] if modes else None
    if mode and st.finished(snap.job) and not force:
        raise usage(f"job.batch/{name} is {st.job_status(snap.job)}: its controller no longer "
                    "reacts to label changes (use --force to relabel anyway)")
    current = ownership.labels_of(pod)
    changes = ownership.shortcut_changes(mode, snap.job, snap.service, current, detach_dns) if mode else {}
    changes.update(ownership.parse_label_changes(list(labels), overwrite, current))
    sub = snap.job["spec"]["template"]["spec"].get("subdomain") or "<none>"
    host = f"{name}-{index}.{sub}"
    plan = ownership.plan_relabel(snap.job, pod, snap.service, changes, host)
    edits = ", ".join(f"{k}-" if v is None else f"{k}={v}" for k, v in changes.items()) or "none"
    click.echo(f"Plan for pod/{plan.pod} (index {index}): labels {edits}")
    _say(plan.effects, "Then:")
    if dry_run == "client" or not changes:
        return
    kube.patch("Pod", plan.pod, plan.patch, dry_run=dry_run == "server")
    click.echo(f"pod/{plan.pod} labeled" + (" (server dry run)" if dry_run == "server" else ""))
    if wait and dry_run == "none":
        for line in _observe_relabel(kube, name, snap, pod, plan, seconds):
            click.echo(line)


def _pod_for(snap: Any, index: int, detached: bool) -> Optional[dict[str, Any]]:
    """The pod to relabel: the index's current owned pod, or its newest detached pod."""
    from kubectl_ijob import ownership
    from kubectl_ijob import status as st

    mine = [p for p in snap.pods if st.pod_index(p) == index
            and ownership.owned_by_job(p, snap.job) != detached]
    mine.sort(key=st._rank)
    return mine[0] if mine else None


def _live(snap: Any, index: int) -> list[dict[str, Any]]:
    """The index's pods that are neither finished nor being deleted."""
    from kubectl_ijob import ownership
    from kubectl_ijob import status as st

    return [p for p in snap.pods if st.pod_index(p) == index and ownership.is_active(p)]


def _observe_relabel(kube: Any, name: str, before: Any, pod: dict[str, Any], plan: Any,
                     seconds: float) -> list[str]:
    """Wait for the controllers' reaction to a relabel and describe it from the API."""
    from kubectl_ijob import actions, ownership
    from kubectl_ijob import status as st

    uid, index = pod["metadata"]["uid"], plan.index
    old_names = {p["metadata"]["name"] for p in before.pods}

    def state() -> Any:
        return actions.family_snapshot(kube, name, kube.get_job(name))

    def settled() -> Optional[Any]:
        snap = state()
        mine = next((p for p in snap.pods if p["metadata"]["uid"] == uid), None)
        new = [p for p in snap.pods if st.pod_index(p) == index and p["metadata"]["name"] not in old_names]
        if plan.job_before and not plan.job_after:
            released = mine is not None and not ownership.owned_by_job(mine, snap.job) and \
                ownership.TRACKING_FINALIZER not in (mine["metadata"].get("finalizers") or [])
            return snap if released and (new or st.finished(snap.job)) else None
        if not plan.job_before and plan.job_after:
            # Settled once the controller has adopted and de-duplicated: one live pod left.
            live = _live(snap, index)
            return snap if len(live) == 1 and ownership.owned_by_job(live[0], snap.job) else None
        if plan.service_before != plan.service_after:
            eps = st.endpoints_by_pod(snap.slices) or {}
            return snap if (uid in eps) == plan.service_after else None
        return snap

    snap = actions.wait_until(settled, seconds)
    if snap is None:
        return [f"timed out after {seconds:g}s waiting for the controllers; current state: "
                f"kubectl ijob owners {name}"]
    out = []
    mine = next((p for p in snap.pods if p["metadata"]["uid"] == uid), None)
    for p in snap.pods:
        if st.pod_index(p) == index and p["metadata"]["name"] not in old_names:
            out.append(f"replacement pod: {p['metadata']['name']} (index {index})")
    if mine is None:
        out.append(f"pod {plan.pod} is gone")
    else:
        owned = ownership.owned_by_job(mine, snap.job)
        out.append(f"pod {plan.pod}: {'owned by' if owned else 'released from'} job.batch/{name}"
                   + (", deleting" if mine["metadata"].get("deletionTimestamp") else ""))
    for p in snap.pods:
        if st.pod_index(p) == index and p is not mine and p["metadata"].get("deletionTimestamp"):
            out.append(f"the Job controller is deleting pod {p['metadata']['name']} (duplicate of index {index})")
    now = {p["metadata"]["name"] for p in snap.pods}
    for p in _live(before, index):
        if p["metadata"]["name"] not in now:
            out.append(f"pod {p['metadata']['name']} (index {index}) was deleted by the Job controller")
    if not plan.job_before and plan.job_after:
        out.append(f"index {index} runs on pod {_live(snap, index)[0]['metadata']['name']}")
    addrs = sorted({a for sl in snap.slices or [] for ep in sl.get("endpoints") or []
                    if ep.get("hostname") == f"{name}-{index}" for a in ep.get("addresses") or []})
    out.append(f"DNS {name}-{index}: " + (", ".join(addrs) if addrs else "no records"))
    if len(addrs) > 1:
        out.append(f"warning: {name}-{index} resolves to {len(addrs)} addresses")
    return out


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@click.option("--cascade", type=click.Choice(["background", "foreground", "orphan"]),
              default="background", show_default=True,
              help="What happens to the pods, Service and ConfigMap (as kubectl delete).")
@DRY_RUN
@WAIT
@TIMEOUT
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
    _delete(ctx, name, cascade, dry_run, wait, timeout_text)


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@DRY_RUN
@WAIT
@TIMEOUT
@click.pass_context
def orphan(ctx: click.Context, name: str, dry_run: str, wait: bool, timeout_text: str) -> None:
    """Delete the Job but keep its pods, Service and ConfigMap running (cascade=orphan).

    \b
    Examples:
      kubectl ijob orphan example-job
      kubectl ijob adopt example-job      # bring a Job back over the survivors
    """
    _delete(ctx, name, "orphan", dry_run, wait, timeout_text)
    if dry_run == "none":
        click.echo(f"To adopt them again: kubectl ijob adopt {name}")


def _delete(ctx: click.Context, name: str, cascade: str, dry_run: str, wait: bool,
            timeout_text: str) -> None:
    from kubectl_ijob import actions, ownership

    seconds = _seconds(timeout_text, "--timeout") or 60
    policy = cascade.capitalize()
    kube = connect(ctx)
    snap = actions.family_snapshot(kube, name)
    others = actions.dependents(kube, snap.job, snap.service)
    plan = ownership.plan_delete(snap.job, snap.pods, others, policy)
    _say(plan.deleted, f"Deleting with --cascade={cascade} removes:")
    _say(plan.kept or ["nothing"], "and keeps:")
    for note in plan.notes:
        click.echo(f"Note: {note}")
    if dry_run == "client":
        return
    server_dry = dry_run == "server"
    if policy == "Orphan" and snap.service is not None and not server_dry:
        kube.patch("Service", snap.service["metadata"]["name"], {"metadata": {"annotations": {
            ownership.SAVED_JOB_ANNOTATION: ownership.saved_job(snap.job)}}})
    kube.delete("Job", name, propagation=policy, dry_run=server_dry)
    click.echo(f'job.batch "{name}" deleted' + (" (server dry run)" if server_dry else ""))
    if wait and not server_dry:
        uid = snap.job["metadata"]["uid"]
        owned = {p["metadata"]["name"] for p in snap.pods if ownership.owned_by_job(p, snap.job)}

        def done() -> Optional[str]:
            if kube.get("Job", name) is not None:
                return None
            left = [p for p in kube.list_pods_any([f"{ownership.JOB_NAME_LABEL}={name}"])
                    if p["metadata"]["name"] in owned]
            if policy == "Orphan":
                still = [p for p in left if any(r.get("uid") == uid for r in
                                                p["metadata"].get("ownerReferences") or [])]
                return None if still else f"{len(left)} pods live on without an owner"
            return None if left else f"all {len(owned)} pods deleted"

        result = actions.wait_until(done, seconds)
        click.echo(result or f"timed out after {seconds}s waiting for the deletion to finish")
        if result is None:
            raise IjobError("error: timed out waiting for the deletion")


@cli.command(epilog=GLOBAL_EPILOG)
@click.argument("name", callback=_job_name)
@click.option("-f", "--filename", type=click.Path(dir_okay=False, allow_dash=True),
              help="The old Job's manifest, if it was not orphaned by kubectl ijob.")
@DRY_RUN
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
    from kubectl_ijob import actions, ownership

    old = None
    if filename:  # read and check the manifest before anything is sent
        from kubectl_ijob.cli import read_object
        from kubectl_ijob.manifests import saved_job_manifest

        old = saved_job_manifest(read_object(filename), name, filename)
        ownership.plan_adopt(old, [])
    kube = connect(ctx)
    if kube.get("Job", name) is not None:
        raise usage(f'job.batch "{name}" still exists: adopt re-creates a deleted Job '
                    f"(delete it with kubectl ijob orphan {name} first)")
    pods = kube.list_pods_any([f"{ownership.JOB_NAME_LABEL}={name}", f"job-name={name}"])
    services = [s for s in kube.list_services(kube.namespace)
                if (s.get("spec", {}).get("selector") or {}).get("job-name") == name]
    saved = next((s for s in services if ownership.SAVED_JOB_ANNOTATION in
                  (s["metadata"].get("annotations") or {})), None)
    if old is None and saved is not None:
        old = json.loads(saved["metadata"]["annotations"][ownership.SAVED_JOB_ANNOTATION])
    elif old is None:
        raise usage(f'no saved Job found for "{name}" (it was not orphaned by kubectl ijob): '
                    "give the old Job's manifest with -f")
    orphans = [p for p in pods if not p["metadata"].get("ownerReferences")]
    plan = ownership.plan_adopt(old, orphans)
    sel = plan.job["spec"]["selector"]["matchLabels"]
    click.echo(f"Plan: create job.batch/{name} with manualSelector: true, selector "
               + ",".join(f"{k}={v}" for k, v in sel.items()))
    _say(plan.adopted or ["no pods"], "It adopts:")
    if plan.warnings:
        _say(plan.warnings, "Warnings:")
    if dry_run == "client":
        return
    created = kube.create(dict(plan.job, metadata=dict(plan.job["metadata"], namespace=kube.namespace)),
                          dry_run=dry_run == "server")
    click.echo(f"job.batch/{name} created" + (" (server dry run)" if dry_run == "server" else ""))
    if dry_run == "server":
        return
    from kubectl_ijob.manifests import owned_by

    for obj in actions.dependents(kube, created, services[0] if services else None):
        ref = owned_by(obj, created)["metadata"]["ownerReferences"]
        patch: dict[str, Any] = {"metadata": {"ownerReferences": ref}}
        if obj["kind"] == "Service":
            patch["metadata"]["annotations"] = {ownership.SAVED_JOB_ANNOTATION: None}
        kube.patch(obj["kind"], obj["metadata"]["name"], patch)
        click.echo(f"{obj['kind'].lower()}/{obj['metadata']['name']} owned by job.batch/{name} again")
