"""A real single-node Kubernetes on this machine, from upstream components, without Docker.

etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kubelet (built from
source by build.py), containerd + runc + CNI bridge from Debian, CoreDNS on the host.
`up` is idempotent and installs the network guard before anything can start a pod;
`down` removes every process, shim, mount, netns, bridge, iptables rule and cgroup.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

from tests.cluster import images, kwok
from tests.cluster.build import K8S_VERSION, binaries, build, missing

BASE = Path(os.environ.get("IJOB_CLUSTER_DIR", "/var/lib/ijob-cluster"))
RUN = Path("/run/ijob-cluster")
ETCD_DATA = Path("/dev/shm/ijob-cluster-etcd")
SOCK = RUN / "containerd" / "containerd.sock"
KUBECONFIG = BASE / "admin.kubeconfig"
NODE = "ijob-node"
BRIDGE = "ijob0"
POD_CIDR = "10.88.0.0/16"
GATEWAY = "10.88.0.1"
# The bridge's own MAC, set once. A Linux bridge whose address was never set takes the lowest
# MAC of its ports, so it changed whenever a pod's veth came or went; pods that had cached the
# gateway's old MAC then lost CoreDNS (and the host) until their ARP entry expired - seconds
# of DNS timeouts for every pod on the node, seen in CI while other tests' pods ended.
GATEWAY_MAC = "02:42:0a:58:00:01"
SERVICE_CIDR = "10.96.0.0/16"
API_PORT = 16443
ETCD_PORT = 23790
GUARD = "IJOB-GUARD"
OCI_RUNTIME = os.environ.get("IJOB_OCI_RUNTIME", "runc")
APT = ["containerd", "runc", "crun", "containernetworking-plugins", "busybox-static", "catatonit",
       "iptables", "conntrack", "openssl", "iproute2"]
TOOLS = {"containerd": "containerd", "runc": "runc", "crun": "crun", "ctr": "containerd", "iptables": "iptables",
         "conntrack": "conntrack", "openssl": "openssl", "catatonit": "catatonit", "ip": "iproute2"}
CGROUPS = Path("/sys/fs/cgroup")


def log(msg: str) -> None:
    print(f"cluster: {msg}", file=sys.stderr, flush=True)


def sh(*cmd: str, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr.strip()}")
    return res


# ---------------------------------------------------------------- packages

def deps() -> None:
    """Install the node runtime from Debian packages when any tool is missing."""
    absent = sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None}
                    | ({"busybox-static"} if not _static_busybox() else set())
                    | ({"containernetworking-plugins"} if not Path("/usr/lib/cni/bridge").exists() else set()))
    if not absent:
        log("packages present")
        return
    log(f"installing {' '.join(absent)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", *APT], check=True, env=env, stdout=subprocess.DEVNULL)


def _static_busybox() -> bool:
    try:
        return b"statically linked" in subprocess.run(["file", "/bin/busybox"], capture_output=True).stdout \
            or "not a dynamic executable" in sh("ldd", "/bin/busybox", check=False).stdout + \
            sh("ldd", "/bin/busybox", check=False).stderr
    except FileNotFoundError:
        return False


# ---------------------------------------------------------------- certificates

def _openssl(*args: str) -> None:
    sh("openssl", *args)


def _cert(name: str, cn: str, org: Optional[str] = None, sans: Optional[list[str]] = None,
          server: bool = False) -> None:
    pki = BASE / "pki"
    if (pki / f"{name}.crt").exists():
        return
    subj = f"/CN={cn}" + (f"/O={org}" if org else "")
    _openssl("genrsa", "-out", str(pki / f"{name}.key"), "2048")
    _openssl("req", "-new", "-key", str(pki / f"{name}.key"), "-subj", subj, "-out", str(pki / f"{name}.csr"))
    ext = pki / f"{name}.ext"
    usage = "serverAuth" if server else "clientAuth"
    lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
             f"extendedKeyUsage={usage}"]
    if sans:
        lines.append("subjectAltName=" + ",".join(sans))
    ext.write_text("\n".join(lines) + "\n")
    _openssl("x509", "-req", "-in", str(pki / f"{name}.csr"), "-CA", str(pki / "ca.crt"),
             "-CAkey", str(pki / "ca.key"), "-CAcreateserial", "-days", "30", "-sha256",
             "-extfile", str(ext), "-out", str(pki / f"{name}.crt"))


def certificates() -> None:
    """One CA, the component client certs, the apiserver serving cert, the SA key pair."""
    pki = BASE / "pki"
    pki.mkdir(parents=True, exist_ok=True)
    if not (pki / "ca.crt").exists():
        # A CA as real clusters have it (key usage set): Python 3.13 refuses one without it
        # by default; tests/parity keeps a CA without key usage to prove the plugin accepts it.
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(pki / "ca.key"),
                 "-out", str(pki / "ca.crt"), "-days", "30", "-subj", "/CN=ijob-test-ca",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign")
    _cert("admin", "kubernetes-admin", "system:masters")
    _cert("controller-manager", "system:kube-controller-manager")
    _cert("scheduler", "system:kube-scheduler")
    _cert("node", f"system:node:{NODE}", "system:nodes")
    _cert("apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters")
    _cert("apiserver", "kube-apiserver", sans=[
        "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc",
        "DNS:kubernetes.default.svc.cluster.local", "DNS:localhost", "IP:127.0.0.1",
        "IP:10.96.0.1", f"IP:{GATEWAY}"], server=True)
    if not (pki / "sa.key").exists():
        _openssl("genrsa", "-out", str(pki / "sa.key"), "2048")
        _openssl("rsa", "-in", str(pki / "sa.key"), "-pubout", "-out", str(pki / "sa.pub"))


def kubeconfig(path: Path, user: str) -> Path:
    """A kubeconfig with embedded credentials for one of the client certs."""
    pki = BASE / "pki"
    b64 = lambda p: base64.b64encode(p.read_bytes()).decode()
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "ijob",
           "clusters": [{"name": "ijob", "cluster": {"server": f"https://127.0.0.1:{API_PORT}",
                                                      "certificate-authority-data": b64(pki / "ca.crt")}}],
           "users": [{"name": user, "user": {"client-certificate-data": b64(pki / f"{user}.crt"),
                                             "client-key-data": b64(pki / f"{user}.key")}}],
           "contexts": [{"name": "ijob", "context": {"cluster": "ijob", "user": user,
                                                      "namespace": "default"}}]}
    path.write_text(json.dumps(doc, indent=2))
    path.chmod(0o600)
    return path


# ---------------------------------------------------------------- host preparation

def guard() -> None:
    """Nothing a pod sends may leave this machine: installed before any pod can exist.

    FORWARD: pod range -> pod range is allowed, everything else from the pod range is
    rejected (there is no NAT: CNI ipMasq is off), and the service range (no kube-proxy)
    is rejected from the host too. IPv6 from the bridge is rejected outright.
    """
    if sh("iptables", "-S", GUARD, check=False, quiet=True).returncode != 0:
        sh("iptables", "-N", GUARD)
    sh("iptables", "-F", GUARD)
    sh("iptables", "-A", GUARD, "-s", POD_CIDR, "-d", POD_CIDR, "-j", "RETURN")
    sh("iptables", "-A", GUARD, "-s", POD_CIDR, "-j", "REJECT", "--reject-with", "icmp-net-unreachable")
    sh("iptables", "-A", GUARD, "-d", SERVICE_CIDR, "-j", "REJECT", "--reject-with", "icmp-net-unreachable")
    for chain in ("FORWARD", "OUTPUT"):
        if sh("iptables", "-C", chain, "-j", GUARD, check=False).returncode != 0:
            sh("iptables", "-I", chain, "1", "-j", GUARD)
    if shutil.which("ip6tables"):
        if sh("ip6tables", "-C", "FORWARD", "-i", BRIDGE, "-j", "REJECT", check=False).returncode != 0:
            sh("ip6tables", "-I", "FORWARD", "1", "-i", BRIDGE, "-j", "REJECT", check=False)


def unguard() -> None:
    for chain in ("FORWARD", "OUTPUT"):
        while sh("iptables", "-D", chain, "-j", GUARD, check=False).returncode == 0:
            pass
    sh("iptables", "-F", GUARD, check=False)
    sh("iptables", "-X", GUARD, check=False)
    if shutil.which("ip6tables"):
        while sh("ip6tables", "-D", "FORWARD", "-i", BRIDGE, "-j", "REJECT", check=False).returncode == 0:
            pass


# The kernel's neighbour (ARP) table is shared by every network namespace on the node, and
# a peer mesh fills it: N pods probing each other need N*(N-1) entries, 1,057 at N=32,
# past Linux's default hard limit of 1,024 (gc_thresh3). A full table silently drops the
# ARP answer and the echo times out: false failures of `ping` at scale. Node images of
# managed Kubernetes raise these for the same reason; the old values return at `down`.
NEIGH_SYSCTLS = {"net.ipv4.neigh.default.gc_thresh1": "4096", "net.ipv4.neigh.default.gc_thresh2": "8192",
                 "net.ipv4.neigh.default.gc_thresh3": "16384"}
SAVED_SYSCTLS = BASE / "host-sysctls.json"


def _sysctl_path(key: str) -> Path:
    return Path("/proc/sys") / key.replace(".", "/")


def tune_host() -> None:
    """Raise the neighbour table limits, keeping the host's own values to restore."""
    if not SAVED_SYSCTLS.exists():
        SAVED_SYSCTLS.write_text(json.dumps({k: _sysctl_path(k).read_text().strip() for k in NEIGH_SYSCTLS}))
    for key, value in NEIGH_SYSCTLS.items():
        _sysctl_path(key).write_text(value)


