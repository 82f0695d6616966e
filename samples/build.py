#!/usr/bin/env python3
"""Build the bundled sample reports for `zhenggai demo`.

    python samples/build.py            # src/*.txt -> *.docx -> *.pdf (+ one .doc), then verify
    python samples/build.py --check    # verify the committed files only (no LibreOffice needed)

Sources are samples/src/NAME.txt (UTF-8, one paragraph per line; table rows are
lines starting with "|", cells separated by "|"). Outputs are written to samples/:

  NAME.docx   python-docx, 公文-like layout: A4, centred bold title, 一、 headings bold
              (黑体), （一） headings bold (楷体), lead sentence of "1." items bold, body
              仿宋 16 pt set through w:eastAsia, "|" lines as a real Word table.
              Deterministic: fixed core properties and fixed zip timestamps.
  NAME.pdf    soffice --headless --convert-to pdf (a text layer; LibreOffice substitutes
              Noto CJK when 仿宋/黑体/楷体 are not installed). PDF metadata carries
              LibreOffice's own timestamps, so PDFs are not byte-identical across runs.
  LEGACY.doc  soffice --headless --convert-to doc, for the names in LEGACY_DOC.

Verification (exit 1 on failure): every paragraph and table cell of each .txt is
found in the .docx text and in `pdftotext` output (white space removed, common
full-width punctuation unified as the scorer does); every quote and negative of
gold.jsonl is an exact substring of its .txt (white space removed) and is found in
the .docx, .pdf and .doc text; no finding matches another finding or a negative
of the same document under the scorer's 60%-cover rule.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
GOLD = HERE / "gold.jsonl"
LEGACY_DOC = ["镇党委巡察反馈意见"]  # also saved as a Word 97-2003 .doc

BODY_FONT, H1_FONT, H2_FONT, TITLE_FONT = "仿宋", "黑体", "楷体", "宋体"
LATIN_FONT = "Times New Roman"
BODY_PT, TITLE_PT, SMALL_PT, TABLE_PT = 16, 22, 12, 12
FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)

H1 = re.compile(r"^[一二三四五六七八九十]+、")
H2 = re.compile(r"^（[一二三四五六七八九十]+）")
H3 = re.compile(r"^\d{1,2}[.．](?!\d)")
DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
META = re.compile(r"^(发布时间|发布日期|来源)")
CAPTION = re.compile(r"^表\d+\s")
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    """The scorer's normalisation: no white space, common full-width punctuation unified."""
    return _SPACE.sub("", text or "").translate(str.maketrans("，。；：（）“”", ",.;:()\"\""))


# --------------------------------------------------------------------------- docx
def _font(run, east: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    rfonts.set(qn("w:hint"), "eastAsia")  # draw “” and other shared punctuation full width


def _para(doc, align=None, indent: bool = True, space_before: float = 0):
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_after = Pt(0)
    fmt.space_before = Pt(space_before)
    if indent:
        fmt.first_line_indent = Pt(BODY_PT * 2)
    if align is not None:
        p.alignment = align
    return p


def _split_lead(line: str) -> tuple[str, str]:
    """'1.标题句。正文……' -> ('1.标题句。', '正文……'); the whole line if it has no 。"""
    cut = line.find("。")
    if cut == -1 or cut == len(line) - 1:
        return line, ""
    return line[: cut + 1], line[cut + 1:]


def _table(doc, rows: list[list[str]]) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt
    ncol = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=ncol)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Cm(1.5), Cm(7.9), Cm(2.8), Cm(3.4)] if ncol == 4 else [None] * ncol
    for ci, w in enumerate(widths):
        if w is not None:
            table.columns[ci].width = w  # sets w:gridCol, which LibreOffice honours
    for ri, tr in enumerate(table.rows):
        trpr = tr._tr.get_or_add_trPr()
        trpr.append(trpr.makeelement(qn("w:cantSplit"), {}))  # keep a row on one page
        if ri == 0:
            trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))  # repeat the header row on each page
    for ri, row in enumerate(rows):
        for ci in range(ncol):
            cell = table.cell(ri, ci)
            if widths[ci] is not None:
                cell.width = widths[ci]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            text = row[ci] if ci < len(row) else ""
            fmt = p.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(TABLE_PT + 6)
            fmt.space_before = fmt.space_after = Pt(2)
            if ri == 0 or ci != 1:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(text), H1_FONT if ri == 0 else BODY_FONT, TABLE_PT, bold=ri == 0)


