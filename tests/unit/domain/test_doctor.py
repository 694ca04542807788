"""doctor's checks, table-driven: a healthy job (running, complete or just created) gives
no finding; each deliberately broken variant (doctor_faults) gives exactly the findings named."""
from __future__ import annotations

import copy
import datetime as dt
from typing import Callable

import pytest

from kubectl_ijob.domain import doctor
from kubectl_ijob.domain.doctor import Evidence, diagnose
from kubectl_ijob.domain.doctor.model import WAIT_CONTAINER as WAIT

from ..objects import UID, job
from . import doctor_faults as faults
from .doctor_objects import N, at, complete, healthy, just_created, matrix


@pytest.mark.parametrize("make", [healthy, complete, just_created])
def test_healthy_job_has_no_findings(make: Callable[[], Evidence]) -> None:
    ev = make()
    assert diagnose(ev) == []
    assert doctor.healthy([])



CASES = [
    # (mutation, {check: severity}, text that must appear in the findings)
    (faults.no_service, {"service-missing": "error"}, "service/example-job: not found"),
    (faults.not_headless, {"service-not-headless": "error"}, "clusterIP 10.96.0.12"),
    (faults.wrong_selector, {"service-selector": "error"}, "selects app=trainer"),
    (faults.empty_selector, {"service-selector": "error"},
     "set selector service example-job job-name=example-job"),
    (faults.subdomain_mismatch, {"subdomain-mismatch": "error"},
     "pod subdomain workers differs from service example-job"),
    (faults.not_ready_unpublished, {"publish-not-ready": "warning"}, "indexes 2,3"),
    (faults.wait_deadlock, {"publish-not-ready": "error", "wait-for-peers": "warning"}, "deadlock"),
    (faults.long_name, {"hostname-too-long": "error"}, "is 64 characters"),
    (faults.host_network, {"dns-policy": "error"}, "ClusterFirstWithHostNet"),
    (faults.dns_default, {"dns-policy": "error"}, "dnsPolicy Default"),
    (faults.dns_none, {"dns-policy": "warning"}, "1.1.1.1"),
    (faults.unschedulable, {"unschedulable": "error"}, "didn't match Pod's node affinity/selector"),
    (faults.gated, {"scheduling-gated": "warning"}, "kueue.x-k8s.io/admission"),
    (faults.image_never_pull, {"image-pull": "error"}, "is not present with pull policy of Never"),
    (faults.crash_loop, {"crash-loop": "error"}, "| error: cannot open /data/shard-1"),
    (faults.config_error, {"container-create": "error"}, 'configmap "settings" not found'),
    (faults.wait_stuck, {"wait-for-peers": "warning", "unschedulable": "error"},
     "example-job-3.example-job: index 3: pod example-job-3-abcde Pending"),
    (faults.wait_peer_finished, {"wait-for-peers": "warning"},
     "pod example-job-3-abcde Succeeded (finished before this pod looked"),
    (faults.wait_timed_out, {"wait-for-peers": "error", "unschedulable": "error"},
     "stuck in wait-for-peers on peer example-job-3.example-job"),
    (faults.quota, {"failed-create": "error"}, "kubectl describe resourcequota -n default"),
    (faults.limit_range, {"failed-create": "error"}, "kubectl describe limitrange -n default"),
    (faults.webhook, {"failed-create": "error"}, "validatingwebhookconfigurations"),
    (faults.recovered_quota, {"failed-create": "info"}, "FailedCreate x1, latest"),
    (faults.suspended_kueue, {"suspended": "warning"}, "LocalQueue team-a"),
    (faults.suspended_by_user, {"suspended": "warning"}, "suspended by kubectl-patch"),
    (faults.suspended_managed, {"suspended": "warning"}, "managed by kueue.x-k8s.io/multikueue"),
    (faults.managed_by, {"managed-by": "info"}, "spec.managedBy kueue.x-k8s.io/multikueue"),
    (faults.relabeled_out, {"not-published": "warning"}, "lacks job-name=example-job"),
    (faults.missing_endpoint, {"not-published": "warning"}, "not in the service's EndpointSlices"),
    (faults.nxdomain_published, {"nxdomain-published": "warning"}, "negative"),
    (faults.two_addresses, {"several-addresses": "warning", "orphans": "warning"},
     "kubectl delete pod example-job-2-old -n default"),
    (faults.policy_blocks, {"network-policy": "error"}, "deny-all"),
    (faults.policy_ports, {"network-policy": "warning"}, "TCP 29500"),
    (faults.ping_row, {"ping-source": "error"}, "index 1 reaches no peer"),
    (faults.ping_column, {"ping-target": "error"}, "no peer reaches index 3"),
    (faults.ping_scattered, {"ping-scattered": "error"}, "0->2 timeout, 3->1 timeout"),
    (faults.ping_all, {"ping-all": "error"}, "timeout x16"),
    (faults.ping_no_tool, {"ping-tooling": "info"}, "ping"),
    (faults.job_failed, {"job-failed": "error"}, "| ValueError: bad shard"),
    (faults.failed_index, {"failed-indexes": "error"},
     "index 2: pod example-job-2-zz9q1 container worker Error (exit code 42)"),
    (faults.retrying, {"retrying": "warning"}, "OOMKilled (exit code 137)"),
    (faults.late_start, {"straggler-start": "warning"}, "image pull and start took 93s"),
    (faults.long_run, {"straggler-run": "warning"}, "the median index finished in 20s"),
    (faults.duplicate, {"duplicate-pods": "warning"}, "example-job-0-twin: Running, terminating"),
    (faults.older_job, {"orphans": "warning"}, "an older Job named example-job (uid 0ld-uid)"),
    (faults.forbidden, {"unread": "info"}, "cannot list resource"),
]


