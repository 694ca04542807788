"""`create`: an Indexed Job with peer networking wired (headless Service, subdomain,
work items), created atomically: a failure removes what was made before it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import click

from kubectl_ijob import options as opt
from kubectl_ijob.commands.cron import schedule_flags
from kubectl_ijob.commands.jobapi import job_api_options
from kubectl_ijob.errors import IjobError, RollbackIncomplete, usage

if TYPE_CHECKING:  # the domain loads when a command runs, not for --help
    from kubectl_ijob.client.protocol import KubeClient, Obj
    from kubectl_ijob.domain.cronjob import CronSpec
    from kubectl_ijob.domain.manifests import CreateSpec, Probe


@dataclass
class CreateOptions:
    """create's flags, parsed and validated: the objects to make and how to report them."""

    spec: CreateSpec
    dry_run: str  # none, client, server
    output: str  # table, yaml, json, name
    cron: Optional[CronSpec] = None  # --schedule: a CronJob whose runs are this Job


def create_all(client: KubeClient, objs: list[Obj], dry_run: bool = False) -> list[Obj]:
    """Create the Job, then its Service and ConfigMap owned by it; undo everything on failure.

    One POST per object and no discovery. If any POST fails, the objects already created
    are deleted (the Job with Background propagation, so no pod it started survives) and
    the original error is raised, so nothing half-made is left behind.
    """
    from kubectl_ijob.domain import cronjob
    from kubectl_ijob.domain.manifests import owned_by

    created: list[Obj] = []
    try:
        for obj in objs:
            if created and obj["kind"] not in ("Job", "CronJob"):
                owner = cronjob.owned_by if created[0]["kind"] == "CronJob" else owned_by
                obj = owner(obj, created[0])
            created.append(client.create(obj, dry_run=dry_run))
    except IjobError as err:
        if not dry_run:
            leftovers = rollback(client, created)
            if leftovers:
                raise RollbackIncomplete(err, leftovers) from err
        raise
    return created


def rollback(client: KubeClient, created: list[Obj]) -> list[tuple[str, IjobError]]:
    """Delete what was created, newest first; what could not be removed, and why."""
    leftovers = []
    for obj in reversed(created):
        meta = obj["metadata"]
        try:
            client.delete(obj["kind"], meta["name"], meta.get("namespace"), propagation="Background")
        except IjobError as e:
            leftovers.append((f"{obj['kind'].lower()} {meta['name']}", e))
    return leftovers


def run(o: CreateOptions, client: Optional[KubeClient]) -> list[Obj]:
    """The objects as created (as built, for a client dry run)."""
    from kubectl_ijob.commands.jobapi import check_job
    from kubectl_ijob.domain.manifests import build_all

    objs = build_all(o.spec)
    check_job(objs[0])
    if o.cron is not None:
        from kubectl_ijob.commands.cron import build

        objs = build(objs, o.cron)
    if o.dry_run == "client" or client is None:
        return objs
    return create_all(client, objs, dry_run=o.dry_run == "server")


def parse_probe(o: dict[str, Any]) -> Optional[Probe]:
    """The liveness probe the --liveness-* flags describe, or None."""
    from kubectl_ijob.domain import inputs
    from kubectl_ijob.domain.manifests import Probe

    kinds = [f for f in ("liveness_http", "liveness_tcp", "liveness_exec") if o[f] is not None]
    settings = ("liveness_initial_delay", "liveness_period", "liveness_failure_threshold")
    if len(kinds) > 1:
        raise usage("only one of --liveness-http, --liveness-tcp and --liveness-exec may be given")
    if not kinds:
        if any(o[f] is not None for f in settings):
            raise usage("--liveness-* settings need a probe: --liveness-http, --liveness-tcp or "
                        "--liveness-exec")
        return None
    probe = Probe(initial_delay=o["liveness_initial_delay"], period=o["liveness_period"],
                  failure_threshold=o["liveness_failure_threshold"])
    if o["liveness_http"] is not None:
        probe.http_port, probe.http_path = inputs.parse_http_probe(o["liveness_http"])
    elif o["liveness_tcp"] is not None:
        probe.tcp_port = inputs.parse_port(o["liveness_tcp"], "--liveness-tcp")
    else:
        probe.exec_command = inputs.parse_exec_probe(o["liveness_exec"])
    for flag, value in (("--liveness-initial-delay", probe.initial_delay),
                        ("--liveness-period", probe.period),
                        ("--liveness-failure-threshold", probe.failure_threshold)):
        inputs.check_positive(value, flag, 0 if flag == "--liveness-initial-delay" else 1)
    return probe


