"""Pure builders for the objects `create` sends: headless Service, Indexed Job, items ConfigMap.

Everything here is plain dicts, so `--dry-run=client` prints exactly what would be
sent and unit tests need no cluster. Validation happens here too, before any request,
because a pod's hostname `<job>-<index>` must be a DNS label or peers cannot resolve.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from kubectl_ijob.errors import usage
from kubectl_ijob.indexes import digits

INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
MANAGED_BY = "app.kubernetes.io/managed-by"
PLUGIN = "kubectl-ijob"
ITEM_PATH = "/ijob/item"
MAX_CONFIGMAP_BYTES = 1024 * 1024
MAX_INT32 = 2**31 - 1  # completions, parallelism and the policies are int32 in the Job API
# The API server's limits for Indexed Jobs (pkg/apis/batch/validation: maxParallelismForIndexedJob,
# completionsSoftLimit and parallelismLimitForHighCompletions).
MAX_INDEXED_PARALLELISM = 100_000
COMPLETIONS_SOFT_LIMIT = 100_000
PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000
# The peer names of --wait-for-peers are stored in the Job; etcd stores at most 1.5 MiB per object.
MAX_PEER_NAME_BYTES = 1024 * 1024

# Labels the API server and Job controller write; a manifest exported from a live Job
# carries them, and sending them back would pin the new Job to the old one's uid.
GENERATED_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid", "job-name",
                    "batch.kubernetes.io/job-name")

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")


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
    template: Optional[dict[str, Any]] = None  # pod template from -f
    job_base: Optional[dict[str, Any]] = None  # Job from -f, spec fields kept


# ---------------------------------------------------------------- validation

def check_dns_label(value: str, what: str, dns1035: bool = False) -> None:
    """Raise a kubectl-style error unless `value` is a DNS-1123 (or 1035) label."""
    pattern = _DNS1035_LABEL if dns1035 else _DNS1123_LABEL
    if len(value) > 63:
        raise usage(f"{what} {value!r} is {len(value)} characters long; "
                    "it must be no more than 63 characters")
    if not pattern.fullmatch(value):
        first = "an alphabetic character" if dns1035 else "an alphanumeric character"
        raise usage(f"{what} {value!r} is invalid: it must consist of lower case alphanumeric "
                    f"characters or '-', start with {first}, and end with an alphanumeric "
                    "character")


def check_dns_subdomain(value: str, what: str) -> None:
    """Raise a kubectl-style error unless `value` is a DNS-1123 subdomain (dot-separated labels)."""
    if len(value) > 253:
        raise usage(f"{what} {value!r} is {len(value)} characters long; "
                    "it must be no more than 253 characters")
    if not all(_DNS1123_LABEL.fullmatch(p) for p in value.split(".")):
        raise usage(f"{what} {value!r} is invalid: it must consist of lower case alphanumeric "
                    "characters, '-' or '.', and each dot-separated part must start and end "
                    "with an alphanumeric character")


def check_job_name(name: str, completions: int) -> None:
    """The Job name and every pod hostname `<name>-<index>` must be DNS labels."""
    check_dns_label(name, "job name")
    host = f"{name}-{completions - 1}"
    if len(host) > 63:
        raise usage(f"job name {name!r} is too long for {completions} completions: pod hostname "
                    f"{host!r} would be {len(host)} characters; the limit is 63")


def check_positive(value: Optional[int], flag: str, minimum: int = 1,
                   maximum: int = MAX_INT32) -> None:
    """Reject counts below `minimum` or above `maximum` (the API's int32), naming the flag."""
    if value is not None and value < minimum:
        raise usage(f"{flag} must be at least {minimum}, got {value}")
    if value is not None and value > maximum:
        raise usage(f"{flag} must be at most {maximum}, got {value}")


def parse_key_values(pairs: list[str], flag: str) -> list[tuple[str, str]]:
    """Parse `K=V` items (each may hold several, comma separated, for --labels)."""
    out = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise usage(f"invalid {flag} {pair!r}: expected KEY=VALUE")
        out.append((key, value))
    return out


def parse_env(items: list[str]) -> list[tuple[str, str]]:
    """`--env K=V` items, with names Kubernetes accepts for environment variables."""
    pairs = parse_key_values(items, "--env")
    for key, _ in pairs:
        if not _ENV_NAME.fullmatch(key):
            raise usage(f"invalid --env name {key!r}: it must consist of letters, digits, "
                        "'_', '-' or '.', and must not start with a digit")
    return pairs


def parse_labels(text: Optional[str]) -> dict[str, str]:
    """`--labels a=b,c=d` as kubectl run parses it, with label syntax checked."""
    if not text:
        return {}
    labels = dict(parse_key_values([p for p in text.split(",") if p], "--labels"))
    for key, value in labels.items():
        check_label(key, value, "--labels")
    return labels


def check_label(key: str, value: Optional[str], flag: str) -> None:
    """Kubernetes' label key (optional DNS prefix + name) and value rules."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not all(
            _DNS1123_LABEL.fullmatch(p) for p in prefix.split("."))):
        raise usage(f"invalid {flag} key {key!r}: the prefix must be a DNS subdomain")
    if len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        raise usage(f"invalid {flag} key {key!r}: a label name must be 63 characters or less, "
                    "begin and end with an alphanumeric character and contain only "
                    "alphanumerics, '-', '_' or '.'")
    if value is not None and (len(value) > 63 or not _LABEL_VALUE.fullmatch(value)):
        raise usage(f"invalid {flag} value {value!r} for {key!r}: a label value must be 63 "
                    "characters or less, empty or begin and end with an alphanumeric "
                    "character, and contain only alphanumerics, '-', '_' or '.'")


def parse_port(text: str, flag: str) -> int:
    """A TCP port 1-65535."""
    if not digits(text) or not 1 <= int(text) <= 65535:
        raise usage(f"invalid {flag} {text!r}: a port must be a number from 1 to 65535")
    return int(text)


def parse_http_probe(text: str) -> tuple[int, str]:
    """`PORT[/PATH]` for --liveness-http."""
    port, slash, path = text.partition("/")
    path = "/" + path if slash else "/"
    if not _PATH.fullmatch(path):
        raise usage(f"invalid --liveness-http path {path!r}")
    return parse_port(port, "--liveness-http"), path


def parse_exec_probe(text: str) -> list[str]:
    """`--liveness-exec CMD` split like a shell into the probe's argv (no shell runs it)."""
    import shlex

    try:
        argv = shlex.split(text)
    except ValueError as e:
        raise usage(f"invalid --liveness-exec {text!r}: {str(e).lower()}") from e
    if not argv:
        raise usage("invalid --liveness-exec '': it needs a command, e.g. "
                    "--liveness-exec 'cat /tmp/healthy'")
    return argv


def parse_items(text: Optional[str], file_text: Optional[str]) -> Optional[list[str]]:
    """Work items from `--items a,b,c` or the lines of `--items-file`."""
    if text is not None and file_text is not None:
        raise usage("--items and --items-file cannot be used together")
    if text is not None:
        items = [i.strip() for i in text.split(",")]
    elif file_text is not None:
        if "\x00" in file_text:
            raise usage("--items-file looks binary: expected one work item per line")
        items = file_text.splitlines()
        while items and not items[-1].strip():
            items.pop()
    else:
        return None
    if not items and text is None:
        raise usage("--items-file has no work items: expected one work item per line")
    if not items or any(i == "" for i in items) and text is not None:
        raise usage("--items must list at least one non-empty item, e.g. --items a,b,c")
    if sum(len(i.encode()) + 8 for i in items) > MAX_CONFIGMAP_BYTES:
        raise usage("work items exceed 1 MiB, the size limit of the ConfigMap that holds them")
    return items


def resolve_counts(spec: CreateSpec) -> tuple[int, int]:
    """Completions and parallelism after defaults (items count, then 1; parallelism = completions)."""
    check_positive(spec.completions, "--completions")
    check_positive(spec.parallelism, "--parallelism")
    completions = spec.completions
    if spec.items is not None:
        if completions is not None and completions != len(spec.items):
            raise usage(f"--completions={completions} does not match the {len(spec.items)} "
                        "work items; omit --completions to use one index per item")
        completions = len(spec.items)
    if completions is None:
        completions = 1
    parallelism = spec.parallelism if spec.parallelism is not None else completions
    if parallelism > MAX_INDEXED_PARALLELISM:
        if spec.parallelism is None:
            raise usage(f"--completions={completions} needs --parallelism of at most "
                        f"{MAX_INDEXED_PARALLELISM}: parallelism defaults to completions, and "
                        f"the API server allows at most {MAX_INDEXED_PARALLELISM} for an Indexed Job")
        raise usage(f"--parallelism must be at most {MAX_INDEXED_PARALLELISM} for an Indexed "
                    f"Job, got {parallelism}")
    return completions, parallelism


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
        # subPathExpr picks this index's key from the ConfigMap, so each pod sees only its
        # own item at ITEM_PATH and the image needs no shell. JOB_COMPLETION_INDEX is set
        # by the Job controller in every container of an Indexed Job.
        pod.setdefault("volumes", []).append(
            {"name": "ijob-items", "configMap": {"name": items_name(spec)}})
        for c in containers:
            c.setdefault("volumeMounts", []).append(
                {"name": "ijob-items", "mountPath": ITEM_PATH, "subPathExpr": "$(JOB_COMPLETION_INDEX)",
                 "readOnly": True})
            c["env"] = [e for e in c.get("env", []) if e.get("name") != "IJOB_ITEM_FILE"] + [
                {"name": "IJOB_ITEM_FILE", "value": ITEM_PATH}]
    if spec.wait_for_peers is not None:
        from kubectl_ijob.peers import peer_names, wait_container

        names = peer_names(spec.name, service_name(spec), spec.namespace or "default",
                           completions, spec.cluster_domain)
        size = sum(len(a) + len(b) + 2 for a, b in names)
        if size > MAX_PEER_NAME_BYTES:
            raise usage(f"--wait-for-peers with {completions} completions would store "
                        f"{size / 2**20:.1f} MiB of peer names in the Job, more than the API "
                        "server accepts in one object: use fewer completions or drop --wait-for-peers")
        image = spec.wait_image or main.get("image")
        pod["initContainers"] = [wait_container(image, names, spec.wait_for_peers)] + \
            pod.get("initContainers", [])
    if spec.labels:
        template.setdefault("metadata", {}).setdefault("labels", {}).update(spec.labels)
    return template


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
