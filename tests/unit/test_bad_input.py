"""Bad input to every command: one kubectl-style line on stderr, exit 1, and nothing sent.

Every case runs the real CLI in a subprocess with a kubeconfig whose server is
http://127.0.0.1:1, where nothing listens. A plugin that sent a request before
rejecting the input would fail there with "The connection to the server 127.0.0.1:1 was
refused", not with the expected `error: ...` line, so each passing case also proves that
nothing was sent.
"""
from __future__ import annotations

import pytest
import yaml

from kubectl_ijob.app import cli

from .runner import run

UNREACHABLE = {
    "apiVersion": "v1", "kind": "Config", "current-context": "a",
    "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u"}}],
    "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:1"}}],
    "users": [{"name": "u", "user": {"token": "t"}}],
}

JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "x"},
       "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i:1"}]}}}}
NON_INDEXED = {**JOB, "spec": {**JOB["spec"], "completionMode": "NonIndexed"}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}
OTHER_JOB = {**JOB, "metadata": {"name": "other"}}

FILES = {
    "kc": yaml.safe_dump(UNREACHABLE),
    "empty": "",
    "dupes": yaml.safe_dump({"clusters": [{"name": "c", "cluster": {}}, {"name": "c", "cluster": {}}]}),
    "malformed": "kind: Job\nspec: [unclosed\n",
    "items0": "",
    "items_bin": "a\x00b\n",
    "job": yaml.safe_dump(JOB),
    "nonindexed": yaml.safe_dump(NON_INDEXED),
    "deployment": yaml.safe_dump(DEPLOYMENT),
    "two": yaml.safe_dump(JOB) + "---\n" + yaml.safe_dump(JOB),
    "other_job": yaml.safe_dump(OTHER_JOB),
}

LONG = "a" * 64
DUPES = ('error converting *[]NamedCluster into *map[string]*api.Cluster: '
         'duplicate name "c" in list')
NAME_RULE = "must consist of lower case alphanumeric characters or '-'"

