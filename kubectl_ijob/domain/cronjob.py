"""Pure: CronJobs whose every run is a peer-networked Indexed Job.

The CronJob controller names each run's Job `<cronjob>-<scheduled time in minutes>`
(pkg/controller/cronjob: getJobName), so a Service selecting `job-name: NAME` selects
nothing and peer names fixed at create time are wrong in every run. Here: the name
budget that keeps every run's pod hostname a DNS label, the CronJob wrapped around the
Job `create` makes (a group label on every run's pods for one shared headless Service,
the run's Job name in IJOB_JOB_NAME from the downward API), and the runs read back.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Optional

from kubectl_ijob.domain.inputs import check_positive
from kubectl_ijob.domain.model import JOB_NAME_LABEL, finished, job_status, parse_time
from kubectl_ijob.domain.schedule import TZ_IN_SCHEDULE, schedule_error, time_zone_error
from kubectl_ijob.errors import UsageError, usage

Obj = dict[str, Any]

GROUP_LABEL = "kubectl-ijob/group"  # on every run's pods; the shared Service selects it
JOB_NAME_ENV = "IJOB_JOB_NAME"
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
INSTANTIATE_ANNOTATION = "cronjob.kubernetes.io/instantiate"  # "manual": kubectl create job --from
WAIT_CONTAINER = "ijob-wait-for-peers"
WAIT_JOB_ARG = 5  # sh -c SCRIPT ijob-wait TIMEOUT JOB SERVICE NAMESPACE DOMAIN COMPLETIONS
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
CRONJOB_NAME_MAX = 52  # ValidateCronJobCreate: 63 minus the controller's 11-character suffix
RUN_SUFFIX_DIGITS = 11  # the scheduled minute since the epoch, as the API's limit assumes
HOSTNAME_MAX = 63
MANUAL_INFIX = "-manual-"  # trigger's runs: NAME-manual-xxxx, as long as the longest suffix


class NoRuns(UsageError):
    """The CronJob has no run (yet, or none kept) for a command to act on."""


@dataclass
class CronSpec:
    """The CronJob's own fields, parsed from create's flags."""

    schedule: str
    concurrency_policy: str = "Forbid"  # two runs of one gang would share the Service
    time_zone: Optional[str] = None
    starting_deadline_seconds: Optional[int] = None
    successful_jobs_history: Optional[int] = None
    failed_jobs_history: Optional[int] = None
    suspend: bool = False


# ---------------------------------------------------------------- validation

def max_name_length(completions: int) -> int:
    """How long NAME may be so that `NAME-<11 digits>-<last index>` fits a DNS label."""
    return min(CRONJOB_NAME_MAX,
               HOSTNAME_MAX - len(f"-{'9' * RUN_SUFFIX_DIGITS}-{completions - 1}"))


def check_name(name: str, completions: int) -> None:
    """NAME must leave room for the run suffix and the index in every pod hostname."""
    limit = max_name_length(completions)
    if len(name) > limit:
        raise usage(f"cronjob name {name!r} is {len(name)} characters; with {completions} "
                    f"completions NAME may be at most {limit}: each run's pod hostname "
                    f"NAME-<scheduled minute, up to {RUN_SUFFIX_DIGITS} digits>-"
                    f"{completions - 1} must fit {HOSTNAME_MAX} characters")


def check_schedule(schedule: str) -> None:
    """The schedule as the API server parses it (robfig/cron's standard parser)."""
    reason = schedule_error(schedule)
    if reason == TZ_IN_SCHEDULE:
        raise usage(f"invalid --schedule {schedule!r}: cannot use TZ or CRON_TZ in the "
                    "schedule, use --time-zone instead")
    if reason == "Required value":
        raise usage("--schedule must not be empty, e.g. --schedule '*/10 * * * *'")
    if reason:
        raise usage(f"invalid --schedule {schedule!r}: {reason}")


def validate(cron: CronSpec) -> None:
    """Every CronJob field the API server checks, refused before anything is sent."""
    check_schedule(cron.schedule)
    if cron.time_zone is not None:
        reason = time_zone_error(cron.time_zone)
        if reason:
            raise usage(f"invalid --time-zone {cron.time_zone!r}: {reason}")
    if cron.concurrency_policy not in CONCURRENCY_POLICIES:
        raise usage(f"invalid --concurrency-policy {cron.concurrency_policy!r}: "
                    f"supported values: {', '.join(CONCURRENCY_POLICIES)}")
    check_positive(cron.starting_deadline_seconds, "--starting-deadline-seconds", 0, 2**63 - 1)
    check_positive(cron.successful_jobs_history, "--successful-jobs-history", 0)
    check_positive(cron.failed_jobs_history, "--failed-jobs-history", 0)


# ---------------------------------------------------------------- wrapping

def peer_name(index: int, service: str) -> str:
    """A run's peer name as a shell in its pods writes it."""
    return f"${{{JOB_NAME_ENV}}}-{index}.{service}"


def _job_name_env() -> Obj:
    return {"name": JOB_NAME_ENV, "valueFrom": {"fieldRef": {
        "apiVersion": "v1", "fieldPath": f"metadata.labels['{JOB_NAME_LABEL}']"}}}


def _per_run(pod: Obj, name: str) -> None:
    """IJOB_JOB_NAME in every container; the wait-for-peers names built from it.

    The wait-for-peers script (domain/probes.py) takes the job's name as its second
    argument and falls back to $IJOB_JOB_NAME when it is empty."""
    for c in (pod.get("initContainers") or []) + (pod.get("containers") or []):
        c["env"] = [e for e in c.get("env") or [] if e.get("name") != JOB_NAME_ENV] + \
            [_job_name_env()]
        cmd = c.get("command") or []
        if c.get("name") == WAIT_CONTAINER and len(cmd) > WAIT_JOB_ARG and cmd[WAIT_JOB_ARG] == name:
            c["command"] = cmd[:WAIT_JOB_ARG] + [""] + cmd[WAIT_JOB_ARG + 1:]


def build_cronjob(job: Obj, cron: CronSpec) -> Obj:
    """The CronJob whose jobTemplate is `job` (the Job create makes), run per schedule."""
    validate(cron)
    meta = job["metadata"]
    name = meta["name"]
    job_spec = copy.deepcopy(job["spec"])
    template = job_spec["template"]
    tlabels = {**((template.get("metadata") or {}).get("labels") or {}), GROUP_LABEL: name}
    template = job_spec["template"] = {
        "metadata": {**(template.get("metadata") or {}), "labels": tlabels},
        **{k: v for k, v in template.items() if k != "metadata"}}
    _per_run(template.setdefault("spec", {}), name)
    labels = dict(meta.get("labels") or {})
    tmeta: Obj = {"labels": {**labels, GROUP_LABEL: name}}
    if meta.get("annotations"):
        tmeta["annotations"] = dict(meta["annotations"])
    spec: Obj = {"schedule": cron.schedule, "concurrencyPolicy": cron.concurrency_policy}
    for key, value in (("timeZone", cron.time_zone),
                       ("startingDeadlineSeconds", cron.starting_deadline_seconds),
                       ("successfulJobsHistoryLimit", cron.successful_jobs_history),
                       ("failedJobsHistoryLimit", cron.failed_jobs_history)):
        if value is not None:
            spec[key] = value
    spec["suspend"] = cron.suspend
    spec["jobTemplate"] = {"metadata": tmeta, "spec": job_spec}
    out_meta = {"name": name, "namespace": meta.get("namespace"), "labels": labels}
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": out_meta, "spec": spec}


def shared_service(service: Obj, name: str) -> Obj:
    """create's headless Service, selecting every run's pods by the group label."""
    out = copy.deepcopy(service)
    out["spec"]["selector"] = {GROUP_LABEL: name}
    return out


def build_all(objs: list[Obj], cron: CronSpec) -> list[Obj]:
    """create's objects (Job, Service, items ConfigMap) as the CronJob and what its runs share."""
    job = objs[0]
    name = job["metadata"]["name"]
    rest = [shared_service(o, name) if o.get("kind") == "Service" else copy.deepcopy(o)
            for o in objs[1:]]
    return [build_cronjob(job, cron), *rest]


def owned_by(obj: Obj, cronjob: Obj) -> Obj:
    """A copy of `obj` owned by the created CronJob, so deleting it removes `obj` too."""
    uid = cronjob.get("metadata", {}).get("uid")
    if not uid:
        return obj
    out = copy.deepcopy(obj)
    out["metadata"]["ownerReferences"] = [{
        "apiVersion": "batch/v1", "kind": "CronJob", "name": cronjob["metadata"]["name"],
        "uid": uid, "controller": False, "blockOwnerDeletion": True}]
    return out


def manual_run(cronjob: Obj, suffix: str) -> Obj:
    """A run started now, as `kubectl create job NAME-manual-SUFFIX --from=cronjob/NAME`."""
    meta, tmpl = cronjob["metadata"], cronjob["spec"]["jobTemplate"]
    tmeta = tmpl.get("metadata") or {}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {
        "name": f"{meta['name']}{MANUAL_INFIX}{suffix}", "namespace": meta.get("namespace"),
        "labels": dict(tmeta.get("labels") or {}),
        "annotations": {INSTANTIATE_ANNOTATION: "manual", **(tmeta.get("annotations") or {})},
        "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": meta["name"],
                             "uid": meta.get("uid"), "controller": True}]},
        "spec": copy.deepcopy(tmpl["spec"])}


