"""Checks of DNS publication: running pods that are not published and why, names that
are published but answer NXDOMAIN inside the pods, names with several addresses."""
from __future__ import annotations

from typing import Iterable, Optional

from kubectl_ijob.domain.peers import PairResult
from kubectl_ijob.domain.selectors import map_missing

from .model import Evidence, Finding, Obj, live, parse_time, phase, plural, \
    pods_phrase, ready
from .wiring import selecting_services

PUBLISH_GRACE = 15  # seconds a running pod may take to appear in the EndpointSlices
NEGATIVE_CACHE = ("CoreDNS answers NXDOMAIN with its kubernetes plugin's TTL (ttl, 5 s by "
                  "default) and its cache plugin keeps denials up to its limit (cache 30 in "
                  "kubeadm's Corefile); NodeLocal DNSCache and application caches (Java: "
                  "networkaddress.cache.negative.ttl, 10 s) can hold them longer")


def pairs(ev: Evidence) -> list[PairResult]:
    """Every probed pair of the ping and DNS matrices."""
    return [p for m in (ev.ping, ev.dns) if m for p in m.pairs]


def _wiring_broken(ev: Evidence) -> bool:
    """The wiring checks already explain why nothing is published."""
    svc = ev.service
    return (not ev.subdomain or svc is None or bool(selecting_services(ev))
            or svc.get("spec", {}).get("clusterIP") != "None"
            or not svc.get("spec", {}).get("selector")
            or bool(map_missing(svc["spec"]["selector"], ev.template_labels)))


def _unpublished_reason(ev: Evidence, pod: Obj) -> Optional[str]:
    """Why a running pod has no DNS record, for causes the wiring checks do not cover."""
    svc_spec = ev.service["spec"] if ev.service else {}
    missing = map_missing(svc_spec.get("selector"), pod["metadata"].get("labels") or {})
    if missing:
        return f"labels no longer match the service selector (lacks {','.join(missing)})"
    if not ready(pod) and not svc_spec.get("publishNotReadyAddresses"):
        return None  # check_publish_not_ready
    if ev.endpoints is None:
        return None
    ep = ev.endpoints.get(pod["metadata"].get("uid"))
    started = parse_time(pod.get("status", {}).get("startTime"))
    if ep is None:
        if started and (ev.now - started).total_seconds() < PUBLISH_GRACE:
            return None
        return "not in the service's EndpointSlices"
    if not ep.get("hostname"):
        return "its endpoint has no hostname (pod hostname or subdomain unset)"
    not_ready = (ep.get("conditions") or {}).get("ready") is False
    if not_ready and not svc_spec.get("publishNotReadyAddresses"):
        return "its endpoint is not ready"
    return None


def check_not_published(ev: Evidence) -> list[Finding]:
    """Running pods without a DNS record, grouped by why."""
    if _wiring_broken(ev):
        return []
    groups: dict[str, list[Obj]] = {}
    for p in ev.current.values():
        if live(p) and phase(p) == "Running":
            why = _unpublished_reason(ev, p)
            if why:
                groups.setdefault(why, []).append(p)
    out = []
    for why, pods in groups.items():
        fix = [ev.cmd("owners")] if why.startswith("labels") else \
            [ev.kubectl("get endpointslices", "-l", f"kubernetes.io/service-name={ev.subdomain}",
                        "-o yaml")]
        out.append(Finding("warning", "not-published",
                           f"{plural(len(pods), 'running pod')} not published in DNS: {why}",
                           [pods_phrase(pods)], fix))
    return out


def published_indexes(ev: Evidence) -> set[int]:
    """Indexes whose current pod is in the EndpointSlices with a hostname."""
    out = set()
    for i, p in ev.current.items():
        ep = (ev.endpoints or {}).get(p["metadata"].get("uid"))
        if ep and ep.get("hostname"):
            out.add(i)
    return out


