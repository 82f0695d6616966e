"""Text PDFs: paragraphs rejoined, running header and '— N —' footers removed, tables by
their ruling, provenance (page, offset) kept; fidelity against the devset gold quotes."""
from __future__ import annotations

import json
import re

import pytest

from extractors.document import BlockKind
from extractors.readers import read
from tests.readers.conftest import BODY, DEVSET, TABLE


def _flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_paragraphs_rejoined_across_lines_and_pages(report_pdf):
    doc = read(report_pdf)
    assert doc.reader == "pdf:pypdfium2" and doc.pages >= 3
    texts = [_flat(b.text) for b in doc.blocks if b.kind != BlockKind.TABLE_ROW]
    assert texts == [_flat(t) for t in BODY]  # every paragraph whole, none split, none merged
    pages = {b.page for b in doc.blocks}
    assert pages == set(range(1, doc.pages + 1))


def test_running_header_and_page_numbers_removed(report_pdf):
    doc = read(report_pdf)
    assert "某市某局巡察反馈材料" in doc.headers
    assert any(re.fullmatch(r"—\s*\d+\s*—", h) for h in doc.headers)
    assert not any("巡察反馈材料" in b.text or re.fullmatch(r"—\s*\d+\s*—", b.text) for b in doc.blocks)


def test_ruled_table_one_block_per_row(report_pdf):
    doc = read(report_pdf)
    rows = [b for b in doc.blocks if b.kind == BlockKind.TABLE_ROW]
    assert [b.row for b in rows] == [0, 1, 2]
    assert {b.table for b in rows} == {0}
    for block, cells in zip(rows, TABLE):
        assert block.text.split("｜") == cells  # wrapped cell text joined back whole


def test_offsets_and_sections(report_pdf):
    doc = read(report_pdf)
    full = doc.text
    for b in doc.blocks:
        assert full[b.offset:b.offset + len(b.text)] == b.text
    item = next(b for b in doc.blocks if b.text.startswith("2.财务制度"))
    assert item.section[:2] == ("一、巡察发现的主要问题", "（二）落实全面从严治党方面")
    assert item.page >= 1


def test_quotes_kept_in_place(report_pdf):
    """pypdfium2's plain text puts quote marks set in another font at the line end."""
    doc = read(report_pdf)
    assert "落实“放管服”改革要求打折扣" in doc.text
    assert "由“一把手”个人说了算" in doc.text


def _norm(text: str) -> str:  # score.py's normalisation
    return re.sub(r"\s+", "", text).translate(str.maketrans("，。；：（）“”", ",.;:()\"\""))


@pytest.mark.skipif(not (DEVSET / "gold.jsonl").exists(), reason="shared devset not available")
def test_devset_pdfs_hold_every_gold_quote():
    gold = [json.loads(line) for line in (DEVSET / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line]
    missing, total = [], 0
    for g in gold:
        stem = g["doc"].rsplit(".", 1)[0]
        if "-" in stem:
            continue  # the scan and garbled copies are OCR tests
        text = _norm(read(DEVSET / f"{stem}.pdf").text)
        for q in [f["quote"] for f in g["findings"]] + g["negatives"]:
            total += 1
            if _norm(q) not in text:
                missing.append((stem, q))
    assert total > 400 and missing == []


@pytest.mark.skipif(not (DEVSET / "gold.jsonl").exists(), reason="shared devset not available")
def test_devset_pdf_paragraphs_match_source_lines():
    """Each line of devNN.txt (one paragraph per line) is one block of devNN.pdf."""
    for n in range(1, 19):
        stem = f"dev{n:02d}"
        lines = [_flat(x) for x in (DEVSET / f"{stem}.txt").read_text(encoding="utf-8").splitlines()
                 if x.strip() and not x.startswith("|")]
        blocks = {_flat(b.text) for b in read(DEVSET / f"{stem}.pdf").blocks}
        assert [x for x in lines if x not in blocks] == [], stem


def test_full_stop_standing_at_a_line_start_is_kept(tmp_path):
    """With Asian line-breaking rules off (w:kinsoku=0) a 。 can open a line; pdfium's
    plain text call drops such a 。 in this layout, the char-level reader keeps it."""
    import shutil

    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    from tests.fixtures.docs import cjk_font, soffice_convert

    if not shutil.which("soffice"):
        pytest.skip("soffice not installed")
    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.8)
    texts = []
    for n in range(22, 30):  # one of these lengths puts the 。 first on the second line
        t = "巡" * n + "。" + "察组认为该局党组存在问题" * 3
        texts.append(t)
        p = d.add_paragraph(t)
        p.paragraph_format.first_line_indent = Pt(32)
        k = OxmlElement("w:kinsoku")
        k.set(qn("w:val"), "0")
        p._p.get_or_add_pPr().append(k)
        cjk_font(p, 16)
    d.save(str(tmp_path / "kinsoku.docx"))
    pdf = soffice_convert(tmp_path / "kinsoku.docx", "pdf", tmp_path)
    assert [b.text for b in read(pdf).blocks] == texts


