"""The probe script's inputs (methods, names as arguments, valid POSIX sh, the exec's
deadline) and the script itself, run here with stub tools."""
import os
import shutil
import subprocess

import pytest

from kubectl_ijob.domain import probes as peers
from kubectl_ijob.domain.peers import parse_output, script_times
from kubectl_ijob.errors import UsageError


@pytest.mark.parametrize("text,want,ports", [
    ("icmp", "icmp", ()), ("dns", "dns", ()), ("tcp:8080", "tcp:8080", (8080,)),
    ("tcp:29500,29501", "tcp:29500,29501", (29500, 29501)),
    ("tcp:80,443,80", "tcp:80,443", (80, 443)),  # a repeated port is probed once
])
def test_methods(text, want, ports):
    method = peers.parse_method(text)
    assert str(method) == want and method.ports == ports


@pytest.mark.parametrize("text", ["tcp", "tcp:", "tcp:0", "tcp:70000", "udp:53", "icmp:1", "",
                                  "tcp:80,", "tcp:,80", "tcp:80,x", "tcp:80;81",
                                  "tcp:" + ",".join(str(p) for p in range(1, 18))])
def test_bad_methods(text):
    with pytest.raises(UsageError):
        peers.parse_method(text)


@pytest.mark.parametrize("hostile", ["a;reboot", "$(id)", "`id`", "a\nb", "a b", "A.b", "-x", "a..b"])
def test_hostile_names_never_reach_the_command(hostile):
    with pytest.raises(UsageError):
        peers.probe_command(peers.Method("icmp"), 2,
                            [peers.Peer(0, "p", None, hostile, "x.default.svc.cluster.local")])


def test_several_ports_travel_as_one_argument():
    argv = peers.probe_command(peers.parse_method("tcp:29500,29501"), 3,
                               [peers.Peer(1, "p", None, "j-1.s", "j-1.s.ns.svc.cluster.local")])
    assert argv[3:7] == ["ijob-probe", "tcp", "29500,29501", "3"]


def test_names_are_arguments_not_script_text():
    argv = peers.probe_command(peers.Method("tcp", 80), 3,
                               [peers.Peer(1, "p", None, "j-1.s", "j-1.s.ns.svc.cluster.local")])
    assert argv[:3] == ["sh", "-c", peers.PROBE_SCRIPT]
    assert argv[3:] == ["ijob-probe", "tcp", "80", "3", "1", "1", "j-1.s", "j-1.s.ns.svc.cluster.local"]


@pytest.mark.parametrize("targets,sources", [(list(range(32)), 32), (list(range(32)), 5),
                                             ([0, 2, 7], 1), ([3], 1), ([4, 9], 2)])
def test_every_name_is_resolved_fully_by_exactly_one_source(targets, sources):
    spread = [peers.full_resolves(targets, k, sources) for k in range(sources)]
    assert sorted(i for part in spread for i in part) == targets
    assert max(map(len, spread)) - min(map(len, spread)) <= 1  # evenly: none does them all


def test_the_full_resolves_travel_as_one_argument():
    ps = [peers.Peer(i, "p", None, f"j-{i}.s", f"j-{i}.s.ns.svc.cluster.local") for i in range(3)]
    assert peers.probe_command(peers.Method("icmp"), 2, ps, [0, 2])[7] == "0,2"
    assert peers.probe_command(peers.Method("icmp"), 2, ps, [])[7] == "-"
    assert peers.probe_command(peers.Method("icmp"), 2, ps)[7] == "0,1,2"  # default: all


def test_script_is_valid_posix_sh():
    assert subprocess.run(["sh", "-n", "-c", peers.PROBE_SCRIPT]).returncode == 0


def test_exec_deadline_covers_both_passes():
    one_round = peers.exec_deadline(peers.PROBE_PARALLELISM, 1, 2)
    assert one_round >= 2 * 2 + peers.RETRY_HOLD + 2 * peers.DNS_WORST
    assert peers.exec_deadline(peers.PROBE_PARALLELISM + 1, 1, 2) > one_round  # a second round
    assert peers.exec_deadline(8, 3, 2) > peers.exec_deadline(8, 1, 2)  # each port waits
    assert peers.exec_deadline(0, 0, 2) == peers.exec_deadline(1, 1, 2)


# ------------------------------------------------------------ the probe script, run here

