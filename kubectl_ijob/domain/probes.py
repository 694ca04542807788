"""Pure: the in-pod shell scripts of `ping` and --wait-for-peers, and their argv.

`ping` runs ONE exec per source pod. Inside it, a POSIX sh script probes the peers a few
at a time (background jobs), so wall time stays near one exec round trip plus the probes
instead of growing with N x N. The scripts only ever receive validated DNS names and
numbers as positional arguments (never spliced into their text), and they pick whatever
tools the image has (busybox, Debian slim, distroless with a shell): getent or nslookup
or ping for DNS, ping for ICMP, nc or bash's /dev/tcp for TCP, and say which tool was
missing rather than reporting the peer unreachable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from kubectl_ijob.domain.inputs import parse_port
from kubectl_ijob.domain.names import check_probe_name
from kubectl_ijob.errors import usage

METHODS = ("icmp", "dns", "tcp")

# Shell helpers shared by the probe and the wait-for-peers scripts. They run hundreds of
# times at once on a busy node, so they fork as little as they can: resolve() sets
# `addrs` in the calling shell and parses what the resolver printed with builtins.
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
add_addr() {  # an IPv4 address, once
  case $1 in ""|*[!0-9.]*|.*|*.|*..*) return ;; *.*.*.*) ;; *) return ;; esac
  case " $addrs " in *" $1 "*) ;; *) addrs="${addrs:+$addrs }$1" ;; esac
}
resolve() {  # sets addrs (space-separated); exit 2 NXDOMAIN, 3 timeout, 4 no tool
  addrs=""
  if has getent; then
    # getent exits 2 for "not found" and for a resolver that got no answer alike. A miss
    # that took seconds is a timeout; a quick one is asked again, and only a second quick
    # "not found" is NXDOMAIN (a loaded CoreDNS fails a query now and then).
    read s0 _ </proc/uptime
    out=$(getent ahostsv4 "$1" 2>/dev/null); rc=$?
    if [ $rc -eq 2 ]; then
      read s1 _ </proc/uptime
      [ $(( ${s1%.*} - ${s0%.*} )) -ge 2 ] && return 3
      out=$(getent ahostsv4 "$1" 2>/dev/null); rc=$?
      [ $rc -eq 2 ] && return 2
    fi
    [ $rc -eq 0 ] || return 3
    for w in $out; do add_addr "$w"; done
    [ -n "$addrs" ] && return 0; return 3
  elif has nslookup; then
    out=$(nslookup "$2" 2>&1); named=""
    for w in $out; do  # only the addresses after "Name:", not the server's
      [ "$w" = Name: ] && named=1
      [ -n "$named" ] && add_addr "$w"
    done
    [ -n "$addrs" ] && return 0
    case "$out" in *NXDOMAIN*|*"can't find"*|*"not found"*) return 2 ;; esac
    return 3
  elif has ping; then
    out=$(ping -c 1 -W 1 "$1" 2>&1)
    case "$out" in "PING "*"("*")"*) w=${out#*(}; add_addr "${w%%)*}" ;; esac
    [ -n "$addrs" ] && return 0
    case "$out" in *"bad address"*|*"unknown host"*|*"not known"*) return 2 ;; esac
    return 3
  fi
  return 4
}
'''

# $1 method, $2 port or ports (comma-separated, tcp), $3 timeout (s), $4 the indexes whose
# names this pod resolves with the full resolver, comma-separated (icmp; see
# full_resolves), then triples: index short-name fqdn. Each probe prints, for icmp and dns and for a name that did not
# resolve: R <index> <code> <latency> <addrs|-> <detail...>; for tcp, one line per port:
# R <index>:<port> ... The latency is microseconds, or <ms>ms as ping prints it. A pair
# that got no answer in time is probed again, and its new lines follow (the last line of
# a pair counts). Last: T <start-us> <end-us> (when the script ran) and DONE.
#
# Why it is shaped this way (measured on a 32-pod job on one node, see
# benchmarks/ping_scale.py): a probe per peer all at once, each forking a dozen
# processes, kept the CPUs busy for seconds, so answers waited; and a full mesh on one
# node needs a neighbour (ARP) entry per pair, more than the kernel's default table holds
# (gc_thresh3 = 1024 entries shared by every network namespace of the node), so some ARP
# requests went unanswered. Hence at most $par probes in flight per pod, few forks per
# probe (with icmp, ping resolves the name itself: one process per probe, not a resolver
# and a ping; 1.4 ms of CPU instead of 2.2 ms on busybox), and a second pass, $hold s
# later, for the pairs that timed out (a reply lost to a busy CPU or socket), which
# resolves them fully. A full neighbour table does not clear in seconds (the kernel
# keeps every entry used in the last 5 s), so that is not retried away: the probe says
# `no-arp-reply` when its ARP request went unanswered, and `ping` explains the table.
PROBE_PARALLELISM = 8  # probes in flight per pod
RETRY_HOLD = 1  # seconds before the second pass
PROBE_SCRIPT = r'''
set -f  # no pathname expansion of anything a resolver printed
method=$1; ports=$2; to=$3; full=",$4,"; shift 4
'''+f"par={PROBE_PARALLELISM}; hold={RETRY_HOLD}\n"+_RESOLVE+r'''
fast=""; [ "$method" = icmp ] && has ping && fast=1  # the first pass lets ping resolve
no_arp() {  # $1 address: true when this pod asked it for its MAC (ARP) and got no answer
  while read -r ip _ flags _; do
    [ "$ip" = "$1" ] && { [ "$flags" = 0x0 ]; return; }
  done 2>/dev/null </proc/net/arp
  return 1  # no entry: routed through a gateway (or the kernel could not make one)
}
timed_out() {  # $1 what to print for a probe that got no answer in time
  if no_arp "$first"; then echo "$1 no-arp-reply"; else echo "$1 -"; fi
}
ping_code() {  # code and lat from ping's $out and $rc
  lat=""
  case "$out" in *time=*|*"time<"*) lat=${out#*time[=<]}; lat=${lat%%[!0-9.]*} ;; esac
  if [ $rc -eq 0 ] && [ -n "$lat" ]; then code=ok; lat=${lat}ms; return; fi
  case "$out" in
    *"not permitted"*|*"ermission denied"*) code=no-permission ;;
    *nreachable*) code=unreachable ;;
    *) code=timeout ;;
  esac
}
ping_once() {  # the address $first; sets code and lat
  out=$(ping -c 1 -W "$to" "$first" 2>&1); rc=$?
  ping_code
}
ping_name() {  # ping resolves $short itself: one process for DNS and echo. Sets addrs,
  # first, code and lat; false when ping did not say which address (it could not resolve,
  # or died before its first line): then the full resolver decides. A lost DNS answer
  # costs glibc's resolver 5 s by default; here 1 s (twice), then the full resolver asks.
  out=$(RES_OPTIONS="${RES_OPTIONS:+$RES_OPTIONS }timeout:1 attempts:2" \
        ping -c 1 -W "$to" "$short" 2>&1); rc=$?
  addrs=""
  case "$out" in "PING "*"("*")"*) w=${out#*(}; add_addr "${w%%)*}" ;; esac
  [ -n "$addrs" ] || return 1
  first=$addrs
  ping_code
}
icmp_line() {  # the R line of an icmp probe from code, lat and list
  case $code in
    ok) echo "R $i ok $lat $list -" ;;
    no-permission) echo "R $i no-permission - $list ping needs CAP_NET_RAW" ;;
    timeout) timed_out "R $i timeout - $list" ;;
    *) echo "R $i $code - $list -" ;;
  esac
}
connect_once() {  # $1 port; sets code and lat
  t1=$(now_us)
  if has nc; then
    out=$(nc -w "$to" "$first" "$1" </dev/null 2>&1); rc=$?
  elif has bash; then
    out=$(timeout "$to" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$first" "$1" 2>&1); rc=$?
  else
    code=no-tool; return
  fi
  t2=$(now_us); lat=$((t2 - t1))
  if [ $rc -eq 0 ]; then code=ok; return; fi
  case "$out" in
    *efused*) code=refused ;;
    *nreachable*|*"No route"*) code=unreachable ;;
    *) code=timeout ;;
  esac
}
probe() {
  i=$1; short=$2; fqdn=$3
  if [ -n "$fast" ]; then  # icmp, first pass, not one of the names to resolve fully
    case $full in *",$i,"*) ;; *) ping_name && { list=$first; icmp_line; return; } ;; esac
  fi
  [ "$method" = dns ] && t0=$(now_us)
  resolve "$short" "$fqdn"; rc=$?
  # One retry on a DNS timeout: a lost UDP answer is not a broken peer.
  [ $rc -eq 3 ] && { [ "$method" = dns ] && t0=$(now_us); resolve "$short" "$fqdn"; rc=$?; }
  case $rc in
    2) echo "R $i nxdomain - - $short"; return ;;
    3) echo "R $i dns-timeout - - $short"; return ;;
    4) echo "R $i no-tool - - getent/nslookup/ping"; return ;;
  esac
  list=""; for a in $addrs; do list="${list:+$list,}$a"; done
  first=${addrs%% *}
  case $method in
  dns) t1=$(now_us); echo "R $i ok $((t1 - t0)) $list -" ;;
  icmp)
    has ping || { echo "R $i no-tool - $list ping"; return; }
    ping_once; icmp_line ;;
  tcp)
    IFS=,; set -- $ports; IFS=' 	
'
    for p; do
      connect_once "$p"
      case $code in
        ok) echo "R $i:$p ok $lat $list -" ;;
        no-tool) echo "R $i:$p no-tool - $list nc/bash" ;;
        timeout) timed_out "R $i:$p timeout - $list" ;;
        *) echo "R $i:$p $code - $list -" ;;
      esac
    done ;;
  esac
}
pass() {  # probe the triples in $@, at most $par at once (waiting for the oldest)
  running=""; n=0
  while [ $# -ge 3 ]; do
    probe "$1" "$2" "$3" &
    running="${running:+$running }$!"; n=$((n + 1)); shift 3
    [ $n -lt $par ] && continue
    oldest=${running%% *}
    case $running in *" "*) running=${running#* } ;; *) running="" ;; esac
    wait "$oldest"; n=$((n - 1))
  done
  wait
}
start=$(now_us)
out=$(pass "$@")
echo "$out"
late=" "  # the indexes that got no answer in time (DNS was tried twice already)
for w in $out; do
  case $w in timeout) late="$late$id " ;; esac
  id=${w%%:*}
done
again=""
while [ $# -ge 3 ]; do
  case $late in *" $1 "*) again="$again $1 $2 $3" ;; esac
  shift 3
done
if [ -n "$again" ]; then sleep "$hold"; fast=""; set -- $again; pass "$@"; fi
echo "T $start $(now_us)"
echo "DONE"
'''


# $1 overall timeout (s), $2 job name (empty: $IJOB_JOB_NAME, a CronJob run's name),
# $3 service, $4 namespace, $5 cluster domain, $6 completions. The names are generated
# here from the count, so the Job stays small at any size. A retried index (the Job
# controller's per-index failure counts, from the downward API) does not wait: the gang
# started before, and peers that finished have left DNS for good. Retries NXDOMAIN too
# (negative caching can hide a peer for up to the cache TTL), backing off 1, 2, 4, 5 s.
WAIT_SCRIPT = r'''
limit=$1; job=${2:-$IJOB_JOB_NAME}; svc=$3; ns=$4; domain=$5; n=$6
tries=0  # digits only: an annotation is never evaluated as shell arithmetic
for f in "$IJOB_INDEX_FAILURES" "$IJOB_INDEX_IGNORED_FAILURES"; do
  case "$f" in ""|*[!0-9]*) ;; *) tries=$((tries + f)) ;; esac
done
if [ "$tries" -gt 0 ]; then
  echo "index ${JOB_COMPLETION_INDEX:-?} attempt $((tries + 1)): peers started before; not waiting for them"
  exit 0
fi
'''+_RESOLVE+r'''
start=$(date +%s); delay=1; i=0
while [ "$i" -lt "$n" ]; do
  short="$job-$i.$svc"
  resolve "$short" "$short.$ns.svc.$domain" >/dev/null; rc=$?
  if [ $rc -eq 0 ]; then echo "peer $short resolves"; i=$((i + 1)); delay=1; continue; fi
  [ $rc -eq 4 ] && { echo "no getent, nslookup or ping in this image: cannot wait for peers" >&2; exit 1; }
  if [ $(( $(date +%s) - start )) -ge "$limit" ]; then
    echo "timed out after ${limit}s waiting for peer $short to resolve" >&2; exit 1
  fi
  sleep $delay; delay=$((delay * 2)); [ $delay -gt 5 ] && delay=5
done
echo "all $n peers resolve"
'''


@dataclass(frozen=True)
class Method:
    """What to probe: dns only, ICMP echo, or a TCP connect to each of some ports."""

    kind: str
    ports: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.ports, int):  # Method("tcp", 80)
            object.__setattr__(self, "ports", (self.ports,))

    def __str__(self) -> str:
        return f"tcp:{','.join(map(str, self.ports))}" if self.kind == "tcp" else self.kind


MAX_PORTS = 16  # each port is one more connect per pair


def parse_method(text: str) -> Method:
    """`icmp`, `dns` or `tcp:PORT[,PORT...]` (repeated ports count once)."""
    kind, sep, ports = text.partition(":")
    if kind not in METHODS or (kind == "tcp") != bool(sep):
        raise usage(f"invalid --method {text!r}: use icmp, dns or tcp:PORT[,PORT...]")
    if kind != "tcp":
        return Method(kind)
    if not ports:
        raise usage(f"invalid --method {text!r}: tcp needs a port, e.g. tcp:8080")
    parsed = tuple(dict.fromkeys(parse_port(x, "--method port") for x in ports.split(",")))
    if len(parsed) > MAX_PORTS:
        raise usage(f"invalid --method {text!r}: at most {MAX_PORTS} ports")
    return Method("tcp", parsed)


@dataclass
class Peer:
    """One index that can be probed: its running pod and its DNS names."""

    index: int
    pod: str
    ip: Optional[str]
    short: str
    fqdn: str


DNS_WORST = 10  # seconds one resolver call may take (nslookup's own timeout and retry)


def exec_deadline(targets: int, ports: int, timeout: int) -> int:
    """How long one pod's probe script may run: ceil(targets / PROBE_PARALLELISM) rounds of
    probes that resolve three times at worst (ping's own, then the resolver's two) and wait `timeout` per port, a second pass that
    only waits again, and the exec's own set-up."""
    rounds = -(-max(targets, 1) // PROBE_PARALLELISM)
    wait = max(ports, 1) * timeout
    return rounds * (3 * DNS_WORST + 2 * wait) + RETRY_HOLD + 20


def full_resolves(targets: list[int], position: int, sources: int) -> list[int]:
    """The targets the source at `position` (of `sources`) resolves with the full resolver.

    With icmp, ping resolves each name itself (one process per probe instead of two); it
    shows only the first address, so a name with several (a replacement pod next to an
    old one) would go unseen. Spread over the sources, every name is still resolved fully
    once per run, and every pair that failed is resolved fully in the second pass."""
    return targets[position::max(sources, 1)]


def probe_command(method: Method, timeout: int, peers: list[Peer],
                  full: Optional[list[int]] = None) -> list[str]:
    """The exec argv for one source pod: sh -c SCRIPT with names as arguments; `full`: the
    indexes to resolve with the full resolver (None: all of them)."""
    checks = [p.index for p in peers] if full is None else full
    argv = ["sh", "-c", PROBE_SCRIPT, "ijob-probe", method.kind,
            ",".join(map(str, method.ports)) or "0", str(timeout),
            ",".join(str(int(i)) for i in checks) or "-"]
    for p in peers:
        argv += [str(int(p.index)), check_probe_name(p.short), check_probe_name(p.fqdn)]
    return argv


FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count"
IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count"


def wait_container(image: Optional[str], job: str, service: str, namespace: str, domain: str,
                   completions: int, timeout: int) -> dict[str, Any]:
    """The init container that blocks until every peer name resolves (first attempts only).

    An empty `job` means the run's name comes from $IJOB_JOB_NAME (a CronJob's runs)."""
    check_probe_name(f"{job or 'j'}-0.{service}.{namespace}.svc.{domain}")
    env = [{"name": name, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{key}']"}}}
           for name, key in (("IJOB_INDEX_FAILURES", FAILURE_COUNT),
                             ("IJOB_INDEX_IGNORED_FAILURES", IGNORED_FAILURE_COUNT))]
    return {"name": "ijob-wait-for-peers", "image": image, "env": env,
            "command": ["sh", "-c", WAIT_SCRIPT, "ijob-wait", str(timeout), job, service, namespace,
                        domain, str(completions)]}
