"""Pure: an Indexed Job, its pods and its Service -> the job summary and one row per index.

Nothing here talks to the API; `status` makes one GET of the Job, one paginated LIST
of its pods and one GET of the Service, then everything is derived from those objects
(so it can be tested from recorded API objects and renders 10,000 indexes quickly).
Fields are typed (None, bool, enums); render turns them into text.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Optional

from kubectl_ijob.domain.indexes import digits
from kubectl_ijob.domain.model import (FAILURE_COUNT_ANNOTATION, TERMINAL, IndexedJob, Obj,
                                       by_index, completions_of, conditions, current, finished,
                                       job_status, parse_time, pod_index, rank, subdomain_of)
from kubectl_ijob.domain.selectors import map_matches, map_missing


class Dns(str, Enum):
    """Whether CoreDNS serves an index's name: yes, no, unknown (EndpointSlices not
    read), or - (no pod)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"
    NONE = "-"


def job_duration(job: Obj, now: dt.datetime) -> Optional[dt.timedelta]:
    """DURATION as kubectl computes it: completion (or now) minus start."""
    start = parse_time(job.get("status", {}).get("startTime"))
    if start is None:
        return None
    end = parse_time(job.get("status", {}).get("completionTime")) or now
    return end - start


def pod_status(pod: Obj) -> str:
    """Phase, refined as kubectl does with init/waiting reasons and Terminating."""
    status = pod.get("status", {})
    phase = status.get("phase") or "Pending"
    reason = status.get("reason") or phase
    if phase in TERMINAL:
        return phase
    for i, c in enumerate(status.get("initContainerStatuses") or []):
        state = c.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode") == 0:
            continue
        if c.get("started") and state.get("running"):
            continue  # a sidecar that keeps running
        if term:
            reason = "Init:" + (term.get("reason") or f"ExitCode:{term.get('exitCode')}")
        elif wait and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{len(pod.get('spec', {}).get('initContainers') or [])}"
        break
    else:
        for c in reversed(status.get("containerStatuses") or []):
            state = c.get("state") or {}
            wait, term = state.get("waiting"), state.get("terminated")
            if wait and wait.get("reason"):
                reason = wait["reason"]
            elif term:
                reason = term.get("reason") or f"ExitCode:{term.get('exitCode')}"
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return "Terminating"
    return reason


def pod_ready(pod: Obj) -> tuple[int, int]:
    """READY as (ready, total) containers."""
    statuses = pod.get("status", {}).get("containerStatuses") or []
    total = len(pod.get("spec", {}).get("containers") or []) or len(statuses)
    return sum(1 for c in statuses if c.get("ready")), total


def pod_restarts(pod: Obj) -> int:
    """Restarts of the pod's containers (as kubectl's RESTARTS)."""
    return sum(int(c.get("restartCount") or 0)
               for c in pod.get("status", {}).get("containerStatuses") or [])


def last_exit(pod: Obj) -> Optional[str]:
    """`Reason(code)` of the latest container termination, or None."""
    for c in pod.get("status", {}).get("containerStatuses") or []:
        term = (c.get("state") or {}).get("terminated") or (c.get("lastState") or {}).get("terminated")
        if term:
            return f"{term.get('reason') or 'Exit'}({term.get('exitCode')})"
    return None


def next_attempt(job: Optional[Obj], pods: Iterable[Obj], index: int,
                 ended: Obj, seen: set[str]) -> tuple[Optional[Obj], bool]:
    """What `logs -f` follows once the `ended` pod's stream closes: the index's next pod
    when it has started (its log can be read), and whether no attempt will come any more
    (the Job gone or finished, the index completed or failed)."""
    if job is None or finished(job):
        return None, True
    done, failed = IndexedJob(job).done_indexes()
    if index in done or index in failed:
        return None, True
    since = ended["metadata"].get("creationTimestamp") or ""
    fresh = [p for p in pods if pod_index(p) == index and p["metadata"].get("uid") not in seen
             and (p["metadata"].get("creationTimestamp") or "") >= since
             and (p.get("status") or {}).get("phase") in ("Running", "Succeeded", "Failed")]
    return current(fresh), False


