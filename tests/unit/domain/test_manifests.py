"""Manifest building and validation: what `create` would send, checked with no cluster."""
import pytest
import yaml

from kubectl_ijob.domain import inputs
from kubectl_ijob.domain import manifests as m
from kubectl_ijob.errors import UsageError
from kubectl_ijob.render.errors import error_line

SEED = """
apiVersion: v1
kind: Service
metadata:
  name: headless-svc
spec:
  clusterIP: None
  selector:
    job-name: example-job
---
apiVersion: batch/v1
kind: Job
metadata:
  name: example-job
spec:
  completions: 3
  parallelism: 3
  completionMode: Indexed
  template:
    spec:
      subdomain: headless-svc
      restartPolicy: Never
      containers:
      - name: example-workload
        image: bash:latest
"""


def spec(**kw):
    kw.setdefault("name", "example-job")
    kw.setdefault("namespace", "default")
    kw.setdefault("image", "localhost/x:1")
    return m.CreateSpec(**kw)


def test_matches_seed_example_in_substance():
    svc_seed, job_seed = yaml.safe_load_all(SEED)
    job, svc = m.build_all(spec(completions=3, service="headless-svc", image="bash:latest"))
    assert svc["spec"]["clusterIP"] == svc_seed["spec"]["clusterIP"] == "None"
    assert svc["spec"]["selector"] == svc_seed["spec"]["selector"]
    assert svc["spec"]["publishNotReadyAddresses"] is True
    for key in ("completions", "parallelism", "completionMode"):
        assert job["spec"][key] == job_seed["spec"][key]
    tpl, seed_tpl = job["spec"]["template"]["spec"], job_seed["spec"]["template"]["spec"]
    assert tpl["subdomain"] == seed_tpl["subdomain"] == svc["metadata"]["name"]
    assert tpl["restartPolicy"] == "Never"
    assert tpl["containers"][0]["image"] == "bash:latest"


def test_defaults():
    job, svc = m.build_all(spec())
    assert job["spec"]["completions"] == 1 and job["spec"]["parallelism"] == 1
    assert svc["metadata"]["name"] == "example-job"
    assert job["spec"]["template"]["spec"]["subdomain"] == "example-job"


def test_flags_land_in_the_job():
    job, svc = m.build_all(spec(
        completions=4, parallelism=2, env=[("A", "1")], labels={"team": "ml"}, ports=[8080],
        restart_policy="OnFailure", backoff_limit=2, active_deadline_seconds=60,
        ttl_seconds_after_finished=30, command=["sleep", "1"], publish_not_ready=False,
        liveness=m.Probe(http_port=8080, http_path="/healthz", initial_delay=5, period=3,
                         failure_threshold=2)))
    s = job["spec"]
    assert (s["completions"], s["parallelism"], s["backoffLimit"]) == (4, 2, 2)
    assert s["activeDeadlineSeconds"] == 60 and s["ttlSecondsAfterFinished"] == 30
    c = s["template"]["spec"]["containers"][0]
    assert c["command"] == ["sleep", "1"]
    assert c["env"] == [{"name": "A", "value": "1"}]
    assert c["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert c["livenessProbe"] == {"httpGet": {"path": "/healthz", "port": 8080},
                                  "initialDelaySeconds": 5, "periodSeconds": 3,
                                  "failureThreshold": 2}
    assert s["template"]["spec"]["restartPolicy"] == "OnFailure"
    assert s["template"]["metadata"]["labels"] == {"team": "ml"}
    assert svc["spec"]["publishNotReadyAddresses"] is False
    assert svc["spec"]["ports"][0]["port"] == 8080
    assert job["metadata"]["labels"]["team"] == "ml"


