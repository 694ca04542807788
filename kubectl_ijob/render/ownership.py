"""The plans and outcomes of relabel, delete, orphan and adopt, as lines for humans."""
from __future__ import annotations

from typing import Any, Optional

from kubectl_ijob.domain.model import IndexedJob, pod_index
from kubectl_ijob.domain.ownership import LabelPlan, live_pods, owned_by_job


def bullets(title: str, lines: list[str]) -> list[str]:
    """A title and its items as `  - item` lines."""
    return [title] + [f"  - {line}" for line in lines]


def label_edits(changes: dict[str, Optional[str]]) -> str:
    """`a=b, c-` as `kubectl label` spells them ("none" when empty)."""
    return ", ".join(f"{k}-" if v is None else f"{k}={v}" for k, v in changes.items()) or "none"


def relabel_report(name: str, plan: LabelPlan, uid: str, before: IndexedJob,
                   after: IndexedJob) -> list[str]:
    """What the controllers did after a relabel, read from the API."""
    index = plan.index if plan.index is not None else -1
    old_names = {p["metadata"]["name"] for p in before.pods}
    out = [f"replacement pod: {p['metadata']['name']} (index {index})" for p in after.pods
           if pod_index(p) == index and p["metadata"]["name"] not in old_names]
    mine = next((p for p in after.pods if p["metadata"]["uid"] == uid), None)
    if mine is None:
        out.append(f"pod {plan.pod} is gone")
    else:
        owned = owned_by_job(mine, after.job)
        out.append(f"pod {plan.pod}: {'owned by' if owned else 'released from'} job.batch/{name}"
                   + (", deleting" if mine["metadata"].get("deletionTimestamp") else ""))
    out += [f"the Job controller is deleting pod {p['metadata']['name']} (duplicate of index {index})"
            for p in after.pods if pod_index(p) == index and p is not mine
            and p["metadata"].get("deletionTimestamp")]
    now = {p["metadata"]["name"] for p in after.pods}
    out += [f"pod {p['metadata']['name']} (index {index}) was deleted by the Job controller"
            for p in live_pods(before.pods, index) if p["metadata"]["name"] not in now]
    if not plan.job_before and plan.job_after:
        out.append(f"index {index} runs on pod {live_pods(after.pods, index)[0]['metadata']['name']}")
    return out + dns_lines(name, index, after.slices)


def dns_lines(name: str, index: int, slices: Optional[list[dict[str, Any]]]) -> list[str]:
    """The addresses `<job>-<i>` resolves to, from the EndpointSlices."""
    addrs = sorted({a for sl in slices or [] for ep in sl.get("endpoints") or []
                    if ep.get("hostname") == f"{name}-{index}" for a in ep.get("addresses") or []})
    out = [f"DNS {name}-{index}: " + (", ".join(addrs) if addrs else "no records")]
    if len(addrs) > 1:
        out.append(f"warning: {name}-{index} resolves to {len(addrs)} addresses")
    return out
