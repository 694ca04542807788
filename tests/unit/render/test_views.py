"""Text views and -o json documents (render/views.py, render/documents.py)."""
import datetime as dt

from kubectl_ijob.domain import status as st
from kubectl_ijob.render.documents import status_document
from kubectl_ijob.render.views import status_text

from ..domain.test_status import ready, slice_for
from ..objects import job, pod, service

NOW = dt.datetime(2026, 11, 22, 10, 5, 3, tzinfo=dt.timezone.utc)


def test_status_text_layout():
    j = job(completions=3, completedIndexes="0", succeeded=1, active=2, ready=2)
    pods = [pod(0, "Succeeded"), ready(pod(1)), ready(pod(2))]
    rows = st.index_rows(j, pods, service=service(), slices=slice_for(*pods[1:]))
    text = status_text(st.summarize(j, service()), rows, NOW, colour=False)
    lines = text.splitlines()
    assert lines[0] == "Name:              example-job"
    assert "Completions:       1/3" in lines
    assert "Completed Indexes: 0" in lines
    assert "Failed Indexes:    <none>" in lines
    assert "Service:           example-job (ok)" in lines
    table = lines[lines.index("") + 1:]
    assert table[0] == "INDEX   POD                   STATUS      READY   DNS   RESTARTS   AGE"
    assert table[1] == "0       example-job-0-abcde   Succeeded   0/1     no    0          5m3s"
    assert table[2].split()[4] == "yes"
    assert len(table) == 4
    assert all(line == line.rstrip() for line in lines)


def test_status_wide_and_document():
    j = job(completions=2)
    rows = st.index_rows(j, [pod(0)])
    text = status_text(st.summarize(j, service()), rows, NOW, wide=True, no_headers=True,
                       colour=False)
    assert text.splitlines()[0].split()[-7:] == [
        "node-1", "10.88.0.10", "example-job-0.example-job.default.svc.cluster.local",
        "1", "0", "<none>", "<none>"]
    doc = status_document(st.summarize(j, service()), rows)
    assert doc["kind"] == "IndexedJobStatus" and doc["service"]["ok"] is True
    assert doc["indexes"][1] == {
        "index": 1, "pod": None, "status": "Waiting", "ready": "0/0", "restarts": 0,
        "created": None, "node": None, "ip": None,
        "hostname": "example-job-1.example-job.default.svc.cluster.local", "attempts": 0,
        "failures": 0, "lastExit": "<none>", "otherPods": [], "dns": "-", "dnsReason": ""}
    assert doc["completedIndexes"] == ""


def test_ten_thousand_indexes_render():
    j = job(completions=10000, completedIndexes="0-9998", succeeded=9999)
    pods = [pod(i, "Succeeded") for i in range(0, 10000, 7)]
    rows = st.index_rows(j, pods)
    assert len(rows) == 10000 and rows[7].pod == "example-job-7-abcde"
    text = status_text(st.summarize(j, service()), rows, NOW, colour=False)
    assert "Completed Indexes: 0-9998" in text


def test_status_text_lists_unpublished_indexes():
    j = job(completions=2)
    p0, p1 = ready(pod(0)), ready(pod(1))
    p1["metadata"]["labels"].pop("job-name")
    svc = service()
    rows = st.index_rows(j, [p0, p1], service=svc, slices=slice_for(p0))
    assert [r.dns for r in rows] == ["yes", "no"]
    text = status_text(st.summarize(j, svc), rows, NOW, colour=False, notes=["x"])
    assert "Index 1 not in DNS: pod labels no longer match the service selector (job-name=example-job)" in text
    assert text.endswith("Note: x")


# ------------------------------------------------------------------ logs -f, next attempt

T1 = "2026-11-22T10:05:00Z"
