"""Scans and garbled PDFs are OCR'd page by page; without Tesseract they are reported."""
from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from extractors import ocr
from extractors.errors import Reason
from extractors.readers import read
from tests.readers.conftest import DEVSET

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _flat(s: str) -> str:
    return re.sub(r"\s+", "", s).translate(str.maketrans("，。；：（）“”", ",.;:()\"\""))


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _flat(a), _flat(b), autojunk=False).ratio()


needs_tesseract = pytest.mark.skipif(ocr.missing() is not None, reason="tesseract with chi_sim not installed")


@needs_tesseract
def test_scan_read_by_ocr(report_pdf, report_scan):
    text = read(report_pdf)
    scan = read(report_scan)
    assert scan.reader == "pdf:ocr"
    assert Reason.OCR_USED.value in scan.warning_codes and "OCR" in scan.warnings[0]
    assert _similarity(scan.text, text.text) > 0.95  # Tesseract misreads rare characters (诿)
    # the ruled table is read by the borders found in the image, one block per row
    rows = [b.text.split("｜") for b in scan.blocks if b.kind.value == "table_row"]
    want = [b.text.split("｜") for b in text.blocks if b.kind.value == "table_row"]
    assert [len(r) for r in rows] == [len(r) for r in want]
    for got, exp in zip(rows, want):
        assert all(difflib.SequenceMatcher(None, g, e).ratio() > 0.85 for g, e in zip(got, exp)), (got, exp)
    # paragraphs rebuilt from OCR lines as from the text layer
    paras = [_flat(b.text) for b in text.blocks if b.kind.value == "paragraph"]
    ocr_paras = [_flat(b.text) for b in scan.blocks]
    whole = sum(any(difflib.SequenceMatcher(None, p, o, autojunk=False).ratio() > 0.9 for o in ocr_paras)
                for p in paras)
    assert whole >= 0.9 * len(paras)
    assert {b.page for b in scan.blocks} == {b.page for b in text.blocks}
    assert "— " not in scan.text and not any(len(b.text) < 5 and "一" in b.text for b in scan.blocks)
    assert "（一）落实上级决策部署方面" in scan.text  # punctuation back to full width


@needs_tesseract
def test_mixed_pdf_ocrs_only_pages_without_text(report_pdf, report_scan, tmp_path):
    import pypdfium2 as pdfium

    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(str(report_pdf)), [0])
    mixed.import_pages(pdfium.PdfDocument(str(report_scan)), [1])
    out = tmp_path / "mixed.pdf"
    mixed.save(str(out))
    doc = read(out)
    assert doc.reader == "pdf:pypdfium2+ocr"
    assert doc.warnings and "第2页" in doc.warnings[0]
    assert {b.page for b in doc.blocks} == {1, 2}


def test_scan_without_tesseract_needs_ocr(report_scan):
    """With tesseract off the PATH the scan is refused as NEEDS_OCR, not as empty."""
    code = ("import sys\nfrom extractors.readers import read\nfrom extractors.errors import ReadError\n"
            "try:\n    read(sys.argv[1])\nexcept ReadError as e:\n    print(e.reason.value)\n")
    env = dict(os.environ, PATH="/nonexistent", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(report_scan)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.stdout.strip() == Reason.NEEDS_OCR.value, out.stderr[-500:]


@needs_tesseract
@pytest.mark.skipif(not (DEVSET / "dev02-garbled.pdf").exists(), reason="shared devset not available")
@pytest.mark.parametrize("variant", ["dev02-scan.pdf", "dev02-garbled.pdf"])
def test_devset_scan_and_garbled_match_text_pdf(variant):
    ref = read(DEVSET / "dev02.pdf")
    doc = read(DEVSET / variant)
    assert doc.reader == "pdf:ocr"
    assert _similarity(doc.text, ref.text) > 0.99
    assert len(doc.blocks) == len(ref.blocks)
    gold = next(json.loads(x) for x in (DEVSET / "gold.jsonl").read_text(encoding="utf-8").splitlines()
                if x.startswith('{"doc": "dev02.'))
    quotes = [_flat(f["quote"]) for f in gold["findings"]]
    found = sum(q in _flat(doc.text) for q in quotes)
    assert found >= len(quotes) - 3  # verbatim; OCR misreads a character here and there


@needs_tesseract
@pytest.mark.skipif(not (DEVSET.parent / "eval" / "score.py").exists(), reason="shared scorer not available")
def test_devset_scan_and_garbled_score_at_least_90_percent_of_text_pdf(tmp_path):
    """The issue's bar: findings F1 on the scan and the garbled copy ≥ 90% of dev02.pdf's."""
    from extractors.findings import extract
    from extractors.rules import load_rules

    rules = load_rules()
    gold = next(json.loads(x) for x in (DEVSET / "gold.jsonl").read_text(encoding="utf-8").splitlines()
                if x.startswith('{"doc": "dev02.'))
    f1 = {}
    for name in ("dev02.pdf", "dev02-scan.pdf", "dev02-garbled.pdf"):
        preds = [{"doc": name, "quote": f.quote, "subject": f.subject, "category": f.category,
                  "severity": f.severity} for f in extract(read(DEVSET / name), rules).findings]
        (tmp_path / "g.jsonl").write_text(json.dumps({**gold, "doc": name}, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp_path / "p.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds),
                                          encoding="utf-8")
        out = subprocess.run([sys.executable, str(DEVSET.parent / "eval" / "score.py"), str(tmp_path / "g.jsonl"),
                              str(tmp_path / "p.jsonl"), "--json"], capture_output=True, text=True, timeout=120)
        f1[name] = json.loads(out.stdout)["findings"]["f1"]
    assert f1["dev02.pdf"] > 0
    assert f1["dev02-scan.pdf"] >= 0.9 * f1["dev02.pdf"], f1
    assert f1["dev02-garbled.pdf"] >= 0.9 * f1["dev02.pdf"], f1


@needs_tesseract
def test_scan_with_a_text_stamp_is_still_ocrd(report_scan, tmp_path):
    """A scan whose pages carry a little real text (a page number stamped on) is a scan."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(str(report_scan))
    page = pdf[0]
    obj = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(10))
    buf = ctypes.create_string_buffer("Page 1 - scanned copy".encode("utf-16-le") + b"\x00\x00")
    raw.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)))
    raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 250, 20)
    raw.FPDFPage_InsertObject(page.raw, obj)
    raw.FPDFPage_GenerateContent(page.raw)
    out = tmp_path / "stamped.pdf"
    pdf.save(str(out))
    doc = read(out)
    assert doc.reader == "pdf:ocr"
    assert "关于对某市某局党组开展巡察的反馈意见" in doc.text


@needs_tesseract
def test_scan_turned_sideways_or_upside_down(report_pdf, tmp_path):
    """Pages scanned at 90° or 180° are turned upright (Tesseract's orientation detection)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(report_pdf))
    imgs = [pdf[i].render(scale=150 / 72).to_pil().convert("RGB") for i in range(2)]
    pdf.close()
    straight = tmp_path / "straight.pdf"
    imgs[0].save(straight, "PDF", resolution=150, save_all=True, append_images=imgs[1:])
    turned = tmp_path / "turned.pdf"
    rot = [imgs[0].rotate(90, expand=True), imgs[1].rotate(180)]
    rot[0].save(turned, "PDF", resolution=150, save_all=True, append_images=rot[1:])
    assert _similarity(read(turned).text, read(straight).text) > 0.97