def build_docx(txt: Path, out: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    lines = [l.strip() for l in txt.read_text(encoding="utf-8").splitlines()]
    lines = [l for l in lines if l]
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    props = doc.core_properties
    props.title = lines[0] if not lines[0].endswith("巡察组") else lines[1]
    props.author = "zhenggai samples"
    props.last_modified_by = "zhenggai samples"
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    props.comments = "Invented sample report for zhenggai demo (not a real document)"

    # Title block: an issuing body line (…巡察组) then the title, or the title alone.
    n_title = 2 if lines[0].endswith("巡察组") else 1
    # Signature block: a final date line and the issuing body just above it.
    n_sign = 2 if DATE.match(lines[-1]) else 0
    body = lines[n_title: len(lines) - n_sign]

    for t in lines[:n_title]:
        p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        _font(p.add_run(t), TITLE_FONT, TITLE_PT, bold=True)
    _para(doc, indent=False)  # blank line under the title

    i = 0
    while i < len(body):
        line = body[i]
        if line.startswith("|"):
            rows = []
            while i < len(body) and body[i].startswith("|"):
                rows.append([c.strip() for c in body[i].strip().strip("|").split("|")])
                i += 1
            _table(doc, rows)
            continue
        if META.match(line):
            p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, indent=False)
            _font(p.add_run(line), BODY_FONT, SMALL_PT)
        elif line.endswith("：") and len(line) <= 30 and i == 0:
            p = _para(doc, indent=False)  # salutation: 某县某局党组：
            _font(p.add_run(line), BODY_FONT, BODY_PT)
        elif CAPTION.match(line):
            p = _para(doc, WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_before=6)
            _font(p.add_run(line), H1_FONT, SMALL_PT + 2, bold=True)
        elif H1.match(line) and len(line) <= 40 and "。" not in line:
            p = _para(doc)
            _font(p.add_run(line), H1_FONT, BODY_PT, bold=True)
        elif H2.match(line):
            lead, rest = _split_lead(line)
            p = _para(doc)
            _font(p.add_run(lead), H2_FONT, BODY_PT, bold=True)
            if rest:
                _font(p.add_run(rest), BODY_FONT, BODY_PT)
        elif H3.match(line):
            lead, rest = _split_lead(line)
            p = _para(doc)
            _font(p.add_run(lead), BODY_FONT, BODY_PT, bold=True)
            if rest:
                _font(p.add_run(rest), BODY_FONT, BODY_PT)
        else:
            p = _para(doc)
            _font(p.add_run(line), BODY_FONT, BODY_PT)
        i += 1

    if n_sign:
        _para(doc, indent=False)
        for t in lines[-n_sign:]:
            p = _para(doc, WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
            p.paragraph_format.right_indent = Cm(1.2)
            _font(p.add_run(t), BODY_FONT, BODY_PT)

    buf = io.BytesIO()
    doc.save(buf)
    _rezip_fixed(buf.getvalue(), out)


def _rezip_fixed(data: bytes, out: Path) -> None:
    """Rewrite the .docx zip with fixed entry timestamps so the bytes are reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))


# --------------------------------------------------------------------------- soffice
def soffice_convert(files: list[Path], fmt: str, outdir: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        sys.exit("soffice (LibreOffice) not found; use --check to verify the committed files")
    with tempfile.TemporaryDirectory(prefix="zg-samples-lo-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless",
               "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    ext = fmt.split(":")[0]
    for f in files:
        if not (outdir / f"{f.stem}.{ext}").exists():
            sys.exit(f"soffice did not produce {f.stem}.{ext}")


# --------------------------------------------------------------------------- text readers
def docx_text(path: Path) -> str:
    from docx import Document
    d = Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def doc_text(path: Path) -> str:
    """Text of a legacy .doc: converted back to .txt with soffice (or antiword if present)."""
    with tempfile.TemporaryDirectory(prefix="zg-samples-doc-") as tmp:
        soffice_convert([path], "txt:Text (encoded):UTF8", Path(tmp))
        return (Path(tmp) / f"{path.stem}.txt").read_text(encoding="utf-8", errors="replace")


# --------------------------------------------------------------------------- verification
def _runs(a: str, b: str) -> list[tuple[int, int]]:
    blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return [(i, i + n) for i, _, n in blocks if n >= min(4, len(a), len(b)) and n > 0]


def _share(length: int, spans: list[tuple[int, int]]) -> float:
    marked = bytearray(length)
    for s, e in spans:
        marked[s:e] = b"\x01" * (e - s)
    return sum(marked) / length if length else 0.0


def _pdf_flat(text: str) -> str:
    # pdftotext -layout may break a line inside a table cell; white space is dropped anyway.
    return norm(text)


def verify(names: list[str], with_doc: bool) -> list[str]:
    errors: list[str] = []
    gold = {}
    if GOLD.exists():
        for line in GOLD.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                gold[Path(row["doc"]).stem] = row
    for name in names:
        txt = (SRC / f"{name}.txt").read_text(encoding="utf-8")
        texts = {}
        for ext, reader in (("docx", docx_text), ("pdf", pdf_text)):
            path = HERE / f"{name}.{ext}"
            if not path.exists():
                errors.append(f"{name}.{ext} missing")
                continue
            texts[ext] = norm(reader(path))
        if with_doc and name in LEGACY_DOC:
            path = HERE / f"{name}.doc"
            if path.exists():
                texts["doc"] = norm(doc_text(path))
            else:
                errors.append(f"{name}.doc missing")
        # every paragraph / table cell of the source is in each rendering
        pieces = []
        for line in txt.splitlines():
            line = line.strip()
            if line.startswith("|"):
                pieces.extend(c.strip() for c in line.strip("|").split("|") if c.strip())
            elif line:
                pieces.append(line)
        for ext, text in texts.items():
            missing = [p for p in pieces if norm(p) not in text]
            if missing:
                errors.append(f"{name}.{ext}: {len(missing)} source piece(s) not found, e.g. {missing[0][:40]}")
        if name not in gold:
            errors.append(f"{name}: no line in gold.jsonl")
            continue
        g = gold[name]
        flat_txt = _SPACE.sub("", txt)
        quotes = [f["quote"] for f in g.get("findings", [])]
        negs = list(g.get("negatives", []))
        for q in quotes + negs + list(g.get("ambiguous", [])):
            if _SPACE.sub("", q) not in flat_txt:
                errors.append(f"{name}: not a substring of the .txt: {q}")
            for ext, text in texts.items():
                if norm(q) not in text:
                    errors.append(f"{name}.{ext}: not found in extracted text: {q}")
        nq = [norm(q) for q in quotes]
        for i, a in enumerate(nq):
            for j, b in enumerate(nq):
                if i != j and _share(len(a), _runs(a, b)) >= 0.6:
                    errors.append(f"{name}: finding {quotes[j]!r} covers finding {quotes[i]!r}")
            for n in negs:
                nn = norm(n)
                if _share(len(nn), _runs(nn, a)) >= 0.6:
                    errors.append(f"{name}: finding {quotes[i]!r} covers negative {n!r}")
    return errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="verify only, do not render")
    ap.add_argument("--no-doc-check", action="store_true", help="skip reading the .doc back (needs soffice)")
    args = ap.parse_args()

    names = sorted(p.stem for p in SRC.glob("*.txt"))
    if not names:
        print("no sources in", SRC, file=sys.stderr)
        return 1
    if not args.check:
        for name in names:
            build_docx(SRC / f"{name}.txt", HERE / f"{name}.docx")
            print(f"built {name}.docx")
        soffice_convert([HERE / f"{n}.docx" for n in names], "pdf", HERE)
        print("converted", len(names), "PDF(s)")
        soffice_convert([HERE / f"{n}.docx" for n in LEGACY_DOC], "doc", HERE)
        print("converted", len(LEGACY_DOC), "legacy .doc")
    with_doc = not args.no_doc_check and shutil.which("soffice") is not None
    errors = verify(names, with_doc)
    for e in errors:
        print("FAIL", e, file=sys.stderr)
    print(f"verified {len(names)} sample(s): {'OK' if not errors else f'{len(errors)} problem(s)'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
