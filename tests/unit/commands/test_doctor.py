"""doctor over a fake client: what it reads (and in which cases it reads logs or runs
ping), Forbidden side reads as notes, and the exit status it reports."""
from __future__ import annotations

import copy

from kubectl_ijob.client.errors import Forbidden
from kubectl_ijob.client.exec import ExecResult
from kubectl_ijob.commands.doctor import DoctorOptions, gather, run_doctor

from ..domain import doctor_faults as faults
from ..domain.doctor_objects import healthy
from ..fakes import FakeClient

OK = "".join(f"R {t} ok 100 10.88.0.{10 + t} -\n" for t in range(4)) + "DONE\n"


class Cluster(FakeClient):
    """The objects of an Evidence, served as the API would; records logs and execs read."""

    def __init__(self, ev, forbidden=()):
        super().__init__(ev.job, *ev.pods, *ev.services)
        self.ev, self.forbidden = ev, set(forbidden)
        self.logs_read: list[tuple[str, str, bool]] = []
        self.execs: list[str] = []

    def _guard(self, what):
        if what in self.forbidden:
            raise Forbidden(403, "Forbidden", f'{what} is forbidden: User "dev" cannot list '
                                              f'resource "{what}"')

    def list_pods_any(self, selectors, namespace=None, view=None):
        return copy.deepcopy(self.ev.pods)

    def list_services(self, namespace):
        self._guard("services")
        return copy.deepcopy(self.ev.services)

    def list_endpoint_slices(self, service, namespace=None):
        self._guard("endpointslices")
        return copy.deepcopy(self.ev.slices or [])

    def list_events(self, namespace=None, view=None):
        self._guard("events")
        return copy.deepcopy(self.ev.events or []) + [
            {"kind": "Event", "reason": "Other", "involvedObject": {"uid": "someone-else"}}]

    def list_of(self, kind, namespace, selector=None):
        self._guard(kind)
        return [] if kind == "NetworkPolicy" else super().list_of(kind, namespace, selector)

    def log_lines(self, pod, container=None, follow=False, tail=None, since_seconds=None,
                  previous=False, namespace=None):
        self._guard("pods/log")
        self.logs_read.append((pod, container, previous))
        return iter(["loading shard 1", "error: cannot open /data/shard-1"])

    def exec(self, pod, argv, container=None, timeout=30):
        self.execs.append(pod)
        return ExecResult(OK, "", 0)


def options(ping=True, output="table"):
    return DoctorOptions("example-job", output, ping, "cluster.local", False)


def test_a_healthy_job_reads_everything_once_and_is_healthy(capsys):
    client = Cluster(healthy())
    assert run_doctor(options(), client) is True
    assert sorted(client.execs) == [f"example-job-{i}-abcde" for i in range(4)]
    assert client.logs_read == []  # no finding quotes a log
    assert capsys.readouterr().out == \
        "job.batch/example-job: no problems found - 28 checks; ping 16/16 pairs ok (icmp)\n"


def test_events_of_other_objects_are_left_out_and_policies_analysed():
    ev = gather(Cluster(healthy()), options(ping=False))
    assert ev.events and all(e["involvedObject"]["uid"] != "someone-else" for e in ev.events)
    assert (ev.policies, ev.policy_findings) == ([], [])
    assert ev.ping is None and ev.notes == []


def test_a_crash_loop_reads_the_previous_log_and_fails(capsys):
    ev = healthy()
    faults.crash_loop(ev)
    client = Cluster(ev)
    assert run_doctor(options(ping=False), client) is False
    assert client.logs_read == [("example-job-1-abcde", "worker", True)]
    out = capsys.readouterr().out
    assert "| error: cannot open /data/shard-1" in out and out.endswith("; no ping\n")


def test_forbidden_reads_become_one_info_finding(capsys):
    ev = healthy()
    faults.crash_loop(ev)
    client = Cluster(ev, forbidden={"events", "NetworkPolicy", "pods/log", "services"})
    found = gather(client, options(ping=False))
    assert found.events is None and found.policy_findings is None
    assert found.service is not None  # the subdomain's Service, read with get instead
    assert len(found.notes) == 4 and all("Forbidden" in n for n in found.notes)
    run_doctor(options(ping=False, output="json"), client)
    assert '"check": "unread"' in capsys.readouterr().out


def test_above_32_running_pods_ping_is_sampled(capsys):
    # 40 running pods: 8 peers each (320 pairs), not 1,600 - and the closing line says so.
    from ..domain.doctor_objects import job, running_pod

    n = 40
    ev = healthy()
    ev.job = job(completions=n, active=n, ready=n)
    ev.pods = [running_pod(i) for i in range(n)]
    probed: dict[str, int] = {}

    class Sampled(Cluster):
        def exec(self, pod, argv, container=None, timeout=30):
            probed[pod] = len(argv[8::3])
            return ExecResult("".join(f"R {t} ok 100 10.88.0.{10 + int(t)} -\n"
                                      for t in argv[8::3]) + "DONE\n", "", 0)

    run_doctor(options(), Sampled(ev))
    assert len(probed) == n and set(probed.values()) == {8}
    assert "ping 320/320 pairs ok (icmp); sampled: 8 of 39 peers per pod" in capsys.readouterr().out
