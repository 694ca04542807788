"""doctor on the real cluster: one deliberately broken job per finding the cluster can
produce, each reported with its evidence and next step (exit 1 for an error, 0 for
warnings only), and a healthy job that reports nothing and exits 0."""
from __future__ import annotations

import http.server
import json
import re
import ssl
import threading

import pytest
import yaml

from tests.e2e.test_plugin import SLEEP, create, running, until

pytestmark = pytest.mark.e2e


def doctor(ijob, name: str, *extra: str) -> tuple[int, dict]:
    """doctor -o json: its exit code and {check: finding}."""
    out = ijob("doctor", name, "-o", "json", *extra)
    assert out.returncode in (0, 1) and out.stdout, out.stderr
    doc = json.loads(out.stdout)
    assert doc["kind"] == "DoctorReport"
    return out.returncode, {f["check"]: f for f in doc["findings"]}


def text_of(finding: dict) -> str:
    return "\n".join([finding["title"], *finding["evidence"], *finding["next"]])


def wait_for(ijob, name: str, check: str, *extra: str, timeout: int = 120,
             done=lambda found: True) -> tuple[int, dict]:
    """Run doctor until `check` is among its findings and done(findings) holds (the cluster
    needs time to get there, and its controllers settle one after the other)."""
    seen: dict = {}

    def found() -> bool:
        seen["rc"], seen["found"] = doctor(ijob, name, *extra)
        return check in seen["found"] and done(seen["found"])

    until(found, timeout, every=2,
          what=f"doctor finding {check} (last: {list(seen.get('found', {}))})")
    return seen["rc"], seen["found"]


def test_healthy_job_reports_nothing_and_exits_0(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "fine", "--completions", "3")
    running(kubectl, "fine", 3)
    until(lambda: ijob("wait", "fine", "--for=peers", "--timeout=5s").returncode == 0, 60,
          what="peers of fine in DNS")
    rc, found = doctor(ijob, "fine")
    assert (rc, found) == (0, {})
    out = ijob("doctor", "fine")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("job.batch/fine: no problems found - ")
    assert "ping 9/9 pairs ok (icmp)" in out.stdout


def test_above_32_pods_doctor_samples_the_peers(ijob, kubectl, busybox_image):
    # 40 real pods: doctor probes 8 peers of each (320 pairs, not 1,600) and says so.
    create(ijob, busybox_image, "forty", "--completions", "40")
    running(kubectl, "forty", 40)
    until(lambda: ijob("wait", "forty", "--for=peers", "--timeout=5s").returncode == 0, 120,
          what="peers of forty in DNS")
    out = ijob("doctor", "forty")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("job.batch/forty: no problems found - ")
    assert "ping 320/320 pairs ok (icmp); sampled: 8 of 39 peers per pod" in out.stdout


def test_service_deleted(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "nosvc", "--completions", "2")
    running(kubectl, "nosvc", 2)
    assert kubectl("delete", "service", "nosvc").returncode == 0
    rc, found = wait_for(ijob, "nosvc", "service-missing", done=lambda f: set(f) == {"service-missing"})
    assert rc == 1 and set(found) == {"service-missing"}  # ping's NXDOMAINs are explained by it
    assert found["service-missing"]["severity"] == "error"
    assert "service/nosvc: not found" in text_of(found["service-missing"])


def test_service_not_headless(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "vip", "--completions", "2")
    running(kubectl, "vip", 2)
    assert kubectl("delete", "service", "vip").returncode == 0
    assert kubectl("create", "service", "clusterip", "vip", "--tcp=80:80").returncode == 0
    assert kubectl("set", "selector", "service", "vip", "job-name=vip").returncode == 0
    rc, found = wait_for(ijob, "vip", "service-not-headless")
    assert rc == 1
    assert "type ClusterIP" in text_of(found["service-not-headless"])


SUBDOMAIN_MISMATCH = """
apiVersion: v1
kind: Service
metadata: {name: mismatch}
spec: {clusterIP: None, selector: {job-name: mismatch}, publishNotReadyAddresses: true}
---
apiVersion: batch/v1
kind: Job
metadata: {name: mismatch}
spec:
  completions: 2
  parallelism: 2
  completionMode: Indexed
  template:
    spec:
      subdomain: workers
      restartPolicy: Never
      containers:
      - {name: worker, image: IMAGE, imagePullPolicy: IfNotPresent, command: [sh, -c, sleep 600]}
"""


