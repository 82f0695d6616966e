"""The sandbox returns the same Document as an in-process read, through JSON."""
from __future__ import annotations

import pytest

from extractors.errors import Reason, ReadError
from extractors.readers import read
from extractors.sandbox import document_from_dict, document_to_dict, read_isolated

pytestmark = pytest.mark.slow


def test_isolated_read_equals_in_process(report_pdf, report_docx):
    for path in (report_pdf, report_docx):
        assert read_isolated(path, name="原件.pdf") == read(path, name="原件.pdf")


def test_json_round_trip(report_docx):
    doc = read(report_docx)
    assert document_from_dict(document_to_dict(doc)) == doc


def test_memory_limit_reported(report_pdf):
    """Too little address space for the reader itself: a Reason, not a crash of the caller."""
    with pytest.raises(ReadError) as e:
        read_isolated(report_pdf, memory_mb=25, timeout_s=30)
    assert e.value.reason == Reason.RESOURCE_LIMIT
    assert e.value.message_zh


def test_missing_file(tmp_path):
    with pytest.raises(ReadError) as e:
        read_isolated(tmp_path / "nope.pdf")
    assert e.value.reason == Reason.NOT_REGULAR_FILE


def test_each_ocr_page_is_progress(report_scan, monkeypatch):
    from extractors import ocr

    if ocr.missing():
        pytest.skip("tesseract not installed")
    beats = []
    monkeypatch.setattr(ocr, "on_page", lambda: beats.append(1))
    doc = read(report_scan)
    assert len(beats) == doc.pages


def test_progress_extends_the_limit_and_silence_ends_it(tmp_path):
    """_wait lets a child run past timeout_s while it keeps beating, and kills a silent one."""
    import subprocess
    import sys
    import time

    from extractors.sandbox import _wait

    beat = tmp_path / "beat"
    busy = ("import pathlib, time\n"
            f"for _ in range(12):\n    pathlib.Path({str(beat)!r}).touch(); time.sleep(0.2)\n")
    proc = subprocess.Popen([sys.executable, "-c", busy], start_new_session=True)
    t0 = time.monotonic()
    assert _wait(proc, beat, timeout_s=1.0, max_total_s=30) == 0
    assert time.monotonic() - t0 > 2.0  # ran twice as long as the no-progress limit
    silent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    with pytest.raises(ReadError) as e:
        _wait(silent, tmp_path / "never", timeout_s=0.5, max_total_s=30)
    assert e.value.reason == Reason.RESOURCE_LIMIT
    assert silent.wait(timeout=5) < 0  # killed


def test_no_progress_is_stopped(tmp_path):
    """A text file gets timeout_s in all: it makes no OCR progress to extend it."""
    from tests.fixtures.pdfbytes import build_pdf, text_page

    p = tmp_path / "t.pdf"
    p.write_bytes(build_pdf([text_page(["plain text page"])]))
    with pytest.raises(ReadError) as e:
        read_isolated(p, timeout_s=0.01)
    assert e.value.reason == Reason.RESOURCE_LIMIT and "no progress" in e.value.detail


def test_child_gets_only_the_environment_it_needs(tmp_path, monkeypatch):
    """The parsing child (and the converter it starts) never sees the database URL or other secrets.

    A stand-in `soffice` on PATH records the environment it was started with: it is what a real
    converter, started by the real sandboxed reader for an old Word file, would see.
    """
    seen = tmp_path / "env.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "soffice"
    shim.write_text(f'#!/bin/sh\nenv > "{seen}"\nexit 1\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    monkeypatch.setenv("ZHENGGAI_DATABASE_URL", "postgresql://zg:TopSecret1@db.example.invalid/ledger")
    monkeypatch.setenv("PGPASSWORD", "TopSecret2")
    monkeypatch.setenv("PREFECT_API_KEY", "TopSecret3")
    monkeypatch.setenv("LANG", "C.UTF-8")
    doc = tmp_path / "旧报告.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000 + "WordDocument".encode("utf-16-le"))
    with pytest.raises(ReadError):
        read_isolated(doc, timeout_s=60)
    env = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert not any("TopSecret" in v for v in env.values()), sorted(env)
    assert not any(k.startswith(("ZHENGGAI_", "PREFECT_", "PG")) for k in env), sorted(env)
    assert env["PATH"].startswith(str(bin_dir)) and env["LANG"] == "C.UTF-8"