def untune_host() -> None:
    """Put back the values tune_host() found."""
    try:
        saved = json.loads(SAVED_SYSCTLS.read_text())
    except (OSError, ValueError):
        return
    for key, value in saved.items():
        _sysctl_path(key).write_text(value)
    SAVED_SYSCTLS.unlink()


def host() -> None:
    """Shared mounts, the bridge (CoreDNS and the kubelet bind to its address), cgroups."""
    sh("mount", "--make-rshared", "/")
    tune_host()
    if sh("ip", "link", "show", BRIDGE, check=False).returncode != 0:
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
    if GATEWAY not in sh("ip", "-4", "addr", "show", BRIDGE).stdout:
        sh("ip", "addr", "add", f"{GATEWAY}/16", "dev", BRIDGE)
    sh("ip", "link", "set", BRIDGE, "address", GATEWAY_MAC)
    sh("ip", "link", "set", BRIDGE, "up")
    for sub in CGROUPS.iterdir():
        if not sub.is_dir() or sub.name == "unified" or sub.is_symlink():
            continue
        cg = sub / "kubelet"
        cg.mkdir(exist_ok=True)
        if sub.name.startswith("cpuset") and (sub / "cpuset.cpus").exists():
            for f in ("cpuset.cpus", "cpuset.mems"):
                if not (cg / f).read_text().strip():
                    (cg / f).write_text((sub / f).read_text())


