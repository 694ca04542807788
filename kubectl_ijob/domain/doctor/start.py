"""Checks of scheduling and start: unschedulable pods, image pulls, crash loops,
containers that cannot be created, wait-for-peers stuck on a peer, pods the Job
controller could not create, and a suspended Job."""
from __future__ import annotations

import re
from typing import Optional

from kubectl_ijob.domain.indexes import format_ranges
from kubectl_ijob.domain.jobapi import JOB_CONTROLLER
from kubectl_ijob.domain.jobapi import KUEUE_QUEUE_LABEL as KUEUE_QUEUE

from .model import WAIT_CONTAINER, Evidence, Finding, Obj, all_statuses, condition, \
    crash_looping, event_message, human, last_termination, live, parse_time, plural, \
    pod_index, pods_phrase, statuses, tail, waiting_reason

PULL_ERRORS = ("ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName",
               "RegistryUnavailable", "SignatureValidationFailed")
CREATE_ERRORS = ("CreateContainerConfigError", "CreateContainerError", "RunContainerError",
                 "PreCreateHookError", "PostStartHookError")
WAIT_STUCK_AFTER = 60  # seconds in wait-for-peers before a peer counts as holding everyone up


def _scheduler_fix(ev: Evidence, message: str) -> list[str]:
    """What to look at for a scheduler message."""
    sel = ev.template_spec.get("nodeSelector") or {}
    if "node affinity/selector" in message or "node selector" in message:
        want = ",".join(f"{k}={v}" for k, v in sorted(sel.items())) or "<affinity>"
        keys = ",".join(sorted(sel)) or "kubernetes.io/hostname"
        return [f"no node has {want}: kubectl get nodes -L {keys}",
                "fix spec.template.spec.nodeSelector/affinity (recreate the job) or label a node"]
    if "taint" in message:
        return ["kubectl describe nodes | grep -A2 Taints",
                "add a matching toleration to the pod template, or remove the taint"]
    if "Insufficient" in message or "Too many pods" in message:
        return ["kubectl describe nodes   # Allocated resources",
                "lower the requests, or --parallelism, or add capacity"]
    return []


def check_unschedulable(ev: Evidence) -> list[Finding]:
    """Pending pods the scheduler cannot place (with its message), or gated pods."""
    groups: dict[tuple[str, str], list[Obj]] = {}
    for p in ev.current.values():
        if not live(p) or condition(p, "PodScheduled") != "False":
            continue
        reason = condition(p, "PodScheduled", "reason") or ""
        msg = condition(p, "PodScheduled", "message") or ""
        if reason == "Unschedulable":
            events = ev.pod_events(p, "FailedScheduling")
            msg = event_message(events[-1]) if events else msg
        groups.setdefault((reason, msg), []).append(p)
    out = []
    for (reason, msg), pods in groups.items():
        first = pods[0]["metadata"]["name"]
        if reason == "SchedulingGated":
            gates = sorted({g.get("name", "") for p in pods
                            for g in p["spec"].get("schedulingGates") or []})
            out.append(Finding("warning", "scheduling-gated",
                               f"{plural(len(pods), 'pod')} held by scheduling gates "
                               f"{', '.join(gates)}",
                               [pods_phrase(pods)], [ev.kubectl("get pod", first, "-o yaml")]))
            continue
        short = (msg or reason).split(" preemption:")[0]
        out.append(Finding("error", "unschedulable",
                           f"{plural(len(pods), 'pod')} cannot be scheduled: {short}",
                           [pods_phrase(pods), f"scheduler: {msg or reason}"],
                           _scheduler_fix(ev, msg) + [ev.kubectl("describe pod", first)]))
    return out


def check_image_pull(ev: Evidence) -> list[Finding]:
    """Containers waiting on an image that cannot be pulled."""
    groups: dict[tuple[str, str], list[tuple[Obj, Obj]]] = {}
    for p in ev.current.values():
        for _, s in all_statuses(p):
            if live(p) and waiting_reason(s) in PULL_ERRORS:
                groups.setdefault((s.get("image", ""), waiting_reason(s)), []).append((p, s))
    out = []
    for (image, reason), hits in groups.items():
        pods = [p for p, _ in hits]
        message = (hits[0][1]["state"]["waiting"].get("message") or "").strip()
        fix = ["load the image into the node's runtime, or use a pullable image and "
               "imagePullPolicy IfNotPresent"] if reason == "ErrImageNeverPull" else \
            ["check the image name and tag, the registry's reachability and the pod's "
             "imagePullSecrets"]
        out.append(Finding("error", "image-pull", f"image {image} cannot be pulled ({reason})",
                           [pods_phrase(pods)] + ([message] if message else []),
                           fix + [ev.kubectl("describe pod", pods[0]["metadata"]["name"])]))
    return out