# Stubs in front of PATH (busybox sh would run its own ping and nc applets instead). The
# stub ping answers from a per-address script of outcomes: each call takes the next one.
STUBS = {
    # NXDOMAIN: never found; FLAKY: "not found" at once the first time only; SLOW: "not
    # found" after 2 s (a resolver that got no answer) the first time only
    "getent": '''echo "$2" >> "$STUB_DIR/getent"; n=$(echo "$2" | sed "s/[^0-9]//g" | cut -c1-3)
case " $NXDOMAIN " in *" $n "*) exit 2 ;; esac
first=$([ "$(grep -cx "$2" "$STUB_DIR/getent")" = 1 ] && echo 1)
case " $FLAKY " in *" $n "*) [ -n "$first" ] && exit 2 ;; esac
case " $SLOW " in *" $n "*) [ -n "$first" ] && { sleep 2.2; exit 2; } ;; esac
echo "10.1.0.$n STREAM $2"; case " $TWINS " in *" $n "*) echo "10.1.0.9$n STREAM $2" ;; esac''',
    # like busybox's and iputils' ping, it resolves a name itself and names the address
    "ping": '''addr=$5; case "$addr" in *[!0-9.]*) n=$(echo "$addr" | sed "s/[^0-9]//g" | cut -c1-3)
  case " $NXDOMAIN " in *" $n "*) echo "ping: bad address '$addr'"; exit 1 ;; esac
  addr=10.1.0.$n ;; esac
f="$STUB_DIR/ping.$addr"; n=$(cat "$f" 2>/dev/null || echo 0); echo $((n + 1)) > "$f"
plan=$(eval echo "\\${PLAN_$(echo "$addr" | tr . _)}"); step=$(echo "$plan" | cut -d, -f$((n + 1)))
echo "PING $5 ($addr): 56 data bytes"
case "${step:-ok}" in
  ok) echo "64 bytes from $addr: seq=0 ttl=64 time=0.250 ms"; exit 0 ;;
  lost) echo "1 packets transmitted, 0 packets received, 100% packet loss"; exit 1 ;;
esac''',
    "nc": 'case "$4" in 8080) exit 0 ;; *) echo "nc: can\'t connect to remote host ($3): Connection refused" >&2; exit 1 ;; esac',
}
SH = [s for s in ("sh", "bash") if shutil.which(s)]


def run_probe(tmp_path, shell, method, ports, n, plan=None, full="", env_=None):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool, body in STUBS.items():
        (bin_dir / tool).write_text("#!/bin/sh\n" + body + "\n")
        (bin_dir / tool).chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", STUB_DIR=str(tmp_path))
    env.update({f"PLAN_10_1_0_{i}": steps for i, steps in (plan or {}).items()}, **(env_ or {}))
    args = []
    for i in range(n):
        args += [str(i), f"j-{i}.s", f"j-{i}.s.ns.svc.cluster.local"]
    res = subprocess.run([shell, "-c", peers.PROBE_SCRIPT, "ijob-probe", method, ports, "1", full or "-", *args],
                         env=env, capture_output=True, text=True, timeout=60)
    assert res.stdout.rstrip().endswith("DONE"), res.stderr
    calls = {f.name[5:]: int(f.read_text()) for f in tmp_path.glob("ping.*")}
    return parse_output(0, res.stdout, list(range(n))), calls, res.stdout


@pytest.mark.parametrize("shell", SH)
def test_every_peer_is_probed_through_the_window(tmp_path, shell):
    n = 3 * peers.PROBE_PARALLELISM + 1  # more peers than probes in flight
    res, calls, out = run_probe(tmp_path, shell, "icmp", "0", n)
    assert [r.code for r in res] == ["ok"] * n and res[0].latency_ms == 0.25
    assert sorted(calls.values()) == [1] * n  # each once: nothing timed out
    assert script_times(out) is not None


@pytest.mark.parametrize("shell", SH)
def test_a_lost_echo_is_tried_again_and_a_dead_peer_still_fails(tmp_path, shell):
    res, calls, _ = run_probe(tmp_path, shell, "icmp", "0", 3, plan={1: "lost,ok", 2: "lost,lost"})
    assert [r.code for r in res] == ["ok", "ok", "timeout"]
    assert calls == {"10.1.0.0": 1, "10.1.0.1": 2, "10.1.0.2": 2}


def resolved(tmp_path):
    """The names the stub getent (the full resolver) was asked for."""
    f = tmp_path / "getent"
    return f.read_text().split() if f.exists() else []


@pytest.mark.parametrize("shell", SH)
def test_ping_resolves_the_names_and_only_the_given_ones_are_resolved_fully(tmp_path, shell):
    res, calls, _ = run_probe(tmp_path, shell, "icmp", "0", 4, full="1,3", env_={"TWINS": "1 2"})
    assert [(r.code, r.addresses) for r in res] == [
        ("ok", ["10.1.0.0"]), ("ok", ["10.1.0.1", "10.1.0.91"]), ("ok", ["10.1.0.2"]), ("ok", ["10.1.0.3"])]
    assert sorted(resolved(tmp_path)) == ["j-1.s", "j-3.s"]  # the others: one ping each, nothing else
    assert sorted(calls.values()) == [1] * 4