@pytest.mark.parametrize("mutate,want,text", CASES, ids=[c[0].__name__ for c in CASES])
def test_each_fault_gives_its_finding(mutate: Callable[[Evidence], None], want: dict[str, str],
                                      text: str) -> None:
    ev = healthy()
    mutate(ev)
    found = diagnose(ev)
    assert {f.check: f.severity for f in found} == want, [f.title for f in found]
    blob = "\n".join(line for f in found for line in [f.title, *f.evidence, *f.next])
    assert text in blob
    assert all(f.next for f in found), "every finding says what to do next"


def test_every_check_is_exercised_by_a_case() -> None:
    """Each registered check finds something in at least one broken variant."""
    variants = []
    for mutate, _, _ in CASES:
        ev = healthy()
        mutate(ev)
        variants.append(ev)
    bare = healthy()
    bare.job = job(completions=N, subdomain=None)
    variants.append(bare)
    assert len(doctor.CHECKS) == len(set(doctor.CHECKS))
    for check in doctor.CHECKS:
        assert check.__doc__, check.__name__
        assert any(check(ev) for ev in variants), check.__name__


def test_no_subdomain() -> None:
    ev = healthy()
    ev.job = job(completions=N, subdomain=None)
    assert [(f.check, f.severity) for f in diagnose(ev)] == [("no-subdomain", "warning")]


def test_ranked_by_severity_then_check_order() -> None:
    ev = healthy()
    for mutate in (faults.managed_by, faults.retrying, faults.no_service, faults.unschedulable):
        mutate(ev)
    found = diagnose(ev)
    assert [f.severity for f in found] == sorted((f.severity for f in found),
                                                 key=doctor.SEVERITIES.index)
    assert [f.check for f in found][:2] == ["service-missing", "unschedulable"]
    assert not doctor.healthy(found)


def test_events_k8s_io_shape_is_read_too() -> None:
    """events.k8s.io/v1 names the object `regarding` and the message `note`."""
    ev = healthy()
    faults.quota(ev)
    e = ev.events[-1]
    e["regarding"], e["note"] = e.pop("involvedObject"), e.pop("message")
    assert [f.check for f in diagnose(ev)] == ["failed-create"]


