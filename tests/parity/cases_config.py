"""Parity cases about choosing: names, contexts, files, namespaces."""
from __future__ import annotations

from pathlib import Path

from tests.parity.cases import TOKEN, case, one, tls
from tests.parity.harness import Setup, World, config

# ---------------------------------------------------------------- names and contexts


@case("duplicate-cluster-name")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=[("c", tls(w)), ("c", tls(w, server=w.b.url()))], users=TOKEN)
    return Setup(["--kubeconfig", str(path)])


@case("duplicate-user-name")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=[("u", TOKEN), ("u", {"token": "tok-2"})])
    return Setup(["--kubeconfig", str(path)])


@case("duplicate-context-name")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN,
                  contexts=[("x", {"cluster": "c", "user": "u"}),
                            ("x", {"cluster": "c", "user": "u", "namespace": "other"})])
    return Setup(["--kubeconfig", str(path)])


@case("duplicate-names-unused")
def _(w: World, d: Path) -> Setup:
    """Duplicates of entries the current context does not use."""
    path = config(d, clusters=[("c", tls(w)), ("z", tls(w)), ("z", tls(w))], users=TOKEN)
    return Setup(["--kubeconfig", str(path)])


@case("no-current-context")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN, current=None)
    return Setup(["--kubeconfig", str(path)])


@case("current-context-not-found")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN, current="nope")
    return Setup(["--kubeconfig", str(path)])


@case("context-flag")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=[("c", tls(w)), ("c2", tls(w, server=w.b.url()))],
                  users=[("u", TOKEN), ("u2", {"token": "tok-2"})],
                  contexts=[("x", {"cluster": "c", "user": "u"}),
                            ("ctx-y", {"cluster": "c2", "user": "u2", "namespace": "ns-y"})])
    return Setup(["--kubeconfig", str(path), "--context", "ctx-y"])


@case("context-flag-not-found")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN)
    return Setup(["--kubeconfig", str(path), "--context", "nope"])


@case("cluster-flag")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=[("c", tls(w)), ("c2", tls(w, server=w.b.url()))], users=TOKEN)
    return Setup(["--kubeconfig", str(path), "--cluster", "c2"])


@case("user-flag")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=[("u", TOKEN), ("u2", {"token": "tok-2"})])
    return Setup(["--kubeconfig", str(path), "--user", "u2"])


@case("context-names-missing-cluster")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), TOKEN, cluster="nope")


@case("context-names-missing-user")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), TOKEN, user="nope")


@case("context-without-user")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN, contexts={"cluster": "c"})
    return Setup(["--kubeconfig", str(path)])


# ---------------------------------------------------------------- files


@case("kubeconfig-env-merge-first-wins")
def _(w: World, d: Path) -> Setup:
    first = config(d, "first", clusters=tls(w), users=TOKEN)
    second = config(d, "second", clusters=tls(w, server=w.b.url()), users={"token": "tok-2"},
                    contexts={"cluster": "c", "user": "u", "namespace": "ns-2"}, current="ctx-y")
    return Setup(env={"KUBECONFIG": f"{first}:{second}"})


@case("kubeconfig-env-current-context-from-second")
def _(w: World, d: Path) -> Setup:
    first = config(d, "first", clusters=tls(w), users=TOKEN, current=None,
                   contexts=[("x", {"cluster": "c", "user": "u"})])
    second = config(d, "second", clusters=[("c2", tls(w, server=w.b.url()))],
                    users=[("u2", {"token": "tok-2"})],
                    contexts=[("ctx-y", {"cluster": "c2", "user": "u2"})], current="ctx-y")
    return Setup(env={"KUBECONFIG": f"{first}:{second}"})


@case("kubeconfig-env-entries-from-both-files")
def _(w: World, d: Path) -> Setup:
    """The context in one file, its cluster and user in the other."""
    first = config(d, "first", contexts={"cluster": "c", "user": "u", "namespace": "split"})
    second = config(d, "second", clusters=tls(w), users=TOKEN, contexts=[], current=None)
    return Setup(env={"KUBECONFIG": f"{first}:{second}"})


@case("kubeconfig-env-missing-files-tolerated")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN)
    return Setup(env={"KUBECONFIG": f"{d / 'missing-1'}::{path}:{d / 'missing-2'}"})


