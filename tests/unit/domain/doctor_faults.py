"""Deliberate faults for doctor's unit tests: each mutates a healthy job's evidence
(doctor_objects.healthy) into one broken variant."""
from __future__ import annotations

from kubectl_ijob.domain.doctor import Evidence
from kubectl_ijob.domain.doctor.model import WAIT_CONTAINER

from ..objects import pod
from .doctor_objects import N, at, endpoint, endpoint_slice, event, matrix, running_pod

def no_service(ev: Evidence) -> None:
    ev.services, ev.slices = [], None


def not_headless(ev: Evidence) -> None:
    ev.services[0]["spec"]["clusterIP"] = "10.96.0.12"


def wrong_selector(ev: Evidence) -> None:
    ev.services[0]["spec"]["selector"] = {"app": "trainer"}


def empty_selector(ev: Evidence) -> None:
    ev.services[0]["spec"]["selector"] = {}


def subdomain_mismatch(ev: Evidence) -> None:
    ev.job["spec"]["template"]["spec"]["subdomain"] = "workers"
    for p in ev.pods:
        p["spec"]["subdomain"] = "workers"


def not_ready_unpublished(ev: Evidence) -> None:
    ev.services[0]["spec"]["publishNotReadyAddresses"] = False
    for p in ev.pods[2:]:
        p["status"]["conditions"][-1]["status"] = "False"
        p["status"]["containerStatuses"][0]["ready"] = False
    ev.slices[0]["endpoints"][2]["conditions"]["ready"] = False
    ev.slices[0]["endpoints"][3]["conditions"]["ready"] = False


def wait_deadlock(ev: Evidence) -> None:
    not_ready_unpublished(ev)
    for p in ev.pods[2:]:
        p["status"]["phase"] = "Pending"
        p["status"]["initContainerStatuses"] = [{"name": WAIT_CONTAINER, "ready": False,
                                                 "state": {"running": {"startedAt": at(2)}}}]


def long_name(ev: Evidence) -> None:
    name = "a-very-long-job-name-for-a-distributed-training-run-on-gpus-x"  # 61 characters
    ev.job["metadata"]["name"] = name
    ev.job["spec"]["completions"] = 12


def host_network(ev: Evidence) -> None:
    ev.job["spec"]["template"]["spec"]["hostNetwork"] = True


def dns_default(ev: Evidence) -> None:
    ev.job["spec"]["template"]["spec"]["dnsPolicy"] = "Default"


def dns_none(ev: Evidence) -> None:
    ev.job["spec"]["template"]["spec"].update(dnsPolicy="None",
                                              dnsConfig={"nameservers": ["1.1.1.1"]})


SCHED_MSG = ("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
             "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")


def unschedulable(ev: Evidence) -> None:
    ev.job["spec"]["template"]["spec"]["nodeSelector"] = {"gpu": "h100"}
    p = ev.pods[3]
    p["spec"].pop("nodeName")
    p["status"] = {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": SCHED_MSG,
         "lastTransitionTime": at(1)}]}
    ev.events.append(event(p, "FailedScheduling", SCHED_MSG, count=3))
    if ev.slices:
        ev.slices[0]["endpoints"].pop(3)


def gated(ev: Evidence) -> None:
    p = ev.pods[1]
    p["spec"]["schedulingGates"] = [{"name": "kueue.x-k8s.io/admission"}]
    p["status"] = {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated",
         "message": "Scheduling is blocked due to non-empty scheduling gates"}]}


def image_never_pull(ev: Evidence) -> None:
    for p in ev.pods:
        p["status"]["phase"] = "Pending"
        cs = p["status"]["containerStatuses"][0]
        cs.update(image="localhost/ijob-test/nope:1", ready=False, state={
            "waiting": {"reason": "ErrImageNeverPull", "message": 'Container image '
                        '"localhost/ijob-test/nope:1" is not present with pull policy of Never'}})


def crash_loop(ev: Evidence) -> None:
    p = ev.pods[1]
    p["status"]["containerStatuses"][0].update(ready=False, restartCount=4, state={
        "waiting": {"reason": "CrashLoopBackOff", "message": "back-off 1m20s restarting failed "
                    "container=worker pod=example-job-1-abcde_default(uid-1)"}},
        lastState={"terminated": {"exitCode": 3, "reason": "Error", "startedAt": at(60),
                                  "finishedAt": at(61)}})
    ev.logs["example-job-1-abcde/worker"] = "loading shard 1\nerror: cannot open /data/shard-1\n"