def test_wait_for_peers_fresh_is_not_stuck() -> None:
    """Waiting for peers during the first minute is normal start-up, not a finding."""
    ev = healthy()
    faults.wait_stuck(ev)
    ev.now = dt.datetime(2026, 11, 22, 10, 0, 30, tzinfo=dt.timezone.utc)
    assert "wait-for-peers" not in {f.check for f in diagnose(ev)}


def test_terminating_pod_within_grace_is_not_a_duplicate() -> None:
    ev = healthy()
    faults.duplicate(ev)
    ev.pods[-1]["metadata"]["deletionTimestamp"] = at(290)
    assert diagnose(ev) == []


def test_inputs_are_not_modified() -> None:
    ev = healthy()
    faults.crash_loop(ev)
    before = copy.deepcopy((ev.job, ev.pods, ev.services, ev.slices, ev.events))
    diagnose(ev)
    assert (ev.job, ev.pods, ev.services, ev.slices, ev.events) == before
    assert UID == ev.uid


@pytest.mark.parametrize("mutate,want", [
    (faults.crash_loop, {"example-job-1-abcde/worker": ("example-job-1-abcde", "worker", True)}),
    (faults.wait_stuck, {f"example-job-{i}-abcde/{WAIT}": (f"example-job-{i}-abcde", WAIT, False)
                         for i in range(3)}),
    (faults.failed_index, {"example-job-2-zz9q1/worker": ("example-job-2-zz9q1", "worker", False)}),
    (faults.retrying, {"example-job-1-first/worker": ("example-job-1-first", "worker", False)}),
    (faults.unschedulable, {}),
])
def test_logs_wanted_are_the_ones_findings_quote(mutate: Callable[[Evidence], None],
                                                 want: dict[str, tuple[str, str, bool]]) -> None:
    ev = healthy()
    mutate(ev)
    assert doctor.logs_wanted(ev) == want
    assert doctor.logs_wanted(healthy()) == {}


def test_nxdomain_in_the_matrix_is_left_to_the_dns_checks() -> None:
    """A deleted Service makes every pair NXDOMAIN: one finding (the Service), not two."""
    for slices, want in (([], ["service-missing"]),
                         (None, ["service-missing", "ping-all"])):  # publication unknown
        ev = healthy()
        faults.no_service(ev)
        ev.slices = slices
        ev.ping = matrix(bad={(s, t): "nxdomain" for s in range(N) for t in range(N)})
        assert [f.check for f in diagnose(ev)] == want


def test_a_sampled_matrix_still_tells_rows_from_columns() -> None:
    # doctor samples 8 peers per pod above 32 running pods: a source failing its sampled
    # peers is its own problem, a target none of its samplers reach is the target's, one
    # bad pair is the network's - as in the full matrix.
    from kubectl_ijob.domain.doctor.network import check_peer_matrix
    from kubectl_ijob.domain.peers import Matrix, PairResult, sampled_targets
    from kubectl_ijob.domain.probes import Peer

    n, k = 40, 8
    ring = [Peer(i, f"p{i}", None, f"j-{i}.s", "") for i in range(n)]
    pairs = [PairResult(s.index, t.index, "timeout" if s.index == 5 or t.index == 17
                        or (s.index, t.index) == (30, 31) else "ok", 0.1)
             for s, mine in zip(ring, sampled_targets(ring, ring, k)) for t in mine]
    ev = healthy()
    ev.ping = Matrix("icmp", list(range(n)), list(range(n)), pairs, {}, sample=k)
    found = {f.check: f for f in check_peer_matrix(ev)}
    assert set(found) == {"ping-source", "ping-target", "ping-scattered"}
    assert "index 5 reaches no peer" in found["ping-source"].title
    assert "no peer reaches index 17" in found["ping-target"].title
    assert "30->31 timeout" in found["ping-scattered"].evidence[0]
    assert "1 pair of 320" in found["ping-scattered"].title
