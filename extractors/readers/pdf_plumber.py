"""PDF, second reader: pdfplumber (pdfminer.six), for files pypdfium2 refuses as corrupt.

pdfminer parses differently from pdfium: when a file's cross-reference data is
inconsistent (an incremental update whose trailer names objects that are not
there, for one) pdfium gives up while pdfminer rebuilds its object table by
scanning the file and can still read every page. Ruled tables are found by
pdfplumber's table finder (cell boundaries from the drawn borders), the other
characters regrouped into lines, and the page text rebuilt as the main reader
does. Measured against the main reader in bench/bench_pdf_readers.py: slower
(pdfminer is pure Python), so it is only the second chance, never the first.
"""
from __future__ import annotations

import logging
from pathlib import Path

from extractors.document import Document
from extractors.errors import Reason, ReadError
from extractors.readers.pdf import MIN_PAGE_CHARS, _page_list, add_blocks, check_page_count
from extractors.text import Line, _glue, garbled, lines_from_chars, tidy

log = logging.getLogger(__name__)


def read_pdf_plumber(path: Path) -> Document:
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfplumber wraps pdfminer's many parse errors in its own types
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, f"pdfplumber: {exc!r}"[:500]) from exc
    with pdf:
        try:
            pages = pdf.pages
        except Exception as exc:  # the page tree itself is unreadable
            raise ReadError(Reason.CORRUPT_OR_TRUNCATED, f"pdfplumber pages: {exc!r}"[:500]) from exc
        n = len(pages)
        check_page_count(n)
        doc = Document(name=path.name, reader="pdf:pdfplumber", pages=n)
        lines: dict[int, list[Line]] = {}
        heights: dict[int, float] = {}
        failed, unreadable_text = [], []
        for i, page in enumerate(pages):
            try:
                heights[i + 1] = float(page.height)
                page_lines = page_lines_of(page, i + 1)
            except Exception as exc:  # one damaged page: reported, the others still read
                log.warning("pdfplumber failed on page %d of %s: %r", i + 1, path.name, exc)
                failed.append(i)
                continue
            finally:
                page.close()
            text = "".join(ln.text if ln.cells is None else "".join(c for r in ln.cells for c in r)
                           for ln in page_lines)
            if garbled(text):
                unreadable_text.append(i)
            elif len("".join(text.split())) >= 1:
                lines[i + 1] = page_lines
    add_blocks(doc, lines, heights, set())
    if failed:
        doc.warnings.append(f"第{_page_list(failed)}页无法解析，这些页未读取，请对照原件。")
        doc.warning_codes.append(Reason.PARTLY_READ.value)
    if unreadable_text:
        doc.warnings.append(f"第{_page_list(unreadable_text)}页文字编码无法识别（且文件损坏无法进行文字识别），"
                            "这些页未读取，请对照原件。")
        doc.warning_codes.append(Reason.PARTLY_READ.value)
    if not doc.blocks or sum(len(b.text) for b in doc.blocks) < MIN_PAGE_CHARS:
        raise ReadError(Reason.NO_TEXT, "pdfplumber found no usable text", pages=n)
    return doc


def page_lines_of(page, page_no: int) -> list[Line]:
    """One page as lines: each ruled table as one Line holding its cells, the rest by position."""
    tables = page.find_tables()
    out: list[Line] = []
    boxes = []
    for table in tables:
        rows = []
        for row in table.extract():
            cells = [_join_cell(c) for c in row]
            if any(cells):
                rows.append(cells)
        if not rows:
            continue
        x0, top, x1, bottom = table.bbox
        boxes.append(table.bbox)
        out.append(Line("", page_no, x0, x1, top, bottom, cells=rows))

    def outside(c: dict) -> bool:
        cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    chars = [(c["text"], c["x0"], c["x1"], c["top"], c["bottom"]) for c in page.chars
             if c.get("upright", True) and outside(c)]
    out.extend(lines_from_chars(chars, page_no))
    return sorted(out, key=lambda ln: (ln.y0, ln.x0))


def _join_cell(text: str | None) -> str:
    """A cell's wrapped lines joined as in running text (no space between Chinese characters)."""
    out = ""
    for part in (text or "").split("\n"):
        part = tidy(part)
        if part:
            out = _glue(out, part) if out else part
    return out
