"""Pure: the peer list, the in-pod probe script, and its output parsed into a matrix.

`ping` runs ONE exec per source pod. Inside it, a POSIX sh script probes every peer
concurrently (background jobs + wait), so wall time stays near one exec round trip
plus the probe timeout instead of growing with N x N. The script only ever receives
validated DNS names and numbers as positional arguments (never spliced into its
text), and it picks whatever tools the image has: getent or nslookup or ping for DNS,
ping for ICMP, nc or bash's /dev/tcp for TCP, and says which tool was missing
rather than reporting the peer unreachable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from kubectl_ijob.errors import usage
from kubectl_ijob.indexes import digits
from kubectl_ijob.manifests import parse_port
from kubectl_ijob.ownership import matches

METHODS = ("icmp", "dns", "tcp")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$")

# Shell helpers shared by the probe and the wait-for-peers scripts.
_RESOLVE = r'''has() { command -v "$1" >/dev/null 2>&1; }
now_us() {
  t=$(date +%s%N 2>/dev/null)
  case "$t" in *N*|"") ;; *) echo $((t / 1000)); return ;; esac
  if has adjtimex; then
    adjtimex 2>/dev/null | awk '/tv_sec/{s=$2} /tv_usec/{u=$2} END{printf "%d%06d\n", s, u}'
    return
  fi
  read up _ < /proc/uptime; s=${up%.*}; c=${up#*.}; echo "$s${c}0000"
}
resolve() {  # prints addresses, one per line; exit 2 NXDOMAIN, 3 timeout, 4 no tool
  if has getent; then
    out=$(getent ahostsv4 "$1" 2>/dev/null); rc=$?
    [ $rc -eq 0 ] && { echo "$out" | awk '!seen[$1]++ {print $1}'; return 0; }
    [ $rc -eq 2 ] && return 2; return 3
  elif has nslookup; then
    out=$(nslookup "$2" 2>&1)
    addrs=$(echo "$out" | awk '/^Name:/{n=1} n && /^Address/{a=$NF; sub(/#.*/, "", a); if (!seen[a]++) print a}')
    [ -n "$addrs" ] && { echo "$addrs"; return 0; }
    case "$out" in *NXDOMAIN*|*"can't find"*|*"not found"*) return 2 ;; esac
    return 3
  elif has ping; then
    out=$(ping -c 1 -W 1 "$1" 2>&1 | head -n 1)
    addr=$(echo "$out" | sed -n 's/^PING [^(]*(\([0-9.]*\)).*/\1/p')
    [ -n "$addr" ] && { echo "$addr"; return 0; }
    case "$out" in *"bad address"*|*"unknown host"*|*"not known"*) return 2 ;; esac
    return 3
  fi
  return 4
}
'''

# $1 method, $2 port, $3 timeout (s), then triples: index short-name fqdn.
# Each probe prints: R <index> <code> <latency: microseconds, or <ms>ms, or -> <addr,addr|-> <detail...>
# Every probe runs as few programs as it can (one resolver, one ping or nc): with N pods
# probing N peers at once, process start-up is what the matrix costs.
PROBE_SCRIPT = r'''
set -f  # no pathname expansion of anything a resolver printed
method=$1; port=$2; to=$3; shift 3
'''+_RESOLVE+r'''
probe() {
  i=$1; short=$2; fqdn=$3
  [ "$method" = dns ] && t0=$(now_us)
  addrs=$(resolve "$short" "$fqdn"); rc=$?
  # One retry on a DNS timeout: a lost UDP answer is not a broken peer.
  [ $rc -eq 3 ] && { [ "$method" = dns ] && t0=$(now_us); addrs=$(resolve "$short" "$fqdn"); rc=$?; }
  case $rc in
    2) echo "R $i nxdomain - - $short"; return ;;
    3) echo "R $i dns-timeout - - $short"; return ;;
    4) echo "R $i no-tool - - getent/nslookup/ping"; return ;;
  esac
  [ "$method" = icmp ] || t1=$(now_us)
  list=""; for a in $addrs; do list="${list:+$list,}$a"; done
  first=${list%%,*}
  case $method in
  dns) echo "R $i ok $((t1 - t0)) $list -" ;;
  icmp)
    has ping || { echo "R $i no-tool - $list ping"; return; }
    out=$(ping -c 1 -W "$to" "$first" 2>&1); rc=$?
    ms=""
    case "$out" in *time=*|*"time<"*) ms=${out#*time[=<]}; ms=${ms%%[!0-9.]*} ;; esac
    if [ $rc -eq 0 ] && [ -n "$ms" ]; then
      echo "R $i ok ${ms}ms $list -"
    else
      case "$out" in
        *"not permitted"*|*"permission denied"*|*"Permission denied"*) echo "R $i no-permission - $list ping needs CAP_NET_RAW" ;;
        *nreachable*) echo "R $i unreachable - $list -" ;;
        *) echo "R $i timeout - $list -" ;;
      esac
    fi ;;
  tcp)
    if has nc; then
      out=$(nc -w "$to" "$first" "$port" </dev/null 2>&1); rc=$?
    elif has bash; then
      out=$(timeout "$to" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$first" "$port" 2>&1); rc=$?
    else
      echo "R $i no-tool - $list nc/bash"; return
    fi
    t2=$(now_us)
    if [ $rc -eq 0 ]; then echo "R $i ok $((t2 - t1)) $list -"
    else
      case "$out" in
        *efused*) echo "R $i refused - $list -" ;;
        *nreachable*|*"No route"*) echo "R $i unreachable - $list -" ;;
        *) echo "R $i timeout - $list -" ;;
      esac
    fi ;;
  esac
}
while [ $# -ge 3 ]; do probe "$1" "$2" "$3" & shift 3; done
wait
echo "DONE"
'''


# $1 overall timeout (s), then pairs: short-name fqdn. Retries NXDOMAIN too (negative
# caching can hide a peer for up to the cache TTL), backing off 1, 2, 4, 5, 5... seconds.
WAIT_SCRIPT = r'''
limit=$1; shift
'''+_RESOLVE+r'''
start=$(date +%s); delay=1
while [ $# -ge 2 ]; do
  if resolve "$1" "$2" >/dev/null; then echo "peer $1 resolves"; shift 2; delay=1; continue; fi
  [ $? -eq 4 ] && { echo "no getent, nslookup or ping in this image: cannot wait for peers" >&2; exit 1; }
  if [ $(( $(date +%s) - start )) -ge "$limit" ]; then
    echo "timed out after ${limit}s waiting for peer $1 to resolve" >&2; exit 1
  fi
  sleep $delay; delay=$((delay * 2)); [ $delay -gt 5 ] && delay=5
done
echo "all peers resolve"
'''


@dataclass(frozen=True)
class Method:
    """What to probe: dns only, ICMP echo, or a TCP connect to a port."""

    kind: str
    port: int = 0

    def __str__(self) -> str:
        return f"tcp:{self.port}" if self.kind == "tcp" else self.kind


def parse_method(text: str) -> Method:
    """`icmp`, `dns` or `tcp:PORT`."""
    kind, sep, port = text.partition(":")
    if kind not in METHODS or (kind == "tcp") != bool(sep):
        raise usage(f"invalid --method {text!r}: use icmp, dns or tcp:PORT")
    if kind == "tcp":
        if not port:
            raise usage(f"invalid --method {text!r}: tcp needs a port, e.g. tcp:8080")
        return Method("tcp", parse_port(port, "--method port"))
    return Method(kind)


def check_name(name: str) -> str:
    """Only plain DNS names go into a pod's command line."""
    if len(name) > 253 or not _NAME.fullmatch(name):
        raise usage(f"refusing to probe {name!r}: not a valid DNS name")
    return name


