"""PDF: text layer via pypdfium2, OCR for pages without usable text.

Measured (bench/bench_read.py, 1,091 dense Chinese pages; devset gold quotes):
pypdfium2's plain get_text_range reads ~3,000 pages/s but keeps only 367 of 428
gold quotes verbatim; pdfplumber ~36 pages/s and 418/428 (it interleaves the
lines of table cells side by side); this reader ~430 pages/s, 428/428, peak RSS
~45 MB. pdfplumber was also no more tolerant of broken files than pdfium, so
pypdfium2 is used throughout. Since then (bench/bench_throughput.py's probes, same session on
a shared machine, 1,147 pages): 345 -> 686 pages/s against the plain text's 1,552 (0.22 -> 0.44 of it;
by callgrind instructions 0.21 -> 0.46), the output unchanged, by reading the page
text in one call and fetching character boxes only where layout needs them
(page_text_lines). At character level:
- `FPDFText_GetText` may leave out characters of the internal list (a lone 。 at
  a line start was seen dropped), so its text is taken only where it matches that
  list one to one (nearly every page), else the list is read char by char;
- quote marks set in a fallback font come out at the end of their line
  ("聚焦 四个落实 ，“ ”"), so such lines are re-ordered by each character's x;
- wide gaps split a line into table cells, and ruled tables are read by their
  grid (extractors.text.fold_tables).
Pages with no text layer, or garbled text (fonts without a ToUnicode map), are
OCR'd page by page (extractors.ocr); without Tesseract they are reported.
"""
from __future__ import annotations

import bisect
import ctypes
import functools
import re
import zlib
from pathlib import Path

from extractors import ocr
from extractors.document import Block, BlockKind, Document
from extractors.errors import Reason, ReadError
from extractors.text import Line, garbled, fold_tables, join_lines, join_surrogates, pair_quotes, remove_running

MAX_PAGES = 5000
QUOTES = set("“”‘’\"'「」『』《》〈〉")
MIN_PAGE_CHARS = 10  # fewer non-space characters than this: the page has no text layer
STAMPED_SCAN_CHARS = 60  # a page image with no more text than this on it is a scan


MAX_STREAM_INFLATED = 400 << 20  # one stream unpacked; a FlateDecode bomb is far beyond
_STREAM = re.compile(rb"stream\r?\n")
_ENDSTREAM = re.compile(rb"endstream")


# A path is painted (stroked, filled, or ended) by one of these operators, a token of
# its own (whitespace and delimiters read as spaces); "W n" only clips.
_AS_SPACE = bytes.maketrans(b"\x00\t\n\x0c\r/[]()<>{}%", b" " * 15)
_PAINT = re.compile(rb" (?:[SsfFBb]\*?|n)(?= )")
# streams that are no page content: fonts, images, cross references, object streams, metadata
_NOT_CONTENT = re.compile(rb"/Length[123]\b|/Subtype\s*/(?:Image|Type1C|CIDFontType0C|OpenType)\b"
                          rb"|/Type\s*/(?:XRef|ObjStm|Metadata)\b")
_FLATE_ONLY = re.compile(rb"/Filter\s*(?:\[\s*)?/FlateDecode\s*\]?\s*(?:/|>>)")


def _paints(chunk: bytes) -> bool:
    """Whether this piece of a content stream paints a path."""
    t = chunk.translate(_AS_SPACE) + b" "
    for hit in _PAINT.finditer(t):
        if hit[0] != b" n":
            return True
        before = t[max(0, hit.start() - 32):hit.start()].rstrip(b" ")
        if not (before.endswith(b" W") or before.endswith(b" W*")):
            return True  # n ends a path without clipping: pdfium may keep it as a path object
    return False


