"""timeline's reads and outputs over a fake client: what it reads, what it writes where,
and unreadable events as a note (the image pull then comes from container starts)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from kubectl_ijob.client.errors import Forbidden
from kubectl_ijob.commands.timeline import TimelineOptions, run_timeline

from ..fakes import FakeClient
from ..timeline_objects import job, pod, pulled

PODS = [pod(0, created=0, scheduled=1, init_started=3, initialized=9, started=10, finished=20),
        pod(1, created=0, scheduled=1, init_started=3, initialized=9, started=12, finished=30)]


def client() -> FakeClient:
    return FakeClient(job(2, ("Complete",), completedIndexes="0,1"), *PODS,
                      pulled("tl-0-abcde", 2), pulled("tl-1-abcde", 2))


def options(**kw) -> TimelineOptions:
    base = dict(name="tl", attempts=False, index_text=None, output="table", svg=None, width=80,
                colour=False)
    return TimelineOptions(**{**base, **kw})


def test_text_has_one_row_per_index_and_the_summary(capsys):
    run_timeline(options(), client())
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[2:4]] == ["0", "1"]
    assert any(line.startswith("critical path: index 1 finished last at +30s") for line in out)


def test_json_and_svg_together(capsys, tmp_path):
    path = tmp_path / "t.svg"
    run_timeline(options(output="json", svg=str(path), index_text="1"), client())
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "IndexedJobTimeline" and [i["index"] for i in doc["indexes"]] == [1]
    assert doc["indexes"][0]["attempts"][0]["pulled"] == "2026-11-29T14:00:02Z"
    rows = [g for g in ET.parse(path).getroot().iter("{http://www.w3.org/2000/svg}g")
            if g.get("class") == "row"]
    assert [g.get("data-index") for g in rows] == ["1"]


def test_svg_to_stdout_replaces_the_chart(capsys):
    run_timeline(options(svg="-"), client())
    out = capsys.readouterr().out
    assert ET.fromstring(out.encode()).tag == "{http://www.w3.org/2000/svg}svg"


class NoEvents(FakeClient):
    def list_events(self, namespace=None, view=None):
        raise Forbidden(403, "Forbidden", 'events is forbidden: User "u" cannot list resource "events"')


def test_forbidden_events_become_a_note(capsys):
    run_timeline(options(output="json"), NoEvents(*client().objects.values()))
    doc = json.loads(capsys.readouterr().out)
    assert doc["notes"] and doc["notes"][0].startswith("cannot read events")
    # without Pulled events the first container start (the init container's) stands in
    assert doc["indexes"][0]["attempts"][0]["pulled"] == "2026-11-29T14:00:03Z"
