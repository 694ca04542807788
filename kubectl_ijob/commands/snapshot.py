"""Reading an Indexed Job through the client: the model every command starts from.

One GET of the Job, one paginated LIST of its pods, one GET of its Service and one LIST
of the Service's EndpointSlices; what the view can do without (EndpointSlices, events,
NetworkPolicies) is a side query, where Forbidden becomes a note instead of an error.
"""
from __future__ import annotations

from typing import Callable, Optional, TypeVar

from kubectl_ijob.client.errors import Forbidden
from kubectl_ijob.client.protocol import KubeClient, Obj, resource_version
from kubectl_ijob.domain.model import JOB_NAME_LABEL, IndexedJob, is_indexed, job_selector
from kubectl_ijob.domain.selectors import complements
from kubectl_ijob.errors import usage
from kubectl_ijob.render.errors import error_line

T = TypeVar("T")
View = Callable[[Obj], Obj]  # what of each pod a command keeps


def side_query(model: IndexedJob, read: Callable[[], T], what: str) -> Optional[T]:
    """read() for something the view can do without: Forbidden becomes a note and None."""
    try:
        return read()
    except Forbidden as e:
        model.notes.append(f"cannot read {what}: {error_line(e)}")
        return None


def get_indexed_job(client: KubeClient, name: str) -> Obj:
    """The Indexed Job NAME, or when NAME is a CronJob of Indexed Jobs, its active (else
    latest) run's Job: every command that reads a job takes a CronJob's name too."""
    from kubectl_ijob.commands.cronruns import job_or_run

    return job_or_run(client, name, lambda: indexed_job(client, name))


def indexed_job(client: KubeClient, name: str) -> Obj:
    """GET the Job NAME and insist it is Indexed."""
    job = client.get_job(name)
    if not is_indexed(job):
        mode = job.get("spec", {}).get("completionMode") or "NonIndexed"
        raise usage(f'job "{name}" has completionMode {mode}; kubectl ijob works on '
                    "Indexed Jobs (completionMode: Indexed)")
    return job


def snapshot(client: KubeClient, name: str, view: Optional[View] = None) -> IndexedJob:
    """The Job, its pods (by the Job's own selector), its Service and EndpointSlices;
    view: what of each pod to keep (projection.status_view for the status views)."""
    job = get_indexed_job(client, name)
    return with_service(client, job, client.list_pods(job_selector(job), view=view))


def family_snapshot(client: KubeClient, name: str, job: Optional[Obj] = None,
                    view: Optional[View] = None) -> IndexedJob:
    """The Job plus every pod it owns OR that still carries its labels (detached, orphaned)."""
    job = job or indexed_job(client, name)
    return with_service(client, job, family_pods(client, job, name, view))


def family_pods(client: KubeClient, job: Obj, name: str, view: Optional[View] = None) -> list[Obj]:
    """The pods the Job selects, then those labelled with its name that it does not.

    The Job's pods are listed once; the labelled ones are asked for with the complement
    of the Job's selector (so only detached and orphaned pods come back), instead of
    listing every pod of the Job three times, once per selector. Same pods, same order.
    """
    own = job_selector(job)
    outside = complements((job.get("spec") or {}).get("selector"))
    names = [f"{JOB_NAME_LABEL}={name}", f"job-name={name},{JOB_NAME_LABEL}!={name}"]
    if not outside:  # a selector without requirements has no complement to ask for
        return client.list_pods_any([own, f"{JOB_NAME_LABEL}={name}", f"job-name={name}"],
                                    view=view)
    pods = {p["metadata"]["uid"]: p for p in client.list_pods(own, view=view)}
    for by_name in names:
        more = {p["metadata"]["uid"]: p for c in outside
                for p in client.list_pods(f"{by_name},{c}", view=view)}
        for pod in sorted(more.values(), key=lambda p: p["metadata"]["name"]):
            pods.setdefault(pod["metadata"]["uid"], pod)
    return list(pods.values())


def with_service(client: KubeClient, job: Obj, pods: list[Obj]) -> IndexedJob:
    """The model of job and pods, with the Service its subdomain names and the Service's
    EndpointSlices (a side query)."""
    model = IndexedJob(job, list(pods), pods_version=resource_version(pods))
    sub = model.subdomain
    model.service = client.get_service(sub) if sub else None
    if model.service is not None and sub:
        model.slices = side_query(model, lambda: client.list_endpoint_slices(sub),
                                  "EndpointSlices, DNS publication unknown")
    return model