@dataclass
class Peer:
    """One index that can be probed: its running pod and its DNS names."""

    index: int
    pod: str
    ip: Optional[str]
    short: str
    fqdn: str


def probe_command(method: Method, timeout: int, peers: list[Peer]) -> list[str]:
    """The exec argv for one source pod: sh -c SCRIPT with names as arguments."""
    argv = ["sh", "-c", PROBE_SCRIPT, "ijob-probe", method.kind, str(method.port), str(timeout)]
    for p in peers:
        argv += [str(int(p.index)), check_name(p.short), check_name(p.fqdn)]
    return argv


@dataclass
class PairResult:
    """The outcome of probing one peer from one source pod."""

    source: int
    target: int
    code: str  # ok, nxdomain, dns-timeout, timeout, refused, unreachable, no-tool, ...
    latency_ms: Optional[float] = None
    addresses: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.code == "ok"


def _latency(text: str) -> Optional[float]:
    """Milliseconds from a probe's latency field: microseconds, or `<ms>ms` as ping prints."""
    if digits(text):
        return int(text) / 1000.0
    if text.endswith("ms") and re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,6})?", text[:-2]):
        return float(text[:-2])
    return None


def parse_output(source: int, text: str, targets: list[int]) -> list[PairResult]:
    """Probe-script output -> one result per target (missing lines become `no-result`)."""
    got: dict[int, PairResult] = {}
    for line in text.splitlines():
        parts = line.split(" ", 5)
        if len(parts) < 5 or parts[0] != "R" or not digits(parts[1]):
            continue
        target = int(parts[1])
        latency = _latency(parts[3])
        addrs = [] if parts[4] == "-" else parts[4].split(",")
        detail = parts[5] if len(parts) > 5 and parts[5] != "-" else ""
        got[target] = PairResult(source, target, parts[2], latency, addrs, detail)
    return [got.get(t) or PairResult(source, t, "no-result", detail="the probe printed nothing")
            for t in targets]


