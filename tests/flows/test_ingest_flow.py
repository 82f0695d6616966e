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
        assert findings and len(tasks) == len(findings)
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


def test_one_failed_task_does_not_stop_the_batch(settings, prefect_harness, tmp_path, monkeypatch):
    """A file whose task fails (here the disk fills up while copying it) gets its own outcome, and
    every other file of the batch is still ingested and reported."""
    import errno

    from flows.ingest import ingest_flow
    from models import intake

    files = sample_files()
    doomed = tmp_path / "磁盘已满时的文件.docx"
    doomed.write_bytes(files[0].read_bytes() + b"\0")
    real_copy = intake._copy_in

    def copy_until_disk_full(fd, dest):
        if __import__("os").fstat(fd).st_size == doomed.stat().st_size:
            dest.write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_copy(fd, dest)

    monkeypatch.setattr(intake, "_copy_in", copy_until_disk_full)
    rows = ingest_flow([str(f) for f in files] + [str(doomed)])
    by_name = {r["name"]: r for r in rows}
    assert len(rows) == len(files) + 1
    assert all(by_name[f.name]["status"] == "ingested" for f in files)
    failed = by_name[doomed.name]
    assert (failed["status"], failed["reason"]) == ("skipped", "INTERNAL_ERROR")
    assert "保留" in failed["message"] and doomed.exists()
    assert list(settings.work.iterdir()) == []
