"""doctor NAME: every check the plugin knows, run on one Indexed Job; the findings ranked
by severity, each with its evidence and the next command to run.

The evidence is read through the client in parallel (threads: the calls wait on I/O):
first the Job; then its pods, the namespace's Services, the EndpointSlices, events and
NetworkPolicies at once; then the logs the findings quote and ping's peer matrix (unless
--no-ping) at once. What cannot be read (Forbidden) becomes a finding, not an error.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional, TypeVar

import click

from kubectl_ijob import options as opt

if TYPE_CHECKING:  # the rest loads when the command runs, not for --help
    from kubectl_ijob.client.protocol import KubeClient, Obj
    from kubectl_ijob.domain.doctor import Evidence
    from kubectl_ijob.domain.model import IndexedJob
    from kubectl_ijob.domain.peers import Matrix

T = TypeVar("T")
LOG_TAIL = 20  # lines of each log the findings may quote
PING_TIMEOUT = 2  # seconds per probe, ping's default
PING_CONCURRENCY = 16  # pods probed at once, ping's default
FULL_MESH = 32  # running pods up to which doctor probes every pair
PING_SAMPLE = 8  # peers probed per pod above that: 8 x N pairs, not N x N


@dataclass
class DoctorOptions:
    """doctor NAME's flags, checked."""

    name: str
    output: str  # table, json, yaml
    ping: bool
    cluster_domain: str
    colour: bool


def _side(model: IndexedJob, read: Callable[[], T], what: str) -> Optional[T]:
    from kubectl_ijob.commands.snapshot import side_query

    return side_query(model, read, what)


def _services(client: KubeClient, model: IndexedJob) -> list[Obj]:
    """The namespace's Services (one selecting the pods under another name is a finding);
    only the subdomain's when listing them is forbidden."""
    listed = _side(model, lambda: client.list_services(model.namespace),
                   "services (a Service selecting the pods under another name goes unseen)")
    if listed is not None:
        return list(listed)
    svc = client.get_service(model.subdomain, model.namespace) if model.subdomain else None
    return [svc] if svc else []


def read_objects(client: KubeClient, name: str) -> tuple[IndexedJob, Evidence]:
    """The Job, then at once: its pods (also orphaned and detached ones), the Services,
    the subdomain's EndpointSlices, the events and the NetworkPolicies."""
    from kubectl_ijob.commands.snapshot import get_indexed_job
    from kubectl_ijob.domain.doctor import Evidence
    from kubectl_ijob.domain.model import JOB_NAME_LABEL, IndexedJob, job_selector
    from kubectl_ijob.domain.netpol import policy_findings

    job = get_indexed_job(client, name)
    model = IndexedJob(job)
    sub, ns = model.subdomain, model.namespace
    selectors = [job_selector(job), f"{JOB_NAME_LABEL}={name}", f"job-name={name}"]
    with ThreadPoolExecutor(max_workers=5) as pool:
        pods = pool.submit(client.list_pods_any, selectors, ns)
        services = pool.submit(_services, client, model)
        slices = pool.submit(_side, model, lambda: client.list_endpoint_slices(sub, ns),
                             "EndpointSlices, DNS publication unknown") if sub else None
        events = pool.submit(_side, model, lambda: client.list_events(ns), "events")
        policies = pool.submit(_side, model, lambda: client.list_of("NetworkPolicy", ns),
                               "NetworkPolicies")
    ev = Evidence(job, list(pods.result()), services.result(),
                  slices.result() if slices else None, notes=model.notes)
    uids = {job["metadata"].get("uid")} | {p["metadata"].get("uid") for p in ev.pods}
    if events.result() is not None:
        ev.events = [e for e in events.result()
                     if (e.get("involvedObject") or e.get("regarding") or {}).get("uid") in uids]
    if policies.result() is not None:
        ev.policies, ev.policy_findings = policy_findings(model.template_labels, ns,
                                                          policies.result())
    model.pods, model.service, model.slices = ev.own_pods, ev.service, ev.slices
    return model, ev