def check_crash_loop(ev: Evidence) -> list[Finding]:
    """Containers failing and restarting over and over, grouped by container and exit code:
    the restarts, the last exit code and the tail of the last log."""
    groups: dict[tuple[str, object], list[tuple[int, Obj, Obj]]] = {}
    for i, p in ev.current.items():
        for _, s in all_statuses(p) if live(p) else []:
            if crash_looping(s):
                code = (last_termination(s) or {}).get("exitCode", "?")
                groups.setdefault((s.get("name", ""), code), []).append((i, p, s))
    out = []
    for (name, code), hits in groups.items():
        i, pod, s = hits[0]
        term = last_termination(s) or {}
        evidence = [f"{pods_phrase([p for _, p, _ in hits])}: container {name} restarted "
                    f"{s.get('restartCount', 0)} times, last exit code {code} "
                    f"({term.get('reason') or 'Error'})"]
        log = ev.logs.get(f"{pod['metadata']['name']}/{name}")
        evidence += [f"last log of index {i}:"] + tail(log) if log else []
        previous = ["-p"] if waiting_reason(s) else []  # the run before this one
        which = f"index {i} is" if len(hits) == 1 else f"{len(hits)} indexes are"
        out.append(Finding("error", "crash-loop", f"{which} crash-looping: container {name} "
                           f"exits with code {code}", evidence,
                           [ev.cmd("logs", "--index", str(i), "-c", name, *previous)]))
    return out


def check_container_create(ev: Evidence) -> list[Finding]:
    """Containers the kubelet cannot create (missing ConfigMap/Secret, bad command, ...)."""
    out = []
    for i, p in ev.current.items():
        for _, s in all_statuses(p):
            if live(p) and waiting_reason(s) in CREATE_ERRORS:
                msg = (s["state"]["waiting"].get("message") or "").strip()
                out.append(Finding("error", "container-create",
                                   f"index {i}: container {s.get('name')} cannot start "
                                   f"({waiting_reason(s)})",
                                   [f"pod {p['metadata']['name']}: {msg or waiting_reason(s)}"],
                                   [ev.kubectl("describe pod", p["metadata"]["name"])]))
    return out


def _stuck_peer(ev: Evidence, log: str) -> Optional[str]:
    """The peer a wait-for-peers container is stuck on, from its log: the one it timed out
    on, or the first not yet resolved (it resolves the peers in index order)."""
    timed_out = re.search(r"waiting for peer (\S+) to resolve", log)
    if timed_out:
        return timed_out.group(1)
    done = set(re.findall(r"^peer (\S+) resolves$", log, re.M))
    return next((n for n in (f"{ev.name}-{i}.{ev.subdomain}" for i in range(ev.completions))
                 if n not in done), None)


def _peer_state(ev: Evidence, peer: str) -> str:
    """Why a peer name may not resolve: its index's current pod, or none."""
    m = re.match(re.escape(ev.name) + r"-(\d+)\.", peer)
    if not m:
        return "not an index of this job"
    i = int(m.group(1))
    pod = ev.current.get(i)
    if pod is None:
        failed = [e for e in ev.events_for(ev.uid, ev.name, "Job")
                  if e.get("reason") == "FailedCreate"]
        why = f": the Job controller cannot create it ({_cause(event_message(failed[-1]))})" \
            if failed else ""
        return f"index {i} has no pod{why}"
    unscheduled = condition(pod, "PodScheduled") == "False"
    why = (condition(pod, "PodScheduled", "message") or "").split(" preemption:")[0] \
        if unscheduled else ""
    state = next((waiting_reason(s) for _, s in all_statuses(pod) if waiting_reason(s)), "")
    phase = pod['status'].get('phase', 'Pending')
    gone = "finished before this pod looked, so its name left DNS; wait-for-peers holds " \
        "only gangs whose pods stay up until every peer has started"
    detail = "; ".join(x for x in (state, why, gone if phase in ("Succeeded", "Failed") else "") if x)
    return f"index {i}: pod {pod['metadata']['name']} {phase}" + (f" ({detail})" if detail else "")


def check_wait_for_peers(ev: Evidence) -> list[Finding]:
    """Pods held in wait-for-peers for long (or failed by its timeout), grouped by the
    peer they wait for, with that peer's own state."""
    stuck: dict[str, list[Obj]] = {}
    failed: set[str] = set()
    for p in ev.current.values():
        s = next((s for s in statuses(p, True) if s.get("name") == WAIT_CONTAINER), None)
        if s is None or not live(p):
            continue
        state = s.get("state") or {}
        term = last_termination(s)
        since = parse_time((state.get("running") or {}).get("startedAt"))
        bad = bool(term and term.get("exitCode")) and not state.get("running")
        if not bad and not (since and (ev.now - since).total_seconds() > WAIT_STUCK_AFTER):
            continue
        log = ev.logs.get(f"{p['metadata']['name']}/{WAIT_CONTAINER}", "")
        peer = _stuck_peer(ev, log) if log else None
        key = peer or "?"
        stuck.setdefault(key, []).append(p)
        if bad:
            failed.add(key)
    out = []
    for peer, pods in stuck.items():
        what = f"peer {peer}" if peer != "?" else "a peer (its log was not read)"
        evidence = [f"waiting: {pods_phrase(pods)}"]
        if peer != "?":
            evidence.append(f"{peer}: {_peer_state(ev, peer)}")
        i = pod_index(pods[0])
        out.append(Finding("error" if peer in failed else "warning", "wait-for-peers",
                           f"{plural(len(pods), 'pod')} stuck in wait-for-peers on {what}",
                           evidence, [ev.cmd("logs", "--index", str(i), "-c", WAIT_CONTAINER),
                                      ev.cmd("status")]))
    return out


