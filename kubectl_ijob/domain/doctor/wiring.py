"""Checks of the peer DNS wiring: subdomain, headless Service, selector, publication of
not-ready pods, hostname length, and DNS settings that bypass cluster DNS."""
from __future__ import annotations

from typing import Optional

from kubectl_ijob.domain.indexes import format_ranges
from kubectl_ijob.domain.selectors import map_matches, map_missing

from .model import WAIT_CONTAINER, Evidence, Finding, Obj, live, pods_phrase, ready, statuses

MAX_HOSTNAME = 63  # a pod's hostname is a DNS label


def selecting_services(ev: Evidence) -> list[Obj]:
    """Headless Services other than the subdomain's whose selector matches the pod template."""
    return [s for s in ev.services if s["metadata"].get("name") != ev.subdomain
            and s.get("spec", {}).get("clusterIP") == "None"
            and map_matches(s.get("spec", {}).get("selector"), ev.template_labels)]


def recreate_service(ev: Evidence, name: str) -> str:
    """The kubectl pipeline that makes a headless Service selecting the job's pods."""
    return (f"kubectl create service clusterip {name} --clusterip=None -n {ev.namespace} "
            f"--dry-run=client -o yaml | kubectl set selector --local -f - job-name={ev.name} "
            "-o yaml | kubectl apply -f -")


def check_subdomain(ev: Evidence) -> list[Finding]:
    """No subdomain: the pods get no peer DNS names at all."""
    if ev.subdomain:
        return []
    return [Finding("warning", "no-subdomain", "pods have no peer DNS names: the pod template "
                    "sets no subdomain",
                    [f"job/{ev.name}: spec.template.spec.subdomain is not set"],
                    ["recreate the job with `kubectl ijob create -f job.yaml`, which adds a "
                     "headless Service and the subdomain"])]


def check_service_missing(ev: Evidence) -> list[Finding]:
    """The subdomain names a Service that does not exist (and none other selects the pods)."""
    if not ev.subdomain or ev.service is not None or selecting_services(ev):
        return []
    return [Finding("error", "service-missing",
                    f"service {ev.subdomain} does not exist: no pod has a peer DNS name",
                    [f"job/{ev.name}: pod template subdomain is {ev.subdomain}",
                     f"service/{ev.subdomain}: not found in namespace {ev.namespace}"],
                    [recreate_service(ev, ev.subdomain)])]


def check_service_headless(ev: Evidence) -> list[Finding]:
    """A Service with a cluster IP (or ExternalName) gives no per-pod records."""
    svc = ev.service
    if svc is None:
        return []
    spec = svc.get("spec", {})
    if spec.get("clusterIP") == "None":
        return []
    kind = spec.get("type") or "ClusterIP"
    what = f"clusterIP {spec.get('clusterIP')}" if kind != "ExternalName" else "type ExternalName"
    return [Finding("error", "service-not-headless",
                    f"service {ev.subdomain} is not headless: pods get no per-pod DNS names",
                    [f"service/{ev.subdomain}: {what}, type {kind}"],
                    ["clusterIP cannot be changed in place: delete the Service and make it "
                     "again", ev.kubectl("delete service", ev.subdomain),
                     recreate_service(ev, ev.subdomain)])]


def check_service_selector(ev: Evidence) -> list[Finding]:
    """The Service's selector must match the pod template's labels."""
    svc = ev.service
    if svc is None:
        return []
    selector = svc.get("spec", {}).get("selector") or {}
    if not selector:
        return [Finding("error", "service-selector",
                        f"service {ev.subdomain} has no selector: Kubernetes maintains no "
                        "EndpointSlices for it, so no pod is published",
                        [f"service/{ev.subdomain}: spec.selector is empty"],
                        [ev.kubectl("set selector service", ev.subdomain, f"job-name={ev.name}")])]
    missing = map_missing(selector, ev.template_labels)
    if not missing:
        return []
    want = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    return [Finding("error", "service-selector",
                    f"service {ev.subdomain} selects {want}, which the job's pods do not carry",
                    [f"service/{ev.subdomain}: selector {want}",
                     f"job/{ev.name}: pod template lacks {', '.join(missing)}"],
                    [ev.kubectl("set selector service", ev.subdomain, f"job-name={ev.name}")])]


