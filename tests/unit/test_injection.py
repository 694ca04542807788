"""Hostile values never run as commands: every option that reaches a pod is rejected or inert.

Two scripts are built by the plugin and run by `sh` in a pod: the ping probe
(probes.PROBE_SCRIPT, one exec per pod) and the wait-for-peers init container
(probes.WAIT_SCRIPT). Both are constant text; the values (method, port, timeout,
names) travel as positional arguments. The tests below show that

- every option whose value reaches those scripts (or the pod's names) rejects
  `;`, `$(...)`, backticks, newlines, `&&`, spaces and quotes with one kubectl-style
  line, before anything is sent;
- even values that bypassed that validation stay inert: the scripts, run here in
  dash, bash and busybox sh with stub getent/ping/nc, pass them on as single
  arguments and never execute them;
- values that are data by design (env values, work items, the liveness exec
  command, the worker command) are placed verbatim in the manifest as argv
  elements or strings, with no shell added by the plugin.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess

import pytest
import yaml

from kubectl_ijob.app import main
from kubectl_ijob.domain import inputs, peers, probes, status
from kubectl_ijob.errors import UsageError

from .objects import job, pod

HOSTILE = [";", "x;id", "$(id)", "`id`", "x\nid", "&&", "x && id", "a b", "'", '"', "x'y", 'x"y',
           "$(touch /tmp/ijob-pwned)", "x|id", "x>y", "${IFS}id"]

UNREACHABLE = {
    "apiVersion": "v1", "kind": "Config", "current-context": "a",
    "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u"}}],
    "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:1"}}],
    "users": [{"name": "u", "user": {"token": "t"}}],
}


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory):
    path = tmp_path_factory.mktemp("injection") / "config"
    path.write_text(yaml.safe_dump(UNREACHABLE))
    return str(path)


def invoke(argv, capsys):
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    try:
        main(list(argv))
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    out = capsys.readouterr()
    return code, out.out, out.err


# ---------------------------------------------------------------- rejected before anything is sent

WAIT = ["--wait-for-peers", "--dry-run=client"]
OPTIONS = {
    # ping: everything that goes into the probe's argv
    "ping NAME": lambda v: ["ping", v],
    "ping --method": lambda v: ["ping", "x", "--method", v],
    "ping --method tcp:PORT": lambda v: ["ping", "x", "--method", f"tcp:{v}"],
    "ping --timeout": lambda v: ["ping", "x", f"--timeout={v}"],
    "ping --index": lambda v: ["ping", "x", f"--index={v}"],
    "ping --cluster-domain": lambda v: ["ping", "x", f"--cluster-domain={v}"],
    "ping -n": lambda v: [f"--namespace={v}", "ping", "x"],
    # create --wait-for-peers: everything that goes into the init container's argv
    "create NAME": lambda v: ["create", v, "--image", "i", *WAIT],
    "create --service": lambda v: ["create", "x", "--image", "i", f"--service={v}", *WAIT],
    "create -n": lambda v: [f"--namespace={v}", "create", "x", "--image", "i", *WAIT],
    "create --cluster-domain": lambda v: ["create", "x", "--image", "i", f"--cluster-domain={v}",
                                          *WAIT],
    "create --wait-for-peers TIMEOUT": lambda v: ["create", "x", "--image", "i",
                                                  f"--wait-for-peers={v}", "--dry-run=client"],
    "create --labels KEY": lambda v: ["create", "x", "--image", "i", f"--labels={v}=v", *WAIT],
    "create --labels VALUE": lambda v: ["create", "x", "--image", "i", f"--labels=k={v}", *WAIT],
    "create --env NAME": lambda v: ["create", "x", "--image", "i", f"--env={v}=v", *WAIT],
    # other names that end up in pods' DNS names or labels
    "hosts --cluster-domain": lambda v: ["hosts", "x", f"--cluster-domain={v}"],
    "relabel LABEL": lambda v: ["relabel", "x", "--index", "0", f"{v}=v"],
    "relabel LABEL-": lambda v: ["relabel", "x", "--index", "0", f"{v}-"],
}


@pytest.mark.parametrize("value", HOSTILE, ids=[repr(h) for h in HOSTILE])
@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_hostile_values_are_rejected_in_one_line(option, value, kubeconfig, capsys):
    code, out, err = invoke(["--kubeconfig", kubeconfig, *OPTIONS[option](value)], capsys)
    assert "was refused" not in err and "Unable to connect" not in err, \
        f"{option} sent a request for {value!r}"
    assert (code, out) == (1, ""), err
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert "Traceback" not in err


@pytest.mark.parametrize("hostile", HOSTILE)
def test_peer_names_from_the_cluster_never_reach_the_probe(hostile):
    """A Job read from the cluster with a hostile subdomain or name: refused, not run."""
    for j in (job(subdomain=hostile), job(name=hostile, subdomain="s")):
        rows = status.index_rows(j, [pod(0, ip="10.0.0.1", job_name=j["metadata"]["name"])])
        _, targets, _ = peers.plan(j, rows, "cluster.local")
        with pytest.raises(UsageError) as e:
            probes.probe_command(probes.Method("icmp"), 2, targets)
        assert "not a valid DNS name" in e.value.message and "\n" not in e.value.message
    with pytest.raises(UsageError):
        probes.wait_container("i", hostile, "s", "ns", "cluster.local", 3, 60)
    with pytest.raises(UsageError):
        probes.wait_container("i", "j", hostile, "ns", "cluster.local", 3, 60)
    with pytest.raises(UsageError):
        probes.parse_method(hostile)


def test_script_text_is_constant_whatever_the_input():
    """Values are never spliced into the script text, so there is nothing to quote."""
    a = probes.probe_command(probes.Method("tcp", 80), 3,
                            [probes.Peer(0, "p", None, "j-0.s", "j-0.s.ns.svc.cluster.local")])
    b = probes.probe_command(probes.Method("icmp"), 60,
                            [probes.Peer(7, "q", None, "other-7.t", "other-7.t.x.svc.example.org")])
    assert a[:3] == b[:3] == ["sh", "-c", probes.PROBE_SCRIPT]
    w = probes.wait_container("i", "j", "s", "ns", "cluster.local", 3, 10)["command"]
    assert w[:3] == ["sh", "-c", probes.WAIT_SCRIPT]
    for script in (probes.PROBE_SCRIPT, probes.WAIT_SCRIPT):
        assert "eval" not in shlex.split(script, comments=True)
        assert subprocess.run(["sh", "-n", "-c", script]).returncode == 0


# ---------------------------------------------------------------- inert even past validation

SHELLS = [s for s in (["sh"], ["bash"], ["busybox", "sh"]) if shutil.which(s[0])]

STUB = r'''#!/bin/sh
# {tool}: log every argument (NUL-separated, one file per process) and answer like the real tool.
printf '%s\0' "{tool}" "$@" >> "$STUB_LOG.$$"
case "{tool}" in
  getent) echo "10.1.2.3        STREAM peer" ;;
  ping) echo "PING $5 (10.1.2.3): 56 data bytes"; echo "64 bytes from 10.1.2.3: seq=0 ttl=64 time=0.123 ms" ;;
  nc) : ;;
esac
exit 0
'''


@pytest.fixture
def stub_env(tmp_path):
    """PATH with stub getent/ping/nc in front, a log of their arguments, a marker file path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("getent", "ping", "nc"):
        path = bin_dir / tool
        path.write_text(STUB.replace("{tool}", tool))
        path.chmod(0o755)
    log = tmp_path / "calls" / "call"
    log.parent.mkdir()
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", STUB_LOG=str(log))
    return env, log, tmp_path / "pwned"


