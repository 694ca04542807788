"""Looking at Indexed Jobs: status (with -w), list, describe, owners, orphans."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import click

from kubectl_ijob import options as opt

if TYPE_CHECKING:  # the rest loads when a command runs, not for --help
    import datetime as dt

    from kubectl_ijob.client.protocol import KubeClient, Obj
    from kubectl_ijob.commands.cron import CronShown
    from kubectl_ijob.domain.model import IndexedJob



def now() -> dt.datetime:
    """The time AGE is measured to."""
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc)


@dataclass
class StatusOptions:
    """status NAME's flags."""

    name: str
    output: str  # table, wide, json, yaml
    no_headers: bool
    watch: bool
    cluster_domain: str
    colour: bool
    run: Optional[str] = None  # --run: which run of the CronJob NAME


def show_status(o: StatusOptions, model: IndexedJob, cron: Optional[CronShown] = None,
                workloads: Optional[list[Obj]] = None) -> None:
    """Print one state of the job in the chosen format (cron: NAME is a CronJob and this
    is one of its runs; workloads: Kueue's, when read)."""
    from kubectl_ijob.domain.jobfate import fate as job_fate
    from kubectl_ijob.domain.status import model_rows, summarize
    from kubectl_ijob.render import documents
    from kubectl_ijob.render.cron import cron_header_text
    from kubectl_ijob.render.jobapi import fate_lines
    from kubectl_ijob.render.text import dump, write
    from kubectl_ijob.render.views import status_text

    rows = model_rows(model, o.cluster_domain)
    summary = summarize(model.job, model.service)
    fate = job_fate(model.job, model.pods, workloads)
    if fate.managed_by and not model.pods:  # not Waiting: run elsewhere, maybe another cluster
        rows = []
        model.notes.append(f"no pods in this cluster: {fate.managed_by} runs this Job's indexes")
    if o.output in ("json", "yaml"):
        doc = dict(documents.status_document(summary, rows, model.notes),
                   fate=documents.fate_document(fate))
        write(dump(dict(doc, cronJob=documents.cron_document(*cron)) if cron else doc, o.output))
    else:
        if cron and not o.no_headers:
            write(cron_header_text(*cron, now(), o.colour))
        write(status_text(summary, rows, now(), wide=o.output == "wide", no_headers=o.no_headers,
                          colour=o.colour, notes=model.notes, extra=fate_lines(fate, now())))


def run_status(o: StatusOptions, client: KubeClient) -> None:
    """status NAME, once or (-w) redrawn on every change until the job finishes."""
    from kubectl_ijob.commands import cron

    if not o.watch:
        model = cron.status_snapshot(client, o.name, o.run)
        if model is None:  # a CronJob without runs: its settings, as text or a document
            show_cron_without_runs(o, cron.status_cron(client, o.name, o.run, None))
            return
        from kubectl_ijob.commands.jobapi import kueue_workloads

        show_status(o, model, cron.status_cron(client, o.name, o.run, model),
                    kueue_workloads(client, model))
        return
    from kubectl_ijob.commands.watching import redrawer, watch

    watch(client, o.run or o.name, redrawer(
        lambda m: show_status(o, m, cron.status_cron(client, o.name, o.run, m))))


def show_cron_without_runs(o: StatusOptions, cron: CronShown) -> None:
    """`status CRONJOB` before its first run: the header, or a document with no indexes."""
    from kubectl_ijob.render import documents
    from kubectl_ijob.render.cron import cron_header_text
    from kubectl_ijob.render.text import dump, write

    if o.output in ("json", "yaml"):
        write(dump(documents.cron_without_runs_document(documents.cron_document(*cron)),
                   o.output))
    else:
        write(cron_header_text(*cron, now(), o.colour))


@dataclass
class ListOptions:
    """list's flags."""

    output: str  # table, wide, json, yaml, name
    no_headers: bool
    all_namespaces: bool
    colour: bool


