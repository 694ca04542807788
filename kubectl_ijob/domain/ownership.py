"""Pure: who owns, selects and publishes each pod; plans for relabel, delete and adopt.

Two selectors are in play for a peer-networked Indexed Job: the Job's (by default only
`batch.kubernetes.io/controller-uid`) decides which pods the Job controller owns and
replaces; the Service's (`job-name`) decides which pods get DNS records. Every plan
here is derived by evaluating both selectors on the labels before and after a change,
so shortcuts (--detach, --out-of-service, --reattach) and raw KEY=VALUE edits are
explained by one mechanism.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from enum import Enum

from kubectl_ijob.domain.manifests import GENERATED_LABELS
from kubectl_ijob.domain.model import (JOB_NAME_LABEL, TERMINAL, completions_of, current,
                                       finished, labels_of, pod_index)
from kubectl_ijob.domain.names import check_label
from kubectl_ijob.domain.selectors import matches, service_matches
from kubectl_ijob.domain.status import Dns, endpoints_by_pod, pod_status, publication
from kubectl_ijob.errors import usage

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
SAVED_JOB_ANNOTATION = "ijob.kubectl.io/orphaned-job"


def controller_of(obj: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The controller ownerReference of an object, if any."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owned_by_job(obj: dict[str, Any], job: dict[str, Any]) -> bool:
    """Whether obj carries an ownerReference to this very Job (by uid)."""
    uid = job.get("metadata", {}).get("uid")
    return any(r.get("uid") == uid for r in (obj.get("metadata") or {}).get("ownerReferences") or [])


def job_name_of(pod: dict[str, Any]) -> Optional[str]:
    """The Job a pod came from, by its labels (which survive orphaning)."""
    labels = labels_of(pod)
    return labels.get(JOB_NAME_LABEL) or labels.get("job-name")


# ---------------------------------------------------------------- ownership view

class Owner(str, Enum):
    """Who owns a pod: this Job (an ownerReference to it), another controller, nobody."""

    JOB = "yes"
    OTHER = "other"
    NONE = "no"


@dataclass
class PodOwnership:
    """One row of the ownership view."""

    pod: str
    index: Optional[int]
    phase: str
    owned: Owner
    job_selected: bool
    service_selected: bool
    dns: Dns
    finalizer: bool
    created: Optional[str]


def ownership_rows(job: dict[str, Any], pods: list[dict[str, Any]], service: Optional[dict[str, Any]],
                   slices: Optional[list[dict[str, Any]]]) -> list[PodOwnership]:
    """Per pod (owned, selected or merely labelled for this job): how it relates to both."""
    endpoints = endpoints_by_pod(slices)
    rows = []
    for pod in sorted(pods, key=lambda p: (pod_index(p) if pod_index(p) is not None else 1 << 30,
                                          p["metadata"].get("creationTimestamp") or "")):
        ref = controller_of(pod)
        owned = Owner.JOB if owned_by_job(pod, job) else (Owner.OTHER if ref else Owner.NONE)
        labels = labels_of(pod)
        dns = publication(pod, job, service, endpoints)[0] if service is not None else Dns.NO
        rows.append(PodOwnership(
            pod=pod["metadata"]["name"], index=pod_index(pod),
            phase=pod_status(pod), owned=owned,
            job_selected=matches(job.get("spec", {}).get("selector") or {}, labels),
            service_selected=service_matches(service, labels), dns=dns,
            finalizer=TRACKING_FINALIZER in ((pod.get("metadata") or {}).get("finalizers") or []),
            created=pod["metadata"].get("creationTimestamp")))
    return rows


def is_orphan(obj: dict[str, Any], live_job_uids: set[str]) -> bool:
    """No ownerReference to a Job that still exists."""
    refs = [r for r in (obj.get("metadata") or {}).get("ownerReferences") or [] if r.get("kind") == "Job"]
    return not any(r.get("uid") in live_job_uids for r in refs)


def find_orphans(pods: list[dict[str, Any]], services: list[dict[str, Any]],
                 jobs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, list[dict[str, Any]]]]:
    """(namespace, job name) -> orphaned pods and headless Services left by Indexed Jobs."""
    live = {j["metadata"]["uid"] for j in jobs}
    live_names = {(j["metadata"]["namespace"], j["metadata"]["name"]) for j in jobs}
    out: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    for pod in pods:
        name = job_name_of(pod)
        if name is None or pod_index(pod) is None or not is_orphan(pod, live):
            continue
        key = (pod["metadata"]["namespace"], name)
        out.setdefault(key, {"pods": [], "services": []})["pods"].append(pod)
    for svc in services:
        spec = svc.get("spec", {})
        name = (spec.get("selector") or {}).get("job-name")
        if spec.get("clusterIP") != "None" or not name:
            continue
        key = (svc["metadata"]["namespace"], name)
        owned_by_dead = any(r.get("kind") == "Job" for r in svc["metadata"].get("ownerReferences") or [])
        if key not in live_names and (owned_by_dead or key in out or SAVED_JOB_ANNOTATION in
                                      (svc["metadata"].get("annotations") or {})):
            out.setdefault(key, {"pods": [], "services": []})["services"].append(svc)
    return out


# ---------------------------------------------------------------- relabel

@dataclass
class LabelPlan:
    """A label change on one pod and what the controllers will do about it."""

    pod: str
    index: Optional[int]
    changes: dict[str, Optional[str]]  # key -> new value, None removes
    effects: list[str] = field(default_factory=list)
    job_before: bool = False
    job_after: bool = False
    service_before: bool = False
    service_after: bool = False

    @property
    def patch(self) -> dict[str, Any]:
        """A JSON merge patch (null deletes a label)."""
        return {"metadata": {"labels": dict(self.changes)}}


def parse_label_changes(items: list[str], overwrite: bool,
                        current: dict[str, str]) -> dict[str, Optional[str]]:
    """`KEY=VALUE` sets, `KEY-` removes, as `kubectl label` (refusing overwrites without --overwrite)."""
    out: dict[str, Optional[str]] = {}
    for item in items:
        if item.endswith("-") and "=" not in item:
            key = item[:-1]
            check_label(key, None, "label")
            out[key] = None
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise usage(f"invalid label {item!r}: expected KEY=VALUE or KEY-")
        check_label(key, value, "label")
        if key in current and current[key] != value and not overwrite:
            raise usage(f"'{key}' already has a value ({current[key]}), and --overwrite is false")
        out[key] = value
    return out


def shortcut_changes(mode: str, job: dict[str, Any], service: Optional[dict[str, Any]],
                     labels: dict[str, str], detach_dns: bool = False) -> dict[str, Optional[str]]:
    """The label edits behind --detach, --out-of-service and --reattach."""
    job_sel = (job.get("spec", {}).get("selector") or {}).get("matchLabels") or {}
    svc_sel = (service or {}).get("spec", {}).get("selector") or {}
    if mode == "detach":
        out: dict[str, Optional[str]] = {k: None for k in job_sel if k in labels}
        if detach_dns:
            out.update({k: None for k in svc_sel if k in labels})
        return out
    if mode == "out-of-service":
        return {k: None for k in svc_sel if k in labels}
    if mode == "reattach":
        want = dict(job_sel)
        want.update(svc_sel)
        return {k: v for k, v in want.items() if labels.get(k) != v}
    raise ValueError(mode)


def plan_relabel(job: dict[str, Any], pod: dict[str, Any], service: Optional[dict[str, Any]],
                 changes: dict[str, Optional[str]], host: str) -> LabelPlan:
    """What relabelling `pod` does to its Job membership and its DNS record."""
    before = labels_of(pod)
    after = {k: v for k, v in {**before, **changes}.items() if v is not None}
    job_sel = job.get("spec", {}).get("selector") or {}
    plan = LabelPlan(pod["metadata"]["name"], pod_index(pod), changes,
                     job_before=matches(job_sel, before), job_after=matches(job_sel, after),
                     service_before=service_matches(service, before),
                     service_after=service_matches(service, after))
    name, idx = plan.pod, plan.index
    svc = (service or {}).get("metadata", {}).get("name", "<none>")
    done = finished(job)
    if plan.job_before and not plan.job_after:
        plan.effects.append(f"pod {name} leaves the Job's selector: the Job controller releases it "
                            "(removes its ownerReference and job-tracking finalizer)")
        if not done and pod_status(pod) not in TERMINAL:
            plan.effects.append(f"the Job controller creates a replacement pod for index {idx}")
    if not plan.job_before and plan.job_after:
        if done:
            plan.effects.append("the Job is finished: its controller adopts no pods")
        else:
            plan.effects.append(f"the Job controller adopts pod {name}; if index {idx} has another "
                                "active pod, the controller deletes one of the two")
    if plan.service_before and not plan.service_after:
        plan.effects.append(f"pod {name} leaves Service {svc}: its DNS record {host} disappears "
                            "within seconds")
    if not plan.service_before and plan.service_after:
        plan.effects.append(f"pod {name} joins Service {svc}: {host} resolves to it")
    if plan.service_after and plan.job_before and not plan.job_after and not done:
        plan.effects.append(f"{name} keeps running and keeps answering on {host}: with its "
                            "replacement, that name will resolve to two addresses")
    if not plan.effects:
        plan.effects.append("no effect on the Job or the Service (labels only)")
    return plan


# ---------------------------------------------------------------- delete / orphan

@dataclass
class CascadePlan:
    """What a delete with a propagation policy removes and what it keeps."""

    policy: str
    deleted: list[str]
    kept: list[str]
    notes: list[str] = field(default_factory=list)


def plan_delete(job: dict[str, Any], pods: list[dict[str, Any]], others: list[dict[str, Any]],
                policy: str) -> CascadePlan:
    """The garbage collector's outcome for Background, Foreground or Orphan propagation."""
    jname = f"job.batch/{job['metadata']['name']}"
    deleted, kept, notes = [jname], [], []
    for obj in list(pods) + list(others):
        kind = obj.get("kind") or ("Pod" if "containers" in obj.get("spec", {}) else "Object")
        ident = f"{kind.lower()}/{obj['metadata']['name']}"
        if policy != "Orphan" and owned_by_job(obj, job):
            deleted.append(ident)
        else:
            why = "ownerReference removed" if owned_by_job(obj, job) else "not owned by the Job"
            kept.append(f"{ident} ({why})")
    if policy == "Foreground":
        notes.append(f"{jname} stays (with deletionTimestamp and the foregroundDeletion finalizer) "
                     "until its owned pods are gone")
    if policy == "Orphan":
        notes.append("the pods keep running; their DNS names keep working while the Service lives")
    return CascadePlan(policy, deleted, kept, notes)


