"""A CronJob's runs through the client: the resolver every job-reading command uses when
NAME is a CronJob of Indexed Jobs (create --schedule) rather than a Job."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from kubectl_ijob.client.protocol import KubeClient, Obj


def get_cronjob(client: KubeClient, name: str) -> Optional[Obj]:
    """The CronJob NAME if it exists and runs Indexed Jobs; None when it cannot be read."""
    from kubectl_ijob.client.errors import Forbidden
    from kubectl_ijob.domain.cronjob import is_indexed_cronjob

    try:
        cj = client.get("CronJob", name)
    except Forbidden:
        return None
    return cj if cj is not None and is_indexed_cronjob(cj) else None


def runs(client: KubeClient, cj: Obj) -> list[Obj]:
    """The Jobs of the CronJob's runs (one LIST by the group label)."""
    from kubectl_ijob.domain.cronjob import runs_selector

    ns = cj["metadata"].get("namespace") or client.namespace
    return client.list_of("Job", ns, runs_selector(cj["metadata"]["name"]))


def job_or_run(client: KubeClient, name: str, get: Callable[[], Obj]) -> Obj:
    """get() the Job NAME; when there is none but a CronJob NAME, its current run's Job."""
    from kubectl_ijob.client.errors import NotFound
    from kubectl_ijob.domain.cronjob import pick_run

    try:
        return get()
    except NotFound:
        cj = get_cronjob(client, name)
        if cj is None:
            raise
    return pick_run(cj, runs(client, cj))


def must_get_cronjob(client: KubeClient, name: str) -> Obj:
    """The CronJob NAME, or NotFound in the API's words."""
    from kubectl_ijob.client.errors import NotFound

    cj = get_cronjob(client, name)
    if cj is None:
        raise NotFound(404, "NotFound", f'cronjobs.batch "{name}" not found')
    return cj