def check_streams(path: Path) -> bool:
    """Refuse decompression bombs before pdfium inflates them all in memory; tell
    whether any stream may paint a path (table borders are paths).

    Every non-image stream that inflates as zlib is inflated in bounded steps, its
    output counted and dropped, so this costs CPU once but never memory. (Text
    content streams are what pdfium inflates whole to read a page; a total limit
    would refuse long legitimate scans, so there is none.) The content among them is
    looked at on the way for path painting operators: False only when every stream
    that may hold page content was read and none paints one, so looking for table
    borders page by page can be skipped. An encrypted file, another filter or a
    stream that does not unpack may hold anything.
    """
    import mmap

    with open(path, "rb") as fh:
        try:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty
            return False
        with data:
            paints = data.find(b"/Encrypt") >= 0
            found = 0
            pos = 0
            while True:
                m = _STREAM.search(data, pos)
                if not m:
                    break
                start = m.end()
                if data[max(0, m.start() - 3):m.start()] == b"end":
                    pos = start
                    continue
                found += 1
                end = data.find(b"endstream", start)
                end = len(data) if end < 0 else end
                pos = max(end, start + 1)
                head = data[max(0, m.start() - 2048):m.start()]
                head = head[head.rfind(b" obj") + 1:]
                content = not paints and not _NOT_CONTENT.search(head)
                if data[start:start + 1] not in (b"\x78", b"\x08", b"\x18", b"\x28", b"\x38", b"\x48", b"\x58",
                                                   b"\x68"):
                    if content:  # not a zlib header: not FlateDecode
                        paints = b"/Filter" in head or _paints(b" " + data[start:end])
                    continue
                if b"/Image" in head:
                    continue  # images are decoded only to render a page for OCR, under the sandbox limits
                if content and not _FLATE_ONLY.search(head):
                    content, paints = False, True  # a chain of filters: not looked into
                tail = b" "  # the end of the previous piece: an operator may straddle two
                d = zlib.decompressobj()
                n, chunk_at = 0, start
                try:
                    while chunk_at < end and not d.eof:
                        out = d.decompress(data[chunk_at:min(end, chunk_at + (1 << 20))], 1 << 24)
                        n += len(out)
                        if content and _paints(tail + out):
                            content, paints = False, True
                        tail = out[-16:] if len(out) >= 16 else (tail + out)[-16:]
                        while d.unconsumed_tail and not d.eof and n <= MAX_STREAM_INFLATED:
                            out = d.decompress(d.unconsumed_tail, 1 << 24)
                            n += len(out)
                            if content and _paints(tail + out):
                                content, paints = False, True
                            tail = out[-16:] if len(out) >= 16 else (tail + out)[-16:]
                            if not out:
                                break
                        chunk_at += 1 << 20
                        if n > MAX_STREAM_INFLATED:
                            break
                except zlib.error:
                    paints = paints or content
                if content and not d.eof:
                    paints = True
                if n > MAX_STREAM_INFLATED:
                    raise ReadError(Reason.UNSAFE_CONTENT, f"stream at byte {start} inflates past {n >> 20} MiB")
            return paints or found != len(_ENDSTREAM.findall(data))  # a stream not found above may hold anything


def read_pdf(path: Path) -> Document:
    import pypdfium2 as pdfium

    paths = check_streams(path)
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg or "security" in msg:
            raise ReadError(Reason.PASSWORD_PROTECTED, str(exc)) from exc
        return second_reader(path, str(exc))
    try:
        return _read(pdf, path, paths)
    except ReadError as exc:
        if exc.reason != Reason.CORRUPT_OR_TRUNCATED:
            raise
        refused = exc.detail
    finally:
        pdf.close()
    return second_reader(path, refused)


FALLBACK_NOTE = ("PDF文件结构损坏（{why}），常规读取方式无法打开，已改用备用读取方式（pdfplumber）读取，"
                 "版面可能略有差异，请对照原件核对。")