def test_subdomain_differs_from_the_service(ijob, kubectl, busybox_image):
    out = kubectl("apply", "-f", "-", input=SUBDOMAIN_MISMATCH.replace("IMAGE", busybox_image))
    assert out.returncode == 0, out.stderr
    running(kubectl, "mismatch", 2)
    rc, found = wait_for(ijob, "mismatch", "subdomain-mismatch")
    assert rc == 1 and "service-missing" not in found
    title = found["subdomain-mismatch"]["title"]
    assert "pod subdomain workers differs from service mismatch" in title


def test_node_selector_matching_no_node_is_unschedulable(ijob, kubectl, busybox_image, tmp_path):
    manifest = tmp_path / "job.yaml"
    manifest.write_text(yaml.safe_dump({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "gpu"},
        "spec": {"template": {"spec": {"nodeSelector": {"gpu": "h100"}, "containers": [
            {"name": "worker", "image": busybox_image, "command": SLEEP}]}}}}))
    out = ijob("create", "-f", str(manifest), "--completions", "2")
    assert out.returncode == 0, out.stderr
    rc, found = wait_for(ijob, "gpu", "unschedulable")
    assert rc == 1
    text = text_of(found["unschedulable"])
    assert "didn't match Pod's node affinity/selector" in text
    assert "kubectl get nodes -L gpu" in text


def test_missing_image(ijob, busybox_image):
    out = ijob("create", "noimg", "--image", "localhost/ijob-test/does-not-exist:1",
               "--image-pull-policy", "Never", "--completions", "2", "--", *SLEEP)
    assert out.returncode == 0, out.stderr
    rc, found = wait_for(ijob, "noimg", "image-pull")
    assert rc == 1
    assert "ErrImageNeverPull" in found["image-pull"]["title"]
    assert "is not present with pull policy of Never" in text_of(found["image-pull"])


def test_crash_loop_shows_exit_code_and_log_tail(ijob, busybox_image):
    create(ijob, busybox_image, "crash", "--completions", "2", "--restart-policy", "OnFailure",
           "--backoff-limit", "50",
           command=["sh", "-c", "echo loading shard $JOB_COMPLETION_INDEX; "
                                "echo cannot open shard >&2; exit 3"])
    rc, found = wait_for(ijob, "crash", "crash-loop")
    assert rc == 1
    text = text_of(found["crash-loop"])
    title = found["crash-loop"]["title"]
    assert title.endswith("crash-looping: container worker exits with code 3")
    assert "| cannot open shard" in text and "kubectl ijob logs crash" in text


def test_failed_index_with_its_reason(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "idx", "--completions", "3", "--backoff-limit-per-index", "0",
           command=["sh", "-c", 'if [ "$JOB_COMPLETION_INDEX" = 1 ]; then echo bad input >&2; '
                                "exit 42; fi; sleep 600"])
    rc, found = wait_for(ijob, "idx", "failed-indexes")
    assert rc == 1
    text = text_of(found["failed-indexes"])
    assert found["failed-indexes"]["title"] == "index 1 failed"
    assert "exit code 42" in text and "| bad input" in text


def quota(kubectl) -> None:
    """A quota of two pods, once its controller has counted (before that, pods are refused
    with "status unknown for quota" instead of "exceeded quota")."""
    assert kubectl("create", "quota", "two-pods", "--hard=pods=2").returncode == 0
    until(lambda: json.loads(kubectl("get", "quota", "two-pods", "-o", "json").stdout)
          .get("status", {}).get("hard"), 30, what="the quota's status")


def test_quota_blocks_pod_creation(ijob, kubectl, busybox_image):
    quota(kubectl)
    create(ijob, busybox_image, "quota", "--completions", "3")
    rc, found = wait_for(ijob, "quota", "failed-create")
    assert rc == 1
    text = text_of(found["failed-create"])
    assert "exceeded quota: two-pods" in text and "kubectl describe resourcequota" in text


def test_suspended_job_is_a_warning(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "held", "--completions", "2")
    assert kubectl("patch", "job", "held", "--type", "merge",
                   "-p", '{"spec":{"suspend":true}}').returncode == 0
    rc, found = wait_for(ijob, "held", "suspended")
    assert rc == 0  # a warning, not an error
    assert "spec.suspend last set by kubectl-patch" in text_of(found["suspended"])


