"""Reading kubeconfig files as client-go does: its refusals in its words, its merge.

The wording was taken from real kubectl (tests/parity runs it beside the plugin);
these rows pin it without kubectl, on every interpreter."""
from __future__ import annotations

import pytest
import yaml

from kubectl_ijob.client.kubeconfig import load
from kubectl_ijob.errors import UsageError

GO = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'


@pytest.mark.parametrize("text,problem", [
    ("- a\n", f"couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type {GO}"),
    ("current-context: true\n", "json: cannot unmarshal bool into Go struct field Config.current-context of type string"),
    ("clusters:\n- name: c\n  cluster: {insecure-skip-tls-verify: 'true'}\n",
     "json: cannot unmarshal string into Go struct field Cluster.clusters.cluster.insecure-skip-tls-verify of type bool"),
    ("users:\n- name: u\n  user: {token: 12}\n",
     "json: cannot unmarshal number into Go struct field AuthInfo.users.user.token of type string"),
    ("clusters:\n- name: c\n  cluster: {certificate-authority-data: '!!!'}\n", "illegal base64 data at input byte 0"),
    ("users:\n- {name: u, user: {}}\n- {name: u, user: {}}\n",
     'error converting *[]NamedAuthInfo into *map[string]*api.AuthInfo: duplicate name "u" in list'),
    ("extensions:\n- {name: e}\n- {name: e}\n",
     'error converting *[]NamedExtension into *map[string]runtime.Object: duplicate name "e" in list'),
    ("apiVersion: v1\nkind: Config\nclusters: [\n  - name: c\n   x: y: z\n",
     "yaml: line 3: did not find expected node content"),  # go-yaml's line, as kubectl said
])
def test_refusals_in_kubectls_words(tmp_path, text, problem):
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(UsageError) as e:
        load(str(path))
    assert e.value.message == f'error loading config file "{path}": {problem}'


def test_merge_first_entry_wins_whole_and_paths_resolve_per_file(tmp_path, monkeypatch):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = tmp_path / "one" / "config"
    second = tmp_path / "two" / "config"
    first.write_text(yaml.safe_dump({"clusters": [{"name": "c", "cluster": {
        "server": "https://one", "certificate-authority": "../ca"}}]}))
    second.write_text(yaml.safe_dump({"current-context": "x", "clusters": [{"name": "c", "cluster": {
        "server": "https://two", "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"tokenFile": "tok"}}]}))
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{first}:{second}:{first}")
    merged = load(None)
    assert merged.clusters == {"c": {"server": "https://one",
                                     "certificate-authority": str(tmp_path / "ca")}}
    assert merged.users == {"u": {"tokenFile": str(tmp_path / "two" / "tok")}}
    assert (merged.current, merged.files) == ("x", [str(first), str(second)])


def test_an_explicit_file_must_exist_others_may_not(tmp_path, monkeypatch):
    with pytest.raises(UsageError, match=r"^stat .*nope: no such file or directory$"):
        load(str(tmp_path / "nope"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nope"))
    assert load(None).files == []