def _create_fix(ev: Evidence, message: str) -> str:
    if "exceeded quota" in message:
        return ev.kubectl("describe resourcequota")
    if "LimitRange" in message or re.search(r"(maximum|minimum) \w+ usage per", message):
        return ev.kubectl("describe limitrange")
    if "admission webhook" in message:
        return "kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations"
    return ev.kubectl("describe job", ev.name)


def _cause(message: str) -> str:
    """A FailedCreate message without its per-pod prefix: the same cause for every pod."""
    return re.sub(r'^Error creating: (pods "[^"]*" is forbidden: )?', "", message)


def check_failed_create(ev: Evidence) -> list[Finding]:
    """FailedCreate events on the Job (quota, LimitRange, webhooks, invalid pods), one line
    per cause with how often it happened and its latest message."""
    events = [e for e in ev.events_for(ev.uid, ev.name, "Job") if e.get("reason") == "FailedCreate"]
    if not events:
        return []
    counts: dict[str, int] = {}
    latest: dict[str, str] = {}
    for e in events:
        cause = _cause(event_message(e))
        count = e.get("count") or (e.get("series") or {}).get("count") or 1
        counts[cause] = counts.get(cause, 0) + int(count)
        latest[cause] = event_message(e)
    missing = [i for i in range(ev.completions) if i not in ev.current]
    severity = "error" if missing and not ev.finished else "info"
    last = _cause(event_message(events[-1]))
    title = f"the Job controller cannot create pods: {last}" if severity == "error" else \
        "the Job controller failed to create pods earlier (since recovered)"
    evidence = [f"job/{ev.name} FailedCreate x{n}, latest: {latest[c]}" for c, n in counts.items()]
    if severity == "error":
        evidence.append(f"no pod for {'index' if len(missing) == 1 else 'indexes'} "
                        f"{format_ranges(missing)}")
    return [Finding(severity, "failed-create", title, evidence, [_create_fix(ev, last)])]


def _suspender(job: Obj) -> Optional[str]:
    """The field manager that last wrote spec.suspend (from managedFields)."""
    who = None
    for entry in job.get("metadata", {}).get("managedFields") or []:
        spec = (entry.get("fieldsV1") or {}).get("f:spec") or {}
        if "f:suspend" in spec:
            who = entry.get("manager")
    return who


def check_suspended(ev: Evidence) -> list[Finding]:
    """A suspended Job runs no pods; say who holds it: Kueue, an external controller, or a user."""
    spec = ev.job.get("spec", {})
    managed = spec.get("managedBy")
    external = managed and managed != JOB_CONTROLLER
    if not spec.get("suspend"):
        if external:
            return [Finding("info", "managed-by", f"job is managed by {managed}, not the "
                            "built-in Job controller", [f"job/{ev.name}: spec.managedBy {managed}"],
                            [f"look at {managed}'s own status for this job"])]
        return []
    queue = (ev.job["metadata"].get("labels") or {}).get(KUEUE_QUEUE)
    since = condition(ev.job, "Suspended", "lastTransitionTime")
    age = f" for {human((ev.now - parse_time(since)).total_seconds())}" if since else ""
    evidence = [f"job/{ev.name}: spec.suspend true{age}"]
    who = _suspender(ev.job)
    if who:
        evidence.append(f"spec.suspend last set by {who}")
    if queue:
        return [Finding("warning", "suspended", f"job is suspended: queued in Kueue LocalQueue "
                        f"{queue}, waiting for admission",
                        evidence + [f"label {KUEUE_QUEUE}={queue}"],
                        [ev.kubectl("get workloads"), ev.kubectl("describe localqueue", queue)])]
    if external:
        return [Finding("warning", "suspended", f"job is suspended and managed by {managed}",
                        evidence + [f"spec.managedBy {managed}"],
                        [f"{managed} decides when it runs"])]
    return [Finding("warning", "suspended", f"job is suspended{f' by {who}' if who else ''}: "
                    "no pods run", evidence,
                    [ev.kubectl("patch job", ev.name, "--type merge",
                                "-p '{\"spec\":{\"suspend\":false}}'")])]