def second_reader(path: Path, refused: str) -> Document:
    """pypdfium2 refused the file as corrupt: give pdfplumber its chance, saying so on the document."""
    from extractors.readers.pdf_plumber import read_pdf_plumber

    try:
        doc = read_pdf_plumber(path)
    except ReadError as exc:
        if exc.reason in (Reason.CORRUPT_OR_TRUNCATED, Reason.NO_TEXT):
            raise ReadError(Reason.CORRUPT_OR_TRUNCATED, f"pypdfium2: {refused}; {exc.detail}",
                            pages=exc.pages) from exc
        raise
    why = "交叉引用表或页面目录异常" if "page" not in refused.lower() else "部分页面对象异常"
    doc.warnings.insert(0, FALLBACK_NOTE.format(why=why))
    doc.warning_codes.append(Reason.FALLBACK_READER.value)
    return doc


def _read(pdf, path: Path, paths: bool) -> Document:
    """`paths`: whether any stream may paint a path; without, no page has table borders."""
    import pypdfium2 as pdfium

    n = len(pdf)
    check_page_count(n)
    doc = Document(name=path.name, reader="pdf:pypdfium2", pages=n)
    lines: dict[int, list[Line]] = {}
    heights: dict[int, float] = {}
    to_ocr: list[int] = []
    why_ocr: dict[int, str] = {}
    for i in range(n):
        try:
            page = pdf[i]
        except pdfium.PdfiumError as exc:
            raise ReadError(Reason.CORRUPT_OR_TRUNCATED, f"page {i + 1}: {exc}") from exc
        try:
            heights[i + 1] = page.get_height()
            tp = page.get_textpage()
            try:
                page_lines = page_text_lines(tp, i + 1, heights[i + 1])
            finally:
                tp.close()
            if page_lines and paths:
                page_lines = fold_tables(page_lines, _rulings(page, heights[i + 1]))
            text = "".join(ln.text if ln.cells is None else "".join(c for row in ln.cells for c in row)
                           for ln in page_lines)
            bad = garbled(text)
            if bad:
                to_ocr.append(i)
                why_ocr[i] = bad
            elif len("".join(text.split())) < MIN_PAGE_CHARS and _has_image(page):
                to_ocr.append(i)
                why_ocr[i] = "无文字层（扫描件）"
            elif len("".join(text.split())) < STAMPED_SCAN_CHARS and _image_share(page) > 0.5:
                to_ocr.append(i)  # a scan with a page number or stamp added as text
                why_ocr[i] = "扫描件（仅有少量附加文字）"
            else:
                lines[i + 1] = page_lines
        finally:
            page.close()

    ocr_pages: set[int] = set()
    if to_ocr:
        missing = ocr.missing()
        if missing:
            if not any(lines.values()):
                raise ReadError(Reason.NEEDS_OCR, missing, pages=n)
            doc.warnings.append(
                f"第{_page_list(to_ocr)}页无可用文字（{why_ocr[to_ocr[0]]}），需要文字识别（OCR），"
                "但本机未安装识别组件，这些页未读取。")
            doc.warning_codes.append(Reason.NEEDS_OCR.value)
        else:
            failed = []
            for i, page_lines in ocr.ocr_pdf_pages(pdf, to_ocr).items():
                if page_lines is None:
                    failed.append(i)
                    continue
                lines[i + 1] = page_lines  # already cleaned (fix_ocr) and tables folded
                ocr_pages.add(i + 1)
            kinds = sorted(set(why_ocr.values()))
            doc.warnings.append(
                f"第{_page_list(to_ocr)}页经文字识别（OCR）读取（原因：{'；'.join(kinds)}），"
                "引文可能有个别错字，请对照原件核对。")
            doc.reader = "pdf:ocr" if len(to_ocr) == n else "pdf:pypdfium2+ocr"
            if failed:
                doc.warnings.append(f"第{_page_list(failed)}页文字识别失败，这些页未读取，请对照原件。")

    add_blocks(doc, lines, heights, ocr_pages)
    empty = [p for p in range(1, n + 1) if p not in lines or not lines[p]]
    empty = [p for p in empty if p - 1 not in to_ocr]
    if empty and doc.blocks:
        doc.warnings.append(f"第{_page_list([p - 1 for p in empty])}页没有文字。")
    if not doc.blocks:
        raise ReadError(Reason.NO_TEXT, pages=n)
    return doc