def parse_spec(name: Optional[str], namespace: str, command: list[str],
               o: dict[str, Any]) -> CreateSpec:
    """create's flags as a validated CreateSpec (the domain never sees click)."""
    from kubectl_ijob.commands.files import read_object, read_text
    from kubectl_ijob.domain import inputs, placement
    from kubectl_ijob.commands.jobapi import apply_job_api_flags
    from kubectl_ijob.domain.manifests import CreateSpec, from_manifest, validate

    template = job_base = None
    if o["filename"]:
        doc = read_object(o["filename"])
        template, job_base = from_manifest(doc, o["filename"])
        name = name or ((doc.get("metadata") or {}).get("name"))
    if not name:
        raise usage("NAME is required: kubectl ijob create NAME --image IMAGE [-- COMMAND...]")
    items_text = read_text(o["items_file"], "--items-file") if o["items_file"] else None
    probe = parse_probe(o)
    job_base = apply_job_api_flags(job_base, o)
    spec = CreateSpec(
        name=name, namespace=namespace, image=o["image"], command=command,
        completions=o["completions"], parallelism=o["parallelism"], service=o["service"],
        publish_not_ready=o["publish_not_ready"], env=inputs.parse_env(list(o["env"])),
        labels=inputs.parse_labels(o["labels"]),
        ports=[inputs.parse_port(p, "--port") for p in o["ports"]],
        restart_policy=o["restart_policy"], image_pull_policy=o["image_pull_policy"],
        backoff_limit=o["backoff_limit"], backoff_limit_per_index=o["backoff_limit_per_index"],
        active_deadline_seconds=o["active_deadline_seconds"],
        ttl_seconds_after_finished=o["ttl_seconds_after_finished"],
        items=inputs.parse_items(o["items"], items_text), liveness=probe,
        placement=placement.build(o["node_selector"], o["tolerations"], o["requests"], o["limits"],
                                  o["shm_size"], o["priority_class"], o["service_account"],
                                  o["image_pull_secrets"]),
        wait_for_peers=opt.seconds(o["wait_for_peers"], "--wait-for-peers"),
        wait_image=o["wait_image"], cluster_domain=o["cluster_domain"],
        template=template, job_base=job_base)
    if o.get("schedule") is not None:  # before the Job's own name check: a run's is stricter
        from kubectl_ijob.commands.cron import check_run_names

        check_run_names(spec)
    validate(spec)
    return spec


@click.command(epilog=opt.GLOBAL_EPILOG, context_settings={"ignore_unknown_options": False})
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
@job_api_options
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
@click.option("--node-selector", metavar="K=V,...", help="Run only on nodes with these labels.")
@click.option("--toleration", "tolerations", multiple=True, metavar="KEY[=VALUE]:EFFECT",
              help="Tolerate a node taint, e.g. nvidia.com/gpu:NoSchedule (repeatable).")
@click.option("--requests", metavar="NAME=QTY,...", help="Worker resource requests, e.g. cpu=4,memory=16Gi.")
@click.option("--limits", metavar="NAME=QTY,...", help="Worker resource limits, e.g. nvidia.com/gpu=8.")
@click.option("--shm-size", metavar="QTY", help="Memory-backed /dev/shm of this size (e.g. 16Gi).")
@click.option("--priority-class", help="PriorityClass of the pods.")
@click.option("--service-account", help="ServiceAccount the pods run as.")
@click.option("--image-pull-secret", "image_pull_secrets", multiple=True, metavar="NAME",
              help="Secret for pulling the image (repeatable).")
@schedule_flags
@opt.cluster_domain()
@click.option("-f", "--filename", type=click.Path(dir_okay=False, allow_dash=True),
              help="A Job, Pod or PodTemplate manifest to turn into a peer-networked Indexed Job.")
@opt.dry_run("client: print only; server: validate.")
@opt.output("yaml, json or name.")
@click.pass_context
def create(ctx: click.Context, name: Optional[str], command: tuple[str, ...], **flags: Any) -> None:
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
    from kubectl_ijob.commands.cron import cron_spec
    from kubectl_ijob.render.text import as_list, dump, object_name, write

    output = opt.check_output(flags["output"], ("yaml", "json", "name"))
    run_ = opt.run_of(ctx)
    cron = cron_spec(flags, flags["suspend"])
    spec = parse_spec(name, run_.settings.namespace or "", list(command), flags)
    client = None if flags["dry_run"] == "client" else run_.connect()
    if not spec.namespace:  # a client dry run reads the namespace without the transport
        from kubectl_ijob.client.config import context_namespace

        spec.namespace = client.namespace if client else \
            context_namespace(run_.settings.kubeconfig, run_.settings.context)
    created = run(CreateOptions(spec, flags["dry_run"], output, cron), client)
    if output in ("yaml", "json"):
        write(dump(created[0] if len(created) == 1 else as_list(created), output))
        return
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(flags["dry_run"], "")
    for obj in created:
        write(object_name(obj) if output == "name" else f"{object_name(obj)} created{suffix}")
