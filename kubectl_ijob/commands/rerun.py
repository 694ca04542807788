"""`rerun`: a new Indexed Job that runs chosen indexes of an old one (kubernetes#109131).

NAME-rerun-N (next free N) gets the original's pod template, its own headless Service
and peers, index i running original index k_i: the original's item k_i at /ijob/item
when the job has items, and IJOB_ORIGINAL_INDEX=k_i in every container either way.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import click

from kubectl_ijob import options as opt
from kubectl_ijob.errors import usage

if TYPE_CHECKING:
    from kubectl_ijob.client.protocol import KubeClient, Obj
    from kubectl_ijob.domain.jobplans import RerunPlan


def original_items(client: KubeClient, job: Obj) -> Optional[dict[str, str]]:
    """The original's items ConfigMap data, None when the job has no items."""
    from kubectl_ijob.commands.jobapi import items_configmap

    name = items_configmap(job)
    if name is None:
        return None
    cm = client.get("ConfigMap", name)
    if cm is None:
        raise usage(f"job.batch/{job['metadata']['name']} mounts work items from configmap/{name}, "
                    "which no longer exists")
    return dict(cm.get("data") or {})


def rerun_objects(job: Obj, plan: RerunPlan, namespace: str) -> list[Obj]:
    """Job, Service, items and index ConfigMaps of the rerun, in creation order."""
    from kubectl_ijob.domain.jobrerun import (add_original_index, index_configmap_name,
                                              index_env_data, rerun_base, strip_wiring)
    from kubectl_ijob.domain.manifests import CreateSpec, build_all, from_manifest

    n = len(plan.mapping)
    base, notes = rerun_base(job, n)
    plan.notes += notes
    original_spec = job.get("spec") or {}
    template, timeout = strip_wiring(original_spec.get("template") or {})
    image = ((template.get("spec") or {}).get("containers") or [{}])[0].get("image")
    template = add_original_index(template, plan.name, image)
    template, job_base = from_manifest({**base, "spec": {**base["spec"], "template": template}}, "rerun")
    items = None if plan.items is None else [plan.items[str(i)].removesuffix("\n") for i in range(n)]
    parallelism = min(int(original_spec.get("parallelism") or n), n)
    if timeout is not None:
        parallelism = n  # wait-for-peers needs every peer at once
    spec = CreateSpec(name=plan.name, namespace=namespace, completions=n, parallelism=parallelism,
                      items=items, wait_for_peers=timeout, template=template, job_base=job_base)
    objs = build_all(spec)
    objs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": index_configmap_name(plan.name), "namespace": namespace,
        "labels": dict(objs[0]["metadata"].get("labels") or {})}, "data": index_env_data(plan)})
    return objs


def plan_rerun(client: KubeClient, name: str, indexes: Optional[str]) -> tuple[Obj, RerunPlan]:
    """The original Job and the rerun plan, refused when there is nothing to run."""
    from kubectl_ijob.commands.snapshot import get_indexed_job
    from kubectl_ijob.domain.jobplans import next_rerun_name, rerun_plan

    job = get_indexed_job(client, name)
    new_name = next_rerun_name(name, [j["metadata"]["name"] for j in client.list_jobs(client.namespace)])
    plan = rerun_plan(job, new_name, indexes, original_items(client, job))
    if not plan.mapping:
        why = ("status.failedIndexes is empty" if (job.get("spec") or {}).get("backoffLimitPerIndex")
               is not None else "it has not failed")
        raise usage(f"job.batch/{name} has no failed indexes to rerun ({why}); "
                    "choose them with --indexes")
    return job, plan


def run_rerun(client: KubeClient, name: str, indexes: Optional[str], dry_run: str,
              output: str) -> None:
    """Print the mapping, then create the rerun's objects (rolled back on failure)."""
    from kubectl_ijob.commands.create import create_all
    from kubectl_ijob.commands.jobapi import check_job
    from kubectl_ijob.render.jobapi import rerun_text
    from kubectl_ijob.render.text import as_list, dump, object_name

    job, plan = plan_rerun(client, name, indexes)
    objs = rerun_objects(job, plan, client.namespace)
    check_job(objs[0])
    quiet = output in ("yaml", "json")
    if not quiet:
        click.echo(rerun_text(plan), nl=False)
    made = objs if dry_run == "client" else create_all(client, objs, dry_run=dry_run == "server")
    if quiet:
        click.echo(dump(as_list(made), output), nl=False)
        return
    suffix = " (server dry run)" if dry_run == "server" else ""
    if dry_run != "client":
        for obj in made:
            click.echo(f"{object_name(obj)} created{suffix}")


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.option("--failed", is_flag=True, help="Rerun the failed indexes (the default).")
@click.option("--indexes", "indexes", metavar="I,J-K", help="Rerun exactly these indexes.")
@opt.dry_run("client: print the index mapping (and -o yaml the objects); server: also validate.")
@opt.output("yaml or json (with --dry-run=client: the objects).")
@click.pass_context
def rerun(ctx: click.Context, name: str, failed: bool, indexes: Optional[str], dry_run: str,
          output: Optional[str]) -> None:
    """Run chosen indexes of a Job again, as a new Indexed Job NAME-rerun-N.

    Index i of the new job runs original index k_i: IJOB_ORIGINAL_INDEX=k_i is in
    its environment and, when the job has work items, /ijob/item is the original
    item k_i. The new job has its own Service, so its pods find each other by name.
    Without --indexes the failed indexes run (status.failedIndexes with
    --backoff-limit-per-index, else every index a failed job did not complete).

    \b
    Examples:
      kubectl ijob rerun train --failed
      kubectl ijob rerun train --indexes 3,7-9 --dry-run=client
    """
    from kubectl_ijob.domain.indexes import parse_intervals

    fmt = opt.check_output(output, ("yaml", "json"))
    if failed and indexes is not None:
        raise usage("--failed and --indexes cannot be used together")
    if indexes is not None:
        parse_intervals(indexes, flag="--indexes")  # syntax before anything is sent
    run_rerun(opt.run_of(ctx).connect(), name, indexes, dry_run, fmt)