def test_word_lists_with_hanging_indent(tmp_path):
    """Items of Word's own numbered and bulleted lists wrap under their text, not under
    the label; each item stays one block, as in the .docx."""
    import shutil

    import docx

    from tests.fixtures.docs import cjk_font, soffice_convert

    if not shutil.which("soffice"):
        pytest.skip("soffice not installed")
    d = docx.Document()
    cjk_font(d.add_paragraph("关于对某局的反馈意见"), 16)
    item = "项问题：财务制度执行不严，存在白条入账、报销凭证不全等问题，部分支出无审批手续即予报销，涉及金额较大。"
    for i in range(1, 4):
        cjk_font(d.add_paragraph(f"第{i}{item}", style="List Number"), 16)
    for i in range(4, 6):
        cjk_font(d.add_paragraph(f"第{i}{item}", style="List Bullet"), 16)
    cjk_font(d.add_paragraph("结尾段落。"), 16)
    d.save(str(tmp_path / "lists.docx"))
    pdf = soffice_convert(tmp_path / "lists.docx", "pdf", tmp_path)
    assert [b.text for b in read(pdf).blocks] == [b.text for b in read(tmp_path / "lists.docx").blocks]


def test_paragraph_spacing_without_indent(tmp_path):
    """Web-style layout: no first-line indent, space after each paragraph. A paragraph
    whose last line happens to fill the width still ends there."""
    import shutil

    import docx
    from docx.shared import Cm, Pt

    from tests.fixtures.docs import cjk_font, soffice_convert

    if not shutil.which("soffice"):
        pytest.skip("soffice not installed")
    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.8)
    texts = ["巡" * n + "。" for n in range(40, 60)]  # lengths around two full lines
    for t in texts:
        p = d.add_paragraph(t)
        p.paragraph_format.space_after = Pt(8)
        cjk_font(p, 16)
    d.save(str(tmp_path / "spaced.docx"))
    pdf = soffice_convert(tmp_path / "spaced.docx", "pdf", tmp_path)
    assert [b.text for b in read(pdf).blocks] == texts


def test_table_borders_looked_for_only_where_a_path_is_painted(tmp_path, report_pdf):
    from extractors.readers.pdf import check_streams
    from tests.fixtures.pdfbytes import build_pdf, text_page

    assert check_streams(report_pdf)  # its table's borders
    text = text_page(["no table here"])
    cases = {
        "text.pdf": (build_pdf([text], filters=[b"/FlateDecode"]), False),
        "clip.pdf": (build_pdf([b"0 0 595 842 re W n\n" + text]), False),  # clips, paints nothing
        "ruled.pdf": (build_pdf([text, b"72 700 400 0.5 re f"], filters=[None, b"/FlateDecode"]), True),
        "stroked.pdf": (build_pdf([b"72 700 m 472 700 l S\n" + text]), True),
        "other-filter.pdf": (build_pdf([text.hex().encode() + b">"], filters=[b"/ASCIIHexDecode"],
                                       raw_streams=True), True),  # not unpacked here: may hold anything
    }
    for name, (data, paints) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert check_streams(tmp_path / name) is paints, name
    assert read(tmp_path / "text.pdf").text == "no table here"