def check_subdomain_mismatch(ev: Evidence) -> list[Finding]:
    """A headless Service selects the pods but the subdomain names another one; or pods
    carry a subdomain different from the template's."""
    out = []
    others = selecting_services(ev)
    if ev.subdomain and ev.service is None and others:
        names = ", ".join(s["metadata"]["name"] for s in others)
        out.append(Finding(
            "error", "subdomain-mismatch",
            f"pod subdomain {ev.subdomain} differs from service {names}, which selects the "
            "pods: their DNS names do not exist",
            [f"job/{ev.name}: pod template subdomain is {ev.subdomain}",
             f"service/{names}: headless, selects the job's pods",
             f"service/{ev.subdomain}: not found"],
            [f"the pod template is immutable: recreate the job with subdomain "
             f"{others[0]['metadata']['name']}, or rename the Service: "
             f"{recreate_service(ev, ev.subdomain)}"]))
    odd = [p for p in ev.own_pods if live(p) and p.get("spec", {}).get("subdomain") != ev.subdomain]
    if ev.subdomain and odd:
        subs = sorted({str(p.get("spec", {}).get("subdomain")) for p in odd})
        out.append(Finding("warning", "subdomain-mismatch",
                           f"{pods_phrase(odd)} use subdomain {', '.join(subs)}, not the "
                           f"template's {ev.subdomain}", [], [ev.cmd("owners")]))
    return out


def check_publish_not_ready(ev: Evidence) -> list[Finding]:
    """publishNotReadyAddresses off: pods that are not Ready have no DNS name; with
    wait-for-peers this is a deadlock (Ready needs the init container to finish)."""
    spec = (ev.service or {}).get("spec", {})
    if ev.service is None or spec.get("clusterIP") != "None" or \
            spec.get("publishNotReadyAddresses"):
        return []
    waiting = [p for p in ev.current.values() if live(p) and not ready(p)
               and p.get("status", {}).get("podIP")]
    if not waiting:
        return []
    stuck = [p for p in waiting if any(s.get("name") == WAIT_CONTAINER and not
                                       (s.get("state") or {}).get("terminated")
                                       for s in statuses(p, init=True))]
    title = (f"{len(waiting)} of {ev.completions} pods are not Ready and service "
             f"{ev.subdomain} publishes only Ready pods: their names do not resolve")
    evidence = [f"service/{ev.subdomain}: publishNotReadyAddresses is false",
                f"not Ready: {pods_phrase(waiting)}"]
    if stuck:
        title = ("deadlock: wait-for-peers waits for peers that are published only once "
                 f"Ready, and service {ev.subdomain} publishes only Ready pods")
        evidence.append(f"in wait-for-peers: {pods_phrase(stuck)}")
    return [Finding("error" if stuck else "warning", "publish-not-ready", title, evidence,
                    [ev.kubectl("patch service", ev.subdomain, "--type merge",
                                "-p '{\"spec\":{\"publishNotReadyAddresses\":true}}'")])]


def check_hostname_length(ev: Evidence) -> list[Finding]:
    """`<job>-<index>` is each pod's hostname and must fit a DNS label (API servers of
    today refuse such a Job at creation; this finds ones made before)."""
    first = next((i for i in range(ev.completions)
                  if len(f"{ev.name}-{i}") > MAX_HOSTNAME), None)
    if first is None:
        return []
    last = f"{ev.name}-{ev.completions - 1}"
    which = format_ranges(range(first, ev.completions)) if ev.completions - first < 3 else \
        f"{first}-{ev.completions - 1}"
    return [Finding("error", "hostname-too-long",
                    f"pod hostnames of indexes {which} are over {MAX_HOSTNAME} characters: "
                    "those pods cannot be created",
                    [f"hostname {last} is {len(last)} characters; the limit is {MAX_HOSTNAME}"],
                    [f"recreate the job with a name of at most "
                     f"{MAX_HOSTNAME - 1 - len(str(ev.completions - 1))} characters"])]


def _dns_bypass(spec: Obj) -> Optional[tuple[str, str]]:
    """(severity, why) when a pod spec does not resolve names through cluster DNS."""
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if spec.get("hostNetwork") and policy != "ClusterFirstWithHostNet":
        return "error", (f"hostNetwork: true with dnsPolicy {policy}: the pods use the node's "
                         "resolver, not cluster DNS")
    if policy == "Default":
        return "error", "dnsPolicy Default: the pods use the node's resolver, not cluster DNS"
    if policy == "None":
        servers = ",".join((spec.get("dnsConfig") or {}).get("nameservers") or []) or "<none>"
        return "warning", (f"dnsPolicy None with nameservers {servers}: peers resolve only if "
                           "these are the cluster DNS and the search path has the namespace")
    return None


def check_dns_policy(ev: Evidence) -> list[Finding]:
    """dnsPolicy / hostNetwork settings that bypass cluster DNS."""
    bad = _dns_bypass(ev.template_spec)
    if bad is None:
        return []
    fix = ("set dnsPolicy: ClusterFirstWithHostNet in the pod template"
           if ev.template_spec.get("hostNetwork") else
           "set dnsPolicy: ClusterFirst in the pod template (recreate the job)")
    return [Finding(bad[0], "dns-policy", "peer names cannot resolve inside the pods: "
                    "cluster DNS is bypassed" if bad[0] == "error" else
                    "the pods may not resolve peer names: custom DNS settings",
                    [f"job/{ev.name}: {bad[1]}"], [fix])]

