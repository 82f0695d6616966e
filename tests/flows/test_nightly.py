"""The nightly flow on a real ledger: inbox, a scan retried once OCR is available, overdue, digest."""
from __future__ import annotations

import os
import time
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from models.db import session_scope
from models.tables import AuditEvent, Document, Intake, Task
from tests.conftest import REPORT_PARAGRAPHS, SAMPLES, make_docx

pytestmark = pytest.mark.slow


def _one_page_scan(out):
    """The first page of a bundled sample report as a scan: no text layer, only an image."""
    import pypdfium2

    from tests.fixtures.docs import image_only_pdf

    scan = image_only_pdf(SAMPLES / "县局巡察反馈意见.pdf", out.with_name("scan-all.pdf"))
    src = pypdfium2.PdfDocument(str(scan))
    new = pypdfium2.PdfDocument.new()
    new.import_pages(src, [0])
    new.save(str(out))
    return out


def _ingest_without_ocr(path, settings, monkeypatch):
    """Ingest as on a machine where Tesseract is not installed yet."""
    from extractors import ocr
    from extractors.pipeline import analyse
    from models.intake import ingest_file

    with monkeypatch.context() as m:
        m.setenv("PATH", str(path.parent))  # no tesseract on this PATH
        ocr.missing.cache_clear()
        outcome = ingest_file(path, settings, analyse, source="cli")
    ocr.missing.cache_clear()
    return outcome


def test_nightly_ingests_retries_marks_overdue_and_renders(settings, prefect_harness, tmp_path,
                                                           monkeypatch):
    from extractors import ocr
    from flows.nightly import digest_path, nightly_flow

    if ocr.missing():
        pytest.skip(f"OCR not available here: {ocr.missing()}")
    scan = _one_page_scan(tmp_path / "扫描件.pdf")
    first = _ingest_without_ocr(scan, settings, monkeypatch)
    assert (first.status, first.reason) == ("warning", "NEEDS_OCR")
    for n in range(2):
        make_docx(settings.inbox / f"巡察反馈意见{n}.docx", [*REPORT_PARAGRAPHS, f"（第{n}号）"])

    partial = settings.inbox / "下载中.docx.crdownload"
    partial.write_bytes(b"PK\x03\x04")
    fresh = settings.inbox / "刚放入.docx"
    fresh.write_bytes(b"PK\x03\x04")
    for f in settings.inbox.iterdir():  # written a while ago, except the file still arriving
        if f != fresh:
            os.utime(f, (time.time() - 120, time.time() - 120))

    later = date.today() + timedelta(days=400)  # every deadline has passed by then
    summary = nightly_flow(today=later.isoformat())

    assert sorted(p.name for p in settings.inbox.iterdir()) == sorted([partial.name, fresh.name])
    assert sorted(r["status"] for r in summary["ingested"]) == ["ingested", "ingested"]
    assert [(r["old_reason"], r["status"]) for r in summary["retried"]] == [("NEEDS_OCR", "ingested")]
    with session_scope(settings.database_url) as s:
        doc = s.get(Document, first.document_id)
        assert (doc.status, doc.reason, doc.reader) == ("ingested", "", "pdf:ocr")
        assert doc.blocks and (settings.home / doc.stored_as).is_file()
        assert s.exec(select(func.count()).select_from(Intake).where(Intake.source == "nightly")).one() == 2
        tasks = s.exec(select(Task)).all()
        assert tasks and all(t.overdue_level == 2 for t in tasks if t.status in ("待办", "进行中", "延期"))
        marked = s.exec(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "task.escalated")).one()
        assert marked == sum(1 for t in tasks if t.overdue_level == 2)
    assert summary["overdue"]["escalated"] == marked
    digest = digest_path(later.isoformat())
    assert summary["digest"]["html"] == str(digest)
    # the first digest covers everything so far: the scan given to the CLI and the two inbox files
    assert "每日摘要" in digest.read_text(encoding="utf-8") and summary["digest"]["arrived"] == 3
    assert (settings.reports / "整改台账.xlsx").is_file()

    partial.unlink()
    fresh.unlink()
    again = nightly_flow(today=later.isoformat())  # a second run the same night changes nothing
    assert again["ingested"] == [] and again["retried"] == []
    assert again["overdue"] == {"overdue": 0, "escalated": 0, "cleared": 0}


def test_nightly_inbox_takes_temporary_names_once_they_have_waited(tmp_path):
    import os

    from flows.nightly import settled_entries

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in ("报告.docx", "..报告.docx", "~$报告.docx"):
        (inbox / n).write_bytes(b"x")
        os.utime(inbox / n, (0, os.stat(inbox / n).st_mtime - 120))  # unchanged for two minutes
    assert [os.path.basename(p) for p in settled_entries(inbox, 60, temp_settle=600)] == ["报告.docx"]
    assert sorted(os.path.basename(p) for p in settled_entries(inbox, 60, temp_settle=100)) == \
        ["..报告.docx", "~$报告.docx", "报告.docx"]