@pytest.mark.parametrize("shell", SH)
def test_a_name_that_does_not_resolve_is_still_nxdomain(tmp_path, shell):
    res, calls, _ = run_probe(tmp_path, shell, "icmp", "0", 3, env_={"NXDOMAIN": "1"})
    assert [r.code for r in res] == ["ok", "nxdomain", "ok"] and res[1].detail == "j-1.s"
    assert resolved(tmp_path) == ["j-1.s", "j-1.s"]  # ping could not: the resolver, twice
    assert "10.1.0.1" not in calls


@pytest.mark.parametrize("shell", SH)
@pytest.mark.parametrize("kind", ["FLAKY", "SLOW"])
def test_a_failed_lookup_of_a_name_that_exists_is_not_nxdomain(tmp_path, shell, kind):
    # getent says "not found" (exit 2) for a lookup that got no answer too: found on the
    # second try, the name is no failure (seen in CI: tcp probes of a slim image, NXDOMAIN
    # for peers the dns method had just resolved)
    res, _, _ = run_probe(tmp_path, shell, "tcp", "8080", 3, env_={kind: "1"})
    assert [r.code for r in res] == ["ok"] * 3
    assert resolved(tmp_path).count("j-1.s") == 2


@pytest.mark.parametrize("shell", SH)
def test_a_pair_that_timed_out_is_resolved_fully_on_its_second_pass(tmp_path, shell):
    res, calls, _ = run_probe(tmp_path, shell, "icmp", "0", 3, plan={2: "lost,lost"},
                              env_={"TWINS": "2"})
    assert [r.code for r in res] == ["ok", "ok", "timeout"]
    assert res[2].addresses == ["10.1.0.2", "10.1.0.92"]  # the evidence: both addresses
    assert resolved(tmp_path) == ["j-2.s"] and calls["10.1.0.2"] == 2


@pytest.mark.parametrize("shell", SH)
def test_each_port_is_probed_and_reported(tmp_path, shell):
    res, _, out = run_probe(tmp_path, shell, "tcp", "8080,9090", 2)
    assert [(r.code, r.failing_ports) for r in res] == [("refused", [9090])] * 2
    assert [[(x.port, x.code) for x in r.ports] for r in res] == [[(8080, "ok"), (9090, "refused")]] * 2
    assert out.count("R 0:") == 2  # refused is an answer: no second pass


NSLOOKUP = r'''#!/bin/sh
case "$1" in
  j-0.*) printf 'Server:\t\t10.88.0.1\nAddress:\t10.88.0.1:53\n\nName:\t%s\nAddress: 10.1.0.10\n\n*** Can'"'"'t find %s: No answer\n' "$1" "$1" ;;
  j-1.*) printf 'Server:\t\t10.88.0.1\nAddress:\t10.88.0.1:53\n\nName:\t%s\nAddress: 10.1.0.11\nName:\t%s\nAddress: 10.1.0.99\n' "$1" "$1" ;;
  j-2.*) printf 'Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\nName:      %s\nAddress 1: 10.1.0.12 %s\n' "$1" "$1" ;;
  *) printf 'Server:\t\t10.88.0.1\nAddress:\t10.88.0.1:53\n\n** server can'"'"'t find %s: NXDOMAIN\n' "$1"; exit 1 ;;
esac
'''


# (busybox sh would run its nslookup applet: the e2e tests run this path in busybox pods)
@pytest.mark.parametrize("shell", SH)
def test_nslookup_answers_old_and_new_are_read_without_the_servers_address(tmp_path, shell):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nslookup").write_text(NSLOOKUP)
    (bin_dir / "nslookup").chmod(0o755)
    for tool in ("printf", "date"):  # nothing else: no getent, so nslookup answers
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    args = []
    for i in range(4):
        args += [str(i), f"j-{i}.s", f"j-{i}.s.ns.svc.cluster.local"]
    argv = [shutil.which(shell), "-c", peers.PROBE_SCRIPT, "ijob-probe", "dns", "0", "1", "-", *args]
    res = subprocess.run(argv, env={"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=60)
    got = parse_output(0, res.stdout, [0, 1, 2, 3])
    assert [(r.code, r.addresses) for r in got] == [
        ("ok", ["10.1.0.10"]), ("ok", ["10.1.0.11", "10.1.0.99"]), ("ok", ["10.1.0.12"]), ("nxdomain", [])], res.stdout