def test_items_each_pod_gets_only_its_own():
    objs = m.build_all(spec(items=["foo", "bar", "baz"]))
    job, _, cm = objs
    assert job["spec"]["completions"] == 3
    assert cm["data"] == {"0": "foo\n", "1": "bar\n", "2": "baz\n"}
    mount = job["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]
    assert mount["subPathExpr"] == "$(JOB_COMPLETION_INDEX)"
    assert mount["mountPath"] == m.ITEM_PATH


@pytest.mark.parametrize("kw,msg", [
    (dict(name="Example"), "job name 'Example' is invalid"),
    (dict(name="a.b"), "is invalid"),
    (dict(name="a_b"), "is invalid"),
    (dict(name="a" * 64), "must be no more than 63 characters"),
    (dict(name="a" * 62, completions=11), "pod hostname"),
    (dict(service="1svc"), "service name '1svc' is invalid"),
    (dict(completions=0), "--completions must be at least 1"),
    (dict(parallelism=-1), "--parallelism must be at least 1"),
    (dict(items=["a", "b"], completions=3), "does not match the 2 work items"),
    (dict(image=None), "--image is required"),
    (dict(restart_policy="Always"), "an Indexed Job allows Never or OnFailure"),
    (dict(backoff_limit=-1), "--backoff-limit must be at least 0"),
    (dict(backoff_limit_per_index=1, restart_policy="OnFailure"), "requires --restart-policy=Never"),
])
def test_validation(kw, msg):
    with pytest.raises(UsageError) as e:
        m.build_all(spec(**kw))
    assert msg in e.value.message
    assert error_line(e.value).startswith("error: ") and "\n" not in e.value.message


def test_hostname_limit_exact():
    m.check_job_name("a" * 61, 10)  # a...a-9 is 63 characters
    with pytest.raises(UsageError):
        m.check_job_name("a" * 61, 11)


@pytest.mark.parametrize("text,ok", [
    ("a=b", True), ("a=b,c=d", True), ("example.com/a=b", True), ("a=", True),
    ("a", False), ("=b", False), ("a b=c", False), ("a=b c", False), ("-a=b", False),
    ("a=" + "x" * 64, False), ("Example.com/a=b", False),
])
def test_labels(text, ok):
    if ok:
        assert inputs.parse_labels(text)
    else:
        with pytest.raises(UsageError):
            inputs.parse_labels(text)


@pytest.mark.parametrize("item,ok", [("A=1", True), ("A=", True), ("A", False), ("1A=x", False),
                                     ("A B=x", False), ("=x", False)])
def test_env(item, ok):
    if ok:
        assert inputs.parse_env([item])
    else:
        with pytest.raises(UsageError):
            inputs.parse_env([item])


@pytest.mark.parametrize("text,want", [("8080", (8080, "/")), ("80/healthz", (80, "/healthz"))])
def test_http_probe(text, want):
    assert inputs.parse_http_probe(text) == want


@pytest.mark.parametrize("port", ["0", "70000", "x", "", "-1"])
def test_bad_ports(port):
    with pytest.raises(UsageError):
        inputs.parse_port(port, "--port")


def test_items_parsing():
    assert inputs.parse_items("a,b", None) == ["a", "b"]
    assert inputs.parse_items(None, "a\nb\n\n") == ["a", "b"]
    assert inputs.parse_items(None, None) is None
    for bad in [("", None), ("a,,b", None), (None, ""), (None, "\x00\x01")]:
        with pytest.raises(UsageError):
            inputs.parse_items(*bad)
    with pytest.raises(UsageError):
        inputs.parse_items("a", "b")


def test_from_manifest_job_keeps_spec_and_drops_generated():
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": "j", "labels": {"controller-uid": "x", "keep": "y"}},
           "spec": {"backoffLimit": 3, "selector": {"matchLabels": {"controller-uid": "x"}},
                    "template": {"metadata": {"labels": {"job-name": "j", "keep": "y"}},
                                 "spec": {"containers": [{"name": "c", "image": "i"}]}}}}
    template, base = m.from_manifest(job, "f.yaml")
    assert template["metadata"]["labels"] == {"keep": "y"}
    built = m.build_job(spec(name="j", image=None, template=template, job_base=base))
    assert built["spec"]["backoffLimit"] == 3
    assert "selector" not in built["spec"]
    assert built["spec"]["completionMode"] == "Indexed"
    assert built["spec"]["template"]["spec"]["subdomain"] == "j"
    assert built["metadata"]["labels"] == {"keep": "y", m.MANAGED_BY: m.PLUGIN}


def _manifest_job(**counts):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "spec": {**counts, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}}


def test_a_manifests_counts_are_kept_unless_flags_say_otherwise():
    """`create -f job.yaml` keeps the Job's completions and parallelism (they were reset to 1)."""
    template, base = m.from_manifest(_manifest_job(completions=4, parallelism=2), "f.yaml")
    kept = m.build_job(spec(name="j", image=None, template=template, job_base=base))["spec"]
    assert (kept["completions"], kept["parallelism"]) == (4, 2)
    flagged = m.build_job(spec(name="j", image=None, template=template, job_base=base,
                               completions=6))["spec"]
    assert (flagged["completions"], flagged["parallelism"]) == (6, 2)
    template, base = m.from_manifest(_manifest_job(completions=3), "f.yaml")
    assert m.resolve_counts(spec(template=template, job_base=base)) == (3, 3)


@pytest.mark.parametrize("counts", [{"completions": "3"}, {"parallelism": 0},
                                    {"completions": True}])
def test_a_manifests_bad_counts_are_refused(counts):
    template, base = m.from_manifest(_manifest_job(**counts), "f.yaml")
    with pytest.raises(UsageError) as e:
        m.resolve_counts(spec(template=template, job_base=base))
    assert e.value.message.startswith(f"spec.{next(iter(counts))} of the -f Job must be a positive")


@pytest.mark.parametrize("doc,msg", [
    ({"kind": "Deployment"}, "kind Deployment is not supported"),
    ({"kind": "Job", "spec": {"completionMode": "NonIndexed", "template": {}}}, "NonIndexed"),
    ({"kind": "Job", "spec": {}}, "no spec.template"),
    (["a"], "expected a Kubernetes object"),
])
def test_from_manifest_rejects(doc, msg):
    with pytest.raises(UsageError) as e:
        m.from_manifest(doc, "f.yaml")
    assert msg in e.value.message


def test_owned_by():
    svc = m.build_service(spec())
    owned = m.owned_by(svc, {"metadata": {"name": "example-job", "uid": "u1"}})
    ref = owned["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["uid"], ref["blockOwnerDeletion"]) == ("Job", "u1", True)
    assert "ownerReferences" not in svc["metadata"]