def config_error(ev: Evidence) -> None:
    ev.pods[0]["status"]["phase"] = "Pending"
    ev.pods[0]["status"]["containerStatuses"][0].update(ready=False, state={"waiting": {
        "reason": "CreateContainerConfigError", "message": 'configmap "settings" not found'}})


def _waiting_for_peers(ev: Evidence, log: str, failed: bool = False) -> None:
    argv = ["sh", "-c", "...", "ijob-wait", "300", "example-job", "example-job", "default",
            "cluster.local", str(N)]
    for p in ev.pods[:3]:
        p["spec"]["initContainers"] = [{"name": WAIT_CONTAINER, "image": "localhost/x:1",
                                        "command": argv}]
        p["status"]["phase"] = "Pending"
        state = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": at(290)}} \
            if failed \
            else {"running": {"startedAt": at(2)}}
        p["status"]["initContainerStatuses"] = [{"name": WAIT_CONTAINER, "ready": False,
                                                 "state": state}]
        p["status"]["containerStatuses"][0].update(
            ready=False, state={"waiting": {"reason": "PodInitializing"}})
        ev.logs[f"{p['metadata']['name']}/{WAIT_CONTAINER}"] = log
    unschedulable(ev)


def wait_stuck(ev: Evidence) -> None:
    _waiting_for_peers(ev, "peer example-job-0.example-job resolves\n"
                           "peer example-job-1.example-job resolves\n"
                           "peer example-job-2.example-job resolves\n")


def wait_peer_finished(ev: Evidence) -> None:
    """Index 3 ran and finished before the others looked for it: it left DNS for good."""
    wait_stuck(ev)
    ev.pods[3]["spec"]["nodeName"] = "node-1"
    ev.pods[3]["status"] = {"phase": "Succeeded", "conditions": [], "containerStatuses": [
        {"name": "worker", "ready": False, "state": {"terminated": {"exitCode": 0}}}]}


def wait_timed_out(ev: Evidence) -> None:
    _waiting_for_peers(ev, "peer example-job-0.example-job resolves\ntimed out after 300s "
                           "waiting for peer example-job-3.example-job to resolve\n", failed=True)


QUOTA = ('Error creating: pods "example-job-3-x8q2k" is forbidden: exceeded quota: compute, '
         'requested: cpu=1, used: cpu=3, limited: cpu=3')


def quota(ev: Evidence) -> None:
    ev.pods.pop(3)
    ev.slices[0]["endpoints"].pop(3)
    ev.events.append(event(ev.job, "FailedCreate", QUOTA, count=5))


def limit_range(ev: Evidence) -> None:
    ev.pods.pop(3)
    ev.events.append(event(ev.job, "FailedCreate", 'Error creating: pods "example-job-3-x" is '
                           "forbidden: maximum cpu usage per Container is 500m, but limit is 1"))


def webhook(ev: Evidence) -> None:
    ev.pods.pop(3)
    ev.events.append(event(ev.job, "FailedCreate", 'Error creating: admission webhook '
                           '"validate.policy.example.com" denied the request: no team label'))


def recovered_quota(ev: Evidence) -> None:
    ev.events.append(event(ev.job, "FailedCreate", QUOTA))


def _suspend(ev: Evidence) -> None:
    ev.pods, ev.slices, ev.ping, ev.dns = [], [endpoint_slice([])], None, None
    ev.job["spec"]["suspend"] = True
    ev.job["status"] = {"conditions": [{"type": "Suspended", "status": "True",
                                        "reason": "JobSuspended", "lastTransitionTime": at(0)}]}