def test_wait_for_peers_stuck_names_the_peer(ijob, kubectl, busybox_image):
    # A quota of 2 pods: two indexes start and wait for the third, which cannot be created.
    quota(kubectl)
    create(ijob, busybox_image, "gang", "--completions", "3", "--wait-for-peers=5m")
    rc, found = wait_for(ijob, "gang", "wait-for-peers", timeout=150,  # both pods past 60 s
                         done=lambda f: f["wait-for-peers"]["title"].startswith("2 pods"))
    assert rc == 1 and "failed-create" in found  # the cause, as an error
    finding = found["wait-for-peers"]
    assert re.fullmatch(r"2 pods stuck in wait-for-peers on peer gang-(\d)\.gang", finding["title"])
    peer = re.search(r"gang-(\d)", finding["title"]).group(1)
    assert finding["evidence"][1].startswith(
        f"gang-{peer}.gang: index {peer} has no pod: the Job controller cannot create it "
        "(exceeded quota: two-pods")


def test_pod_relabelled_out_of_the_service(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "out", "--completions", "2")
    running(kubectl, "out", 2)
    assert ijob("relabel", "out", "--index", "1", "--out-of-service").returncode == 0
    rc, found = wait_for(ijob, "out", "not-published", done=lambda f: set(f) == {"not-published"})
    assert rc == 0 and set(found) == {"not-published"}
    assert "labels no longer match the service selector" in found["not-published"]["title"]


def test_json_and_yaml_agree_and_no_ping_skips_ping(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "fmt", "--completions", "2")
    running(kubectl, "fmt", 2)
    as_json = json.loads(ijob("doctor", "fmt", "-o", "json", "--no-ping").stdout)
    as_yaml = yaml.safe_load(ijob("doctor", "fmt", "-o", "yaml", "--no-ping").stdout)
    assert as_json == as_yaml
    assert ijob("doctor", "fmt", "--no-ping").stdout.endswith("; no ping\n")
    bad = ijob("doctor", "fmt", "-o", "wide")
    assert bad.returncode == 1 and bad.stderr.startswith("error: ")


def test_wait_for_peers_with_publishing_off_is_a_deadlock(ijob, busybox_image):
    create(ijob, busybox_image, "lock", "--completions", "2", "--wait-for-peers=5m",
           "--no-publish-not-ready")
    rc, found = wait_for(ijob, "lock", "publish-not-ready")
    assert rc == 1 and found["publish-not-ready"]["severity"] == "error"
    assert found["publish-not-ready"]["title"].startswith("deadlock: wait-for-peers waits")
    assert "publishNotReadyAddresses\":true" in text_of(found["publish-not-ready"])


DENY_ALL = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def test_network_policy_isolating_the_peers(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "walled", "--completions", "2")
    running(kubectl, "walled", 2)
    assert kubectl("apply", "-f", "-", input=DENY_ALL).returncode == 0
    rc, found = wait_for(ijob, "walled", "network-policy", "--no-ping")
    assert rc == 1
    text = text_of(found["network-policy"])
    assert "ingress isolated by deny-all and no rule admits the job's own pods" in text


def test_detached_pod_answers_on_the_same_name(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "twin", "--completions", "2")
    running(kubectl, "twin", 2)
    assert ijob("relabel", "twin", "--index", "1", "--detach", "--wait").returncode == 0
    rc, found = wait_for(ijob, "twin", "several-addresses", "--no-ping")
    assert rc == 0  # warnings: the job runs, but a name is ambiguous
    assert found["several-addresses"]["title"] == "twin-1.twin resolves to 2 addresses: " \
        "peers may reach the wrong pod"
    assert "not owned by the job" in text_of(found["several-addresses"])
    assert "belongs to no Job (released from this one)" in found["orphans"]["title"]


LIMIT_RANGE = """
apiVersion: v1
kind: LimitRange
metadata: {name: small}
spec: {limits: [{type: Container, max: {cpu: 500m}}]}
"""


def test_limit_range_refuses_the_pods(ijob, kubectl, busybox_image):
    assert kubectl("apply", "-f", "-", input=LIMIT_RANGE).returncode == 0
    create(ijob, busybox_image, "big", "--completions", "2", "--limits", "cpu=1")
    rc, found = wait_for(ijob, "big", "failed-create", "--no-ping")
    assert rc == 1
    text = text_of(found["failed-create"])
    assert "maximum cpu usage per Container is 500m, but limit is 1" in text
    assert "kubectl describe limitrange" in text


