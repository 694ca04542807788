"""client-go's own loader tests, ported as parity rows.

From kubernetes/kubernetes staging/src/k8s.io/client-go/tools/clientcmd:
loader_test.go (TestNonExistentCommandLineFile, TestToleratingMissingFiles,
TestErrorReadingFile, TestErrorReadingNonFile, TestConflictingCurrentContext,
TestDuplicate{Cluster,Context,User,Extension}Name, TestResolveRelativePaths,
Example_noMergingOnExplicitPaths, Example_mergingSomeWithConflict,
Example_mergingEverythingNoConflicts, TestDeduplicate, TestLoadingGetLoadingPrecedence)
and client_config_test.go (TestCreateCleanWithPrefix, TestProxyURL, TestBasicTokenFile,
TestPrecedenceTokenFile, TestCertificateData, TestBasicAuthData, TestMergeContext,
TestCreateMissingContext, TestTLSServerName). Rows the other tables already cover are
not repeated (their names are in those tables); the Go tests assert the loaded
rest.Config, these assert what kubectl built from it sends, beside the plugin.
Tests about writing kubeconfigs, migration, locking, exec/auth-provider and
command-line overrides the plugin does not have (--server, --token, ...) do not apply.
"""
from __future__ import annotations

from pathlib import Path

from tests.parity.cases import TOKEN, case, tls
from tests.parity.harness import Setup, World, config


@case("clientcmd-duplicate-extension-name")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN, extensions=[
        {"name": "test-extension", "extension": {"bytes": "test"}},
        {"name": "test-extension", "extension": {"bytes": "some-example"}}])
    return Setup(["--kubeconfig", str(path)])


@case("clientcmd-conflicting-current-context")
def _(w: World, d: Path) -> Setup:
    """The first file's current-context wins over a later file's."""
    first = config(d, "first", clusters=tls(w), users=TOKEN, current="federal-context",
                   contexts=[("federal-context", {"cluster": "c", "user": "u"})])
    second = config(d, "second", clusters=[("c2", tls(w, server=w.b.url()))],
                    users=[("u2", {"token": "tok-2"})], current="a-different-context",
                    contexts=[("a-different-context", {"cluster": "c2", "user": "u2"})])
    return Setup(env={"KUBECONFIG": f"{first}:{second}"})


@case("clientcmd-no-merging-on-explicit-paths")
def _(w: World, d: Path) -> Setup:
    """--kubeconfig is read alone: the KUBECONFIG file's current-context is not used."""
    explicit = config(d, "explicit", clusters=[("cow-cluster", tls(w))],
                      users=[("red-user", {"token": "red-token"})], current=None,
                      contexts=[("federal-context", {"cluster": "cow-cluster", "user": "red-user",
                                                     "namespace": "hammer-ns"})])
    env = config(d, "env", clusters=[("cow-cluster", tls(w, server=w.b.url()))],
                 users=[("red-user", {"token": "a-different-red-token"})],
                 contexts=[], current="federal-context")
    return Setup(["--kubeconfig", str(explicit)], {"KUBECONFIG": str(env)})


@case("clientcmd-merging-some-with-conflict")
def _(w: World, d: Path) -> Setup:
    """A name defined in both files: the whole first entry wins, field by field nothing
    of the second (its insecure-skip-tls-verify and server) leaks in."""
    first = config(d, "first", clusters=[("cow-cluster", tls(w))],
                   users=[("red-user", {"token": "red-token"})], current=None,
                   contexts=[("federal-context", {"cluster": "cow-cluster", "user": "red-user",
                                                  "namespace": "hammer-ns"})])
    second = config(d, "second", users=[("red-user", {"token": "a-different-red-token"}),
                                        ("yellow-user", {"token": "yellow-token"})],
                    clusters=[("cow-cluster", {"server": w.b.url(), "insecure-skip-tls-verify": True,
                                               "disable-compression": True})],
                    contexts=[], current="federal-context")
    return Setup(env={"KUBECONFIG": f"{first}:{second}"})


@case("clientcmd-merging-everything-no-conflicts")
def _(w: World, d: Path) -> Setup:
    """Four files, each with its own names; --context picks the third file's context."""
    names = [("cow", "red", "federal-context", "hammer-ns"), ("pig", "black", "queen-anne-context", "saw-ns"),
             ("horse", "green", "shaker-context", "chisel-ns"), ("chicken", "blue", "gothic-context", "plane-ns")]
    files = []
    for i, (cluster, user, ctx, ns) in enumerate(names):
        server = w.b.url() if cluster == "horse" else w.a.url()
        files.append(str(config(d, f"f{i}", clusters=[(f"{cluster}-cluster", tls(w, server=server))],
                                users=[(f"{user}-user", {"token": f"{user}-token"})], current=None,
                                contexts=[(ctx, {"cluster": f"{cluster}-cluster", "user": f"{user}-user",
                                                 "namespace": ns})])))
    return Setup(["--context", "shaker-context"], {"KUBECONFIG": ":".join(files)})


@case("clientcmd-deduplicate-kubeconfig-entries")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN)
    return Setup(env={"KUBECONFIG": f"{path}:{path}:{path}"})


@case("clientcmd-resolve-relative-paths")
def _(w: World, d: Path) -> Setup:
    """Relative paths resolve against the file that defines them, `..` included."""
    dir1, dir2 = d / "one", d / "two" / "sub"
    (d / "relative").mkdir()
    (d / "relative" / "ca").write_text(w.pki.ca.cert_pem)
    (dir2 / "relative" / "client").mkdir(parents=True)
    (dir2 / "relative" / "client" / "cert").write_text(w.pki.client.cert_pem)
    (d / "two" / "relative" / "client").mkdir(parents=True)
    (d / "two" / "relative" / "client" / "key").write_text(w.pki.client.key_pem)
    first = config(dir1, ".kubeconfig", users=[],
                   clusters=[("relative-server-1", {"server": w.a.url(),
                                                    "certificate-authority": "../relative/ca"})],
                   contexts=[("x", {"cluster": "relative-server-1", "user": "relative-user-2"})])
    second = config(dir2, ".kubeconfig", clusters=[], contexts=[], current=None,
                    users=[("relative-user-2", {"client-certificate": "relative/client/cert",
                                                "client-key": "../relative/client/key"})])
    return Setup(env={"KUBECONFIG": f"{first}:{second}"})


@case("clientcmd-create-clean-with-prefix-and-slashes")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w, server=w.a.url() + "/prefix/"), users=TOKEN)
    return Setup(["--kubeconfig", str(path)])


@case("clientcmd-proxy-url-not-a-url")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w, **{"proxy-url": "chewbacca@example.com"}), users=TOKEN)
    return Setup(["--kubeconfig", str(path)])


@case("clientcmd-proxy-url-socks5-example")
def _(w: World, d: Path) -> Setup:
    """socks5://host without a port: kubectl uses 1080; nothing listens here, so both
    fail to connect - but neither may refuse the URL."""
    path = config(d, clusters=tls(w, server=w.a.url("a.parity.test"),
                                  **{"proxy-url": "socks5://127.0.0.1"}), users=TOKEN)
    return Setup(["--kubeconfig", str(path)])


@case("clientcmd-merge-context-namespace-flag")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN,
                  contexts={"cluster": "c", "user": "u", "namespace": "ctx-ns"})
    return Setup(["--kubeconfig", str(path), "--namespace", "overridden-namespace"])
