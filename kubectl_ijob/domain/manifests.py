"""Pure builders for the objects `create` sends: headless Service, Indexed Job, items ConfigMap.

Everything here is plain dicts, so `--dry-run=client` prints exactly what would be
sent and unit tests need no cluster. Validation happens here too, before any request,
because a pod's hostname `<job>-<index>` must be a DNS label or peers cannot resolve.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Optional

from kubectl_ijob.domain.inputs import check_positive
from kubectl_ijob.domain.names import check_dns_label, check_dns_subdomain
from kubectl_ijob.domain.placement import Placement
from kubectl_ijob.domain.placement import apply as apply_placement
from kubectl_ijob.domain.probes import wait_container
from kubectl_ijob.errors import usage

MANAGED_BY = "app.kubernetes.io/managed-by"
PLUGIN = "kubectl-ijob"
ITEM_PATH = "/ijob/item"
# The API server's limits for Indexed Jobs (pkg/apis/batch/validation: maxParallelismForIndexedJob,
# completionsSoftLimit and parallelismLimitForHighCompletions).
MAX_INDEXED_PARALLELISM = 100_000
COMPLETIONS_SOFT_LIMIT = 100_000
PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000

# Labels the API server and Job controller write; a manifest exported from a live Job
# carries them, and sending them back would pin the new Job to the old one's uid.
GENERATED_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid", "job-name",
                    "batch.kubernetes.io/job-name")



@dataclass
class Probe:
    """A liveness probe as the flags describe it; exactly one of http/tcp/exec is set."""

    http_port: Optional[int] = None
    http_path: str = "/"
    tcp_port: Optional[int] = None
    exec_command: Optional[list[str]] = None
    initial_delay: Optional[int] = None
    period: Optional[int] = None
    failure_threshold: Optional[int] = None


@dataclass
class CreateSpec:
    """Everything `create` needs, already parsed from flags; the domain never sees click."""

    name: str
    namespace: str
    image: Optional[str] = None
    command: list[str] = field(default_factory=list)
    completions: Optional[int] = None
    parallelism: Optional[int] = None
    service: Optional[str] = None
    publish_not_ready: bool = True
    env: list[tuple[str, str]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    restart_policy: str = "Never"
    backoff_limit: Optional[int] = None
    backoff_limit_per_index: Optional[int] = None
    active_deadline_seconds: Optional[int] = None
    ttl_seconds_after_finished: Optional[int] = None
    image_pull_policy: Optional[str] = None
    items: Optional[list[str]] = None
    liveness: Optional[Probe] = None
    wait_for_peers: Optional[int] = None  # seconds; adds the wait-for-peers init container
    wait_image: Optional[str] = None
    cluster_domain: str = "cluster.local"
    placement: Placement = field(default_factory=Placement)  # node pool, taints, resources, shm
    template: Optional[dict[str, Any]] = None  # pod template from -f
    job_base: Optional[dict[str, Any]] = None  # Job from -f, spec fields kept


# ---------------------------------------------------------------- validation

def check_job_name(name: str, completions: int) -> None:
    """The Job name and every pod hostname `<name>-<index>` must be DNS labels."""
    check_dns_label(name, "job name")
    host = f"{name}-{completions - 1}"
    if len(host) > 63:
        raise usage(f"job name {name!r} is too long for {completions} completions: pod hostname "
                    f"{host!r} would be {len(host)} characters; the limit is 63")


def resolve_counts(spec: CreateSpec) -> tuple[int, int]:
    """Completions and parallelism after defaults (the -f Job's own, then the items count,
    then 1; parallelism = completions)."""
    check_positive(spec.completions, "--completions")
    check_positive(spec.parallelism, "--parallelism")
    base = (spec.job_base or {}).get("spec") or {}
    completions = spec.completions if spec.completions is not None else \
        _manifest_count(base, "completions")
    given = spec.parallelism if spec.parallelism is not None else \
        _manifest_count(base, "parallelism")
    if spec.items is not None:
        if completions is not None and completions != len(spec.items):
            raise usage(f"--completions={completions} does not match the {len(spec.items)} "
                        "work items; omit --completions to use one index per item")
        completions = len(spec.items)
    if completions is None:
        completions = 1
    parallelism = given if given is not None else completions
    if parallelism > MAX_INDEXED_PARALLELISM:
        if given is None:
            raise usage(f"--completions={completions} needs --parallelism of at most "
                        f"{MAX_INDEXED_PARALLELISM}: parallelism defaults to completions, and "
                        f"the API server allows at most {MAX_INDEXED_PARALLELISM} for an Indexed Job")
        raise usage(f"--parallelism must be at most {MAX_INDEXED_PARALLELISM} for an Indexed "
                    f"Job, got {parallelism}")
    return completions, parallelism


def _manifest_count(job_spec: dict[str, Any], field: str) -> Optional[int]:
    """spec.completions or spec.parallelism of a -f Job (None when absent)."""
    value = job_spec.get(field)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise usage(f"spec.{field} of the -f Job must be a positive integer, got {value!r}")
    return value


def validate(spec: CreateSpec) -> tuple[int, int]:
    """Check a CreateSpec completely before anything is sent; returns (completions, parallelism)."""
    completions, parallelism = resolve_counts(spec)
    check_job_name(spec.name, completions)
    check_dns_label(service_name(spec), "service name", dns1035=True)
    if spec.template is None and not spec.image:
        raise usage("--image is required (or -f with a Job or pod template manifest)")
    if spec.restart_policy not in ("Never", "OnFailure"):
        raise usage(f"invalid --restart-policy {spec.restart_policy!r}: "
                    "an Indexed Job allows Never or OnFailure")
    for flag, value, low in (("--backoff-limit", spec.backoff_limit, 0),
                             ("--backoff-limit-per-index", spec.backoff_limit_per_index, 0),
                             ("--ttl-seconds-after-finished", spec.ttl_seconds_after_finished, 0)):
        check_positive(value, flag, low)
    check_positive(spec.active_deadline_seconds, "--active-deadline-seconds", 1, 2**63 - 1)
    if spec.backoff_limit_per_index is not None and spec.restart_policy != "Never":
        raise usage("--backoff-limit-per-index requires --restart-policy=Never")
    if spec.backoff_limit_per_index is not None and completions > COMPLETIONS_SOFT_LIMIT:
        if "maxFailedIndexes" not in ((spec.job_base or {}).get("spec") or {}):
            raise usage(f"--backoff-limit-per-index with more than {COMPLETIONS_SOFT_LIMIT} "
                        "completions needs spec.maxFailedIndexes (set it in a -f Job manifest)")
        if parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS:
            raise usage(f"--backoff-limit-per-index with more than {COMPLETIONS_SOFT_LIMIT} "
                        f"completions allows --parallelism of at most "
                        f"{PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS}, got {parallelism}")
    check_dns_subdomain(spec.cluster_domain, "--cluster-domain")
    if spec.items is not None:
        check_dns_label(items_name(spec), "items ConfigMap name")
    if spec.wait_for_peers is not None:
        check_positive(spec.wait_for_peers, "--wait-for-peers")
        if parallelism < completions:
            raise usage(f"--wait-for-peers needs every peer running at once: --parallelism "
                        f"({parallelism}) must equal --completions ({completions})")
    return completions, parallelism


# ---------------------------------------------------------------- builders

def service_name(spec: CreateSpec) -> str:
    """The headless Service's name: --service (even an invalid empty one), else the job's name."""
    return spec.name if spec.service is None else spec.service


def items_name(spec: CreateSpec) -> str:
    """The ConfigMap holding the per-index work items."""
    return f"{spec.name}-items"


def _meta(spec: CreateSpec, name: str) -> dict[str, Any]:
    labels = {**spec.labels, MANAGED_BY: PLUGIN}
    return {"name": name, "namespace": spec.namespace, "labels": labels}


def build_service(spec: CreateSpec) -> dict[str, Any]:
    """The headless Service that gives each pod the DNS name `<job>-<i>.<svc>`."""
    body: dict[str, Any] = {
        "clusterIP": "None",
        "selector": {"job-name": spec.name},
        "publishNotReadyAddresses": spec.publish_not_ready,
    }
    if spec.ports:
        body["ports"] = [{"name": f"tcp-{p}", "port": p, "targetPort": p, "protocol": "TCP"}
                         for p in spec.ports]
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(spec, service_name(spec)),
            "spec": body}


def build_items(spec: CreateSpec) -> Optional[dict[str, Any]]:
    """A ConfigMap with one key per index, or None without work items."""
    if spec.items is None:
        return None
    data = {str(i): item + "\n" for i, item in enumerate(spec.items)}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(spec, items_name(spec)),
            "data": data}


def _probe(p: Probe) -> dict[str, Any]:
    if p.http_port is not None:
        probe: dict[str, Any] = {"httpGet": {"path": p.http_path, "port": p.http_port}}
    elif p.tcp_port is not None:
        probe = {"tcpSocket": {"port": p.tcp_port}}
    else:
        probe = {"exec": {"command": list(p.exec_command or [])}}
    for key, value in (("initialDelaySeconds", p.initial_delay), ("periodSeconds", p.period),
                       ("failureThreshold", p.failure_threshold)):
        if value is not None:
            probe[key] = value
    return probe


def _container(spec: CreateSpec) -> dict[str, Any]:
    c: dict[str, Any] = {"name": "worker", "image": spec.image}
    if spec.image_pull_policy:
        c["imagePullPolicy"] = spec.image_pull_policy
    if spec.command:
        c["command"] = list(spec.command)
    return c


def _mount_items(spec: CreateSpec, pod: dict[str, Any]) -> None:
    """Mount each index's own work item at ITEM_PATH in every container.

    subPathExpr picks this index's key from the ConfigMap, so each pod sees only its
    own item and the image needs no shell. JOB_COMPLETION_INDEX is set by the Job
    controller in every container of an Indexed Job."""
    pod.setdefault("volumes", []).append(
        {"name": "ijob-items", "configMap": {"name": items_name(spec)}})
    for c in pod.get("containers") or []:
        c.setdefault("volumeMounts", []).append(
            {"name": "ijob-items", "mountPath": ITEM_PATH, "subPathExpr": "$(JOB_COMPLETION_INDEX)",
             "readOnly": True})
        c["env"] = [e for e in c.get("env", []) if e.get("name") != "IJOB_ITEM_FILE"] + [
            {"name": "IJOB_ITEM_FILE", "value": ITEM_PATH}]


def _wait_for_peers(spec: CreateSpec, completions: int, main_image: Optional[str]) -> dict[str, Any]:
    """The init container of --wait-for-peers; it builds the peer names from the count."""
    assert spec.wait_for_peers is not None
    return wait_container(spec.wait_image or main_image or "", spec.name, service_name(spec),
                          spec.namespace or "default", spec.cluster_domain, completions,
                          spec.wait_for_peers)


def _pod_spec(spec: CreateSpec, completions: int) -> dict[str, Any]:
    """The pod template (from -f or from flags) with peer networking and inputs added."""
    if spec.template is not None:
        template = copy.deepcopy(spec.template)
    else:
        template = {"spec": {"containers": [_container(spec)]}}
    pod = template.setdefault("spec", {})
    containers = pod.get("containers") or []
    if not containers:
        raise usage("the pod template has no containers")
    main = containers[0]
    if spec.template is not None and spec.image:
        main["image"] = spec.image
    if spec.template is not None and spec.command:
        main["command"] = list(spec.command)
    pod["subdomain"] = service_name(spec)
    if spec.template is None or "restartPolicy" not in pod or pod["restartPolicy"] == "Always":
        pod["restartPolicy"] = spec.restart_policy
    if spec.env:
        env = [e for e in main.get("env", []) if e.get("name") not in dict(spec.env)]
        main["env"] = env + [{"name": k, "value": v} for k, v in spec.env]
    if spec.ports:
        known = {p.get("containerPort") for p in main.get("ports", [])}
        main["ports"] = main.get("ports", []) + [
            {"containerPort": p, "protocol": "TCP"} for p in spec.ports if p not in known]
    if spec.liveness is not None:
        main["livenessProbe"] = _probe(spec.liveness)
    if spec.items is not None:
        _mount_items(spec, pod)
    if spec.wait_for_peers is not None:
        pod["initContainers"] = [_wait_for_peers(spec, completions, main.get("image"))] + \
            pod.get("initContainers", [])
    if spec.labels:
        template.setdefault("metadata", {}).setdefault("labels", {}).update(spec.labels)
    apply_placement(pod, spec.placement)
    return template


DEFAULT_BACKOFF_LIMIT = 6  # the Job API's default backoffLimit


def _needs_per_index_retries(spec: CreateSpec, job_spec: dict[str, Any]) -> bool:
    """--wait-for-peers with no retry policy given: count retries per index.

    Only then does the Job controller tell a pod its attempt (the failure-count annotation),
    so a retried index skips the gang wait instead of waiting for peers that finished and
    left DNS. The budget is the API's own default, 6 retries, counted per index."""
    return (spec.wait_for_peers is not None and job_spec["template"]["spec"].get("restartPolicy") == "Never"
            and "backoffLimit" not in job_spec and "backoffLimitPerIndex" not in job_spec)