def run_list(o: ListOptions, client: KubeClient) -> None:
    """The Indexed Jobs of a namespace (or all), each with its Service's wiring, then the
    CronJobs whose runs are Indexed Jobs."""
    from kubectl_ijob.commands.cron import list_pairs
    from kubectl_ijob.domain.model import is_indexed, subdomain_of
    from kubectl_ijob.render.cron import cron_list_text
    from kubectl_ijob.render.text import as_list, dump, object_name, write
    from kubectl_ijob.render.views import list_text

    ns = None if o.all_namespaces else client.namespace
    jobs = [j for j in client.list_jobs(ns) if is_indexed(j)]
    services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s
                for s in client.list_services(ns)} if jobs else {}
    crons = list_pairs(client, ns)
    if o.output in ("json", "yaml"):
        write(dump(as_list(jobs + [c for c, _ in crons]), o.output))
        return
    if o.output == "name":
        write("\n".join(f"job.batch/{j['metadata']['name']}" for j in jobs) +
              "".join(f"\n{object_name(c)}" for c, _ in crons))
        return
    if not jobs and not crons:
        where = "any namespace" if ns is None else f"{ns} namespace"
        click.echo(f"No Indexed Jobs found in {where}.", err=True)
        return
    pairs = [(j, services.get((j["metadata"]["namespace"], subdomain_of(j)))) for j in jobs]
    if jobs:
        write(list_text(pairs, now(), all_namespaces=ns is None, wide=o.output == "wide",
                        no_headers=o.no_headers, colour=o.colour))
    if crons:
        write(("\n" if jobs else "") + cron_list_text(crons, now(), ns is None, o.no_headers,
                                                      o.colour))


def run_describe(name: str, output: str, client: KubeClient) -> None:
    """describe NAME: the model plus events and what NetworkPolicies do to the peers."""
    from kubectl_ijob.commands.snapshot import side_query, snapshot
    from kubectl_ijob.domain.netpol import policy_findings
    from kubectl_ijob.domain.projection import status_view, unmanaged
    from kubectl_ijob.domain.status import model_rows, summarize
    from kubectl_ijob.render import documents
    from kubectl_ijob.commands.jobapi import kueue_workloads
    from kubectl_ijob.domain.jobfate import fate as job_fate
    from kubectl_ijob.render.describe import describe_text
    from kubectl_ijob.render.jobapi import fate_lines
    from kubectl_ijob.render.text import dump, write

    model = snapshot(client, name, view=status_view)
    uids = {model.uid} | {p["metadata"]["uid"] for p in model.pods}
    listed = side_query(model, lambda: client.list_events(view=unmanaged), "events") or []
    events = [e for e in listed if (e.get("involvedObject") or {}).get("uid") in uids]
    events.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")
    namespace = model.namespace or client.namespace
    policies = side_query(model, lambda: client.list_of("NetworkPolicy", namespace),
                          "NetworkPolicies")
    network = None if policies is None else \
        policy_findings(model.template_labels, namespace, policies)
    rows = model_rows(model)
    summary = summarize(model.job, model.service)
    fate = job_fate(model.job, model.pods, kueue_workloads(client, model))
    if output in ("json", "yaml"):
        write(dump(dict(documents.describe_document(summary, rows, model.notes, network, events),
                        fate=documents.fate_document(fate)), output))
        return
    write(describe_text(model.job, summary, rows, events[-20:], now(), model.notes, network,
                        extra=fate_lines(fate, now(), width=26)))


def run_owners(name: str, output: str, no_headers: bool, colour: bool,
               client: KubeClient) -> None:
    """owners NAME: per pod, who owns and who selects it."""
    from kubectl_ijob.commands.snapshot import family_snapshot
    from kubectl_ijob.domain import ownership
    from kubectl_ijob.domain.projection import status_view
    from kubectl_ijob.render import documents
    from kubectl_ijob.render.text import dump, write
    from kubectl_ijob.render.views import ownership_text

    model = family_snapshot(client, name, view=status_view)
    rows = ownership.ownership_rows(model.job, model.pods, model.service, model.slices)
    svc = model.service
    svc_owned = bool(svc) and ownership.owned_by_job(svc, model.job)
    if output in ("json", "yaml"):
        write(dump(documents.ownership_document(name, svc, svc_owned, model.notes, rows), output))
        return
    write(ownership_text(model.job, rows, svc, svc_owned, now(), no_headers, model.notes,
                         colour=colour))