def calls(log):
    """Each stub call as its argv list (in no particular order)."""
    out = []
    for path in log.parent.iterdir():
        cur: list[str] = []
        for field in path.read_bytes().decode().split("\0")[:-1]:
            if field in ("getent", "ping", "nc") and cur:
                out.append(cur)
                cur = []
            cur.append(field)
        out += [cur] if cur else []
    return out


def evil(mark):
    return [f"$(touch {mark})", f"`touch {mark}`", f"x; touch {mark}", f"x && touch {mark}",
            f"x\ntouch {mark}", f"'; touch {mark}; '", f'"; touch {mark}; "', f"x | touch {mark}"]


# busybox sh runs its own ping and nc applets rather than the stubs: dns only there.
PROBE_RUNS = [(shell, method, port) for shell in SHELLS
              for method, port in (("icmp", "0"), ("tcp", "80"), ("dns", "0"))
              if shell[0] != "busybox" or method == "dns"]


@pytest.mark.parametrize("shell,method,port", PROBE_RUNS,
                         ids=[f"{' '.join(s)}-{m}" for s, m, _ in PROBE_RUNS])
def test_probe_script_treats_hostile_arguments_as_data(shell, method, port, stub_env):
    env, log, mark = stub_env
    names = evil(mark)
    args = []
    for i, name in enumerate(names):
        args += [str(i), name, name + ".fqdn"]
    # "-": no name is resolved fully first, so with icmp each name goes to ping itself
    res = subprocess.run([*shell, "-c", probes.PROBE_SCRIPT, "ijob-probe", method, port, "2", "-", *args],
                         env=env, capture_output=True, text=True, timeout=60)
    assert not mark.exists(), "an injected command ran"
    assert res.stdout.rstrip().endswith("DONE"), res.stderr
    results = peers.parse_output(0, res.stdout, list(range(len(names))))
    assert [r.code for r in results] == ["ok"] * len(names), res.stdout
    if method == "icmp":  # ping resolves the names (its last argument), else the address
        resolved = sorted(c[-1] for c in calls(log) if c[0] == "ping" and c[-1] != "10.1.2.3")
    else:
        resolved = sorted(c[2] for c in calls(log) if c[0] == "getent")
    assert resolved == sorted(names)  # each name arrived whole, as one argument