@dataclass
class ServiceCheck:
    """Whether the peer DNS wiring (subdomain + headless Service) is right, and why not."""

    name: Optional[str]
    exists: bool = False
    headless: bool = False
    selector_matches: bool = False
    publish_not_ready: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_service(job: Obj, service: Optional[Obj]) -> ServiceCheck:
    """Check the Service named by the pod template's subdomain against the Job's pods."""
    name = subdomain_of(job)
    check = ServiceCheck(name=name)
    if not name:
        check.problems.append("no subdomain: pods have no peer DNS names")
        return check
    if service is None:
        check.problems.append(f"service {name} not found")
        return check
    check.exists = True
    spec = service.get("spec", {})
    check.headless = spec.get("clusterIP") == "None"
    check.publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    selector = spec.get("selector") or {}
    check.selector_matches = map_matches(selector, IndexedJob(job).template_labels)
    if not check.headless:
        check.problems.append(f"service {name} is not headless (clusterIP {spec.get('clusterIP')})")
    if not selector:
        check.problems.append(f"service {name} has no selector")
    elif not check.selector_matches:
        want = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        check.problems.append(f"service {name} selector {want} does not match the job's pods")
    return check


@dataclass
class IndexRow:
    """One completion index: its current pod and what happened to the index so far."""

    index: int
    pod: Optional[str]
    status: str
    ready: int  # ready containers of the current pod
    containers: int
    restarts: int
    created: Optional[str]
    node: Optional[str]
    ip: Optional[str]
    hostname: Optional[str]  # the FQDN; None without a subdomain
    attempts: int
    failures: int
    last_exit: Optional[str]
    other_pods: list[str]
    dns: Dns = Dns.NONE
    dns_reason: str = ""

    @property
    def all_ready(self) -> bool:
        return self.ready == self.containers


@dataclass
class JobSummary:
    """The job-level header of `status`."""

    name: str
    namespace: str
    status: str
    completions: int
    parallelism: int
    succeeded: int
    failed: int
    active: int
    ready: int
    completed_indexes: str
    failed_indexes: str
    start_time: Optional[str]
    completion_time: Optional[str]
    service: ServiceCheck


def summarize(job: Obj, service: Optional[Obj]) -> JobSummary:
    """The job-level facts of `status` from the Job object alone (plus its Service)."""
    meta, spec, st = job.get("metadata", {}), job.get("spec", {}), job.get("status", {})
    return JobSummary(
        name=meta.get("name", ""), namespace=meta.get("namespace", ""), status=job_status(job),
        completions=completions_of(job),
        parallelism=int(spec.get("parallelism") if spec.get("parallelism") is not None else 1),
        succeeded=int(st.get("succeeded") or 0), failed=int(st.get("failed") or 0),
        active=int(st.get("active") or 0), ready=int(st.get("ready") or 0),
        completed_indexes=st.get("completedIndexes") or "",
        failed_indexes=st.get("failedIndexes") or "",
        start_time=st.get("startTime"), completion_time=st.get("completionTime"),
        service=check_service(job, service))


def endpoints_by_pod(slices: Optional[list[Obj]]) -> Optional[dict[str, Obj]]:
    """EndpointSlice endpoints keyed by the uid of the pod they point at (None: unknown)."""
    if slices is None:
        return None
    out = {}
    for sl in slices:
        for ep in sl.get("endpoints") or []:
            ref = ep.get("targetRef") or {}
            if ref.get("kind") == "Pod" and ref.get("uid"):
                out[ref["uid"]] = ep
    return out


def _not_wired(pod: Obj, service: Optional[Obj]) -> Optional[str]:
    """Why the Service can never publish this pod (None: it can)."""
    sub = pod.get("spec", {}).get("subdomain")
    if service is None:
        return f"service {sub or '<none>'} not found"
    svc_name = service["metadata"]["name"]
    if service.get("spec", {}).get("clusterIP") != "None":
        return f"service {svc_name} is not headless: no per-pod DNS records"
    if sub != svc_name:
        return f"pod subdomain {sub or '<none>'} differs from service {svc_name}"
    missing = map_missing(service.get("spec", {}).get("selector"),
                          pod.get("metadata", {}).get("labels") or {})
    if missing:
        return f"pod labels no longer match the service selector ({','.join(missing)})"
    return None