def build_job(spec: CreateSpec) -> dict[str, Any]:
    """The Indexed Job, with subdomain wired to the headless Service."""
    completions, parallelism = validate(spec)
    base = copy.deepcopy(spec.job_base or {})
    job_spec: dict[str, Any] = {k: v for k, v in base.get("spec", {}).items()
                                if k not in ("template", "selector", "manualSelector")}
    job_spec.update({"completions": completions, "parallelism": parallelism,
                     "completionMode": "Indexed"})
    for key, value in (("backoffLimit", spec.backoff_limit),
                       ("backoffLimitPerIndex", spec.backoff_limit_per_index),
                       ("activeDeadlineSeconds", spec.active_deadline_seconds),
                       ("ttlSecondsAfterFinished", spec.ttl_seconds_after_finished)):
        if value is not None:
            job_spec[key] = value
    job_spec["template"] = _pod_spec(spec, completions)
    if _needs_per_index_retries(spec, job_spec):
        job_spec["backoffLimitPerIndex"] = DEFAULT_BACKOFF_LIMIT
    meta = _meta(spec, spec.name)
    base_meta = base.get("metadata", {})
    meta["labels"] = {**base_meta.get("labels", {}), **meta["labels"]}
    if base_meta.get("annotations"):
        meta["annotations"] = dict(base_meta["annotations"])
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": job_spec}