# ---------------------------------------------------------------- processes

def _pidfile(name: str) -> Path:
    return RUN / "pids" / f"{name}.pid"


def running(name: str) -> bool:
    try:
        pid = int(_pidfile(name).read_text())
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/status").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except (OSError, ValueError):
        return False


def start(name: str, argv: list[str]) -> None:
    """Start a component in its own session, logging to BASE/logs/<name>.log."""
    if running(name):
        return
    (BASE / "logs").mkdir(parents=True, exist_ok=True)
    _pidfile(name).parent.mkdir(parents=True, exist_ok=True)
    out = open(BASE / "logs" / f"{name}.log", "ab")
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    _pidfile(name).write_text(str(proc.pid))


def stop(name: str, timeout: float = 15) -> None:
    try:
        pid = int(_pidfile(name).read_text())
    except (OSError, ValueError):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except OSError:
            break
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            if "zombie" in _state(pid):
                break
            time.sleep(0.1)
        if not Path(f"/proc/{pid}").exists():
            break
    _pidfile(name).unlink(missing_ok=True)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "zombie"


def wait_for(what: str, check: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}; logs in {BASE / 'logs'}")


def kubectl_path() -> str:
    """The kubectl built with the server (kubectl supports one minor of skew), else PATH's."""
    built = binaries()["kubectl"]
    return str(built) if os.access(built, os.X_OK) else "kubectl"


def kubectl(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    res = subprocess.run([kubectl_path(), "--kubeconfig", str(KUBECONFIG), *args], capture_output=True, text=True)
    if check and res.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args)}: {res.stderr.strip()}")
    return res


