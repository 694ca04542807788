"""family_pods: the pods of `owners` (owned, detached, orphaned) in one LIST of the Job's
pods plus small LISTs by the complement of its selector - the same pods, in the same
order, as listing every pod three times - with selectors evaluated as the API does."""
from __future__ import annotations

import random
import re

import pytest

from kubectl_ijob.commands.snapshot import family_pods
from kubectl_ijob.domain.model import job_selector
from kubectl_ijob.domain.selectors import complements, matches

from ..fakes import FakeClient
from ..objects import UID, job, pod


def requirement(text: str, labels: dict[str, str]) -> bool:
    """One requirement of a labelSelector string, as the API server evaluates it."""
    m = re.fullmatch(r"(\S+) (in|notin) \((.*)\)", text)
    if m:
        key, op, values = m.group(1), m.group(2), m.group(3).split(",")
        return (labels.get(key) in values) if op == "in" else (labels.get(key) not in values)
    if "!=" in text:
        key, value = text.split("!=")
        return labels.get(key) != value
    if "=" in text:
        key, value = text.split("=")
        return labels.get(key) == value
    return text[1:] not in labels if text.startswith("!") else text in labels


def selects(selector: str, labels: dict[str, str]) -> bool:
    return all(requirement(r.strip(), labels) for r in re.split(r",(?![^()]*\))", selector))


class SelectingClient(FakeClient):
    """Pods listed by label selector (in name order, as the API returns them)."""

    def __init__(self, *objs):
        super().__init__(*objs)
        self.listed: list[tuple[str, int]] = []

    def list_pods(self, selector, namespace=None, view=None):
        pods = sorted((p for (k, _), p in self.objects.items() if k == "Pod"
                       and selects(selector, p["metadata"].get("labels") or {})),
                      key=lambda p: p["metadata"]["name"])
        self.listed.append((selector, len(pods)))
        return [view(p) for p in pods] if view else pods


def three_lists(client: SelectingClient, selectors: list[str]) -> list[dict]:
    """What owners read before: every selector's LIST, each pod once (first place, last copy)."""
    seen: dict[str, dict] = {}
    for sel in selectors:
        for p in client.list_pods(sel):
            seen[p["metadata"]["uid"]] = p
    return list(seen.values())


def population() -> list[dict]:
    """A job's own pods, a detached one, orphans by either label, and another job's pods."""
    pods = [pod(i, name=f"example-job-{i}-x") for i in range(6)]
    detached = pods[2]["metadata"]["labels"]
    del detached["batch.kubernetes.io/controller-uid"]
    detached["batch.kubernetes.io/job-name"] = "example-job"
    pods[4]["metadata"]["labels"]["batch.kubernetes.io/job-name"] = "example-job"
    orphan = pod(1, name="example-job-1-old")
    orphan["metadata"]["labels"] = {"job-name": "example-job"}
    relabelled = pod(3, name="example-job-3-old")
    relabelled["metadata"]["labels"] = {"batch.kubernetes.io/job-name": "example-job",
                                        "batch.kubernetes.io/controller-uid": "dead-uid"}
    other = pod(0, name="other-0-x", job_name="other")
    other["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] = "other-uid"
    for p in (orphan, relabelled, other):
        p["metadata"]["uid"] = p["metadata"]["name"]
    return [*pods, orphan, relabelled, other]


@pytest.mark.parametrize("selector", [
    {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}},
    {"matchLabels": {"batch.kubernetes.io/controller-uid": UID, "job-name": "example-job"}},
    {"matchExpressions": [{"key": "batch.kubernetes.io/controller-uid", "operator": "In",
                           "values": [UID, "x"]}, {"key": "gone", "operator": "DoesNotExist"}]},
])
def test_the_same_pods_in_the_same_order_with_one_full_list(selector):
    j = job()
    j["spec"]["selector"] = selector
    client = SelectingClient(j, *[dict(p, kind="Pod") for p in population()])
    got = family_pods(client, j, "example-job")
    full_lists = [n for _, n in client.listed]
    want = three_lists(client, [job_selector(j), "batch.kubernetes.io/job-name=example-job",
                                "job-name=example-job"])
    assert [p["metadata"]["name"] for p in got] == [p["metadata"]["name"] for p in want]
    assert "other-0-x" not in {p["metadata"]["name"] for p in got}
    # the Job's pods came once; after them only the 3 strays (once per requirement at most)
    assert sum(full_lists[1:]) <= 3 * len(complements(selector))


def test_complements_cover_exactly_what_a_selector_rejects():
    rnd = random.Random(3)
    for _ in range(500):
        keys, values = ["a", "b", "c"], ["1", "2"]
        sel = {"matchLabels": {k: rnd.choice(values) for k in rnd.sample(keys, rnd.randint(0, 2))},
               "matchExpressions": [{"key": rnd.choice(keys), "operator": op,
                                     "values": rnd.sample(values, rnd.randint(1, 2))
                                     if op in ("In", "NotIn") else []}
                                    for op in rnd.sample(["In", "NotIn", "Exists",
                                                          "DoesNotExist"], rnd.randint(0, 2))]}
        labels = {k: rnd.choice(values) for k in keys if rnd.random() < 0.6}
        outside = complements(sel)
        if not outside:
            continue
        assert matches(sel, labels) != any(selects(c, labels) for c in outside), (sel, labels)
