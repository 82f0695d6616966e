"""Retrying transient failures: a file quarantined after hitting the sandbox's time limit is read
again with the normal limit and moves to processed/; nothing is retried twice."""
from __future__ import annotations

from sqlmodel import select

from extractors.pipeline import analyse, default_rules
from extractors.findings import extract
from models.db import session_scope
from models.intake import ingest_file
from models.retry import retry_transient
from models.tables import AuditEvent, Document, Finding
from tests.conftest import REPORT_PARAGRAPHS, make_docx


def _with_tiny_time_limit(path, name):
    """The real reader in its real sandbox, with a limit no reader can meet."""
    from extractors.sandbox import read_isolated

    doc = read_isolated(path, name, timeout_s=0.05)
    return doc, extract(doc, default_rules())


def test_quarantined_after_time_limit_is_retried_into_processed(settings, tmp_path):
    f = make_docx(tmp_path / "巡察反馈意见.docx", REPORT_PARAGRAPHS)
    first = ingest_file(f, settings, _with_tiny_time_limit)
    assert (first.status, first.reason) == ("rejected", "RESOURCE_LIMIT")
    with session_scope(settings.database_url) as s:
        quarantined = settings.home / s.get(Document, first.document_id).stored_as
    reason_note = quarantined.with_name(quarantined.name + ".reason.txt")
    assert quarantined.is_relative_to(settings.quarantine) and reason_note.is_file()

    (r,) = retry_transient(settings, analyse)
    assert (r.old_reason, r.status, r.reason) == ("RESOURCE_LIMIT", "ingested", "")
    with session_scope(settings.database_url) as s:
        doc = s.get(Document, first.document_id)
        stored = settings.home / doc.stored_as
        assert (doc.status, doc.reason) == ("ingested", "")
        assert stored.is_relative_to(settings.processed) and stored.read_bytes() == f.read_bytes()
        assert s.exec(select(Finding).where(Finding.document_id == doc.id)).all()
        actions = [a.action for a in s.exec(select(AuditEvent).where(AuditEvent.entity == "document"))]
    assert actions == ["document.rejected", "document.retried"]
    assert not quarantined.exists() and not reason_note.exists()
    assert retry_transient(settings, analyse) == []


def test_retry_applies_the_same_decision_as_intake(settings, tmp_path):
    """Read at last on retry, a Word file named .pdf is kept as `warning` (TYPE_MISMATCH), as intake
    would have decided, not `ingested`."""
    f = make_docx(tmp_path / "反馈意见.pdf", REPORT_PARAGRAPHS)
    first = ingest_file(f, settings, _with_tiny_time_limit)
    assert (first.status, first.reason) == ("rejected", "RESOURCE_LIMIT")
    (r,) = retry_transient(settings, analyse)
    assert (r.status, r.reason) == ("warning", "TYPE_MISMATCH")
    with session_scope(settings.database_url) as s:
        doc = s.get(Document, first.document_id)
        assert (doc.status, doc.reason) == ("warning", "TYPE_MISMATCH")
        assert (settings.home / doc.stored_as).is_relative_to(settings.processed)


def test_retry_that_fails_otherwise_rewrites_the_reason_note(settings, tmp_path):
    """Still unreadable but for another reason: the record and the .reason.txt beside the
    quarantined copy both tell the new reason."""
    f = tmp_path / "损坏的报告.pdf"
    f.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n")
    first = ingest_file(f, settings, _with_tiny_time_limit)
    assert first.reason == "RESOURCE_LIMIT"
    (r,) = retry_transient(settings, analyse)
    assert (r.status, r.reason) == ("rejected", "CORRUPT_OR_TRUNCATED")
    with session_scope(settings.database_url) as s:
        stored = settings.home / s.get(Document, first.document_id).stored_as
    assert stored.is_relative_to(settings.quarantine)
    note = stored.with_name(stored.name + ".reason.txt").read_text(encoding="utf-8")
    assert "CORRUPT_OR_TRUNCATED" in note and "RESOURCE_LIMIT" not in note and "损坏的报告.pdf" in note