# ---------------------------------------------------------------- reading

def is_indexed_cronjob(cronjob: Obj) -> bool:
    """Whether the CronJob's runs are Indexed Jobs (the ones `list` shows)."""
    spec = cronjob.get("spec", {}).get("jobTemplate", {}).get("spec", {})
    return spec.get("completionMode") == "Indexed"


def runs_selector(name: str) -> str:
    """The label selector that lists a CronJob's runs (made by create --schedule)."""
    return f"{GROUP_LABEL}={name}"


def controlling_cronjob(job: Obj) -> Optional[str]:
    """The name of the CronJob that controls `job`, if any."""
    for ref in job.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("kind") == "CronJob" and ref.get("controller"):
            return ref.get("name")
    return None


def _scheduled(job: Obj) -> str:
    meta = job.get("metadata", {})
    return (meta.get("annotations") or {}).get(SCHEDULED_ANNOTATION) or \
        meta.get("creationTimestamp") or ""


def runs_of(cronjob: Obj, jobs: list[Obj]) -> list[Obj]:
    """The Jobs the CronJob controls, oldest first (by scheduled, then creation time)."""
    uid = cronjob.get("metadata", {}).get("uid")
    name = cronjob.get("metadata", {}).get("name")
    mine = [j for j in jobs if any(
        r.get("kind") == "CronJob" and r.get("controller") and
        (r.get("uid") == uid if uid else r.get("name") == name)
        for r in j.get("metadata", {}).get("ownerReferences") or [])]

    def when(job: Obj) -> tuple[float, str]:
        t = parse_time(_scheduled(job))
        return (t.timestamp() if t else 0.0, job["metadata"]["name"])
    return sorted(mine, key=when)