def job_manifest(tmp_path, name: str, image: str, container: dict | None = None,
                 job_spec: dict | None = None, **pod_spec) -> str:
    """A Job manifest for `create -f` with extra fields in its container, Job spec and
    pod spec."""
    path = tmp_path / f"{name}.yaml"
    worker = {"name": "worker", "image": image, "imagePullPolicy": "IfNotPresent",
              "command": SLEEP, **(container or {})}
    path.write_text(yaml.safe_dump({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
        "spec": {**(job_spec or {}), "template": {"spec": {**pod_spec, "containers": [worker]}}}}))
    return str(path)


def test_scheduling_gates_hold_the_pods(ijob, busybox_image, tmp_path):
    manifest = job_manifest(tmp_path, "gated", busybox_image,
                            schedulingGates=[{"name": "example.com/hold"}])
    assert ijob("create", "-f", manifest, "--completions", "2").returncode == 0
    rc, found = wait_for(ijob, "gated", "scheduling-gated", "--no-ping")
    assert found["scheduling-gated"]["severity"] == "warning"
    assert found["scheduling-gated"]["title"] == "2 pods held by scheduling gates example.com/hold"
    assert rc == (1 if any(f["severity"] == "error" for f in found.values()) else 0)


def test_straggler_that_starts_late_names_the_phase(ijob, busybox_image, tmp_path):
    # Index 3's init container takes 45 s; the others start at once.
    prep = {"name": "prep", "image": busybox_image, "imagePullPolicy": "IfNotPresent",
            "command": ["sh", "-c", '[ "$JOB_COMPLETION_INDEX" != 3 ] || sleep 45']}
    manifest = job_manifest(tmp_path, "late", busybox_image, initContainers=[prep])
    assert ijob("create", "-f", manifest, "--completions", "4").returncode == 0
    rc, found = wait_for(ijob, "late", "straggler-start", "--no-ping", timeout=150)
    assert rc == 0  # a warning
    finding = found["straggler-start"]
    assert re.fullmatch(r"index 3 started \d+s after the median index", finding["title"])
    assert "init containers took" in finding["evidence"][0]


def test_straggler_that_runs_much_longer(ijob, busybox_image):
    create(ijob, busybox_image, "long", "--completions", "4",
           command=["sh", "-c", '[ "$JOB_COMPLETION_INDEX" != 3 ] || exec sleep 600; sleep 1'])
    rc, found = wait_for(ijob, "long", "straggler-run", "--no-ping", timeout=150)
    assert rc == 0
    title = found["straggler-run"]["title"]
    assert re.fullmatch(r"index 3 has run for \d+s; the median index finished in \d+s", title)


def test_missing_configmap_stops_the_container(ijob, busybox_image, tmp_path):
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}}]
    manifest = job_manifest(tmp_path, "cfg", busybox_image, container={"env": env})
    assert ijob("create", "-f", manifest, "--completions", "2").returncode == 0
    rc, found = wait_for(ijob, "cfg", "container-create", "--no-ping")
    assert rc == 1
    assert "CreateContainerConfigError" in found["container-create"]["title"]
    assert 'configmap "settings" not found' in text_of(found["container-create"])


def test_dns_policy_default_bypasses_cluster_dns(ijob, busybox_image, tmp_path):
    manifest = job_manifest(tmp_path, "nodns", busybox_image, dnsPolicy="Default")
    assert ijob("create", "-f", manifest, "--completions", "2").returncode == 0
    rc, found = wait_for(ijob, "nodns", "dns-policy", "--no-ping")
    assert rc == 1 and found["dns-policy"]["severity"] == "error"
    assert "dnsPolicy Default" in text_of(found["dns-policy"])


def test_service_selecting_other_pods(ijob, kubectl, busybox_image):
    create(ijob, busybox_image, "sel", "--completions", "2")
    running(kubectl, "sel", 2)
    patch = '{"spec":{"selector":{"job-name":null,"app":"trainer"}}}'
    assert kubectl("patch", "service", "sel", "--type", "merge", "-p", patch).returncode == 0
    rc, found = wait_for(ijob, "sel", "service-selector", "--no-ping")
    assert rc == 1 and "selects app=trainer" in text_of(found["service-selector"])


