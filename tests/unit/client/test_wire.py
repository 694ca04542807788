"""Reading a LIST body without decoding it: its metadata from the first bytes (so the
next page can be asked for early) and its items' managedFields cut from the bytes."""
from __future__ import annotations

import copy
import json

import pytest

from benchmarks import synthetic
from kubectl_ijob.client.wire import list_metadata, without_managed_fields


def compact(doc: object) -> bytes:
    """JSON as the API server writes it: no spaces, fields in the order given."""
    return json.dumps(doc, separators=(",", ":")).encode()


def unmanaged(items: list[dict]) -> list[dict]:
    out = copy.deepcopy(items)
    for item in out:
        item["metadata"].pop("managedFields", None)
    return out


def test_the_metadata_comes_from_the_head_of_a_server_list():
    body = synthetic.pod_list_pages(1200, page=500)[0]
    assert list_metadata(body) == {"resourceVersion": "200000", "continue": "token-500",
                                   "remainingItemCount": 700}
    assert list_metadata(synthetic.pod_list_pages(10, page=500)[0]) == {"resourceVersion": "200000"}
    spaced = b' {\n "kind": "PodList" ,\n "metadata" : {"continue": "t"}, "items": []}'
    assert list_metadata(spaced) == {"continue": "t"}


@pytest.mark.parametrize("body", [
    b'{"items":[{"metadata":{"name":"a"}}],"metadata":{"continue":"t"}}',  # items first
    b'{"kind":"PodList","metadata":',  # cut off
    b'[]', b'', b'{"kind":"Status","code":410}'])
def test_no_metadata_ahead_of_the_items_is_none(body):
    assert list_metadata(body) is None


def test_cutting_managed_fields_equals_decoding_then_dropping_them():
    body = synthetic.pod_list_pages(300, page=300)[0]
    cut = without_managed_fields(body)
    assert len(cut) < len(body) * 0.7
    assert json.loads(cut)["items"] == unmanaged(json.loads(body)["items"])
    assert json.loads(cut)["metadata"] == json.loads(body)["metadata"]


def test_strings_that_look_like_the_end_stay_inside():
    # a manager name and a fieldsV1 key holding brackets, braces and "spec" in quotes
    pods = [synthetic.pod(i) for i in range(3)]
    pods[1]["metadata"]["managedFields"][0]["manager"] = ']},"spec":{"x":['
    pods[1]["metadata"]["managedFields"][1]["fieldsV1"]['v:[1]},"spec"'] = {}
    body = compact({"kind": "PodList", "metadata": {}, "items": pods})
    assert json.loads(without_managed_fields(body))["items"] == unmanaged(pods)


def test_another_field_order_is_left_alone():
    # managedFields amid other metadata, metadata last in an object: nothing may be lost
    a = synthetic.pod(0)
    meta = a["metadata"]
    a["metadata"] = {"name": meta.pop("name"), "managedFields": meta.pop("managedFields"), **meta}
    b = {"data": {"k": "v"}, "metadata": {"name": "b", "managedFields": [{"manager": "m"}]}}
    body = compact({"items": [a, b, synthetic.pod(2)]})
    got = json.loads(without_managed_fields(body))["items"]
    assert got[:2] == [a, b] and got[2] == unmanaged([synthetic.pod(2)])[0]


def test_objects_without_spec_lose_their_managed_fields_too():
    event = {"metadata": {"name": "e", "managedFields": [{"manager": "m", "fieldsV1": {
        "f:count": {}}}]}, "involvedObject": {"kind": "Pod", "uid": "u"}, "reason": "Scheduled"}
    body = compact({"kind": "EventList", "metadata": {}, "items": [event, event]})
    assert json.loads(without_managed_fields(body))["items"] == unmanaged([event, event])