# ---------------------------------------------------------------- components

def control_plane() -> None:
    bins, pki = binaries(), BASE / "pki"
    ETCD_DATA.mkdir(parents=True, exist_ok=True)
    start("etcd", [str(bins["etcd"]), "--name", "ijob", "--data-dir", str(ETCD_DATA),
                   "--listen-client-urls", f"http://127.0.0.1:{ETCD_PORT}",
                   "--advertise-client-urls", f"http://127.0.0.1:{ETCD_PORT}",
                   "--listen-peer-urls", "http://127.0.0.1:23800",
                   "--initial-advertise-peer-urls", "http://127.0.0.1:23800",
                   "--initial-cluster", "ijob=http://127.0.0.1:23800", "--log-level", "warn"])
    start("kube-apiserver", [
        str(bins["kube-apiserver"]), f"--etcd-servers=http://127.0.0.1:{ETCD_PORT}",
        f"--secure-port={API_PORT}", "--bind-address=127.0.0.1", f"--advertise-address={GATEWAY}",
        f"--service-cluster-ip-range={SERVICE_CIDR}", f"--client-ca-file={pki / 'ca.crt'}",
        f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki / 'sa.pub'}",
        f"--service-account-signing-key-file={pki / 'sa.key'}",
        "--authorization-mode=Node,RBAC", "--allow-privileged=true",
        f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
        f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
        "--kubelet-preferred-address-types=InternalIP", "--enable-admission-plugins=NodeRestriction",
        "--endpoint-reconciler-type=none", "--v=1"])
    wait_for("kube-apiserver", lambda: kubectl("get", "--raw", "/readyz").returncode == 0, 120)
    cm = kubeconfig(BASE / "controller-manager.kubeconfig", "controller-manager")
    start("kube-controller-manager", [
        str(bins["kube-controller-manager"]), f"--kubeconfig={cm}",
        f"--authentication-kubeconfig={cm}", f"--authorization-kubeconfig={cm}",
        f"--service-account-private-key-file={pki / 'sa.key'}", f"--root-ca-file={pki / 'ca.crt'}",
        "--use-service-account-credentials=true", f"--cluster-signing-cert-file={pki / 'ca.crt'}",
        f"--cluster-signing-key-file={pki / 'ca.key'}", "--leader-elect=false",
        "--bind-address=127.0.0.1", "--secure-port=0", "--v=1", *CONTROLLER_TUNING])
    sched = kubeconfig(BASE / "scheduler.kubeconfig", "scheduler")
    conf = BASE / "scheduler.yaml"
    conf.write_text(json.dumps(SCHEDULER_CONFIG | {"clientConnection": {
        "kubeconfig": str(sched), **SCHEDULER_CONFIG["clientConnection"]}}, indent=2))
    start("kube-scheduler", [str(bins["kube-scheduler"]), f"--config={conf}", "--secure-port=0", "--v=1"])


# Tuning for thousands of pods (the 1,000-index CI tier, the 10,000-index benchmark).
# The controller-manager's client defaults (20 QPS, burst 30) make the Job controller
# create ~20 pods a second and the EndpointSlice and garbage collectors queue behind it:
# 10,000 pods took 8m39s. 300/600 lets it create pods as fast as this 2-core API server
# takes them; more Job syncs let several big Jobs progress at once. The scheduler's
# defaults (50/100) bind 50 pods a second; 300/600 keeps binding ahead of creation.
CONTROLLER_TUNING = ("--kube-api-qps=300", "--kube-api-burst=600", "--concurrent-job-syncs=10",
                     "--concurrent-service-endpoint-syncs=10", "--concurrent-gc-syncs=40")
SCHEDULER_CONFIG = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
                    "leaderElection": {"leaderElect": False},
                    "clientConnection": {"qps": 300, "burst": 600}}


CONTAINERD_CONFIG = """version = 2
root = "{base}/containerd"
state = "{run}/containerd"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "{sock}"
[ttrpc]
  address = "{sock}.ttrpc"
[debug]
  address = "{sock}.debug"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{pause}"
  enable_selinux = false
  # Root here lacks CAP_SYS_RESOURCE, so negative oom_score_adj (-998 for the sandbox)
  # cannot be written: clamp to containerd's own value, as rootless setups do.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "{oci}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{base}/cni"
"""