def saved_job(job: dict[str, Any]) -> str:
    """The Job as `adopt` needs it later, stored on the surviving Service."""
    keep = {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": job["metadata"]["name"], "uid": job["metadata"].get("uid"),
                         "labels": job["metadata"].get("labels") or {}},
            "spec": job.get("spec", {})}
    return json.dumps(keep, separators=(",", ":"), sort_keys=True)


# ---------------------------------------------------------------- adopt

@dataclass
class AdoptPlan:
    """The Job that adopts a dead Job's orphans, and what its controller will then do."""

    job: dict[str, Any]
    adopted: list[str]
    warnings: list[str]


def plan_adopt(old: dict[str, Any], orphans: list[dict[str, Any]]) -> AdoptPlan:
    """A Job with the old template and `manualSelector: true` on the old controller-uid."""
    spec = copy.deepcopy(old.get("spec") or {})
    uid = (old.get("metadata") or {}).get("uid")
    tlabels = spec.get("template", {}).get("metadata", {}).get("labels") or {}
    uid_key = next((k for k in UID_LABELS if k in tlabels), None)
    if not uid or not uid_key:
        raise usage("cannot tell which pods the old Job owned: its pod template has no "
                    "controller-uid label")
    spec["manualSelector"] = True
    spec["selector"] = {"matchLabels": {uid_key: tlabels[uid_key]}}
    spec.pop("suspend", None)
    meta = {"name": old["metadata"]["name"],
            "labels": {k: v for k, v in (old["metadata"].get("labels") or {}).items()
                       if k not in GENERATED_LABELS}}
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": spec}
    completions = completions_of(job)
    adopted, warnings, seen = [], [], {}
    for pod in orphans:
        name, idx = pod["metadata"]["name"], pod_index(pod)
        if not matches(spec["selector"], labels_of(pod)):
            warnings.append(f"pod {name} does not match the selector and stays an orphan")
            continue
        if idx is None:
            warnings.append(f"pod {name} has no completion index: the Job controller will delete it")
        elif idx >= completions:
            warnings.append(f"pod {name} has index {idx} >= completions {completions}: "
                            "the Job controller will delete it")
        elif idx in seen and is_active(pod) and seen[idx]:
            warnings.append(f"index {idx} has two active pods: the Job controller will delete one")
        if idx is not None:
            seen[idx] = seen.get(idx) or is_active(pod)
        adopted.append(name)
    return AdoptPlan(job, adopted, warnings)


