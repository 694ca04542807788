"""Pure: the in-pod shell scripts of `ping` and --wait-for-peers, and their argv.

`ping` runs ONE exec per source pod. Inside it, a POSIX sh script probes every peer
concurrently (background jobs + wait), so wall time stays near one exec round trip
plus the probe timeout instead of growing with N x N. The script only ever receives
validated DNS names and numbers as positional arguments (never spliced into its
text), and it picks whatever tools the image has: getent or nslookup or ping for DNS,
ping for ICMP, nc or bash's /dev/tcp for TCP, and says which tool was missing
rather than reporting the peer unreachable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from kubectl_ijob.domain.inputs import parse_port
from kubectl_ijob.domain.names import check_probe_name
from kubectl_ijob.errors import usage

METHODS = ("icmp", "dns", "tcp")

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
