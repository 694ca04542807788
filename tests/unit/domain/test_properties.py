"""Property-based tests: the parsers round-trip, and the name checks agree with Kubernetes.

The reference checks below are written straight from apimachinery's
k8s.io/apimachinery/pkg/util/validation (IsDNS1123Label, IsDNS1035Label,
IsDNS1123Subdomain, IsQualifiedName, IsValidLabelValue) and from
k8s.io/kubernetes/pkg/apis/core/validation (IsEnvVarName), independently of the
plugin's own regular expressions. Go's regexp `$` matches only at the very end of the
text, hence `re.fullmatch` here.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

from kubectl_ijob.domain import inputs, manifests, model, names, peers
from kubectl_ijob.errors import UsageError
from kubectl_ijob.render.errors import error_line
from kubectl_ijob.domain.indexes import format_ranges, parse_intervals, parse_ranges

# The machine may be loaded: no per-example deadline.
settings.register_profile("ijob", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ijob")

# ---------------------------------------------------------------- reference checks (Kubernetes)

DNS1123_LABEL_FMT = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + r")*"
DNS1035_LABEL_FMT = r"[a-z]([-a-z0-9]*[a-z0-9])?"
QUALIFIED_NAME_FMT = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = r"(" + QUALIFIED_NAME_FMT + r")?"
ENV_VAR_NAME_FMT = r"[-._a-zA-Z][-._a-zA-Z0-9]*"


def is_dns1123_label(value: str) -> bool:
    return len(value) <= 63 and re.fullmatch(DNS1123_LABEL_FMT, value) is not None


def is_dns1035_label(value: str) -> bool:
    return len(value) <= 63 and re.fullmatch(DNS1035_LABEL_FMT, value) is not None


def is_dns1123_subdomain(value: str) -> bool:
    return len(value) <= 253 and re.fullmatch(DNS1123_SUBDOMAIN_FMT, value) is not None


def is_qualified_name(value: str) -> bool:
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix or not is_dns1123_subdomain(prefix):
            return False
    else:
        return False
    return 0 < len(name) <= 63 and re.fullmatch(QUALIFIED_NAME_FMT, name) is not None


def is_valid_label_value(value: str) -> bool:
    return len(value) <= 63 and re.fullmatch(LABEL_VALUE_FMT, value) is not None


def is_env_var_name(value: str) -> bool:
    return re.fullmatch(ENV_VAR_NAME_FMT, value) is not None


# ---------------------------------------------------------------- strategies

# The edge characters, plus a few that must never pass (newline, space, slash, colon).
EDGE = "az09-._A"
EDGE_PLUS = EDGE + "/\n :"


def edge_text(alphabet: str = EDGE, max_size: int = 70) -> st.SearchStrategy[str]:
    """Strings of 0..70 characters, biased toward the interesting boundaries."""
    return st.one_of(
        st.text(alphabet=alphabet, min_size=0, max_size=max_size),
        # long runs of one character around the 63 limit
        st.builds(lambda c, n, tail: c * n + tail, st.sampled_from(alphabet),
                  st.integers(55, 70), st.text(alphabet=alphabet, max_size=2)),
    )


def near(fmt: str, alphabet: str = EDGE_PLUS, max_size: int = 70) -> st.SearchStrategy[str]:
    """Mostly-valid strings (from the reference pattern), sometimes mangled, 0..70 long."""
    valid = st.from_regex(re.compile(fmt), fullmatch=True).filter(lambda s: len(s) <= max_size)
    mangled = st.tuples(valid, st.text(alphabet=alphabet, max_size=3), st.integers(0, max_size)) \
        .map(lambda t: t[0][:t[2]] + t[1] + t[0][t[2]:])
    return st.one_of(valid, mangled, edge_text(alphabet, max_size))


def accepts(check, *args) -> bool:
    try:
        check(*args)
    except UsageError as e:
        assert error_line(e).startswith("error: ") and "\n" not in e.message
        return False
    return True


# ---------------------------------------------------------------- index ranges

@given(st.sets(st.integers(min_value=0, max_value=10**6), max_size=300))
def test_ranges_round_trip(indexes):
    assert parse_ranges(format_ranges(indexes)) == sorted(indexes)


def runs_reference(indexes: set[int]) -> str:
    """The Job controller's format: maximal runs; 1 -> `a`, 2 -> `a,b`, 3+ -> `a-b`."""
    parts: list[str] = []
    for i in sorted(indexes):
        if parts and parts[-1][1] == i - 1:
            parts[-1][1] = i
        else:
            parts.append([i, i])
    out = []
    for lo, hi in parts:
        out += [str(lo)] if lo == hi else [str(lo), str(hi)] if hi == lo + 1 else [f"{lo}-{hi}"]
    return ",".join(out)