def test_failed_job_quotes_the_last_log(ijob, busybox_image):
    create(ijob, busybox_image, "dead", "--completions", "2", "--backoff-limit", "0",
           command=["sh", "-c", "echo cannot read shard $JOB_COMPLETION_INDEX >&2; exit 2"])
    rc, found = wait_for(ijob, "dead", "job-failed", "--no-ping")
    assert rc == 1
    text = text_of(found["job-failed"])
    assert "BackoffLimitExceeded" in text and "| cannot read shard" in text, text


def test_index_retrying_after_a_failure(ijob, busybox_image, tmp_path):
    # Index 1's first attempt exits 3; its retry (the controller's failure count, read
    # through the downward API, is then 1) runs on.
    count = {"fieldRef": {"fieldPath":
                          "metadata.annotations['batch.kubernetes.io/job-index-failure-count']"}}
    command = ["sh", "-c", '[ "$JOB_COMPLETION_INDEX" != 1 ] || [ "${FAILS:-0}" -gt 0 ] || '
                           "{ echo first attempt fails >&2; exit 3; }; sleep 600"]
    manifest = job_manifest(tmp_path, "again", busybox_image,
                            container={"command": command,
                                       "env": [{"name": "FAILS", "valueFrom": count}]},
                            job_spec={"backoffLimitPerIndex": 2})
    assert ijob("create", "-f", manifest, "--completions", "3").returncode == 0
    rc, found = wait_for(ijob, "again", "retrying", "--no-ping")
    assert rc == 0 and found["retrying"]["severity"] == "warning"
    assert "exit code 3" in text_of(found["retrying"]), text_of(found["retrying"])


def test_job_managed_by_another_controller(ijob, busybox_image, tmp_path):
    manifest = job_manifest(tmp_path, "elsewhere", busybox_image,
                            job_spec={"managedBy": "example.com/multi-cluster"})
    assert ijob("create", "-f", manifest, "--completions", "2").returncode == 0
    rc, found = wait_for(ijob, "elsewhere", "managed-by", "--no-ping")
    assert rc == 0 and found["managed-by"]["severity"] == "info"
    assert "spec.managedBy example.com/multi-cluster" in text_of(found["managed-by"])


class _Deny(http.server.BaseHTTPRequestHandler):
    """A validating admission webhook that refuses every pod it is asked about."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "response": {"uid": review["request"]["uid"], "allowed": False,
                                        "status": {"code": 403, "message": "no pods today"}}})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


def test_admission_webhook_refuses_the_pods(ijob, kubectl, busybox_image, namespace, tmp_path):
    # A real webhook: a TLS server on the host's loopback that the API server calls for every
    # pod created in this test's namespace (and only there), refusing each one.
    from tests.parity.pki import make_ca, make_leaf

    ca = make_ca(tmp_path, "webhook-ca")
    leaf = make_leaf(tmp_path, "webhook", ca, ("127.0.0.1",))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Deny)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(leaf.cert_file), str(leaf.key_file))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"deny-pods-{namespace}"
    config = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
              "metadata": {"name": hook}, "webhooks": [{
                  "name": "deny.ijob-test.example.com", "sideEffects": "None",
                  "admissionReviewVersions": ["v1"], "failurePolicy": "Fail", "timeoutSeconds": 5,
                  "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                  "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"],
                             "resources": ["pods"]}],
                  "clientConfig": {"url": f"https://127.0.0.1:{server.server_address[1]}/validate",
                                   "caBundle": ca[0].cert_b64}}]}
    try:
        assert kubectl("apply", "-f", "-", input=json.dumps(config)).returncode == 0
        until(lambda: "no pods today" in kubectl("run", "probe", "--image", busybox_image,
                                                 "--dry-run=server").stderr,
              30, what="the API server to call the webhook")
        create(ijob, busybox_image, "hooked", "--completions", "2")
        rc, found = wait_for(ijob, "hooked", "failed-create", "--no-ping")
        assert rc == 1
        text = text_of(found["failed-create"])
        assert 'admission webhook "deny.ijob-test.example.com" denied the request: no pods today' in text
        assert "kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations" in text
        assert "no pod for indexes 0,1" in text
    finally:
        kubectl("delete", "validatingwebhookconfiguration", hook, "--ignore-not-found")
        server.shutdown()