CNI = {"cniVersion": "0.4.0", "name": "ijob", "plugins": [
    {"type": "bridge", "bridge": BRIDGE, "isGateway": True, "ipMasq": False, "hairpinMode": True,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": POD_CIDR, "gateway": GATEWAY}]],
              "dataDir": str(BASE / "cni-ipam")}},
    {"type": "loopback"}]}


def runtime() -> None:
    """containerd with its own config, root, state and socket; CNI; the two images."""
    (BASE / "cni").mkdir(parents=True, exist_ok=True)
    (BASE / "cni" / "10-ijob.conflist").write_text(json.dumps(CNI, indent=2))
    conf = BASE / "containerd.toml"
    conf.write_text(CONTAINERD_CONFIG.format(base=BASE, run=RUN, sock=SOCK, pause=images.PAUSE_IMAGE,
                                             oci=shutil.which(OCI_RUNTIME) or OCI_RUNTIME))
    SOCK.parent.mkdir(parents=True, exist_ok=True)
    start("containerd", ["containerd", "--config", str(conf)])
    wait_for("containerd", lambda: sh("ctr", "-a", str(SOCK), "version", check=False).returncode == 0, 60)
    have = sh("ctr", "-a", str(SOCK), "-n", "k8s.io", "images", "ls", "-q").stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        for tag, make in ((images.PAUSE_IMAGE, images.pause_archive),
                          (images.BUSYBOX_IMAGE, images.busybox_archive),
                          (images.SLIM_IMAGE, images.slim_archive)):
            if tag not in have:
                tar = make(Path(tmp) / "image.tar")
                sh("ctr", "-a", str(SOCK), "-n", "k8s.io", "images", "import", "--digests",
                   "--snapshotter=overlayfs", str(tar))


KUBELET_CONFIG = {
    "apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
    "address": GATEWAY, "port": 10250, "readOnlyPort": 0,
    "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True},
                       "x509": {"clientCAFile": str(BASE / "pki" / "ca.crt")}},
    "authorization": {"mode": "Webhook"},
    "cgroupDriver": "cgroupfs", "cgroupRoot": "/kubelet", "failCgroupV1": False, "failSwapOn": False,
    "containerRuntimeEndpoint": f"unix://{SOCK}", "clusterDomain": "cluster.local",
    "clusterDNS": [GATEWAY], "resolvConf": str(BASE / "resolv.conf"),
    "imageGCHighThresholdPercent": 100, "imageGCLowThresholdPercent": 99,
    "evictionHard": {"nodefs.available": "0%", "nodefs.inodesFree": "0%", "imagefs.available": "0%"},
    "serializeImagePulls": False, "localStorageCapacityIsolation": False,
    "makeIPTablesUtilChains": False, "protectKernelDefaults": False,
    "maxPods": 250, "podPidsLimit": -1,
}


def node() -> None:
    (BASE / "resolv.conf").write_text(f"nameserver {GATEWAY}\n")
    conf = BASE / "kubelet.yaml"
    conf.write_text(json.dumps(KUBELET_CONFIG, indent=2))
    kc = kubeconfig(BASE / "node.kubeconfig", "node")
    start("kubelet", [str(binaries()["kubelet"]), f"--config={conf}", f"--kubeconfig={kc}",
                      f"--hostname-override={NODE}", f"--node-ip={GATEWAY}",
                      f"--root-dir={BASE / 'kubelet'}", "--v=1"])


COREFILE = """cluster.local:53 {{
    bind {gw}
    errors
    kubernetes cluster.local {{
        kubeconfig {kc}
        pods insecure
        ttl 5
    }}
}}
.:53 {{
    bind {gw}
    errors
    template ANY ANY {{
        rcode NXDOMAIN
    }}
}}
"""


def dns() -> None:
    """CoreDNS on the bridge gateway: cluster.local only, NXDOMAIN for the rest, no forwarding."""
    corefile = BASE / "Corefile"
    corefile.write_text(COREFILE.format(gw=GATEWAY, kc=KUBECONFIG))
    start("coredns", [str(binaries()["coredns"]), "-conf", str(corefile)])


# ---------------------------------------------------------------- up / down