def suspended_kueue(ev: Evidence) -> None:
    _suspend(ev)
    ev.job["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] = "team-a"


def suspended_by_user(ev: Evidence) -> None:
    _suspend(ev)
    ev.job["metadata"]["managedFields"] = [
        {"manager": "kubectl-create", "operation": "Update", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:spec": {"f:completions": {}}}},
        {"manager": "kubectl-patch", "operation": "Update", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:spec": {"f:suspend": {}}}}]


def managed_by(ev: Evidence) -> None:
    ev.job["spec"]["managedBy"] = "kueue.x-k8s.io/multikueue"


def suspended_managed(ev: Evidence) -> None:
    _suspend(ev)
    managed_by(ev)


def relabeled_out(ev: Evidence) -> None:
    ev.pods[2]["metadata"]["labels"]["job-name"] = "out-of-service"
    ev.slices[0]["endpoints"].pop(2)


def missing_endpoint(ev: Evidence) -> None:
    ev.slices[0]["endpoints"].pop(1)


def nxdomain_published(ev: Evidence) -> None:
    ev.dns = matrix(bad={(s, 2): "nxdomain" for s in range(N)}, method="dns")


def two_addresses(ev: Evidence) -> None:
    old = running_pod(2)
    old["metadata"].update(name="example-job-2-old", uid="uid-old", ownerReferences=[])
    old["metadata"]["labels"].pop("batch.kubernetes.io/controller-uid")
    old["status"]["podIP"] = "10.88.0.99"
    ev.pods.append(old)
    ev.slices[0]["endpoints"].append(endpoint(old))


def policy_blocks(ev: Evidence) -> None:
    ev.policies = ["deny-all"]
    ev.policy_findings = ["ingress isolated by deny-all and no rule admits the job's own pods: "
                          "peers cannot connect"]


def policy_ports(ev: Evidence) -> None:
    ev.policies = ["deny-all", "train-peers"]
    ev.policy_findings = ["ingress between peers limited by deny-all, train-peers to TCP 29500 "
                          "(ping and other ports are dropped)"]


def ping_row(ev: Evidence) -> None:
    ev.ping = matrix(bad={(1, t): "dns-timeout" for t in range(N)})


def ping_column(ev: Evidence) -> None:
    ev.ping = matrix(bad={(s, 3): "timeout" for s in range(N)})


def ping_scattered(ev: Evidence) -> None:
    ev.ping = matrix(bad={(0, 2): "timeout", (3, 1): "timeout"})


def ping_all(ev: Evidence) -> None:
    ev.ping = matrix(bad={(s, t): "timeout" for s in range(N) for t in range(N)})


def ping_no_tool(ev: Evidence) -> None:
    ev.ping = matrix(bad={(s, t): "no-tool" for s in range(N) for t in range(N)})
    for p in ev.ping.pairs:
        p.detail = "ping"


def job_failed(ev: Evidence) -> None:
    ev.job["status"].update(failed=1, conditions=[
        {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit"}])
    failed = pod(2, "Failed", name="example-job-2-zz9q1", exit_code=2)
    ev.pods.append(failed)
    ev.logs["example-job-2-zz9q1/worker"] = "Traceback...\nValueError: bad shard\n"


def failed_index(ev: Evidence) -> None:
    ev.job["spec"]["backoffLimitPerIndex"] = 0
    ev.job["status"].update(failedIndexes="2", failed=1)
    ev.pods[2] = pod(2, "Failed", name="example-job-2-zz9q1", exit_code=42)


def retrying(ev: Evidence) -> None:
    ev.pods.append(pod(1, "Failed", name="example-job-1-first", exit_code=137, reason="OOMKilled"))
    ev.pods[1]["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"] = "1"


def late_start(ev: Evidence) -> None:
    p = running_pod(3, start=95)
    p["status"]["conditions"][0]["lastTransitionTime"] = at(2)
    ev.pods[3] = p
    ev.events.append(event(p, "Pulled", 'Successfully pulled image "localhost/x:1" in 1m32.1s '
                           "(1m32.1s including waiting). Image size: 4 bytes.", "Normal", when=95))


def long_run(ev: Evidence) -> None:
    for p in ev.pods[:3]:
        p["status"]["phase"] = "Succeeded"
        p["status"]["containerStatuses"][0].update(ready=False, state={"terminated": {
            "exitCode": 0, "reason": "Completed", "startedAt": at(3), "finishedAt": at(23)}})
    ev.job["status"].update(completedIndexes="0-2", succeeded=3, active=1)
    ev.slices = [endpoint_slice(ev.pods[3:])]
    ev.ping = ev.dns = None


def duplicate(ev: Evidence) -> None:
    twin = running_pod(0)
    twin["metadata"].update(name="example-job-0-twin", uid="uid-twin", deletionTimestamp=at(100))
    ev.pods.append(twin)


def older_job(ev: Evidence) -> None:
    old = running_pod(1)
    old["metadata"].update(name="example-job-1-older", uid="uid-older")
    old["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] = "0ld-uid"
    old["metadata"]["ownerReferences"][0]["uid"] = "0ld-uid"
    ev.pods.append(old)


def forbidden(ev: Evidence) -> None:
    ev.events, ev.notes = None, ['cannot read events: Error from server (Forbidden): events is '
                                 'forbidden: User "dev" cannot list resource "events"']