def check_nxdomain_published(ev: Evidence) -> list[Finding]:
    """Names in the EndpointSlices that still answer NXDOMAIN inside the pods."""
    if ev.endpoints is None:
        return []
    published = published_indexes(ev)
    bad = [p for p in pairs(ev) if p.code == "nxdomain" and p.target in published]
    if not bad:
        return []
    targets = sorted({p.target for p in bad})
    sources = sorted({p.source for p in bad})
    names = [f"{ev.name}-{t}.{ev.subdomain}" for t in targets]
    return [Finding("warning", "nxdomain-published",
                    f"{plural(len(targets), 'name')} published in EndpointSlices still "
                    f"{'answers' if len(targets) == 1 else 'answer'} NXDOMAIN inside the pods "
                    "(a stale negative answer)",
                    [f"NXDOMAIN for {', '.join(names[:5])}{' ...' if len(names) > 5 else ''} "
                     f"from {plural(len(sources), 'index', 'indexes')}",
                     NEGATIVE_CACHE],
                    [f"wait 30s, then {ev.cmd('ping', '--method dns')}",
                     "if it persists: kubectl -n kube-system logs -l k8s-app=kube-dns"])]


def _pod_by_ip(ev: Evidence) -> dict[str, Obj]:
    ips = ((p.get("status", {}).get("podIP"), p) for p in ev.pods)
    return {ip: p for ip, p in ips if ip}


def _slice_names(ev: Evidence) -> dict[str, list[tuple[str, Optional[str]]]]:
    """hostname -> [(address, pod name)] over every EndpointSlice."""
    out: dict[str, list[tuple[str, Optional[str]]]] = {}
    for sl in ev.slices or []:
        for ep in sl.get("endpoints") or []:
            if ep.get("hostname"):
                for addr in ep.get("addresses") or []:
                    out.setdefault(ep["hostname"], []).append(
                        (addr, (ep.get("targetRef") or {}).get("name")))
    return out


def _describe(addrs: Iterable[str], ev: Evidence) -> str:
    by_ip = _pod_by_ip(ev)
    parts = []
    for a in sorted(set(addrs)):
        pod = by_ip.get(a)
        what = "unknown pod" if pod is None else f"pod {pod['metadata']['name']}" + \
            ("" if ev.owned(pod) else ", not owned by the job") + \
            (", terminating" if pod["metadata"].get("deletionTimestamp") else "")
        parts.append(f"{a} ({what})")
    return ", ".join(parts)


def _index_of_host(ev: Evidence, host: str) -> Optional[int]:
    rest = host[len(ev.name) + 1:] if host.startswith(f"{ev.name}-") else ""
    return int(rest) if rest.isascii() and rest.isdigit() else None


def check_several_addresses(ev: Evidence) -> list[Finding]:
    """A peer name that resolves to several addresses (a replacement next to an old pod)."""
    names: dict[str, set[str]] = {}
    for host, entries in _slice_names(ev).items():
        if len({a for a, _ in entries}) > 1:
            names[host] = {a for a, _ in entries}
    for p in pairs(ev):
        if len(p.addresses) > 1:
            names.setdefault(f"{ev.name}-{p.target}", set()).update(p.addresses)
    by_ip = _pod_by_ip(ev)
    out = []
    for host, addrs in sorted(names.items()):
        current = ev.current.get(_index_of_host(ev, host))  # type: ignore[arg-type]
        stale = [by_ip[a]["metadata"]["name"] for a in sorted(addrs)
                 if a in by_ip and by_ip[a] is not current]
        fix = [ev.kubectl("delete pod", *stale)] if stale else []
        out.append(Finding("warning", "several-addresses",
                           f"{host}.{ev.subdomain} resolves to {len(addrs)} addresses: "
                           "peers may reach the wrong pod",
                           [f"{host}: {_describe(addrs, ev)}"], [ev.cmd("owners")] + fix))
    return out