def read_log(client: KubeClient, model: IndexedJob, pod: str, container: str,
             previous: bool) -> Optional[str]:
    """The tail of one log; None when it is gone (pod deleted, no previous run)."""
    from kubectl_ijob.client.errors import ApiError, Forbidden
    from kubectl_ijob.render.errors import error_line

    try:
        return "\n".join(client.log_lines(pod, container, tail=LOG_TAIL, previous=previous,
                                          namespace=model.namespace))
    except Forbidden as e:
        note = f"cannot read pods/log (findings quote no log): {error_line(e)}"
        if note not in model.notes:
            model.notes.append(note)
        return None
    except ApiError:
        return None


def run_peers(client: KubeClient, model: IndexedJob, o: DoctorOptions) -> Optional[Matrix]:
    """ping's own matrix (icmp) over the running pods - a sample of PING_SAMPLE peers per
    pod above FULL_MESH of them (its summary says so), so doctor answers in seconds at
    1,000 indexes; None when there is nothing to probe or exec is forbidden (a note then)."""
    from kubectl_ijob.commands.peers import PingOptions, run_ping
    from kubectl_ijob.domain.probes import parse_method

    if not model.subdomain:
        return None
    running = sum(1 for p in model.pods if (p.get("status") or {}).get("phase") == "Running")
    sample = PING_SAMPLE if running > FULL_MESH else None
    matrix = run_ping(PingOptions(parse_method("icmp"), PING_TIMEOUT, PING_CONCURRENCY, None,
                                  None, o.cluster_domain, sample), model, client)
    if matrix.pairs and all(p.code == "exec-failed" and "Forbidden" in p.detail
                            for p in matrix.pairs):
        model.notes.append(f"cannot exec into the pods, ping skipped: {matrix.pairs[0].detail}")
        return None
    return matrix if matrix.pairs else None


def gather(client: KubeClient, o: DoctorOptions) -> Evidence:
    """Everything the checks look at, read in two parallel rounds."""
    from kubectl_ijob.domain.doctor import logs_wanted

    model, ev = read_objects(client, o.name)
    wanted = logs_wanted(ev)
    with ThreadPoolExecutor(max_workers=8) as pool:
        ping = pool.submit(run_peers, client, model, o) if o.ping else None
        logs = {key: pool.submit(read_log, client, model, *args) for key, args in wanted.items()}
        ev.logs = {key: text for key, f in logs.items() if (text := f.result())}
        ev.ping = ping.result() if ping else None
    return ev


def run_doctor(o: DoctorOptions, client: KubeClient) -> bool:
    """Gather, diagnose, print; whether the job is healthy (no error-level finding)."""
    from kubectl_ijob.domain.doctor import CHECKS, diagnose, healthy
    from kubectl_ijob.render.documents import doctor_document
    from kubectl_ijob.render.doctor import doctor_text
    from kubectl_ijob.render.text import dump, write

    ev = gather(client, o)
    findings = diagnose(ev)
    if o.output in ("json", "yaml"):
        write(dump(doctor_document(ev.name, ev.namespace, findings, ev.ping), o.output))
    else:
        write(doctor_text(ev.name, findings, len(CHECKS), ev.ping, o.ping, o.colour))
    return healthy(findings)


@click.command(epilog=opt.GLOBAL_EPILOG)
@opt.job_name()
@click.option("--no-ping", is_flag=True, help="Skip the peer matrix (no exec into the pods).")
@opt.output("json or yaml.")
@opt.cluster_domain()
@click.pass_context
def doctor(ctx: click.Context, name: str, no_ping: bool, output: Optional[str],
           cluster_domain: str) -> None:
    """Run every check on an Indexed Job and say what is wrong and what to do.

    Checks the peer DNS wiring (Service, subdomain, selector, publication),
    scheduling and start (Unschedulable, image pulls, crash loops,
    wait-for-peers, pods the Job controller cannot create, suspension), DNS
    inside the pods, NetworkPolicies and the peer matrix of `ping`, and progress
    (failed and retrying indexes, stragglers, duplicate and orphaned pods).
    Findings are ranked error, warning, info, each with its evidence and the
    next command. Exit code 1 when there is an error-level finding.

    \b
    Examples:
      kubectl ijob doctor train
      kubectl ijob doctor train --no-ping -o json
    """
    fmt = opt.check_output(output, ("json", "yaml"))
    run_ = opt.run_of(ctx)
    if not run_doctor(DoctorOptions(name, fmt, not no_ping, cluster_domain, run_.colour),
                      run_.connect()):
        ctx.exit(1)