# (command, argv after the global flags, phrase the one error line must contain).
# `{name}` is replaced by the path of FILES[name]; `{missing}` by a path that does not exist.
CASES = [
    # ------------------------------------------------ create: names
    ("create", ["create", "Bad-Job", "--image", "i"], "job name 'Bad-Job' is invalid"),
    ("create", ["create", "a.b", "--image", "i"], "job name 'a.b' is invalid"),
    ("create", ["create", "a_b", "--image", "i"], "job name 'a_b' is invalid"),
    ("create", ["create", "job-", "--image", "i"], "job name 'job-' is invalid"),
    ("create", ["create", "job\n", "--image", "i"], "job name 'job\\n' is invalid"),
    ("create", ["create", LONG, "--image", "i"], f"job name '{LONG}' is 64 characters long"),
    ("create", ["create", "a" * 61, "--image", "i", "--completions", "100"],
     "is too long for 100 completions: pod hostname"),
    ("create", ["create", "x", "--image", "i", "--service", "1svc"],
     "service name '1svc' is invalid"),
    ("create", ["create", "x", "--image", "i", "--service", "svc.x"],
     "service name 'svc.x' is invalid"),
    ("create", ["create", "x", "--image", "i", "--service", "S"], "service name 'S' is invalid"),
    ("create", ["create", "x", "--image", "i", "--service", LONG],
     "service name '" + LONG + "' is 64 characters long"),
    ("create", ["create", "x"], "--image is required"),
    # ------------------------------------------------ create: counts
    ("create", ["create", "x", "--image", "i", "--completions", "0"],
     "--completions must be at least 1, got 0"),
    ("create", ["create", "x", "--image", "i", "--completions", "-3"],
     "--completions must be at least 1, got -3"),
    ("create", ["create", "x", "--image", "i", "--completions", "abc"],
     "invalid value for '--completions': 'abc' is not a valid integer"),
    ("create", ["create", "x", "--image", "i", "--completions", str(10**7)],
     "--completions=10000000 needs --parallelism of at most 100000"),
    ("create", ["create", "x", "--image", "i", "--completions", str(10**20)],
     "--completions must be at most 2147483647"),
    ("create", ["create", "x", "--image", "i", "--parallelism", "0"],
     "--parallelism must be at least 1, got 0"),
    ("create", ["create", "x", "--image", "i", "--parallelism", "-1"],
     "--parallelism must be at least 1, got -1"),
    ("create", ["create", "x", "--image", "i", "--parallelism", "lots"],
     "invalid value for '--parallelism'"),
    ("create", ["create", "x", "--image", "i", "--parallelism", str(10**6)],
     "--parallelism must be at most 100000 for an Indexed Job"),
    ("create", ["create", "x", "--image", "i", "--completions", "200000", "--parallelism", "10",
                "--backoff-limit-per-index", "1"], "needs spec.maxFailedIndexes"),
    ("create", ["create", "x", "--image", "i", "--backoff-limit", "-1"],
     "--backoff-limit must be at least 0"),
    # ------------------------------------------------ create: work items
    ("create", ["create", "x", "--image", "i", "--items", "a,b,c", "--completions", "2"],
     "--completions=2 does not match the 3 work items"),
    ("create", ["create", "x", "--image", "i", "--items-file", "{items0}"],
     "--items-file has no work items"),
    ("create", ["create", "x", "--image", "i", "--items-file", "{items_bin}"],
     "--items-file looks binary"),
    ("create", ["create", "x", "--image", "i", "--items-file", "{missing}"],
     "cannot read --items-file"),
    ("create", ["create", "x", "--image", "i", "--items", ""],
     "--items must list at least one non-empty item"),
    ("create", ["create", "x", "--image", "i", "--items", "a,,b"],
     "--items must list at least one non-empty item"),
    ("create", ["create", "x", "--image", "i", "--items", "a", "--items-file", "{items0}"],
     "--items and --items-file cannot be used together"),
    # ------------------------------------------------ create: -f manifests
    ("create", ["create", "-f", "{malformed}"], "error parsing"),
    ("create", ["create", "-f", "{deployment}"], "kind Deployment is not supported"),
    ("create", ["create", "-f", "{nonindexed}"], "the Job has completionMode NonIndexed"),
    ("create", ["create", "-f", "{empty}"], "expected exactly one object, found 0"),
    ("create", ["create", "-f", "{two}"], "expected exactly one object, found 2"),
    ("create", ["create", "-f", "{missing}"], "cannot read -f"),
    # ------------------------------------------------ create: other flags
    ("create", ["create", "x", "--image", "i", "-o", "table"],
     'unable to match a printer suitable for the output format "table"'),
    ("create", ["create", "x", "--image", "i", "--env", "NOEQ"],
     "invalid --env 'NOEQ': expected KEY=VALUE"),
    ("create", ["create", "x", "--image", "i", "--env", "=v"], "invalid --env '=v'"),
    ("create", ["create", "x", "--image", "i", "--env", "1A=b"], "invalid --env name '1A'"),
    ("create", ["create", "x", "--image", "i", "--labels", "noeq"],
     "invalid --labels 'noeq': expected KEY=VALUE"),
    ("create", ["create", "x", "--image", "i", "--labels", "A B=c"],
     "invalid --labels key 'A B'"),
    ("create", ["create", "x", "--image", "i", "--labels=-a=b"], "invalid --labels key '-a'"),
    ("create", ["create", "x", "--image", "i", "--labels", "a=b=c"],
     "invalid --labels value 'b=c' for 'a'"),
    ("create", ["create", "x", "--image", "i", "--labels", "a=b\n"],
     "invalid --labels value 'b\\n' for 'a'"),
    ("create", ["create", "x", "--image", "i", "--labels", "Bad_/k=v"],
     "invalid --labels key 'Bad_/k': the prefix must be a DNS subdomain"),
    ("create", ["create", "x", "--image", "i", "--port", "70000"], "from 1 to 65535"),
    ("create", ["create", "x", "--image", "i", "--restart-policy", "Always"],
     "invalid --restart-policy 'Always'"),
    ("create", ["create", "x", "--image", "i", "--wait-for-peers", "0"],
     "invalid --wait-for-peers '0': must be at least 1s"),
    ("create", ["create", "x", "--image", "i", "--wait-for-peers", "soon"],
     "invalid --wait-for-peers 'soon'"),
    ("create", ["create", "x", "--image", "i", "--toleration", "gpu"], "invalid --toleration 'gpu'"),
    ("create", ["create", "x", "--image", "i", "--limits", "nvidia.com/gpu=0.5"], "must be an integer"),
    ("create", ["create", "x", "--image", "i", "--requests", "memory=1GB"], "invalid --requests quantity"),
    ("create", ["create", "x", "--image", "i", "--node-selector", "pool"], "invalid --node-selector"),
    ("create", ["create", "x", "--image", "i", "--shm-size", "0"], "invalid --shm-size"),
    ("create", ["create", "x", "--image", "i", "--liveness-exec", "sh -c 'unterminated"],
     "invalid --liveness-exec \"sh -c 'unterminated\": no closing quotation"),
    ("create", ["create", "x", "--image", "i", "--liveness-exec", ""],
     "invalid --liveness-exec '': it needs a command"),
    ("create", ["create", "x", "--image", "i", "--liveness-http", ""], "invalid --liveness-http ''"),
    ("create", ["create", "x", "--image", "i", "--liveness-tcp", "x"], "invalid --liveness-tcp 'x'"),
    ("create", ["create", "x", "--image", "i", "--cluster-domain", "bad domain"],
     "--cluster-domain 'bad domain' is invalid"),
    ("create", ["create", "x", "--image", "i", "--dry-run=maybe"], "invalid value for '--dry-run'"),
    ("create", ["create", "x", "--image", "i", "--frobnicate"], "unknown flag: --frobnicate"),
    # ------------------------------------------------ status / list
    ("status", ["status", "Bad"], "job name 'Bad' is invalid"),
    ("status", ["status", LONG], "is 64 characters long"),
    ("status", ["status", "x", "-o", "foo"],
     'unable to match a printer suitable for the output format "foo"'),
    ("status", ["status", "x", "--cluster-domain", "a;b"], "--cluster-domain 'a;b' is invalid"),
    ("list", ["list", "-o", "table"],
     'unable to match a printer suitable for the output format "table"'),
    # ------------------------------------------------ ping
    ("ping", ["ping", "x", "--method", "tcp:"], "invalid --method 'tcp:': tcp needs a port"),
    ("ping", ["ping", "x", "--method", "tcp:0"], "invalid --method port '0'"),
    ("ping", ["ping", "x", "--method", "tcp:70000"], "invalid --method port '70000'"),
    ("ping", ["ping", "x", "--method", "foo"], "invalid --method 'foo'"),
    ("ping", ["ping", "x", "--timeout", "0"], "invalid value for '--timeout'"),
    ("ping", ["ping", "x", "--timeout", "-1"], "invalid value for '--timeout'"),
    ("ping", ["ping", "x", "--max-concurrency", "0"], "invalid value for '--max-concurrency'"),
    ("ping", ["ping", "x", "--max-concurrency", "-2"], "invalid value for '--max-concurrency'"),
    ("ping", ["ping", "x", "--index", "x"], "invalid --index 'x': expected indexes like 0,2-4"),
    ("ping", ["ping", "x", "--index", "-1"], "invalid --index '-1'"),
    ("ping", ["ping", "x", "--index", "3-1"], "invalid --index '3-1': range 3-1 runs backwards"),
    ("ping", ["ping", "x", "-o", "wide"],
     'unable to match a printer suitable for the output format "wide"'),
    ("ping", ["ping", "Bad_Name"], "job name 'Bad_Name' is invalid"),
    # ------------------------------------------------ doctor
    ("doctor", ["doctor", "x", "-o", "wide"],
     'unable to match a printer suitable for the output format "wide"'),
    ("doctor", ["doctor", "Bad_Name"], "job name 'Bad_Name' is invalid"),
    ("doctor", ["doctor", "x", "--cluster-domain", "a;b"], "--cluster-domain 'a;b' is invalid"),
    # ------------------------------------------------ hosts
    ("hosts", ["hosts", "x", "--format", "foo"], "invalid value for '--format'"),
    ("hosts", ["hosts", "x", "--slots", "0"], "invalid value for '--slots'"),
    ("hosts", ["hosts", "x.y"], "job name 'x.y' is invalid"),
    ("hosts", ["hosts", "x", "--cluster-domain", "Cluster.Local"],
     "--cluster-domain 'Cluster.Local' is invalid"),
    # ------------------------------------------------ wait
    ("wait", ["wait", "x", "--for", "nope"], "invalid value for '--for'"),
    ("wait", ["wait", "x"], "missing option '--for'"),
    ("wait", ["wait", "x", "--for", "peers", "--timeout", "0"], "invalid --timeout '0'"),
    ("wait", ["wait", "x", "--for", "peers", "--timeout", "-5s"], "invalid --timeout '-5s'"),
    ("wait", ["wait", "x", "--for", "peers", "--timeout", "soon"], "invalid --timeout 'soon'"),
    ("wait", ["wait", "X", "--for", "peers"], "job name 'X' is invalid"),
    # ------------------------------------------------ logs
    ("logs", ["logs", "x", "--index", "x"], "invalid --index 'x'"),
    ("logs", ["logs", "x", "--index", "-1"], "invalid --index '-1'"),
    ("logs", ["logs", "x", "--index", "3-1"], "runs backwards"),
    ("logs", ["logs", "x", "--index", "0-99999999999"],
     "index 99999999999 is out of range 0-2147483646"),
    ("logs", ["logs", "x", "--attempt", "0"], "invalid value for '--attempt'"),
    ("logs", ["logs", "x", "--tail", "-5"], "invalid value for '--tail'"),
    ("logs", ["logs", "x", "--since", "soon"], "invalid --since 'soon'"),
    ("logs", ["logs", "x", "--since", "0"], "invalid --since '0'"),
    ("logs", ["logs", "a_b"], "job name 'a_b' is invalid"),
    # ------------------------------------------------ exec
    ("exec", ["exec", "x", "abc", "--", "ls"], "invalid value for 'INDEX'"),
    ("exec", ["exec", "x", "-1", "--", "ls"], "invalid value for 'INDEX': -1"),
    ("exec", ["exec", "x", "0"], "missing argument 'COMMAND...'"),
    ("exec", ["exec", "Bad", "0", "--", "ls"], "job name 'Bad' is invalid"),
    # ------------------------------------------------ describe / owners / orphans
    ("describe", ["describe", "x", "-o", "wide"],
     'unable to match a printer suitable for the output format "wide"'),
    ("describe", ["describe", "Bad"], "job name 'Bad' is invalid"),
    ("owners", ["owners", "x", "-o", "table"],
     'unable to match a printer suitable for the output format "table"'),
    ("owners", ["owners", "A_B"], "job name 'A_B' is invalid"),
    ("orphans", ["orphans", "-o", "wide"],
     'unable to match a printer suitable for the output format "wide"'),
    # ------------------------------------------------ timeline
    ("timeline", ["timeline", "x", "-o", "wide"],
     'unable to match a printer suitable for the output format "wide"'),
    ("timeline", ["timeline", "x", "--width", "10"], "invalid --width 10: must be between 40 and 1000"),
    ("timeline", ["timeline", "x", "--width", "wide"], "invalid value for '--width'"),
    ("timeline", ["timeline", "x", "--index", "3-1"], "invalid --index '3-1': range 3-1 runs backwards"),
    ("timeline", ["timeline", "x", "--svg", "-", "-o", "json"], "--svg - cannot be used with -o json"),
    ("timeline", ["timeline", "x", "--svg", "{missing}/t.svg"], "cannot write --svg"),
    ("timeline", ["timeline", "Bad"], "job name 'Bad' is invalid"),
    # ------------------------------------------------ relabel
    ("relabel", ["relabel", "x", "--index", "0"], "at least one label update is required"),
    ("relabel", ["relabel", "x", "--index", "0", "Bad Key=v"], "invalid label key 'Bad Key'"),
    ("relabel", ["relabel", "x", "--index", "0", "=v"], "invalid label key ''"),
    ("relabel", ["relabel", "x", "--index", "0", "a=b=c"], "invalid label value 'b=c' for 'a'"),
    ("relabel", ["relabel", "x", "--index", "0", "noeq"], "invalid label 'noeq'"),
    ("relabel", ["relabel", "x", "--index", "0", "bad key-"], "invalid label key 'bad key'"),
    ("relabel", ["relabel", "x", "--index", "-1", "a=b"], "invalid value for '--index': -1"),
    ("relabel", ["relabel", "x", "--index", "x", "a=b"], "invalid value for '--index'"),
    ("relabel", ["relabel", "x", "a=b"], "missing option '--index'"),
    ("relabel", ["relabel", "x", "--index", "0", "--detach", "--reattach"], "only one of"),
    ("relabel", ["relabel", "x", "--index", "0", "--detach-dns"],
     "--detach-dns only works with --detach"),
    ("relabel", ["relabel", "x", "--index", "0", "a=b", "--timeout", "soon"],
     "invalid --timeout 'soon'"),
    ("relabel", ["relabel", "Bad", "--index", "0", "a=b"], "job name 'Bad' is invalid"),
    # ------------------------------------------------ delete / orphan / adopt
    ("delete", ["delete", "x", "--cascade=sideways"], "invalid value for '--cascade'"),
    ("delete", ["delete", "x", "--timeout", "0"], "invalid --timeout '0'"),
    ("delete", ["delete", "x", "--dry-run=maybe"], "invalid value for '--dry-run'"),
    ("delete", ["delete", "Bad"], "job name 'Bad' is invalid"),
    ("orphan", ["orphan", "x", "--timeout", "-1"], "invalid --timeout '-1'"),
    ("orphan", ["orphan", "x.y"], "job name 'x.y' is invalid"),
    ("adopt", ["adopt", "x", "-f", "{missing}"], "cannot read -f"),
    ("adopt", ["adopt", "x", "-f", "{malformed}"], "error parsing"),
    ("adopt", ["adopt", "x", "-f", "{deployment}"],
     "expected the old Job's manifest (kind: Job), got kind Deployment"),
    ("adopt", ["adopt", "x", "-f", "{other_job}"], "the manifest is job 'other', not 'x'"),
    ("adopt", ["adopt", "x", "-f", "{job}"], "cannot tell which pods the old Job owned"),
    ("adopt", ["adopt", "Bad"], "job name 'Bad' is invalid"),
    # ------------------------------------------------ the Job API (issue 13): create flags
    ("create", ["create", "x", "--image", "i", "--fail-index-on-exit-codes", "42"],
     "requires the backoffLimitPerIndex to be set"),
    ("create", ["create", "x", "--image", "i", "--max-failed-indexes", "1"],
     "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"),
    ("create", ["create", "x", "--image", "i", "--max-failed-indexes", "x"],
     "invalid value for '--max-failed-indexes'"),
    ("create", ["create", "x", "--image", "i", "--completions", "3", "--backoff-limit-per-index", "1",
                "--max-failed-indexes", "4"], "must be less than or equal to completions"),
    ("create", ["create", "x", "--image", "i", "--completions", "3", "--success-indexes", "9"],
     'error parsing succeededIndexes: too large index: "9"'),
    ("create", ["create", "x", "--image", "i", "--success-indexes", "a"], "invalid --success-indexes 'a'"),
    ("create", ["create", "x", "--image", "i", "--completions", "2", "--success-count", "5"],
     "must be less than or equal to 2 (the number of specified completions)"),
    ("create", ["create", "x", "--image", "i", "--success-count", "-1"],
     "succeededCount: Invalid value: -1: must be greater than or equal to 0"),
    ("create", ["create", "x", "--image", "i", "--success-rule", "0:x"], "invalid --success-rule '0:x'"),
    ("create", ["create", "x", "--image", "i", "--fail-job-on-exit-codes", "0"],
     "must not be 0 for the In operator"),
    ("create", ["create", "x", "--image", "i", "--fail-job-on-exit-codes", "1-300"],
     "must have at most 255 exit codes"),
    ("create", ["create", "x", "--image", "i", "--ignore-exit-codes", "x"],
     "invalid --ignore-exit-codes 'x': expected exit codes"),
    ("create", ["create", "x", "--image", "i", "--container", "c"], "--container scopes the exit-code rules"),
    ("create", ["create", "x", "--image", "i", "--fail-job-on-exit-codes", "1", "--container", "other"],
     "must be one of the container or initContainer names in the pod template"),
    ("create", ["create", "x", "--image", "i", "--pod-replacement-policy", "Sometimes"],
     "invalid --pod-replacement-policy 'Sometimes'"),
    ("create", ["create", "x", "--image", "i", "--ignore-disruptions", "--pod-replacement-policy",
                "TerminatingOrFailed"], 'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed"'),
    ("create", ["create", "x", "--image", "i", "--fail-job-on-exit-codes", "1", "--restart-policy",
                "OnFailure"], 'only "Never" is supported when podFailurePolicy is specified'),
    # ------------------------------------------------ suspend, resume, scale, rerun, wait --for=decided
    ("suspend", ["suspend", "Bad_Name"], "job name 'Bad_Name' is invalid"),
    ("suspend", ["suspend", "x", "--timeout", "x"], "invalid --timeout 'x'"),
    ("resume", ["resume"], "missing argument 'NAME'"),
    ("resume", ["resume", "x", "--dry-run=maybe"], "invalid value for '--dry-run'"),
    ("scale", ["scale", "x"], "missing option '--completions'"),
    ("scale", ["scale", "x", "--completions", "0"], "invalid value for '--completions'"),
    ("scale", ["scale", "x", "--completions", "2", "--items", ","], "--items must list at least one"),
    ("rerun", ["rerun", "x", "--failed", "--indexes", "1"], "--failed and --indexes cannot be used together"),
    ("rerun", ["rerun", "x", "--indexes", "2-1"], "invalid --indexes '2-1': range 2-1 runs backwards"),
    ("rerun", ["rerun", "x", "-o", "wide"], "unable to match a printer"),
    ("wait", ["wait", "x", "--for=decidedd"], "invalid value for '--for'"),
    # ------------------------------------------------ CronJobs (create --schedule, trigger)
    ("create", ["create", "x", "--image", "i", "--schedule", "* * * *"],
     "invalid --schedule '* * * *': expected exactly 5 fields, found 4: [* * * *]"),
    ("create", ["create", "x", "--image", "i", "--schedule", "61 * * * *"],
     "invalid --schedule '61 * * * *': end of range (61) above maximum (59): 61"),
    ("create", ["create", "x", "--image", "i", "--schedule", "0 0 * * 7"],
     "end of range (7) above maximum (6): 7"),
    ("create", ["create", "x", "--image", "i", "--schedule", "@fortnightly"],
     "unrecognized descriptor: @fortnightly"),
    ("create", ["create", "x", "--image", "i", "--schedule", "TZ=UTC 0 0 * * *"],
     "cannot use TZ or CRON_TZ in the schedule, use --time-zone instead"),
    ("create", ["create", "x", "--image", "i", "--schedule", ""], "--schedule must not be empty"),
    ("create", ["create", "x", "--image", "i", "--schedule", "@daily", "--time-zone", "Mars/Base"],
     "invalid --time-zone 'Mars/Base': unknown time zone Mars/Base"),
    ("create", ["create", "x", "--image", "i", "--schedule", "@daily", "--time-zone", "Local"],
     "timeZone must be an explicit time zone"),
    ("create", ["create", "x", "--image", "i", "--schedule", "@daily", "--concurrency-policy", "Never"],
     "invalid --concurrency-policy 'Never': supported values: Allow, Forbid, Replace"),
    ("create", ["create", "x", "--image", "i", "--schedule", "@daily", "--starting-deadline-seconds", "-1"],
     "--starting-deadline-seconds must be at least 0, got -1"),
    ("create", ["create", "x", "--image", "i", "--schedule", "@daily", "--successful-jobs-history", "-2"],
     "--successful-jobs-history must be at least 0, got -2"),
    ("create", ["create", "x", "--image", "i", "--time-zone", "UTC"], "--time-zone needs --schedule"),
    ("create", ["create", "x" * 50, "--image", "i", "--completions", "3", "--schedule", "@daily"],
     f"cronjob name '{'x' * 50}' is 50 characters; with 3 completions NAME may be at most 49"),
    ("trigger", ["trigger", "Bad_Name"], "job name 'Bad_Name' is invalid"),
    ("trigger", ["trigger", "x", "-o", "wide"], "unable to match a printer"),
    # ------------------------------------------------ global flags and the kubeconfig
    ("status", ["--kubeconfig", "{missing}", "status", "x"], "stat {missing}: no such file or directory"),
    # kubectl reads an empty kubeconfig as http://localhost:8080; it refuses one with a
    # name listed twice (tests/parity compares all such cases with kubectl itself)
    ("status", ["--kubeconfig", "{dupes}", "status", "x"], DUPES),
    ("create", ["--kubeconfig", "{dupes}", "create", "x", "--image", "i"], DUPES),
    ("status", ["--kubeconfig", "{malformed}", "status", "x"], 'error loading config file "{malformed}"'),
    ("status", ["--context", "nope", "status", "x"],
     "context was not found for specified context: nope"),
    ("create", ["--context", "nope", "create", "x", "--image", "i"],
     "context was not found for specified context: nope"),
    ("status", ["--request-timeout", "soon", "status", "x"], "invalid --request-timeout 'soon'"),
    ("status", ["-n", "Bad_NS", "status", "x"], "namespace 'Bad_NS' is invalid"),
    (None, ["nosuch"], "no such command 'nosuch'"),
]


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-input")
    out = {"missing": str(root / "missing.yaml")}
    for name, text in FILES.items():
        path = root / f"{name}.yaml"
        path.write_bytes(text.encode())
        out[name] = str(path)
    return out