def is_active(pod: dict[str, Any]) -> bool:
    """Neither finished nor already being deleted: a pod the Job controller counts."""
    return pod_status(pod) not in TERMINAL and not pod["metadata"].get("deletionTimestamp")


# ---------------------------------------------------------------- what the controllers did

def relabel_target(pods: list[dict[str, Any]], job: dict[str, Any], index: int,
                   detached: bool) -> Optional[dict[str, Any]]:
    """The pod to relabel: the index's current owned pod, or its newest detached pod."""
    return current(p for p in pods if pod_index(p) == index and owned_by_job(p, job) != detached)


def live_pods(pods: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    """The index's pods that are neither finished nor being deleted."""
    return [p for p in pods if pod_index(p) == index and is_active(p)]


def relabel_settled(plan: LabelPlan, uid: str, old_names: set[str], job: dict[str, Any],
                    pods: list[dict[str, Any]], slices: Optional[list[dict[str, Any]]]) -> bool:
    """Whether the controllers have finished reacting to a relabel of pod `uid`."""
    index = plan.index if plan.index is not None else -1
    mine = next((p for p in pods if p["metadata"]["uid"] == uid), None)
    new = [p for p in pods if pod_index(p) == index and p["metadata"]["name"] not in old_names]
    if plan.job_before and not plan.job_after:
        released = mine is not None and not owned_by_job(mine, job) and \
            TRACKING_FINALIZER not in (mine["metadata"].get("finalizers") or [])
        return released and bool(new or finished(job))
    if not plan.job_before and plan.job_after:
        # Settled once the controller has adopted and de-duplicated: one live pod left.
        live = live_pods(pods, index)
        return len(live) == 1 and owned_by_job(live[0], job)
    if plan.service_before != plan.service_after:
        eps = endpoints_by_pod(slices) or {}
        return (uid in eps) == plan.service_after
    return True
