"""doctor's renderers: the text (golden, byte for byte; colour only when asked) and the
DoctorReport document of -o json|yaml."""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from kubectl_ijob.domain.doctor import diagnose
from kubectl_ijob.render.doctor import doctor_text, findings_summary
from kubectl_ijob.render.documents import doctor_document
from kubectl_ijob.render.text import dump

from ..domain import doctor_faults as faults
from ..domain.doctor_objects import healthy

GOLDEN = Path(__file__).parent / "golden"


def check(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("IJOB_UPDATE_GOLDEN"):
        path.write_text(text + "\n")
    assert text + "\n" == path.read_text()
    assert all(line == line.rstrip() for line in text.splitlines())


def broken():
    ev = healthy()
    for mutate in (faults.managed_by, faults.retrying, faults.no_service, faults.crash_loop):
        mutate(ev)
    return ev, diagnose(ev)


def test_text_of_a_broken_job():
    ev, found = broken()
    check("doctor", doctor_text("example-job", found, 28, ev.ping))


def test_text_of_a_healthy_job():
    check("doctor-healthy", doctor_text("example-job", [], 28, healthy().ping))
    quiet = doctor_text("x", [], 28, None, asked=False)
    assert quiet.endswith("no problems found - 28 checks; no ping")
    assert doctor_text("x", [], 28, None).endswith("28 checks; ping: no running pod to probe")


def test_colour_only_when_asked():
    _, found = broken()
    assert "\x1b[" not in doctor_text("example-job", found, 28, None)
    painted = doctor_text("example-job", found, 28, None, colour=True)
    assert painted.startswith("\x1b[31mERROR    \x1b[0mservice example-job does not exist")


def test_summary_counts_each_severity():
    _, found = broken()
    assert findings_summary(found) == "2 errors, 1 warning, 1 info"
    assert findings_summary(found[:1]) == "1 error"
    assert findings_summary([]) == "no problems found"


def test_document():
    ev, found = broken()
    doc = doctor_document(ev.name, ev.namespace, found, ev.ping)
    assert doc["kind"] == "DoctorReport" and doc["ok"] is False
    assert doc["job"] == {"name": "example-job", "namespace": "default"}
    assert doc["summary"] == "2 errors, 1 warning, 1 info"
    assert doc["ping"] == "16/16 pairs ok (icmp)"
    assert [f["check"] for f in doc["findings"]] == ["service-missing", "crash-loop", "retrying",
                                                     "managed-by"]
    assert set(doc["findings"][0]) == {"severity", "check", "title", "evidence", "next"}
    assert yaml.safe_load(dump(doc, "yaml")) == doc
    assert doctor_document("x", "y", [], None)["ok"] is True