def build_all(spec: CreateSpec) -> list[dict[str, Any]]:
    """Every object `create` sends, in creation order: Job first (the owner), then the rest."""
    objs = [build_job(spec), build_service(spec)]
    items = build_items(spec)
    if items is not None:
        objs.append(items)
    return objs


def owned_by(obj: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """A copy of `obj` owned by the created Job, so the default cascade deletes it too."""
    uid = job.get("metadata", {}).get("uid")
    if not uid:
        return obj
    out = copy.deepcopy(obj)
    out["metadata"]["ownerReferences"] = [{
        "apiVersion": "batch/v1", "kind": "Job", "name": job["metadata"]["name"], "uid": uid,
        "controller": False, "blockOwnerDeletion": True}]
    return out


def _without_generated(obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    labels = (out.get("metadata") or {}).get("labels") or {}
    for key in GENERATED_LABELS:
        labels.pop(key, None)
    return out


def saved_job_manifest(doc: Any, name: str, source: str) -> dict[str, Any]:
    """The old Job that `adopt -f` re-creates: a Job manifest named NAME (or unnamed)."""
    if not isinstance(doc, dict) or doc.get("kind") != "Job":
        kind = doc.get("kind") if isinstance(doc, dict) else None
        raise usage(f"{source}: expected the old Job's manifest (kind: Job), got "
                    f"{'kind ' + str(kind) if kind else 'no Kubernetes object'}")
    meta = doc.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise usage(f"{source}: metadata must be a mapping")
    other = (meta or {}).get("name")
    if other not in (None, name):
        raise usage(f"{source}: the manifest is job {other!r}, not {name!r}")
    return {**doc, "metadata": {**(meta or {}), "name": name}}


def from_manifest(doc: Any, source: str) -> tuple[dict[str, Any], Optional[dict[str, Any]]]:
    """(pod template, job or None) from a Job, Pod or PodTemplate manifest given with -f."""
    if not isinstance(doc, dict) or "kind" not in doc:
        raise usage(f"{source}: expected a Kubernetes object with apiVersion and kind")
    kind = doc["kind"]
    if kind == "Job":
        spec = doc.get("spec") or {}
        mode = spec.get("completionMode")
        if mode not in (None, "Indexed"):
            raise usage(f"{source}: the Job has completionMode {mode}; kubectl-ijob makes "
                        "Indexed Jobs (remove completionMode or set it to Indexed)")
        template = spec.get("template")
        if not isinstance(template, dict):
            raise usage(f"{source}: the Job has no spec.template")
        return _without_generated(template), _without_generated(doc)
    if kind == "Pod":
        meta = {k: v for k, v in (doc.get("metadata") or {}).items() if k in ("labels", "annotations")}
        return {"metadata": meta, "spec": copy.deepcopy(doc.get("spec") or {})}, None
    if kind == "PodTemplate":
        return copy.deepcopy(doc.get("template") or {}), None
    raise usage(f"{source}: kind {kind} is not supported; give a Job, Pod or PodTemplate")