PROBE_POD = """
apiVersion: v1
kind: Service
metadata: {{name: ijob-dns-check, namespace: default}}
spec: {{clusterIP: None, selector: {{app: ijob-dns-check}}, publishNotReadyAddresses: true}}
---
apiVersion: v1
kind: Pod
metadata: {{name: ijob-dns-check, namespace: default, labels: {{app: ijob-dns-check}}}}
spec:
  hostname: peer
  subdomain: ijob-dns-check
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: {image}
    imagePullPolicy: Never
    command: ["sh", "-c", "for i in $(seq 60); do ping -c 1 -W 1 peer.ijob-dns-check && exit 0; sleep 1; done; exit 1"]
"""


def _server_version() -> Optional[str]:
    """The running API server's gitVersion, or None when it does not answer."""
    res = kubectl("version", "-o", "json")
    try:
        return json.loads(res.stdout)["serverVersion"]["gitVersion"]
    except (ValueError, KeyError):
        return None


def fake_nodes(count: int) -> None:
    """``count`` kwok-managed nodes beside the real one (see tests/cluster/kwok.py)."""
    kwok.create_nodes(kubectl, count)
    start("kwok", kwok.argv(binaries()["kwok"], KUBECONFIG, kwok.config(BASE / "kwok.yaml")))
    ready = "jsonpath={range .items[*]}{.status.conditions[?(@.type=='Ready')].status}{'\\n'}{end}"
    wait_for(f"{count} fake nodes Ready", lambda: kubectl(
        "get", "nodes", "-l", "type=kwok", "-o", ready).stdout.split().count("True") >= count, 120)