@pytest.mark.parametrize("shell", SHELLS, ids=[" ".join(s) for s in SHELLS])
def test_wait_script_treats_hostile_arguments_as_data(shell, stub_env):
    env, log, mark = stub_env
    expected = []
    for name in evil(mark):
        for args in ([name, "s", "ns", "cluster.local"], ["j", name, "ns", "cluster.local"],
                     ["j", "s", name, name]):
            hostile = {**env, "IJOB_INDEX_FAILURES": f"a[$(touch {mark})]", "IJOB_INDEX_IGNORED_FAILURES": name}
            res = subprocess.run([*shell, "-c", probes.WAIT_SCRIPT, "ijob-wait", "5", *args, "2"],
                                 env=hostile, capture_output=True, text=True, timeout=60)
            assert not mark.exists(), "an injected command ran"
            assert res.returncode == 0 and res.stdout.rstrip().endswith("all 2 peers resolve"), res.stderr
            expected += [f"{args[0]}-{i}.{args[1]}" for i in range(2)]
    assert sorted(c[2] for c in calls(log) if c[0] == "getent") == sorted(expected)


def dry_run(argv, capsys, kubeconfig):
    code, out, err = invoke(["--kubeconfig", kubeconfig, argv[0], "--dry-run=client", "-o", "json",
                             *argv[1:]], capsys)
    assert code == 0, err
    return json.loads(out)["items"]


