"""The Job a `rerun` creates: the original's pod template, re-wired for the new indexes.

A Job cannot run a chosen subset of its indexes (kubernetes/kubernetes#109131), so the
rerun is a new Indexed Job whose index i does the work of original index k_i. The pod
learns k_i as IJOB_ORIGINAL_INDEX without a shell in the image: a ConfigMap holds an
env file per new index, an init container copies this index's file (picked with
$(JOB_COMPLETION_INDEX)) into an emptyDir, and the kubelet reads the variable from it
(env valueFrom.fileKeyRef, beta and on by default since Kubernetes 1.35).
"""
from __future__ import annotations

import copy
from typing import Any, Optional

from kubectl_ijob.domain.jobplans import RERUN_ENV, RerunPlan

Obj = dict[str, Any]
ITEMS_VOLUME = "ijob-items"
ITEM_ENV = "IJOB_ITEM_FILE"
WAIT_CONTAINER = "ijob-wait-for-peers"
INDEX_VOLUME = "ijob-rerun-index"
ENV_VOLUME = "ijob-rerun-env"
INDEX_CONTAINER = "ijob-original-index"
ENV_FILE = "original-index.env"
# Fields of the original spec that describe the original's indexes or its control, not
# the work: the rerun gets its own counts and runs now, under the built-in controller.
DROPPED_SPEC = ("completions", "parallelism", "successPolicy", "suspend", "managedBy",
                "selector", "manualSelector", "template")


def index_configmap_name(new_name: str) -> str:
    """The ConfigMap holding each new index's original index."""
    return f"{new_name}-index"


def index_env_data(plan: RerunPlan) -> dict[str, str]:
    """ConfigMap data: new index -> an env file `IJOB_ORIGINAL_INDEX='k'` (the kubelet's
    env-file parser wants every value in single quotes: pkg/kubelet/util/env ParseEnv)."""
    return {str(i): f"{RERUN_ENV}='{k}'\n" for i, k in enumerate(plan.mapping)}


def strip_wiring(template: Obj) -> tuple[Obj, Optional[int]]:
    """The template without what create adds (items mount, wait-for-peers), so create can
    add it again for the new job; also the wait timeout when the original waited for peers."""
    out = copy.deepcopy(template)
    pod = out.setdefault("spec", {})
    timeout = None
    inits = []
    for c in pod.get("initContainers") or []:
        if c.get("name") == WAIT_CONTAINER:
            timeout = _wait_timeout(c)
        else:
            inits.append(c)
    if inits:
        pod["initContainers"] = inits
    else:
        pod.pop("initContainers", None)
    pod["volumes"] = [v for v in pod.get("volumes") or [] if v.get("name") != ITEMS_VOLUME]
    if not pod["volumes"]:
        del pod["volumes"]
    for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
        for key, drop in (("volumeMounts", ITEMS_VOLUME), ("env", ITEM_ENV)):
            kept = [x for x in c.get(key) or [] if x.get("name") != drop]
            if kept:
                c[key] = kept
            else:
                c.pop(key, None)
    return out, timeout


def _wait_timeout(container: Obj) -> Optional[int]:
    """The timeout argument create gave the wait-for-peers container (after the script name)."""
    args = container.get("command") or []
    try:
        return int(args[args.index("ijob-wait") + 1])
    except (ValueError, IndexError):
        return None


def rerun_base(original: Obj, completions: int) -> tuple[Obj, list[str]]:
    """The original Job as a `-f` base for a rerun of `completions` indexes, and notes on
    what was not carried over."""
    spec = original.get("spec") or {}
    notes = []
    if spec.get("successPolicy"):
        notes.append("the original's successPolicy names original indexes; the rerun has none")
    if spec.get("managedBy"):
        notes.append(f"the original is managed by {spec['managedBy']}; the rerun is run by "
                     "the built-in Job controller")
    new_spec = {k: copy.deepcopy(v) for k, v in spec.items() if k not in DROPPED_SPEC}
    if isinstance(new_spec.get("maxFailedIndexes"), int) and new_spec["maxFailedIndexes"] > completions:
        new_spec["maxFailedIndexes"] = completions  # the API wants it <= completions
    meta = original.get("metadata") or {}
    keep = {k: dict(meta[k]) for k in ("labels", "annotations") if meta.get(k)}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": keep, "spec": new_spec}, notes


def add_original_index(template: Obj, new_name: str, image: Optional[str]) -> Obj:
    """A copy of the template where every container has IJOB_ORIGINAL_INDEX in its env."""
    out = copy.deepcopy(template)
    pod = out.setdefault("spec", {})
    pod["volumes"] = list(pod.get("volumes") or []) + [
        {"name": INDEX_VOLUME, "configMap": {"name": index_configmap_name(new_name)}},
        {"name": ENV_VOLUME, "emptyDir": {}}]
    env = {"name": RERUN_ENV, "valueFrom": {"fileKeyRef": {
        "volumeName": ENV_VOLUME, "path": ENV_FILE, "key": RERUN_ENV}}}
    for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
        c["env"] = [e for e in c.get("env") or [] if e.get("name") != RERUN_ENV] + [copy.deepcopy(env)]
    copier = {"name": INDEX_CONTAINER, "image": image,
              "command": ["cp", "/ijob/rerun/$(JOB_COMPLETION_INDEX)", f"/ijob/rerun-env/{ENV_FILE}"],
              "volumeMounts": [{"name": INDEX_VOLUME, "mountPath": "/ijob/rerun", "readOnly": True},
                               {"name": ENV_VOLUME, "mountPath": "/ijob/rerun-env"}]}
    pod["initContainers"] = [copier] + list(pod.get("initContainers") or [])
    return out