@given(st.sets(st.integers(min_value=0, max_value=2000), max_size=300))
def test_format_is_canonical(indexes):
    text = format_ranges(indexes)
    assert text == runs_reference(indexes)
    # sorted, disjoint, and a range is only written for runs of three or more
    bounds = [tuple(map(int, p.split("-"))) if "-" in p else (int(p), int(p))
              for p in text.split(",")] if text else []
    assert all(hi >= lo + 2 for lo, hi in bounds if hi != lo)
    assert all(a[1] < b[0] for a, b in zip(bounds, bounds[1:]))
    assert all(b[0] > a[1] + 1 for a, b in zip(bounds, bounds[1:]) if a[0] != a[1] or b[0] != b[1])


@given(st.lists(st.tuples(st.integers(0, 10**5), st.integers(0, 60)), max_size=30), st.randoms())
def test_any_valid_text_normalises_to_the_canonical_form(runs, rnd):
    parts = [f"{a}-{a + n}" if n else str(a) for a, n in runs]
    rnd.shuffle(parts)
    text = " , ".join(parts)
    want = sorted({i for a, n in runs for i in range(a, a + n + 1)})
    assert parse_ranges(text) == want
    assert format_ranges(parse_ranges(text)) == runs_reference(set(want))


@given(st.text(alphabet="0123456789-, x²٣\n", max_size=30), st.integers(1, 10**6))
@example("²", 10)
@example("0-99999999999", 10)
@example("1-", 10)
def test_parse_ranges_never_crashes_and_respects_the_limit(text, limit):
    try:
        got = parse_ranges(text, limit=limit)
    except UsageError as e:
        assert error_line(e).startswith("error: invalid --index ")
        return
    assert got == sorted(set(got)) and all(0 <= i < limit for i in got)


@given(st.integers(10**8, 10**30))
@example(2**31 - 2)
@example(2**31 - 1)
def test_syntax_check_does_not_expand_huge_ranges(hi):
    """`--index 0-<huge>` is checked before the job is read: cheaply, and never expanded."""
    if hi <= 2**31 - 2:  # an index some Job could have (completions is an int32)
        assert parse_intervals(f"0-{hi}") == [(0, hi)]
    else:
        with pytest.raises(UsageError, match="out of range 0-2147483646"):
            parse_intervals(f"0-{hi}")
    with pytest.raises(UsageError, match="out of range 0-99"):
        parse_ranges(f"0-{hi}", limit=100)


# ---------------------------------------------------------------- labels and env

label_keys = near(r"(" + DNS1123_SUBDOMAIN_FMT + r"/)?" + QUALIFIED_NAME_FMT)
label_values = near(LABEL_VALUE_FMT)


@given(st.dictionaries(
    st.from_regex(re.compile(r"(" + DNS1123_SUBDOMAIN_FMT + r"/)?" + QUALIFIED_NAME_FMT),
                  fullmatch=True).filter(is_qualified_name),
    st.from_regex(re.compile(LABEL_VALUE_FMT), fullmatch=True).filter(is_valid_label_value),
    min_size=1, max_size=8))
def test_labels_round_trip(labels):
    text = ",".join(f"{k}={v}" for k, v in labels.items())
    assert inputs.parse_labels(text) == labels