def check_page_count(n: int) -> None:
    """A paged document with no pages is broken; one with absurdly many is refused."""
    if n == 0:
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, "no pages")
    if n > MAX_PAGES:
        raise ReadError(Reason.TOO_LARGE, f"{n} pages", pages=n)


def add_blocks(doc: Document, lines: dict[int, list[Line]], heights: dict[int, float],
               ocr_pages: set[int]) -> None:
    """Page lines (text layer or OCR) → paragraphs and table rows on `doc`, running
    headers and page numbers set apart. Shared by every reader of page-based files."""
    all_lines = [ln for p in sorted(lines) for ln in lines[p]]
    kept, removed = remove_running(all_lines, heights)
    doc.headers = removed
    table, row = -1, 0
    for para in join_lines(kept):
        if para.cells is None:
            text = pair_quotes(para.text) if para.page in ocr_pages else para.text
            text = text[1:].lstrip() if text.startswith("•") else text  # as Word bullets in .docx
            if text:
                doc.blocks.append(Block(text=text, page=para.page))
            continue
        last = doc.blocks[-1] if doc.blocks else None
        if not (last and last.kind == BlockKind.TABLE_ROW and last.page == para.page - 1):
            table, row = table + 1, 0  # a table cut by a page break goes on as the same table
        for cells in para.cells:
            if para.page in ocr_pages:
                cells = [pair_quotes(c) for c in cells]
            doc.blocks.append(Block(text="｜".join(cells), page=para.page, kind=BlockKind.TABLE_ROW,
                                    table=table, row=row))
            row += 1


def _page_list(zero_based: list[int]) -> str:
    pages = [i + 1 for i in zero_based]
    if len(pages) > 8:
        return "、".join(map(str, pages[:8])) + f"等{len(pages)}"
    return "、".join(map(str, pages))