def _case_id(case):
    command, argv, _ = case
    return " ".join(argv)[:60]


@pytest.mark.parametrize("command,argv,phrase", CASES, ids=[_case_id(c) for c in CASES])
def test_bad_input_is_one_kubectl_line_and_nothing_is_sent(paths, command, argv, phrase):
    argv = [a.format(**paths) for a in argv]
    phrase = phrase.format(**paths)
    if "--kubeconfig" not in argv:
        argv = ["--kubeconfig", paths["kc"], *argv]
    out = run(*argv)
    lines = out.stderr.splitlines()
    assert "127.0.0.1:1 was refused" not in out.stderr, f"a request was sent: {out.stderr}"
    assert "Traceback" not in out.stderr
    assert out.returncode == 1, out.stderr
    assert out.stdout == ""
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(("error: ", "Error in configuration: ")), lines[0]
    assert phrase in lines[0]


def test_enough_cases_and_every_command_is_covered():
    assert len(CASES) >= 45
    covered = {c for c, _, _ in CASES if c}
    assert covered == set(cli.commands), set(cli.commands) - covered


def test_the_unreachable_server_really_catches_requests(paths):
    """The guard itself: valid input with this kubeconfig does try to connect."""
    out = run("--kubeconfig", paths["kc"], "status", "x", "--request-timeout", "5s")
    assert out.returncode == 1
    assert out.stderr == ("The connection to the server 127.0.0.1:1 was refused - did you specify "
                          "the right host or port?\n")