def test_generated_wait_container_runs_as_built(stub_env, capsys, kubeconfig):
    """The init container from `create --wait-for-peers`, run here as the kubelet would."""
    env, log, mark = stub_env
    objs = dry_run(["create", "train", "--image", "i", "--completions", "3", "--service", "peers",
                    "--wait-for-peers", "1m", "-n", "team-a"], capsys, kubeconfig)
    init = objs[0]["spec"]["template"]["spec"]["initContainers"][0]
    argv = init["command"]
    assert argv[:3] == ["sh", "-c", probes.WAIT_SCRIPT]
    assert argv[3:] == ["ijob-wait", "60", "train", "peers", "team-a", "cluster.local", "3"]
    res = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "all 3 peers resolve" in res.stdout, res.stderr
    assert sorted(c[2] for c in calls(log)) == ["train-0.peers", "train-1.peers", "train-2.peers"]
    # a retried index (the Job controller's failure count > 0) does not wait at all
    before = len(calls(log))
    retry = subprocess.run(argv, env={**env, "IJOB_INDEX_FAILURES": "1", "IJOB_INDEX_IGNORED_FAILURES": "",
                                      "JOB_COMPLETION_INDEX": "2"}, capture_output=True, text=True, timeout=60)
    assert retry.returncode == 0 and "index 2 attempt 2: peers started before" in retry.stdout
    assert len(calls(log)) == before
    spec = objs[0]["spec"]
    assert spec["backoffLimitPerIndex"] == 6 and "backoffLimit" not in spec
    assert {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"] for e in init["env"]} == {
        "IJOB_INDEX_FAILURES": "metadata.annotations['batch.kubernetes.io/job-index-failure-count']",
        "IJOB_INDEX_IGNORED_FAILURES": "metadata.annotations['batch.kubernetes.io/job-index-ignored-failure-count']"}


def test_data_values_stay_data(tmp_path, capsys, kubeconfig):
    """Env values, work items, the liveness exec command and the worker command are placed
    verbatim; the plugin adds no shell around any of them."""
    mark = tmp_path / "pwned"
    value = f"$(touch {mark}); `touch {mark}` && touch {mark} 'q' \"dq\""
    items = [f"$(touch {mark})", f"`touch {mark}`", f"a; touch {mark}", "x && y", "it's"]
    probe = f"echo alive; touch {mark} && echo $(touch {mark}) `touch {mark}`"
    worker = ["printf", "%s", f"$(touch {mark})"]
    objs = dry_run(["create", "x", "--image", "i", "--env", f"V={value}", "--items", ",".join(items),
                    "--liveness-exec", probe, "--", *worker], capsys, kubeconfig)
    job_obj, _, config_map = objs
    c = job_obj["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "V", "value": value} in c["env"]
    assert [config_map["data"][str(i)] for i in range(len(items))] == [i + "\n" for i in items]
    assert c["command"] == worker
    exec_argv = c["livenessProbe"]["exec"]["command"]
    assert exec_argv == shlex.split(probe) and exec_argv[0] == "echo"
    # The kubelet execs the probe's argv directly, without a shell: so does this.
    res = subprocess.run(exec_argv, capture_output=True, text=True, timeout=30)
    assert res.stdout.strip() == " ".join(exec_argv[1:])
    assert not mark.exists()
    assert "initContainers" not in job_obj["spec"]["template"]["spec"]


@pytest.mark.parametrize("text", ["sh -c 'unterminated", 'echo "open', "echo \\"])
def test_unparseable_liveness_exec_is_one_line(text, capsys, kubeconfig):
    code, out, err = invoke(["--kubeconfig", kubeconfig, "create", "x", "--image", "i",
                             "--liveness-exec", text, "--dry-run=client"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("error: invalid --liveness-exec ") and len(err.splitlines()) == 1


def test_exec_probe_parser_never_runs_anything(tmp_path):
    mark = tmp_path / "pwned"
    argv = inputs.parse_exec_probe(f"cat /etc/hostname; touch {mark} | $(touch {mark})")
    assert argv[0] == "cat" and f"{mark}" in argv and not mark.exists()