@given(label_keys, label_values)
@example("a\n", "b")
@example("a", "b\n")
@example("example.com/" + "a" * 63, "x")
@example("a" * 254 + "/b", "x")
def test_label_check_agrees_with_kubernetes(key, value):
    want = is_qualified_name(key) and is_valid_label_value(value)
    assert accepts(names.check_label, key, value, "--labels") == want


@given(label_keys)
def test_label_removal_key_agrees_with_kubernetes(key):
    assert accepts(names.check_label, key, None, "label") == is_qualified_name(key)


@given(st.lists(st.tuples(st.from_regex(re.compile(ENV_VAR_NAME_FMT), fullmatch=True),
                          st.text(max_size=40)), max_size=6))
def test_env_round_trip(pairs):
    """Values are anything at all (`=`, `,`, newlines, shell syntax): they stay data."""
    assert inputs.parse_env([f"{k}={v}" for k, v in pairs]) == pairs


@given(near(ENV_VAR_NAME_FMT, alphabet=EDGE_PLUS + "$;"))
@example("A\n")
@example("1A")
def test_env_name_check_agrees_with_kubernetes(name):
    assume("=" not in name)
    assert accepts(inputs.parse_env, [f"{name}=v"]) == is_env_var_name(name)


# ---------------------------------------------------------------- names

@given(near(DNS1123_LABEL_FMT))
@example("a\n")
@example("a" * 63)
@example("a" * 64)
def test_dns1123_label_check_agrees_with_kubernetes(name):
    assert accepts(names.check_dns_label, name, "job name") == is_dns1123_label(name)


@given(near(DNS1035_LABEL_FMT))
@example("1svc")
@example("s\n")
def test_service_name_check_agrees_with_kubernetes(name):
    """Service names are DNS-1035 labels (they must not start with a digit)."""
    spec = manifests.CreateSpec(name="x", namespace="ns", image="i", service=name)
    assert accepts(manifests.validate, spec) == is_dns1035_label(name)


@given(near(DNS1123_LABEL_FMT), st.integers(1, 10**6))
@example("a" * 61, 10)
@example("a" * 61, 11)
@example("a" * 62, 1)
def test_job_name_check_agrees_with_the_api_server(name, completions):
    """A Job name is a DNS subdomain, and an Indexed Job's last hostname a DNS label."""
    want = is_dns1123_subdomain(name) and is_dns1123_label(f"{name}-{completions - 1}")
    assert accepts(manifests.check_job_name, name, completions) == want


@given(near(DNS1123_SUBDOMAIN_FMT, max_size=80))
@example("cluster.local")
@example("cluster.local.")
@example("Cluster.local")
def test_cluster_domain_check_agrees_with_kubernetes(domain):
    assert accepts(names.check_dns_subdomain, domain, "--cluster-domain") == \
        is_dns1123_subdomain(domain)


@given(near(DNS1123_SUBDOMAIN_FMT, alphabet=EDGE_PLUS + ";$`'\"&|()", max_size=80))
def test_probe_names_are_dns_names(name):
    """Only DNS subdomains whose labels fit DNS (63 each) reach a pod's command line."""
    want = is_dns1123_subdomain(name) and all(len(p) <= 63 for p in name.split("."))
    assert accepts(names.check_probe_name, name) == want


# ---------------------------------------------------------------- untrusted text from pods

@given(st.text(alphabet="R -,.0123456789²٣okx\n", max_size=200))
@example("R ² ok 1 - -")
@example("R 1 ok ٣ 10.0.0.1 -")
def test_probe_output_parser_never_crashes(text):
    """The probe's output comes from a pod: any text yields one result per target."""
    res = peers.parse_output(0, text, [0, 1, 2])
    assert [r.target for r in res] == [0, 1, 2]


@given(st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 10**6)))
@example("²")
@example("٣")
def test_pod_index_annotation_never_crashes(value):
    from kubectl_ijob.domain.model import pod_index

    ann = {} if value is None else {model.INDEX_ANNOTATION: value}
    got = pod_index({"metadata": {"annotations": ann}})
    assert got is None or (got >= 0 and got == int(str(value)))