@dataclass
class Run:
    """One run of the history: its Job's name, result and indexes."""

    name: str
    status: str
    scheduled: Optional[str]
    manual: bool
    active: bool
    completions: int
    succeeded: int
    failed: int
    completed_indexes: str
    failed_indexes: str
    start_time: Optional[str]
    completion_time: Optional[str]


def history(cronjob: Obj, jobs: list[Obj]) -> list[Run]:
    """Every run the API still keeps, oldest first."""
    out = []
    for job in runs_of(cronjob, jobs):
        meta, status = job["metadata"], job.get("status", {})
        out.append(Run(
            name=meta["name"], status=job_status(job), scheduled=_scheduled(job) or None,
            manual=(meta.get("annotations") or {}).get(INSTANTIATE_ANNOTATION) == "manual",
            active=not finished(job),
            completions=int(job.get("spec", {}).get("completions") or 1),
            succeeded=int(status.get("succeeded") or 0), failed=int(status.get("failed") or 0),
            completed_indexes=status.get("completedIndexes") or "",
            failed_indexes=status.get("failedIndexes") or "",
            start_time=status.get("startTime"), completion_time=status.get("completionTime")))
    return out


def current_run(cronjob: Obj, jobs: list[Obj]) -> Optional[Obj]:
    """The run commands act on: the newest active run, else the newest run."""
    runs = runs_of(cronjob, jobs)
    live = [j for j in runs if not finished(j)]
    return (live or runs or [None])[-1]


def pick_run(cronjob: Obj, jobs: list[Obj], run: Optional[str] = None) -> Obj:
    """The run named by --run, else the current one; an error says what exists."""
    name = cronjob["metadata"]["name"]
    runs = runs_of(cronjob, jobs)
    if run is not None:
        found = [j for j in runs if j["metadata"]["name"] == run]
        if found:
            return found[0]
        known = ", ".join(j["metadata"]["name"] for j in runs) or "none yet"
        raise usage(f"{run!r} is not a run of cronjob {name!r} (its runs: {known})")
    chosen = current_run(cronjob, jobs)
    if chosen is None:
        raise NoRuns(f"cronjob {name!r} has no runs yet (schedule "
                    f"{cronjob.get('spec', {}).get('schedule')!r}); start one now with "
                    f"`kubectl ijob trigger {name}`")
    return chosen


def list_row(cronjob: Obj, jobs: list[Obj]) -> Obj:
    """The facts of one CronJob `list` row: SCHEDULE SUSPEND ACTIVE LAST SCHEDULE LAST RESULT."""
    meta, spec, status = cronjob["metadata"], cronjob.get("spec", {}), cronjob.get("status", {})
    done = [r for r in history(cronjob, jobs) if not r.active]
    return {"name": meta["name"], "namespace": meta.get("namespace"),
            "schedule": spec.get("schedule"), "timeZone": spec.get("timeZone"),
            "suspend": bool(spec.get("suspend")), "active": len(status.get("active") or []),
            "lastSchedule": status.get("lastScheduleTime"),
            "lastResult": done[-1].status if done else "<none>",
            "lastRun": done[-1].name if done else None,
            "created": meta.get("creationTimestamp")}