def publication(pod: Obj, job: Obj, service: Optional[Obj],
                endpoints: Optional[dict[str, Obj]]) -> tuple[Dns, str]:
    """Whether CoreDNS serves `<hostname>.<subdomain>` for this pod, and if not, why.

    A record exists only when the pod is in the Service's EndpointSlices with a hostname
    (pod hostname set, subdomain == Service name) and counted ready (Ready, or the Service
    publishes not-ready addresses). The reasons mirror what the EndpointSlice controller
    and CoreDNS check, so the user learns which knob to turn.
    """
    spec, st = pod.get("spec", {}), pod.get("status", {})
    reasons = []
    if spec.get("hostNetwork") and spec.get("dnsPolicy") != "ClusterFirstWithHostNet":
        reasons.append("hostNetwork pod without dnsPolicy ClusterFirstWithHostNet cannot "
                       "resolve peers")
    elif spec.get("dnsPolicy") in ("None", "Default"):
        reasons.append(f"dnsPolicy {spec['dnsPolicy']}: the pod does not use cluster DNS to "
                       "resolve peers")
    why = _not_wired(pod, service)
    if why is not None or service is None:
        return Dns.NO, why or ""
    if st.get("phase") in TERMINAL:
        return Dns.NO, f"pod {st['phase'].lower()}: finished pods leave the EndpointSlices"
    if not st.get("podIP"):
        return Dns.NO, "pod has no IP yet"
    ready = conditions(pod).get("Ready") == "True"
    if not ready and not service.get("spec", {}).get("publishNotReadyAddresses"):
        return Dns.NO, "pod is not Ready and the service has publishNotReadyAddresses: false"
    if endpoints is None:
        return Dns.UNKNOWN, "EndpointSlices not read"
    ep = endpoints.get(pod.get("metadata", {}).get("uid"))
    if ep is None:
        return Dns.NO, "not in the service's EndpointSlices yet"
    if not ep.get("hostname"):
        return Dns.NO, "endpoint has no hostname (pod hostname or subdomain unset)"
    if (ep.get("conditions") or {}).get("ready") is False:
        return Dns.NO, "endpoint is not ready"
    return Dns.YES, reasons[0] if reasons else ""


def _failures(group: list[Obj], cur: Obj) -> int:
    """Failed attempts: failed pods, or the controller's count when it is higher."""
    count = (cur.get("metadata", {}).get("annotations") or {}).get(FAILURE_COUNT_ANNOTATION, "")
    failed = sum(1 for p in group if p.get("status", {}).get("phase") == "Failed")
    return max(failed, int(count) if digits(str(count)) else 0)


def index_rows(job: Obj, pods: Iterable[Obj], cluster_domain: str = "cluster.local",
               service: Optional[Obj] = None, slices: Optional[list[Obj]] = None) -> list[IndexRow]:
    """One row per index 0..completions-1, each with its current pod (or none yet)."""
    model = IndexedJob(job)
    groups = by_index(pods)
    done, failed = model.done_indexes()
    endpoints = endpoints_by_pod(slices)
    rows = []
    for i in range(model.completions):
        fqdn = model.fqdn(i, cluster_domain)
        group = sorted(groups.get(i, []), key=rank)
        if not group:
            status = "Succeeded" if i in done else "Failed" if i in failed else "Waiting"
            rows.append(IndexRow(i, None, status, 0, 0, 0, None, None, None, fqdn, 0,
                                 1 if i in failed else 0, None, []))
            continue
        cur = group[0]
        dns, why = publication(cur, job, service, endpoints)
        ready, total = pod_ready(cur)
        rows.append(IndexRow(
            index=i, pod=cur["metadata"]["name"], status=pod_status(cur), ready=ready,
            containers=total, restarts=pod_restarts(cur),
            created=cur["metadata"].get("creationTimestamp"),
            node=cur.get("spec", {}).get("nodeName"), ip=cur.get("status", {}).get("podIP"),
            hostname=fqdn, attempts=len(group), failures=_failures(group, cur),
            last_exit=last_exit(cur), other_pods=[p["metadata"]["name"] for p in group[1:]],
            dns=dns, dns_reason=why))
    return rows


def model_rows(model: IndexedJob, cluster_domain: str = "cluster.local") -> list[IndexRow]:
    """index_rows of a model."""
    return index_rows(model.job, model.pods, cluster_domain, model.service, model.slices)