def failed_source(source: int, targets: list[int], code: str, detail: str) -> list[PairResult]:
    """Every pair of a source whose exec could not run (no shell, exec refused, ...)."""
    return [PairResult(source, t, code, detail=detail) for t in targets]


@dataclass
class Matrix:
    """The N x N result plus the indexes that were not probed and why."""

    method: str
    sources: list[int]
    targets: list[int]
    pairs: list[PairResult]
    skipped: dict[int, str]  # index -> pod phase/status it was in
    expected_ips: dict[int, Optional[str]] = field(default_factory=dict)

    def cell(self, source: int, target: int) -> Optional[PairResult]:
        if not hasattr(self, "_cells"):
            self._cells = {(p.source, p.target): p for p in self.pairs}
        return self._cells.get((source, target))

    @property
    def ok(self) -> bool:
        return bool(self.pairs) and all(p.ok for p in self.pairs)

    def summary(self) -> str:
        good = sum(1 for p in self.pairs if p.ok)
        line = f"{good}/{len(self.pairs)} pairs ok ({self.method})"
        if self.skipped:
            line += f"; not probed: " + ", ".join(f"{i} ({s})" for i, s in sorted(self.skipped.items()))
        return line

    def warnings(self) -> list[str]:
        """Names that resolved to several addresses, or to an address that is not the pod's."""
        out = []
        for p in self.pairs:
            want = self.expected_ips.get(p.target)
            if len(p.addresses) > 1:
                out.append(f"from {p.source}: index {p.target} resolves to {len(p.addresses)} "
                           f"addresses ({', '.join(p.addresses)}): a replacement pod next to an "
                           "old one?")
            elif p.addresses and want and p.addresses[0] != want:
                out.append(f"from {p.source}: index {p.target} resolves to {p.addresses[0]}, "
                           f"but its pod has {want}")
        return out

    def document(self) -> dict[str, Any]:
        """The -o json|yaml form: every pair's details."""
        return {"apiVersion": "ijob.kubectl.io/v1alpha1", "kind": "PeerMatrix",
                "method": self.method, "ok": self.ok, "summary": self.summary(),
                "notProbed": {str(k): v for k, v in sorted(self.skipped.items())},
                "warnings": self.warnings(),
                "pairs": [{"from": p.source, "to": p.target, "ok": p.ok, "code": p.code,
                           "latencyMs": p.latency_ms, "addresses": p.addresses,
                           "detail": p.detail} for p in self.pairs]}


def plan(job: dict[str, Any], rows: list[Any], cluster_domain: str,
         sources: Optional[list[int]] = None) -> tuple[list[Peer], list[Peer], dict[int, str]]:
    """(source peers, target peers, skipped index -> status) from status rows.

    Only indexes whose current pod is Running are probed, as sources and as targets;
    the others are reported with their status, not counted as network failures.
    """
    meta, spec = job.get("metadata", {}), job.get("spec", {})
    sub = spec.get("template", {}).get("spec", {}).get("subdomain")
    if not sub:
        raise usage(f'job "{meta.get("name")}" has no subdomain in its pod template: its pods '
                    "have no peer DNS names (create it with kubectl ijob create, or set "
                    "spec.template.spec.subdomain to a headless Service)")
    targets, skipped = [], {}
    for r in rows:
        if r.status != "Running" or not r.pod:
            skipped[r.index] = r.status
            continue
        short = f"{meta['name']}-{r.index}.{sub}"
        targets.append(Peer(r.index, r.pod, r.ip, short,
                            f"{short}.{meta.get('namespace')}.svc.{cluster_domain}"))
    chosen = targets if sources is None else [p for p in targets if p.index in set(sources)]
    return chosen, targets, skipped


def peer_names(job_name: str, service: str, namespace: str, completions: int,
               cluster_domain: str = "cluster.local") -> list[tuple[str, str]]:
    """(short, fqdn) DNS names of every index: `<job>-<i>.<svc>` and its full form."""
    return [(f"{job_name}-{i}.{service}", f"{job_name}-{i}.{service}.{namespace}.svc.{cluster_domain}")
            for i in range(completions)]


def wait_container(image: str, names: list[tuple[str, str]], timeout: int) -> dict[str, Any]:
    """The init container that blocks until every peer name resolves."""
    args = [str(timeout)]
    for short, fqdn in names:
        args += [check_name(short), check_name(fqdn)]
    return {"name": "ijob-wait-for-peers", "image": image,
            "command": ["sh", "-c", WAIT_SCRIPT, "ijob-wait", *args]}


HOST_FORMATS = ("plain", "openmpi", "mpich", "json")


