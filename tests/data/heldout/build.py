#!/usr/bin/env python3
"""Build the held-out extraction test set: src/*.txt -> *.docx, then verify against gold.jsonl.

    .venv/bin/python tests/data/heldout/build.py           # build and verify
    .venv/bin/python tests/data/heldout/build.py --check   # verify the committed .docx only

The documents in src/ are invented for a generalisation check of the extraction rules: their
styles and wording deliberately differ from the devset and the bundled samples. README.md says
which were used for tuning and when, and gives the figures measured before each was looked at.

Source format: UTF-8, one paragraph per line; a run of lines starting with "|" is one table
(cells separated by "|"), rendered as a real Word table. Layout is plain 公文-like: centred bold
title (one line, or two when the first names the issuing 巡视组/巡察组), bold headings
(一、 / （一） / 第一部分), body text 仿宋 set through w:eastAsia. Output is byte-reproducible
(fixed core properties and zip timestamps).

Verification (exit 1 on failure): every paragraph and table cell of a .txt appears in the text of
its .docx; every gold quote, negative and ambiguous span is in the .txt and the .docx (white space
removed, full-width punctuation unified as the scorer does); no two findings, and no finding and
negative, of one document match each other under the scorer's 60 % cover rule.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import sys
import zipfile
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
GOLD = HERE / "gold.jsonl"
STAMP = datetime(2025, 1, 1)
HEADING = re.compile(r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
ISSUER = re.compile(r"(巡视组|巡察组)$")
DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_UNIFY = str.maketrans("，。；：（）“”", ",.;:()\"\"")


def flat(text: str) -> str:
    return "".join((text or "").split()).translate(_UNIFY)


def _style(run, east: str, pt: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt
    run.font.size = Pt(pt)
    run.font.bold = bold
    run.font.name = "Times New Roman"
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east)


def _paragraph(doc, text: str, east: str = "仿宋", pt: float = 16, bold: bool = False,
               centre: bool = False, indent: bool = True) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(0)
    if centre:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        p.paragraph_format.first_line_indent = Pt(pt * 2)
    _style(p.add_run(text), east, pt, bold)


def _table(doc, rows: list[list[str]]) -> None:
    ncol = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=ncol)
    table.style = "Table Grid"
    for ri, row in enumerate(rows):
        for ci in range(ncol):
            para = table.cell(ri, ci).paragraphs[0]
            _style(para.add_run(row[ci] if ci < len(row) else ""), "黑体" if ri == 0 else "仿宋", 11, ri == 0)


def build(txt: Path, out: Path) -> None:
    from docx import Document
    from docx.shared import Cm

    lines = [ln.strip() for ln in txt.read_text(encoding="utf-8").splitlines() if ln.strip()]
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    props = doc.core_properties
    props.author = props.last_modified_by = "zhenggai heldout"
    props.created = props.modified = props.last_printed = STAMP
    props.revision = 1
    props.title = lines[1] if ISSUER.search(lines[0]) else lines[0]
    props.comments = "Invented test document (not a real report)"
    n_title = 2 if ISSUER.search(lines[0]) else 1
    for t in lines[:n_title]:
        _paragraph(doc, t, "宋体", 22, bold=True, centre=True)
    i = n_title
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            _table(doc, rows)
            continue
        if line.startswith(("发布", "来源")):
            _paragraph(doc, line, pt=12, centre=True)
        elif DATE.match(line) or (i == len(lines) - 2 and DATE.match(lines[-1])):
            _paragraph(doc, line, indent=False)  # signature block
        elif HEADING.match(line) and len(line) <= 40 and "。" not in line:
            _paragraph(doc, line, "黑体", bold=True)
        else:
            _paragraph(doc, line, indent=not (i == n_title and line.endswith("：")))
        i += 1
    buf = io.BytesIO()
    doc.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info.filename))


def docx_text(path: Path) -> str:
    from docx import Document
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _cover(a: str, b: str) -> float:
    """Share of a covered by runs of >= 4 characters shared with b (the scorer's rule)."""
    if not a or not b:
        return 0.0
    hit = sum(m.size for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
              if m.size >= min(4, len(a), len(b)))
    return hit / len(a)


def verify() -> list[str]:
    errors = []
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    for g in gold:
        stem = Path(g["doc"]).stem
        txt, docx = SRC / f"{stem}.txt", HERE / f"{stem}.docx"
        if not txt.exists() or not docx.exists():
            errors.append(f"{stem}: missing {txt.name} or {docx.name}")
            continue
        t_src, t_doc = flat(txt.read_text(encoding="utf-8")), flat(docx_text(docx))
        for line in txt.read_text(encoding="utf-8").splitlines():
            pieces = line.strip().strip("|").split("|") if line.startswith("|") else [line]
            for piece in pieces:
                if flat(piece) not in t_doc:
                    errors.append(f"{stem}: source text not in .docx: {piece[:30]}")
        quotes = [f["quote"] for f in g["findings"]]
        for span in quotes + g.get("negatives", []) + g.get("ambiguous", []):
            for where, text in (("txt", t_src), ("docx", t_doc)):
                if flat(span) not in text:
                    errors.append(f"{stem}: not in {where}: {span}")
        for i, q in enumerate(quotes):
            for other in quotes[i + 1:] + g.get("negatives", []):
                a, b = flat(q), flat(other)
                if _cover(a, b) >= 0.6 or _cover(b, a) >= 0.6:
                    errors.append(f"{stem}: overlapping labels: {q} / {other}")
    return errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify only")
    args = ap.parse_args()
    if not args.check:
        for txt in sorted(SRC.glob("*.txt")):
            build(txt, HERE / f"{txt.stem}.docx")
            print(f"built {txt.stem}.docx")
    errors = verify()
    for e in errors:
        print(e)
    print("verify:", "FAILED" if errors else "ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
