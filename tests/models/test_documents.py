"""`documents list` rows: reader notes shown, real page counts of unread scans, copies of
quarantined files told why the first one was quarantined. Real files, real sandboxed reads."""
from __future__ import annotations

import shutil

import pytest

from extractors import ocr
from extractors.pipeline import analyse
from models.db import session_scope
from models.documents import document_rows, notes_text
from models.intake import ingest_file
from tests.fixtures.twins import PROBLEM_TABLE, TABLE_INTRO, TABLE_OUTRO, break_xref, make_twin_docx


def _rows(settings) -> dict[str, dict]:
    with session_scope(settings.database_url) as s:
        return {r["name"]: r for r in document_rows(s)}


def test_copy_of_a_quarantined_file_says_so_with_the_first_reason(settings, tmp_path):
    broken = tmp_path / "损坏的反馈意见.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n")
    first = ingest_file(broken, settings, analyse)
    assert (first.status, first.reason) == ("rejected", "CORRUPT_OR_TRUNCATED")
    copy = tmp_path / "再次发送.pdf"
    copy.write_bytes(broken.read_bytes())
    dup = ingest_file(copy, settings, analyse)
    assert (dup.status, dup.reason, dup.document_id) == ("duplicate", "DUPLICATE", first.document_id)
    assert "已隔离" in dup.message and "损坏的反馈意见.pdf" in dup.message
    assert "文件已损坏或不完整" in dup.message  # the first one's reason, in words
    assert "已处理的文件" not in dup.message
    row = _rows(settings)["再次发送.pdf"]
    assert notes_text(row) == dup.message


def test_image_only_file_without_ocr_keeps_its_real_page_count(settings, tmp_path, monkeypatch):
    from PIL import Image

    frames = [Image.new("L", (600, 800), 255) for _ in range(3)]
    tif = tmp_path / "扫描件.tif"
    frames[0].save(tif, save_all=True, append_images=frames[1:])
    with monkeypatch.context() as m:
        m.setenv("PATH", str(tmp_path))  # a machine without Tesseract
        ocr.missing.cache_clear()
        out = ingest_file(tif, settings, analyse)
    ocr.missing.cache_clear()
    assert (out.status, out.reason) == ("warning", "NEEDS_OCR")
    row = _rows(settings)["扫描件.tif"]
    assert row["pages"] == 3
    assert row["stored_as"].endswith(".tif")  # stored under its real type


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_fallback_reader_is_shown_in_the_list(settings, tmp_path):
    from tests.fixtures.docs import soffice_convert

    twin = make_twin_docx(tmp_path / "清单.docx", [TABLE_INTRO], table=PROBLEM_TABLE, after_table=TABLE_OUTRO)
    pdf = soffice_convert(twin, "pdf", tmp_path / "pdf")
    broken = break_xref(pdf, tmp_path / "问题清单.pdf")
    out = ingest_file(broken, settings, analyse)
    assert (out.status, out.reason) == ("warning", "FALLBACK_READER") and out.findings >= 4
    row = _rows(settings)["问题清单.pdf"]
    assert (row["reader"], row["pages"]) == ("pdf:pdfplumber", 1)
    assert "备用读取方式（pdfplumber）" in notes_text(row)


def test_documents_list_command_shows_the_notes(settings, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from flows.cli import app

    broken = tmp_path / "损坏的反馈意见.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n")
    ingest_file(broken, settings, analyse)
    copy = tmp_path / "再次发送.pdf"
    copy.write_bytes(broken.read_bytes())
    ingest_file(copy, settings, analyse)
    monkeypatch.setenv("COLUMNS", "400")
    out = CliRunner().invoke(app, ["documents", "list"])
    assert out.exit_code == 0, out.output
    assert "提示" in out.output and "首次隔离原因" in out.output