def run_orphans(all_namespaces: bool, output: str, no_headers: bool, client: KubeClient) -> None:
    """orphans: pods and headless Services left by deleted Indexed Jobs."""
    from kubectl_ijob.domain import ownership
    from kubectl_ijob.domain.model import JOB_NAME_LABEL
    from kubectl_ijob.render import documents
    from kubectl_ijob.render.text import dump, write
    from kubectl_ijob.render.views import orphans_text

    ns = None if all_namespaces else client.namespace
    pods = client.list_all_pods(JOB_NAME_LABEL, ns) + [
        p for p in client.list_all_pods("job-name", ns)
        if JOB_NAME_LABEL not in (p["metadata"].get("labels") or {})]
    found = ownership.find_orphans(pods, client.list_services(ns), client.list_jobs(ns))
    if output in ("json", "yaml"):
        write(dump(documents.orphans_document(found), output))
        return
    if not found:
        where = "any namespace" if ns is None else f"{ns} namespace"
        click.echo(f"No orphans of Indexed Jobs found in {where}.", err=True)
        return
    write(orphans_text(found, now(), ns is None, no_headers))


# ---------------------------------------------------------------- the click commands

@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name(required=False)
@opt.output("wide, json or yaml.")
@opt.no_headers
@click.option("-w", "--watch", is_flag=True, help="Redraw on change until the job finishes.")
@opt.all_namespaces("Without NAME: list in all namespaces.")
@opt.cluster_domain("Cluster DNS domain, for the HOSTNAME column.")
@click.option("--ownership", is_flag=True, help="Show who owns and selects each pod (as `owners`).")
@click.option("--run", "run_name", metavar="JOB",
              help="With a CronJob NAME: show this run (default: the active, else the latest).")
@click.pass_context
def status(ctx: click.Context, name: Optional[str], output: Optional[str], no_headers: bool,
           watch: bool, all_namespaces: bool, cluster_domain: str, ownership: bool,
           run_name: Optional[str]) -> None:
    """Show an Indexed Job per index: current pod, state, restarts, peers' DNS wiring.

    Without NAME, lists the Indexed Jobs (as `kubectl ijob list`). NAME may be a CronJob
    made by `create --schedule`: its schedule and runs, then the active (else latest) run.

    \b
    Examples:
      kubectl ijob status example-job
      kubectl ijob status example-job -o wide
      kubectl ijob status example-job -w
      kubectl ijob status example-job -o json
      kubectl ijob status nightly --run nightly-29412345
    """
    if not name:
        ctx.invoke(list_jobs, output=output, no_headers=no_headers, all_namespaces=all_namespaces)
        return
    if ownership:
        ctx.invoke(owners, name=name, output=output, no_headers=no_headers)
        return
    fmt = opt.check_output(output, ("wide", "json", "yaml"))
    run_ = opt.run_of(ctx)
    run_status(StatusOptions(name, fmt, no_headers, watch, cluster_domain, run_.colour, run_name),
               run_.connect())


@click.command("list", epilog=opt.GLOBAL_EPILOG)
@opt.output("wide, json, yaml or name.")
@opt.no_headers
@opt.all_namespaces("List across all namespaces.")
@click.pass_context
def list_jobs(ctx: click.Context, output: Optional[str], no_headers: bool,
              all_namespaces: bool) -> None:
    """List Indexed Jobs with their status and whether peer DNS is wired.

    \b
    Examples:
      kubectl ijob list
      kubectl ijob list -A -o wide
    """
    fmt = opt.check_output(output, ("wide", "json", "yaml", "name"))
    run_ = opt.run_of(ctx)
    run_list(ListOptions(fmt, no_headers, all_namespaces, run_.colour), run_.connect())


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@opt.output("json or yaml.")
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
    fmt = opt.check_output(output, ("json", "yaml"))
    run_describe(name, fmt, opt.run_of(ctx).connect())


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@opt.output("json or yaml.")
@opt.no_headers
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
    fmt = opt.check_output(output, ("json", "yaml"))
    run_ = opt.run_of(ctx)
    run_owners(name, fmt, no_headers, run_.colour, run_.connect())


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.all_namespaces("Look in every namespace.")
@opt.output("json or yaml.")
@opt.no_headers
@click.pass_context
def orphans(ctx: click.Context, all_namespaces: bool, output: Optional[str], no_headers: bool) -> None:
    """List pods and headless Services left behind by deleted Indexed Jobs.

    \b
    Examples:
      kubectl ijob orphans
      kubectl ijob orphans -A
    """
    fmt = opt.check_output(output, ("json", "yaml"))
    run_orphans(all_namespaces, fmt, no_headers, opt.run_of(ctx).connect())