@case("kubeconfig-env-all-missing")
def _(w: World, d: Path) -> Setup:
    return Setup(env={"KUBECONFIG": f"{d / 'bogus1'}:{d / 'bogus2'}"})


@case("kubeconfig-env-relative")
def _(w: World, d: Path) -> Setup:
    (d / "rel" / "pki").mkdir(parents=True)
    (d / "rel" / "pki" / "ca.crt").write_text(w.pki.ca.cert_pem)
    config(d / "rel", clusters={"server": w.a.url(), "certificate-authority": "pki/ca.crt"},
           users=TOKEN)
    return Setup(env={"KUBECONFIG": "rel/config"})


@case("kubeconfig-flag-relative")
def _(w: World, d: Path) -> Setup:
    (d / "rel").mkdir()
    (d / "rel" / "ca.crt").write_text(w.pki.ca.cert_pem)
    config(d / "rel", clusters={"server": w.a.url(), "certificate-authority": "./ca.crt"},
           users=TOKEN)
    return Setup(["--kubeconfig", "rel/config"])


@case("kubeconfig-flag-beats-env")
def _(w: World, d: Path) -> Setup:
    env_file = config(d, "env", clusters=tls(w), users=TOKEN)
    flag_file = config(d, "flag", clusters=tls(w, server=w.b.url()), users={"token": "tok-2"})
    return Setup(["--kubeconfig", str(flag_file)], {"KUBECONFIG": str(env_file)})


@case("kubeconfig-flag-missing-file")
def _(w: World, d: Path) -> Setup:
    return Setup(["--kubeconfig", str(d / "bogus_file")])


@case("kubeconfig-not-yaml")
def _(w: World, d: Path) -> Setup:
    (d / "bogus").write_text("bogus value")
    return Setup(["--kubeconfig", str(d / "bogus")])


@case("kubeconfig-is-a-directory")
def _(w: World, d: Path) -> Setup:
    (d / "dir").mkdir()
    return Setup(["--kubeconfig", str(d / "dir")])


@case("home-kube-config")
def _(w: World, d: Path) -> Setup:
    config(d / "home" / ".kube", clusters=tls(w), users=TOKEN)
    return Setup()


@case("empty-kubeconfig-env-means-home")
def _(w: World, d: Path) -> Setup:
    config(d / "home" / ".kube", clusters=tls(w), users=TOKEN)
    return Setup(env={"KUBECONFIG": ""})


# ---------------------------------------------------------------- namespaces


@case("namespace-from-context")
def _(w: World, d: Path) -> Setup:
    return one(d, tls(w), TOKEN, namespace="team-a")


@case("namespace-flag-beats-context")
def _(w: World, d: Path) -> Setup:
    s = one(d, tls(w), TOKEN, namespace="team-a")
    s.args += ["-n", "team-b"]
    return s


@case("kubeconfig-yaml-syntax-error")
def _(w: World, d: Path) -> Setup:
    (d / "broken").write_text("apiVersion: v1\nkind: Config\nclusters: [\n  - name: c\n   x: y: z\n")
    return Setup(["--kubeconfig", str(d / "broken")])


@case("kubeconfig-list-document")
def _(w: World, d: Path) -> Setup:
    (d / "list").write_text("- a\n- b\n")
    return Setup(["--kubeconfig", str(d / "list")])


@case("kubeconfig-empty-file")
def _(w: World, d: Path) -> Setup:
    (d / "empty").write_text("")
    return Setup(["--kubeconfig", str(d / "empty")])


@case("cluster-flag-not-found")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN)
    return Setup(["--kubeconfig", str(path), "--cluster", "nope"])


@case("user-flag-not-found")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN)
    return Setup(["--kubeconfig", str(path), "--user", "nope"])


@case("cluster-and-user-flags-not-found")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=tls(w), users=TOKEN)
    return Setup(["--kubeconfig", str(path), "--cluster", "nope", "--user", "nope"])


@case("cluster-flag-without-server")
def _(w: World, d: Path) -> Setup:
    path = config(d, clusters=[("c", tls(w)), ("c2", {"insecure-skip-tls-verify": True})],
                  users=TOKEN)
    return Setup(["--kubeconfig", str(path), "--cluster", "c2"])