def up(fake: int = 0) -> float:
    """Bring everything up (idempotent) with ``fake`` kwok nodes; return seconds to ready."""
    if os.geteuid() != 0:
        raise RuntimeError("the local cluster needs root (containerd, mounts, iptables)")
    running_version = _server_version() if running("kube-apiserver") else None
    if running_version and running_version != K8S_VERSION:  # `up` is idempotent per version only
        log(f"Kubernetes {running_version} is running, {K8S_VERSION} wanted: taking it down first")
        down()
    t0 = time.monotonic()
    phases: list[tuple[str, float]] = []

    def phase(name: str, fn: Callable[[], None]) -> None:
        t = time.monotonic()
        fn()
        phases.append((name, time.monotonic() - t))
        log(f"{name}: {phases[-1][1]:.1f}s")

    phase("packages", deps)
    phase("binaries", lambda: build() if missing() else None)
    RUN.mkdir(parents=True, exist_ok=True)
    BASE.mkdir(parents=True, exist_ok=True)
    phase("network guard", guard)  # before anything that can run a pod
    phase("host", host)
    phase("certificates", certificates)
    kubeconfig(KUBECONFIG, "admin")
    phase("control plane", control_plane)
    phase("containerd + images", runtime)
    phase("coredns", dns)
    phase("kubelet", node)
    phase("node ready", lambda: wait_for("node Ready", lambda: "True" in kubectl(
        "get", "node", NODE, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}").stdout, 180))
    phase("default serviceaccount", lambda: wait_for("default ServiceAccount", lambda: kubectl(
        "get", "serviceaccount", "default", "-n", "default").returncode == 0, 120))
    phase("peer DNS check", dns_check)
    if fake:
        phase(f"{fake} fake nodes (kwok)", lambda: fake_nodes(fake))
    total = time.monotonic() - t0
    log(f"Kubernetes {K8S_VERSION} ready in {total:.1f}s; export KUBECONFIG={KUBECONFIG}")
    return total


def dns_check() -> None:
    """A pod resolves and pings a peer by <hostname>.<subdomain>: the whole path works."""
    kubectl("delete", "pod,service", "ijob-dns-check", "-n", "default", "--wait=true", "--ignore-not-found")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(PROBE_POD.format(image=images.BUSYBOX_IMAGE))
        f.flush()
        kubectl("apply", "-f", f.name, check=True)

    def phase() -> bool:
        p = kubectl("get", "pod", "ijob-dns-check", "-n", "default", "-o", "jsonpath={.status.phase}").stdout
        if p == "Failed":
            raise SystemExit("error: the DNS check pod could not resolve its own peer name")
        return p == "Succeeded"
    wait_for("a pod to resolve a peer by name", phase, 120)
    kubectl("delete", "pod,service", "ijob-dns-check", "-n", "default", "--wait=false")


def status() -> dict[str, bool]:
    names = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "containerd",
             "coredns", "kubelet", "kwok")
    return {n: running(n) for n in names}


def down() -> None:
    """Stop everything and remove every trace on the host."""
    stop("kubelet")
    if SOCK.exists():
        ctr = ["ctr", "-a", str(SOCK), "-n", "k8s.io"]
        for task in sh(*ctr, "tasks", "ls", "-q", check=False).stdout.split():
            sh(*ctr, "tasks", "kill", "-s", "SIGKILL", task, check=False)
        time.sleep(0.5)
        for task in sh(*ctr, "tasks", "ls", "-q", check=False).stdout.split():
            sh(*ctr, "tasks", "delete", "-f", task, check=False)
        for c in sh(*ctr, "containers", "ls", "-q", check=False).stdout.split():
            sh(*ctr, "containers", "delete", c, check=False)
    for name in ("kwok", "coredns", "kube-scheduler", "kube-controller-manager", "kube-apiserver",
                 "containerd", "etcd"):
        stop(name)
    # containerd shims outlive containerd: find them by our socket path.
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "containerd-shim" in cmd and str(RUN) in cmd:
                try:
                    os.kill(int(proc.name), signal.SIGKILL)
                except OSError:
                    pass
    time.sleep(0.5)
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    ours = [m for m in mounts if m.startswith((str(BASE), str(RUN), "/run/netns/cni-", "/var/run/netns/cni-",
                                               "/run/containerd/io.containerd"))]
    for m in sorted(set(ours), key=len, reverse=True):
        sh("umount", "-l", m, check=False)
    for ns in sh("ip", "netns", "list", check=False).stdout.split("\n"):
        name = ns.split(" ")[0]
        if name.startswith("cni-"):
            sh("ip", "netns", "delete", name, check=False)
    sh("ip", "link", "delete", BRIDGE, check=False)
    unguard()
    untune_host()
    for table in ("filter", "nat", "mangle"):
        rules = sh("iptables", "-t", table, "-S", check=False).stdout.splitlines()
        chains = [r.split()[1] for r in rules if r.startswith("-N KUBE-")]
        for r in rules:
            if r.startswith("-A ") and "KUBE-" in r and not r.split()[1].startswith("KUBE-"):
                sh("iptables", "-t", table, *r.replace("-A ", "-D ", 1).split(), check=False)
        for c in chains:
            sh("iptables", "-t", table, "-F", c, check=False)
        for c in chains:
            sh("iptables", "-t", table, "-X", c, check=False)
    for sub in CGROUPS.iterdir():
        cg = sub / "kubelet"
        if cg.is_dir():
            for d in sorted((p for p in cg.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
                try:
                    d.rmdir()
                except OSError:
                    pass
            try:
                cg.rmdir()
            except OSError:
                pass
    shutil.rmtree(ETCD_DATA, ignore_errors=True)
    shutil.rmtree(RUN, ignore_errors=True)
    shutil.rmtree(BASE, ignore_errors=True)
    log("down")


def leftovers() -> list[str]:
    """Anything `down` should have removed, for tests and for `status`."""
    out = [f"process {n}" for n, up_ in status().items() if up_]
    mounts = Path("/proc/mounts").read_text()
    out += [f"mount {m}" for m in (str(BASE), str(RUN)) if m in mounts]
    if sh("ip", "link", "show", BRIDGE, check=False).returncode == 0:
        out.append(f"bridge {BRIDGE}")
    if GUARD in sh("iptables", "-S", check=False).stdout:
        out.append("iptables guard chain")
    out += [f"cgroup {p}" for p in CGROUPS.glob("*/kubelet")]
    out += [f"netns {line.split()[0]}" for line in sh("ip", "netns", "list", check=False).stdout.splitlines()
            if line.startswith("cni-")]
    out += [f"iptables chain {r.split()[1]}" for table in ("filter", "nat", "mangle")
            for r in sh("iptables", "-t", table, "-S", check=False).stdout.splitlines()
            if r.startswith("-N KUBE-")]
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode() if proc.name.isdigit() else ""
        except OSError:
            continue
        if "containerd-shim" in cmd and str(RUN) in cmd:
            out.append(f"shim process {proc.name}")
    return out
