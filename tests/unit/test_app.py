"""The CLI as a user meets it (app.py): help, start-up cost, flags anywhere, errors in kubectl's words."""
import json
import os
import subprocess
import sys

import pytest
import yaml

from kubectl_ijob import __version__
from kubectl_ijob.app import cli, hoist_globals
from kubectl_ijob.errors import UsageError
from kubectl_ijob.options import parse_duration

from .runner import one_user_kubeconfig, run


SUBCOMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("sub", [None] + SUBCOMMANDS)
def test_help_works_without_kubernetes_import(sub):
    """--help must not pay the 0.3-0.9 s import of the kubernetes client."""
    args = ["--help"] if sub is None else [sub, "--help"]
    code = ("import sys; from kubectl_ijob.app import main\n"
            "try:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "print('KUBERNETES' if 'kubernetes' in sys.modules else 'CLEAN')" % (args,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "Usage: kubectl ijob" in out.stdout
    assert out.stdout.strip().endswith("CLEAN")


def test_completion_does_not_import_kubernetes():
    code = ("import sys; from kubectl_ijob.complete import main; main(['cre'])\n"
            "print('KUBERNETES' if 'kubernetes' in sys.modules else 'CLEAN')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["create", ":4", "CLEAN"]


def test_client_dry_run_needs_no_cluster_and_no_client():
    code = ("import sys; from kubectl_ijob.app import main\n"
            "try:\n    main(['create', 'x', '--image', 'i:1', '--dry-run=client', '-o', 'name'])\n"
            "except SystemExit:\n    pass\n"
            "print('KUBERNETES' if 'kubernetes' in sys.modules else 'CLEAN')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, KUBECONFIG="/nonexistent"), timeout=60)
    assert out.stdout.split() == ["job.batch/x", "service/x", "CLEAN"]


@pytest.mark.parametrize("argv,want", [
    (["status", "x", "-n", "ns", "--context", "c"], ["-n", "ns", "--context", "c", "status", "x"]),
    (["status", "--namespace=ns", "x"], ["--namespace=ns", "status", "x"]),
    (["-nns", "status"], ["-nns", "status"]),
    (["create", "x", "-v", "--", "sh", "-n", "1"], ["-v", "create", "x", "--", "sh", "-n", "1"]),
    (["status", "--v=2"], ["-v", "-v", "status"]),
])
def test_hoist_globals(argv, want):
    assert hoist_globals(argv) == want


@pytest.mark.parametrize("text,want", [("0", None), ("30", 30.0), ("1.5s", 1.5), ("2m", 120.0),
                                       ("1m30s", 90.0), ("500ms", 0.5), ("1h", 3600.0)])
def test_parse_duration(text, want):
    assert parse_duration(text) == want


@pytest.mark.parametrize("text", ["x", "1d", "-1s", "1s2", ""])
def test_parse_duration_rejects(text):
    with pytest.raises(UsageError):
        parse_duration(text)


def test_dry_run_yaml_is_a_list_in_the_context_namespace(tmp_path):
    kc = tmp_path / "config"
    kc.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "a",
        "contexts": [{"name": "a", "context": {"cluster": "c", "namespace": "team-a"}},
                     {"name": "b", "context": {"cluster": "c", "namespace": "team-b"}}],
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": []}))
    out = run("create", "example-job", "--image", "localhost/x:1", "--completions", "3",
              "--dry-run=client", "-o", "yaml", env={"KUBECONFIG": f"/missing:{kc}"})
    assert out.returncode == 0, out.stderr
    doc = yaml.safe_load(out.stdout)
    assert doc["kind"] == "List"
    assert [o["kind"] for o in doc["items"]] == ["Job", "Service"]
    assert {o["metadata"]["namespace"] for o in doc["items"]} == {"team-a"}
    out = run("create", "x", "--image", "i:1", "--dry-run=client", "-o", "json",
              "--context", "b", env={"KUBECONFIG": str(kc)})
    assert json.loads(out.stdout)["items"][0]["metadata"]["namespace"] == "team-b"
    out = run("create", "x", "--image", "i:1", "--dry-run", env={"KUBECONFIG": str(kc)})
    assert out.stdout.splitlines() == ["job.batch/x created (dry run)",
                                       "service/x created (dry run)"]


def test_dry_run_command_after_dashes_keeps_its_flags():
    out = run("create", "x", "--image", "i:1", "--dry-run=client", "-o", "json", "--",
              "sh", "-c", "echo -n hi")
    job = json.loads(out.stdout)["items"][0]
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["sh", "-c", "echo -n hi"]


def test_items_file_and_manifest(tmp_path):
    items = tmp_path / "items.txt"
    items.write_text("foo\nbar\nbaz\nqux\nxyz\n")
    out = run("create", "rev", "--image", "i:1", "--items-file", str(items), "--parallelism", "3",
              "--dry-run=client", "-o", "yaml", "--", "rev", "/ijob/item")
    objs = yaml.safe_load(out.stdout)["items"]
    assert objs[0]["spec"]["completions"] == 5 and objs[0]["spec"]["parallelism"] == 3
    assert objs[2]["data"]["3"] == "qux\n"
    manifest = tmp_path / "job.yaml"
    manifest.write_text(yaml.safe_dump({"apiVersion": "batch/v1", "kind": "Job",
                                        "metadata": {"name": "from-file"},
                                        "spec": {"template": {"spec": {"containers": [
                                            {"name": "c", "image": "i:2"}]}}}}))
    out = run("create", "-f", str(manifest), "--completions", "2", "--dry-run=client", "-o", "name")
    assert out.stdout.split() == ["job.batch/from-file", "service/from-file"]


@pytest.mark.parametrize("args,msg", [
    (["create", "Bad", "--image", "i"], "job name 'Bad' is invalid"),
    (["create", "x"], "--image is required"),
    (["create", "x", "--image", "i", "--completions", "0"], "--completions must be at least 1"),
    (["create", "x", "--image", "i", "--completions", "abc"], "'abc' is not a valid integer"),
    (["create", "x", "--image", "i", "-o", "table"], 'output format "table"'),
    (["create", "x", "--image", "i", "--env", "NOEQUALS"], "expected KEY=VALUE"),
    (["create", "x", "--image", "i", "--labels", "a=b c"], "invalid --labels value"),
    (["create", "x", "--image", "i", "--port", "70000"], "from 1 to 65535"),
    (["create", "x", "--image", "i", "--items-file", "/nonexistent"], "cannot read --items-file"),
    (["create", "-f", "/nonexistent"], "cannot read -f"),
    (["create", "x", "--image", "i", "--frobnicate"], "unknown flag: --frobnicate"),
    (["create", "x", "--image", "i", "--liveness-tcp", "1", "--liveness-http", "2"], "only one of"),
    (["create", "x", "--image", "i", "--liveness-period", "3"], "need a probe"),
    (["status", "x", "--kubeconfig", "/nonexistent"], "stat /nonexistent: no such file"),
    (["status", "x", "-o", "foo"], 'unable to match a printer suitable for the output format "foo"'),
    (["status", "x", "--request-timeout", "soon"], "invalid --request-timeout"),
    (["nosuch"], "no such command"),
])
def test_bad_input_one_line_exit_1(args, msg):
    out = run(*args)
    assert out.returncode == 1
    assert out.stderr.startswith("error: ")
    assert msg in out.stderr.splitlines()[0]
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


def test_malformed_manifest(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Job\nspec: [unclosed\n")
    out = run("create", "-f", str(bad))
    assert out.returncode == 1 and "error parsing" in out.stderr and "Traceback" not in out.stderr
    dep = tmp_path / "dep.yaml"
    dep.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n")
    out = run("create", "-f", str(dep))
    assert out.returncode == 1 and "kind Deployment is not supported" in out.stderr


def test_unreachable_server_is_one_line(tmp_path):
    kc = one_user_kubeconfig(tmp_path, "http://127.0.0.1:1", {"token": "t"})
    refused = ("The connection to the server 127.0.0.1:1 was refused - did you specify the right "
               "host or port?")  # kubectl's words, as `kubectl get job x` prints them
    # With and without --request-timeout, reads and writes: the client accepts the
    # timeouts we pass (kubernetes >= 37 validates them) and the error is the transport's.
    for args in (["status", "x", "--request-timeout", "2s"], ["status", "x"],
                 ["create", "x", "--image", "i:1"], ["delete", "x"]):
        out = run(*args, "--kubeconfig", str(kc))
        assert (out.returncode, out.stderr.strip()) == (1, refused), args
    out = run("status", "x", "--kubeconfig", str(kc), "--context", "nope")
    assert out.stderr.strip() == \
        "Error in configuration: context was not found for specified context: nope"  # kubectl's


def test_version():
    assert run("--version").stdout.strip() == f"kubectl-ijob, version {__version__}"


def test_silent_server_is_bounded_by_request_timeout(tmp_path):
    """A server that accepts connections and never answers: kubectl's timeout words, no hang."""
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # the kernel completes the handshakes; nobody ever reads or answers
    port = listener.getsockname()[1]
    kc = one_user_kubeconfig(tmp_path, f"http://127.0.0.1:{port}", {"token": "t"})
    try:
        start = time.monotonic()
        out = run("status", "x", "--kubeconfig", str(kc), "--request-timeout", "2s")
        took = time.monotonic() - start
    finally:
        listener.close()
    assert out.returncode == 1
    assert out.stderr.strip() == ("Unable to connect to the server: net/http: request canceled "
                                  "(Client.Timeout exceeded while awaiting headers)")
    assert took < 10


def test_credentials_never_printed_even_with_v(tmp_path):
    secret = "s3cr3t-t0ken-do-not-print"
    kc = one_user_kubeconfig(tmp_path, "http://127.0.0.1:1", {"token": secret, "username": "admin", "password": secret})
    for args in (["status", "x"], ["create", "x", "--image", "i:1"], ["ping", "x"],
                 ["exec", "x", "0", "--", "true"], ["status", "x", "--context", "missing"]):
        out = run(*args, "--kubeconfig", str(kc), "-v")
        assert out.returncode == 1
        assert "Traceback" in out.stderr or "error" in out.stderr  # -v shows the traceback
        assert secret not in out.stdout + out.stderr, args