def _rulings(page, height: float) -> list[tuple[float, float, float, float]]:
    """Thin path objects (table borders) as boxes in points, y down.

    Walks the page's objects (and those of forms on it, one level down) through
    pdfium's C calls: a Python object per page object cost more than the text."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    out: list[tuple[float, float, float, float]] = []
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    refs = ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)
    get_type, path, form = raw.FPDFPageObj_GetType, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM
    seen = 0

    def walk(parent, count, get, nested: bool) -> bool:
        nonlocal seen
        for i in range(count(parent)):
            obj = get(parent, i)
            if not obj:
                raise pdfium.PdfiumError("Failed to get pageobject.")
            kind = get_type(obj)
            if kind == path:
                if seen > 5000:  # a drawing, not a table
                    return False
                seen += 1
                if not raw.FPDFPageObj_GetBounds(obj, *refs):
                    raise pdfium.PdfiumError("Failed to locate pageobject.")
                x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
                if min(x1 - x0, y1 - y0) <= 2.5:
                    out.append((x0, height - y1, x1, height - y0))
            elif kind == form and not nested:
                if not walk(obj, raw.FPDFFormObj_CountObjects, raw.FPDFFormObj_GetObject, True):
                    return False
        return True

    walk(page.raw, raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject, False)
    return out


def _image_share(page) -> float:
    """Largest share of the page covered by one image."""
    import pypdfium2.raw as raw

    area = max(page.get_width() * page.get_height(), 1.0)
    best = 0.0
    for n, obj in enumerate(page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2)):
        if n > 200:
            break
        x0, y0, x1, y1 = obj.get_bounds()
        best = max(best, (x1 - x0) * (y1 - y0) / area)
    return best


def _has_image(page) -> bool:
    import pypdfium2.raw as raw

    for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        return True
    return False


def page_text_lines(tp, page_no: int, height: float) -> list[Line]:
    """The page's text as visual lines with boxes (points, y down), in pdfium's order.

    The text comes in one call when pdfium's text buffer matches its character list
    (nearly always), else character by character. Character boxes are fetched only
    where layout needs them: a line's two ends; in a line where pdfium saw gaps, the
    characters either side of each gap (a wide one, Latin words, or x going back
    there, and the whole line is read char by char as below); every character of a
    line with quote marks, which may be drawn out of order.
    """
    import pypdfium2.raw as raw

    n = tp.count_chars()
    if n <= 0:
        return []
    handle = tp.raw
    chars = _page_chars(handle, n)
    rect = raw.FS_RECTF()
    rect_ref, loose_box = ctypes.byref(rect), raw.FPDFText_GetLooseCharBox  # looked up once per page
    is_generated = raw.FPDFText_IsGenerated

    def box(i: int) -> tuple[float, float, float, float]:
        # the loose box spans the font's ascent to descent: the same height for 一 and 国
        loose_box(handle, i, rect_ref)
        return rect.left, rect.right, height - rect.top, height - rect.bottom

    surrogates = _SURROGATE.search(chars) is not None
    out: list[Line] = []
    pos = 0
    for seg in chars.split("\n"):  # pdfium ends each line with a generated \r\n
        start = pos
        pos += len(seg) + 1
        if seg.endswith("\r"):
            seg = seg[:-1]
        if not seg:
            continue
        gaps: list[int] = []  # where pdfium saw a gap (a generated space, dropped): maybe a cell boundary
        if "\x00" in seg or "\r" in seg:  # rare: characters to leave out here and there
            idx = []
            for j in range(start, start + len(seg)):
                c = chars[j]
                if c == "\x00" or c == "\r":
                    continue
                if c == " " and is_generated(handle, j):
                    gaps.append(len(idx))
                    continue
                idx.append(j)
            if not idx:
                continue
            text = "".join([chars[j] for j in idx])
            where = idx.__getitem__
        else:
            text = seg
            at = seg.find(" ")
            cut = []
            while at >= 0:
                if is_generated(handle, start + at):
                    cut.append(at)
                at = seg.find(" ", at + 1)
            if cut:
                text = "".join([seg[a + 1:b] for a, b in zip([-1, *cut], [*cut, len(seg)])])
                if not text:
                    continue
                gaps = [c - k for k, c in enumerate(cut)]
                where = functools.partial(_char_index, start, gaps)
            else:
                where = start.__add__
        first, last = where(0), where(len(text) - 1)
        if "\uf000" <= text[0] <= "\uf0ff":  # a Symbol/Wingdings bullet: a list mark, not text
            text = "\u2022" + text[1:]
        quoted = _QUOTE_RE.search(text) is not None
        if gaps or quoted:
            line = None if quoted else _gapped_line(text, where, gaps, box, page_no)
            if line is None:
                out.extend(_segments([where(k) for k in range(len(text))], text, box, page_no))
            else:
                out.append(line)
            continue
        if surrogates:
            text = join_surrogates(text)
        if text.isspace():
            continue
        loose_box(handle, first, rect_ref)
        fx0, fy0, fy1 = rect.left, height - rect.top, height - rect.bottom
        loose_box(handle, last, rect_ref)
        ly0, ly1 = height - rect.top, height - rect.bottom
        out.append(Line(text, page_no, fx0, rect.right, min(fy0, ly0), max(fy1, ly1)))
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")
_QUOTE_RE = re.compile("[" + re.escape("".join(sorted(QUOTES))) + "]")


def _page_chars(handle, n: int) -> str:
    """The page's characters, one per entry of pdfium's character list.

    `FPDFText_GetText` reads pdfium's text buffer, which may leave out or add
    characters against the list (a lone 。 at a line start was seen dropped); when
    its length and the last character's place in it show the two agree one to one,
    it is used, else the list is read char by char.
    """
    import pypdfium2.raw as raw

    buf = (ctypes.c_ushort * (n + 1))()
    got = raw.FPDFText_GetText(handle, 0, n, buf)
    if got == n + 1 and raw.FPDFText_GetTextIndexFromCharIndex(handle, n - 1) == n - 1:
        text = memoryview(buf).cast("B")[:2 * n].tobytes().decode("utf-16-le", "surrogatepass")
        if len(text) == n:
            return text
    get_unicode = raw.FPDFText_GetUnicode
    return "".join([_char(get_unicode(handle, i)) for i in range(n)])


def _char(code: int) -> str:
    try:
        return chr(code)
    except ValueError:
        return "\ufffd"


def _char_index(start: int, gaps: list[int], k: int) -> int:
    """Index in pdfium's list of a line's k-th character, the line starting at `start`
    and the generated spaces left out before `gaps` (positions in the line's text)."""
    return start + k + bisect.bisect_right(gaps, k)


def _gapped_line(text: str, where, gaps: list[int], box, page_no: int) -> Line | None:
    """A line with gaps pdfium marked, from the boxes either side of each gap, when
    none of them can change what `_segments` makes of it: no wide gap, none between
    Latin characters, x going forward. None: the line is to be read char by char."""
    last = len(text) - 1
    picks = [0]
    for g in gaps:
        if 0 < g <= last:
            if text[g - 1].isascii() and text[g].isascii():
                return None  # maybe a space between Latin words
            if picks[-1] != g - 1:
                picks.append(g - 1)
            picks.append(g)
    if picks[-1] != last:
        picks.append(last)
    boxes = [box(where(p)) for p in picks]
    heights = sorted([b[3] - b[2] for b in boxes])
    half = 0.5 * (heights[len(heights) // 2] or 10.0)
    for k in range(1, len(picks)):
        a, b = boxes[k - 1], boxes[k]
        if b[0] < a[0] or (picks[k] == picks[k - 1] + 1 and b[0] - a[1] > half):
            return None  # x goes back (drawn out of order), or a wide gap: maybe a cell boundary
    body = [b for p, b in zip(picks, boxes) if text[p] != " "] or boxes
    text = join_surrogates(text)
    if text.isspace():
        return None
    return Line(text, page_no, boxes[0][0], max([b[1] for b in boxes]),
                min([b[2] for b in body]), max([b[3] for b in body]))


def _segments(idx: list[int], text: str, box, page_no: int) -> list[Line]:
    """A line's characters (`text[k]` is character `idx[k]`) in x order (quote marks
    may be drawn out of order), cut where a wide gap separates table cells."""
    items = []
    for j, ch in zip(idx, text):
        x0, x1, y0, y1 = box(j)
        items.append((x0, x1, y0, y1, ch))
    items.sort(key=lambda it: it[0])
    size = sorted(it[3] - it[2] for it in items)[len(items) // 2] or 10.0
    groups: list[list[tuple]] = [[]]
    for it in items:
        if groups[-1]:
            gap = it[0] - groups[-1][-1][1]
            if gap > 1.0 * size:
                groups.append([])
            elif gap > 0.25 * size and groups[-1][-1][4].isascii() and it[4].isascii():
                groups[-1].append((it[0], it[0], it[2], it[3], " "))
        groups[-1].append(it)
    out = []
    for g in groups:
        text = join_surrogates("".join(it[4] for it in g))
        if not text.strip():
            continue
        body = [it for it in g if it[4] not in QUOTES and it[4] != " "] or g
        out.append(Line(text, page_no, g[0][0], max(it[1] for it in g),
                        min(it[2] for it in body), max(it[3] for it in body)))
    return out
