"""A real Prefect flow run (local API from the test harness) over the bundled sample reports."""
import pytest
from sqlmodel import select

from models.db import session_scope
from models.tables import Document, Finding, Intake, Task
from tests.conftest import sample_files


def test_flow_ingests_samples_once(settings, prefect_harness):
    from flows.ingest import ingest_flow

    files = sample_files()
    assert len(files) >= 3, "samples/ must hold at least three reports"
    assert {f.suffix for f in files} >= {".pdf", ".docx"}
    rows = ingest_flow([str(f) for f in files])
    assert len(rows) == len(files)
    assert all(r["status"] == "ingested" for r in rows), rows
    with session_scope(settings.database_url) as s:
        docs = s.exec(select(Document)).all()
        findings = s.exec(select(Finding)).all()
        tasks = s.exec(select(Task)).all()
        assert len(docs) == len(files)
        reports = {d.id for d in docs if d.kind == "rectification"}
        assert reports  # the samples hold a rectification report: its items open no task
        assert findings and len(tasks) == sum(f.document_id not in reports for f in findings)
        assert {f.subject for f in findings} >= {"individual", "team", "unit"}
        assert all(f.page >= 1 and f.quote and f.hits and f.rules_version for f in findings)
        n_findings = len(findings)

    again = ingest_flow([str(f) for f in files])
    assert all(r["unchanged"] for r in again)
    with session_scope(settings.database_url) as s:
        assert len(s.exec(select(Finding)).all()) == n_findings
        assert len(s.exec(select(Intake)).all()) == len(files)


def test_inbox_flow_moves_files_out(settings, prefect_harness):
    from flows.ingest import ingest_flow

    src = sample_files()[0]
    (settings.inbox / src.name).write_bytes(src.read_bytes())
    rows = ingest_flow([str(settings.inbox)], source="inbox", move=True)
    assert [r["status"] for r in rows] == ["ingested"]
    assert not any(settings.inbox.iterdir())
    assert list(settings.processed.rglob("*" + src.suffix))
