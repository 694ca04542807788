"""The probe script's inputs: methods, names as arguments, valid POSIX sh."""
import subprocess

import pytest

from kubectl_ijob.domain import probes as peers
from kubectl_ijob.errors import UsageError


@pytest.mark.parametrize("text,want", [("icmp", "icmp"), ("dns", "dns"), ("tcp:8080", "tcp:8080")])
def test_methods(text, want):
    assert str(peers.parse_method(text)) == want


@pytest.mark.parametrize("text", ["tcp", "tcp:", "tcp:0", "tcp:70000", "udp:53", "icmp:1", ""])
def test_bad_methods(text):
    with pytest.raises(UsageError):
        peers.parse_method(text)


@pytest.mark.parametrize("hostile", ["a;reboot", "$(id)", "`id`", "a\nb", "a b", "A.b", "-x", "a..b"])
def test_hostile_names_never_reach_the_command(hostile):
    with pytest.raises(UsageError):
        peers.probe_command(peers.Method("icmp"), 2,
                            [peers.Peer(0, "p", None, hostile, "x.default.svc.cluster.local")])


def test_names_are_arguments_not_script_text():
    argv = peers.probe_command(peers.Method("tcp", 80), 3,
                               [peers.Peer(1, "p", None, "j-1.s", "j-1.s.ns.svc.cluster.local")])
    assert argv[:3] == ["sh", "-c", peers.PROBE_SCRIPT]
    assert argv[3:] == ["ijob-probe", "tcp", "80", "3", "1", "j-1.s", "j-1.s.ns.svc.cluster.local"]


def test_script_is_valid_posix_sh():
    assert subprocess.run(["sh", "-n", "-c", peers.PROBE_SCRIPT]).returncode == 0