def hostfile(names: list[str], fmt: str, slots: Optional[int]) -> str:
    """The peer list as a launcher wants it: plain, OpenMPI (`slots=N`), MPICH (`:N`), JSON."""
    import json

    if fmt == "json":
        return json.dumps([{"host": n, **({"slots": slots} if slots else {})} for n in names],
                          indent=4)
    if fmt == "openmpi":
        return "\n".join(f"{n} slots={slots or 1}" for n in names)
    if fmt == "mpich":
        return "\n".join(f"{n}:{slots or 1}" for n in names)
    return "\n".join(names)


# ------------------------------------------------------------ NetworkPolicies
# What the namespace's NetworkPolicies do to traffic between a job's pods, read from
# the policies themselves (the API's semantics; whether the network plugin enforces
# them is not visible from the API).

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # on every namespace since 1.21


def policy_findings(labels: dict[str, str], namespace: str,
                    policies: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The names of the policies that select the job's pods, and what they mean for
    peers, one phrase each: isolation no rule lifts for the job's own pods, peer
    traffic limited to some ports, egress without DNS."""
    applied = sorted((p for p in policies if _selects(p.get("spec", {}).get("podSelector"), labels)),
                     key=lambda p: p["metadata"]["name"])
    findings = []
    for direction, key, side in (("ingress", "ingress", "from"), ("egress", "egress", "to")):
        isolating = [p for p in applied if direction.capitalize() in _policy_types(p["spec"])]
        if not isolating:
            continue
        names = ", ".join(p["metadata"]["name"] for p in isolating)
        rules = [r for p in isolating for r in p["spec"].get(key) or []]
        verdicts = [(r, _admits_peers(r.get(side), labels, namespace)) for r in rules]
        admitting = [r for r, ok in verdicts if ok]
        if not admitting:
            maybe = " unless the namespace's labels match a namespaceSelector" \
                if any(ok is None for _, ok in verdicts) else ""
            findings.append(f"{direction} isolated by {names} and no rule admits the job's own "
                            f"pods{maybe}: peers cannot connect")
        elif all(r.get("ports") for r in admitting):
            ports = sorted({_port_text(x) for r in admitting for x in r["ports"]})
            findings.append(f"{direction} between peers limited by {names} to {', '.join(ports)}"
                            " (ping and other ports are dropped)")
        if direction == "egress" and not any(_allows_dns(r) for r in rules):
            findings.append(f"egress isolated by {names} and no rule allows DNS (port 53): "
                            "peer names will not resolve")
    return [p["metadata"]["name"] for p in applied], findings


def _selects(selector: Optional[dict[str, Any]], labels: dict[str, str]) -> bool:
    """A NetworkPolicy selector: empty selects everything (unlike a Job's)."""
    return not selector or matches(selector, labels)


def _policy_types(spec: dict[str, Any]) -> list[str]:
    """policyTypes, or the API's default: Ingress, plus Egress when egress rules exist."""
    return spec.get("policyTypes") or ["Ingress"] + (["Egress"] if spec.get("egress") else [])


def _admits_peers(peers: Optional[list[dict[str, Any]]], labels: dict[str, str],
                  namespace: str) -> Optional[bool]:
    """Whether a rule's from/to admits the job's own pods; None when it depends on the
    namespace's labels (only its name label is known without reading it)."""
    if not peers:
        return True  # no from/to: every source or destination
    unknown = False
    for peer in peers:
        if "ipBlock" in peer:
            continue  # meant for addresses outside the cluster
        ns_sel = peer.get("namespaceSelector")  # absent: the policy's own namespace
        if ns_sel and not matches(ns_sel, {NAMESPACE_NAME_LABEL: namespace}):
            unknown = unknown or NAMESPACE_NAME_LABEL not in (ns_sel.get("matchLabels") or {})
        elif _selects(peer.get("podSelector"), labels):
            return True
    return None if unknown else False


def _allows_dns(rule: dict[str, Any]) -> bool:
    """An egress rule that can reach a cluster DNS server: port 53 (or every port), to
    anywhere, another namespace or an address block (DNS is not the job's own pods)."""
    ports, to = rule.get("ports") or [], rule.get("to") or []
    return (not ports or any(_covers_dns(p) for p in ports)) and \
        (not to or any("namespaceSelector" in t or "ipBlock" in t for t in to))


def _covers_dns(port: dict[str, Any]) -> bool:
    """Port 53, a range over it, every port, or CoreDNS's port names."""
    value = port.get("port")
    if value is None or value in ("dns", "dns-tcp"):
        return True
    return isinstance(value, int) and value <= 53 <= (port.get("endPort") or value)


def _port_text(port: dict[str, Any]) -> str:
    """`TCP 5000`, `UDP 9000-9010`, `TCP all`."""
    value = port.get("port", "all")
    end = f"-{port['endPort']}" if port.get("endPort") else ""
    return f"{port.get('protocol', 'TCP')} {value}{end}"
