"""Pure: an Indexed Job, its pods and its Service -> the job summary and one row per index.

Nothing here talks to the API; `status` makes one GET of the Job, one paginated LIST
of its pods and one GET of the Service, then everything is derived from those objects
(so it can be tested from recorded API objects and renders 10,000 indexes quickly).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Optional

from kubectl_ijob.indexes import digits, parse_api_ranges
from kubectl_ijob.manifests import INDEX_ANNOTATION

FAILURE_COUNT_ANNOTATION = "batch.kubernetes.io/job-index-failure-count"
TERMINAL = ("Succeeded", "Failed")


def parse_time(value: Optional[str]) -> Optional[dt.datetime]:
    """An RFC 3339 timestamp from the API as an aware datetime."""
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _conditions(obj: dict[str, Any]) -> dict[str, str]:
    return {c.get("type"): c.get("status") for c in obj.get("status", {}).get("conditions") or []}


def is_indexed(job: dict[str, Any]) -> bool:
    """Whether a Job uses completionMode Indexed."""
    return job.get("spec", {}).get("completionMode") == "Indexed"


def job_status(job: dict[str, Any]) -> str:
    """The STATUS column of `kubectl get job` (kubectl's printJob, in its order)."""
    cond = _conditions(job)
    for kind in ("Complete", "Failed"):
        if cond.get(kind) == "True":
            return kind
    if job.get("metadata", {}).get("deletionTimestamp"):
        return "Terminating"
    for kind in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if cond.get(kind) == "True":
            return kind
    return "Running"


def finished(job: dict[str, Any]) -> bool:
    """A finished Job no longer creates or adopts pods."""
    return job_status(job) in ("Complete", "Failed")


def job_duration(job: dict[str, Any], now: dt.datetime) -> Optional[dt.timedelta]:
    """DURATION as kubectl computes it: completion (or now) minus start."""
    start = parse_time(job.get("status", {}).get("startTime"))
    if start is None:
        return None
    end = parse_time(job.get("status", {}).get("completionTime")) or now
    return end - start


def pod_index(pod: dict[str, Any]) -> Optional[int]:
    """The completion index of a pod, from its annotation (or label on newer clusters)."""
    meta = pod.get("metadata", {})
    value = (meta.get("annotations") or {}).get(INDEX_ANNOTATION) or \
        (meta.get("labels") or {}).get(INDEX_ANNOTATION)
    return int(value) if value is not None and digits(str(value)) else None


def pod_status(pod: dict[str, Any]) -> str:
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


def pod_ready(pod: dict[str, Any]) -> str:
    """READY as `ready/total` containers."""
    statuses = pod.get("status", {}).get("containerStatuses") or []
    total = len(pod.get("spec", {}).get("containers") or []) or len(statuses)
    return f"{sum(1 for c in statuses if c.get('ready'))}/{total}"


def pod_restarts(pod: dict[str, Any]) -> int:
    """Restarts of the pod's containers (as kubectl's RESTARTS)."""
    return sum(int(c.get("restartCount") or 0)
               for c in pod.get("status", {}).get("containerStatuses") or [])


def last_exit(pod: dict[str, Any]) -> str:
    """`Reason(code)` of the latest container termination, or <none>."""
    for c in pod.get("status", {}).get("containerStatuses") or []:
        term = (c.get("state") or {}).get("terminated") or (c.get("lastState") or {}).get("terminated")
        if term:
            return f"{term.get('reason') or 'Exit'}({term.get('exitCode')})"
    return "<none>"


def _rank(pod: dict[str, Any]) -> tuple[int, float]:
    """Sort key choosing an index's current pod: live first, then succeeded, then the rest."""
    phase = pod.get("status", {}).get("phase") or "Pending"
    deleting = bool(pod.get("metadata", {}).get("deletionTimestamp"))
    if phase in ("Running", "Pending", "Unknown") and not deleting:
        rank = 0
    elif phase == "Succeeded":
        rank = 1
    elif not deleting and phase != "Failed":
        rank = 2
    elif phase != "Failed":
        rank = 3
    else:
        rank = 4
    created = parse_time(pod.get("metadata", {}).get("creationTimestamp"))
    return rank, -(created.timestamp() if created else 0.0)


def next_attempt(job: Optional[dict[str, Any]], pods: Iterable[dict[str, Any]], index: int,
                 ended: dict[str, Any], seen: set[str]) -> tuple[Optional[dict[str, Any]], bool]:
    """What `logs -f` follows once the `ended` pod's stream closes: the index's next pod
    when it has started (its log can be read), and whether no attempt will come any more
    (the Job gone or finished, the index completed or failed)."""
    if job is None or finished(job):
        return None, True
    status = job.get("status") or {}
    if index in parse_api_ranges(status.get("completedIndexes")) or \
            index in parse_api_ranges(status.get("failedIndexes")):
        return None, True
    since = ended["metadata"].get("creationTimestamp") or ""
    fresh = [p for p in pods if pod_index(p) == index and p["metadata"].get("uid") not in seen
             and (p["metadata"].get("creationTimestamp") or "") >= since
             and (p.get("status") or {}).get("phase") in ("Running", "Succeeded", "Failed")]
    return (min(fresh, key=_rank) if fresh else None), False


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

    def summary(self) -> str:
        """One phrase for tables: `ok` or the first problem."""
        return "ok" if self.ok else self.problems[0]


def check_service(job: dict[str, Any], service: Optional[dict[str, Any]]) -> ServiceCheck:
    """Check the Service named by the pod template's subdomain against the Job's pods."""
    template = job.get("spec", {}).get("template", {})
    name = template.get("spec", {}).get("subdomain")
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
    labels = template.get("metadata", {}).get("labels") or {}
    check.selector_matches = bool(selector) and all(labels.get(k) == v for k, v in selector.items())
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
    ready: str
    restarts: int
    created: Optional[str]
    node: Optional[str]
    ip: Optional[str]
    hostname: str
    attempts: int
    failures: int
    last_exit: str
    other_pods: list[str]
    dns: str = "-"  # yes, no, unknown (EndpointSlices not read), - (no pod)
    dns_reason: str = ""


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


def summarize(job: dict[str, Any], service: Optional[dict[str, Any]]) -> JobSummary:
    """The job-level facts of `status` from the Job object alone (plus its Service)."""
    meta, spec, st = job.get("metadata", {}), job.get("spec", {}), job.get("status", {})
    return JobSummary(
        name=meta.get("name", ""), namespace=meta.get("namespace", ""), status=job_status(job),
        completions=int(spec.get("completions") or 1),
        parallelism=int(spec.get("parallelism") if spec.get("parallelism") is not None else 1),
        succeeded=int(st.get("succeeded") or 0), failed=int(st.get("failed") or 0),
        active=int(st.get("active") or 0), ready=int(st.get("ready") or 0),
        completed_indexes=st.get("completedIndexes") or "",
        failed_indexes=st.get("failedIndexes") or "",
        start_time=st.get("startTime"), completion_time=st.get("completionTime"),
        service=check_service(job, service))


def endpoints_by_pod(slices: Optional[list[dict[str, Any]]]) -> Optional[dict[str, dict[str, Any]]]:
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


def publication(pod: dict[str, Any], job: dict[str, Any], service: Optional[dict[str, Any]],
                endpoints: Optional[dict[str, dict[str, Any]]]) -> tuple[str, str]:
    """Whether CoreDNS serves `<hostname>.<subdomain>` for this pod, and if not, why.

    A record exists only when the pod is in the Service's EndpointSlices with a hostname
    (pod hostname set, subdomain == Service name) and counted ready (Ready, or the Service
    publishes not-ready addresses). The reasons mirror what the EndpointSlice controller
    and CoreDNS check, so the user learns which knob to turn.
    """
    spec, st = pod.get("spec", {}), pod.get("status", {})
    sub = spec.get("subdomain")
    reasons = []
    if spec.get("hostNetwork") and spec.get("dnsPolicy") != "ClusterFirstWithHostNet":
        reasons.append("hostNetwork pod without dnsPolicy ClusterFirstWithHostNet cannot "
                       "resolve peers")
    elif spec.get("dnsPolicy") in ("None", "Default"):
        reasons.append(f"dnsPolicy {spec['dnsPolicy']}: the pod does not use cluster DNS to "
                       "resolve peers")
    if service is None:
        return "no", f"service {sub or '<none>'} not found"
    svc_name = service["metadata"]["name"]
    svc_spec = service.get("spec", {})
    if svc_spec.get("clusterIP") != "None":
        return "no", f"service {svc_name} is not headless: no per-pod DNS records"
    if sub != svc_name:
        return "no", f"pod subdomain {sub or '<none>'} differs from service {svc_name}"
    labels = pod.get("metadata", {}).get("labels") or {}
    selector = svc_spec.get("selector") or {}
    missing = [f"{k}={v}" for k, v in sorted(selector.items()) if labels.get(k) != v]
    if missing:
        return "no", f"pod labels no longer match the service selector ({','.join(missing)})"
    if st.get("phase") in TERMINAL:
        return "no", f"pod {st['phase'].lower()}: finished pods leave the EndpointSlices"
    if not st.get("podIP"):
        return "no", "pod has no IP yet"
    ready = _conditions(pod).get("Ready") == "True"
    if not ready and not svc_spec.get("publishNotReadyAddresses"):
        return "no", "pod is not Ready and the service has publishNotReadyAddresses: false"
    if endpoints is None:
        return "unknown", "EndpointSlices not read"
    ep = endpoints.get(pod.get("metadata", {}).get("uid"))
    if ep is None:
        return "no", "not in the service's EndpointSlices yet"
    if not ep.get("hostname"):
        return "no", "endpoint has no hostname (pod hostname or subdomain unset)"
    if (ep.get("conditions") or {}).get("ready") is False:
        return "no", "endpoint is not ready"
    return "yes", reasons[0] if reasons else ""


def index_rows(job: dict[str, Any], pods: Iterable[dict[str, Any]],
               cluster_domain: str = "cluster.local", service: Optional[dict[str, Any]] = None,
               slices: Optional[list[dict[str, Any]]] = None) -> list[IndexRow]:
    """One row per index 0..completions-1, each with its current pod (or none yet)."""
    meta, spec, st = job.get("metadata", {}), job.get("spec", {}), job.get("status", {})
    completions = int(spec.get("completions") or 1)
    by_index: dict[int, list[dict[str, Any]]] = {}
    for pod in pods:
        i = pod_index(pod)
        if i is not None:
            by_index.setdefault(i, []).append(pod)
    done = set(parse_api_ranges(st.get("completedIndexes")))
    failed = set(parse_api_ranges(st.get("failedIndexes")))
    name, ns = meta.get("name", ""), meta.get("namespace", "")
    sub = spec.get("template", {}).get("spec", {}).get("subdomain")
    endpoints = endpoints_by_pod(slices)
    rows = []
    for i in range(completions):
        host = f"{name}-{i}"
        fqdn = f"{host}.{sub}.{ns}.svc.{cluster_domain}" if sub else "<none>"
        group = sorted(by_index.get(i, []), key=_rank)
        if not group:
            status = "Succeeded" if i in done else "Failed" if i in failed else "Waiting"
            rows.append(IndexRow(i, None, status, "0/0", 0, None, None, None, fqdn, 0,
                                 1 if i in failed else 0, "<none>", []))
            continue
        cur = group[0]
        dns, why = publication(cur, job, service, endpoints)
        count = (cur.get("metadata", {}).get("annotations") or {}).get(FAILURE_COUNT_ANNOTATION, "")
        failures = sum(1 for p in group if p.get("status", {}).get("phase") == "Failed")
        failures = max(failures, int(count) if digits(str(count)) else 0)
        rows.append(IndexRow(
            index=i, pod=cur["metadata"]["name"], status=pod_status(cur), ready=pod_ready(cur),
            restarts=pod_restarts(cur), created=cur["metadata"].get("creationTimestamp"),
            node=cur.get("spec", {}).get("nodeName"), ip=cur.get("status", {}).get("podIP"),
            hostname=fqdn, attempts=len(group), failures=failures, last_exit=last_exit(cur),
            other_pods=[p["metadata"]["name"] for p in group[1:]], dns=dns, dns_reason=why))
    return rows


def status_document(summary: JobSummary, rows: list[IndexRow],
                    notes: Optional[list[str]] = None) -> dict[str, Any]:
    """The documented machine-readable form of `status -o json|yaml`."""
    svc = asdict(summary.service)
    svc["ok"] = summary.service.ok
    doc = {k: v for k, v in asdict(summary).items() if k != "service"}
    return {
        "apiVersion": "ijob.kubectl.io/v1alpha1", "kind": "IndexedJobStatus",
        **_camel(doc), "service": _camel(svc),
        "indexes": [_camel(asdict(r)) for r in rows], "notes": list(notes or []),
    }


def _camel(d: dict[str, Any]) -> dict[str, Any]:
    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(w.title() for w in rest)
    return {camel(k): v for k, v in d.items()}


def list_row(job: dict[str, Any], service: Optional[dict[str, Any]]) -> dict[str, Any]:
    """The facts of one `list` row: NAME STATUS COMPLETIONS PEERS and the times."""
    s = summarize(job, service)
    return {"name": s.name, "namespace": s.namespace, "status": s.status,
            "completions": f"{s.succeeded}/{s.completions}", "peers": s.service.summary(),
            "startTime": s.start_time, "completionTime": s.completion_time,
            "created": job.get("metadata", {}).get("creationTimestamp")}
