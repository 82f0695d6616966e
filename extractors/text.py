"""Text clean-up shared by the PDF and OCR readers.

PDF text and OCR output both arrive as positioned lines. Chinese paragraphs are
wrapped with no space at the break, so lines are rejoined by layout (where a line
ends against the right edge, the paragraph goes on), running headers, footers
and page numbers are dropped, and pages whose text is garbage (cid codes, control
or private-use characters, an implausible character mix) are spotted so they can
be OCR'd instead.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# CJK punctuation and full-width forms: never spaced from their neighbours in Chinese text
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
_NOT_CJK = re.compile(f"[^{CJK}]")
_SPACE_AROUND_CJK = re.compile(f"(?<=[{CJK}{CJK_PUNCT}])[ \t\u3000]+|[ \t\u3000]+(?=[{CJK}{CJK_PUNCT}])")
_HSPACE = re.compile("[ \t\u3000]")
_CID = re.compile(r"\(cid:\d+\)")
_SPACE = re.compile(r"\s")  # the characters str.isspace() accepts
_CONTROL_OR_PRIVATE = re.compile("[\x00-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")
_ASCII_LETTER = re.compile("[A-Za-z]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone UTF-16 half
_ASCII_SYMBOL = re.compile("[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]")  # ASCII, not a letter or digit


@dataclass
class Line:
    """One visual line of text with its box in points, y growing downwards."""

    text: str
    page: int
    x0: float
    x1: float
    y0: float  # top
    y1: float  # bottom
    cells: list[list[str]] | None = None  # set on the one Line that stands for a ruled table

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)


def tidy(text: str) -> str:
    """Drop the spaces PDF and OCR put between Chinese characters (and next to them)."""
    text = text.replace("\u00a0", " ").replace("\ufeff", "")
    if _HSPACE.search(text) is None:  # most lines: nothing for the slower pattern to find
        return text.strip()
    return _SPACE_AROUND_CJK.sub("", text).strip()


def garbled(text: str) -> str | None:
    """Why this page text is unusable (a short Chinese phrase), or None when it reads fine.

    Catches fonts without a ToUnicode map: pdfminer/pdfplumber write (cid:N), pdfium
    gives control characters or ASCII junk; also private-use and replacement characters.
    """
    cids = len(_CID.findall(text)) if "(cid:" in text else 0
    if cids:
        text = _CID.sub("\x00", text)
    chars = _SPACE.sub("", text)  # counted by character class, one C pass each (every page is checked)
    if len(chars) < 5:
        return None
    n = len(chars)
    bad = len(_CONTROL_OR_PRIVATE.findall(chars)) if _CONTROL_OR_PRIVATE.search(chars) else 0
    if cids or bad / n > 0.03:
        return "文字编码异常（字体缺少编码映射）"
    cjk = n - _NOT_CJK.subn("", chars)[1]  # counting the few others is the cheaper pass
    if cjk / n >= 0.2:
        return None  # mostly Chinese: neither test below can hold
    letters = len(_ASCII_LETTER.findall(chars))
    symbols = len(_ASCII_SYMBOL.findall(chars))
    # Real text is mostly Chinese, or mostly Latin words; junk is symbols and odd letters.
    if cjk / n < 0.2 and symbols / n > 0.25:
        return "文字内容异常（疑似乱码）"
    if cjk / n < 0.05 and letters / n > 0.5 and not _looks_latin(text):
        return "文字内容异常（疑似乱码）"
    return None


def _looks_latin(text: str) -> bool:
    """Latin text has vowels in most words; font-code junk mostly does not."""
    words = re.findall(r"[A-Za-z]{2,}", text)
    if not words:
        return False
    voweled = sum(1 for w in words if re.search(r"[aeiouyAEIOUY]", w))
    return voweled / len(words) > 0.6


# ---------------------------------------------------------------- running headers and footers
_PAGE_NO = re.compile(
    r"^[\s\-—–－·•]*(?:第\s*[0-9一二三四五六七八九十百]+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|[0-9]{1,4}(?:\s*/\s*[0-9]{1,4})?|[ivxlcdmIVXLCDM]{1,6}|page\s*\d+(?:\s*of\s*\d+)?)[\s\-—–－·•]*$",
    re.IGNORECASE,
)


_DASHES = "一—–－-_~=·.。 "


FOOTER_SHARE = 0.15  # bottom share of a page where a dashed page number ("— 3 —") is dropped
_DASHED_PAGE_NO = re.compile(r"[\-—–－]+\s*\d{1,4}\s*[\-—–－]+")


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NO.match(text.strip()))


def looks_like_page_number(text: str) -> bool:
    """An OCR'd '— 3 —' comes out as '一洒--' or '_汗-': a dash, a glyph or two, a dash."""
    t = text.strip()
    core = t.strip(_DASHES)
    return (is_page_number(t) or (len(t) <= 7 and len(core) <= 3 and t[:1] in _DASHES and core != t
                                  and not re.search(r"[、（(：:]", t)))


def remove_running(lines: list[Line], page_heights: dict[int, float]) -> tuple[list[Line], list[str]]:
    """Drop page numbers and lines repeated in the top or bottom band of many pages.

    Returns the kept lines and the distinct texts removed (kept on Document.headers).
    """
    npages = len({ln.page for ln in lines})
    band = {p: h * 0.1 for p, h in page_heights.items()}
    # per page: the top band's bottom, the bottom band's top, the footer's top (y down)
    limits = {p: (band.get(p, 84.0), page_heights.get(p, 842.0) - band.get(p, 84.0),
                  page_heights.get(p, 842.0) * (1 - FOOTER_SHARE)) for p in {ln.page for ln in lines}}

    def in_band(ln: Line) -> bool:
        top, bottom, _ = limits[ln.page]
        return ln.y1 <= top or ln.y0 >= bottom

    key = lambda t: re.sub(r"\d+", "#", re.sub(r"\s+", "", t))  # noqa: E731
    seen: dict[str, set[int]] = defaultdict(set)
    for ln in lines:
        if in_band(ln):
            seen[key(ln.text)].add(ln.page)
    repeated = {k for k, pages in seen.items() if npages >= 2 and len(pages) >= max(2, (npages + 1) // 2)}
    kept, removed = [], []
    for ln in lines:
        top, bottom, footer = limits[ln.page]
        # 公文 set "— 3 —" a line below the text block (the footer), higher than 10 %
        if in_band(ln) and (is_page_number(ln.text) or key(ln.text) in repeated) or \
                ln.y0 >= bottom and looks_like_page_number(ln.text) or \
                ln.y0 >= footer and _DASHED_PAGE_NO.fullmatch(ln.text.strip()):
            if ln.text.strip() not in removed:
                removed.append(ln.text.strip())
            continue
        kept.append(ln)
    return kept, removed


# ---------------------------------------------------------------- line joining
_OUTLINE_START = re.compile(
    r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]"
    r"|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)]|[①-⑳])"
)
_CLOSERS = "。！？；：!?;:”’"
_LIST_LABEL = re.compile(_OUTLINE_START.pattern + r"|^[•·●○■□◆◇▪►√]")


@dataclass
class Para:
    """A paragraph (or table cell) rebuilt from lines; page/x0/y0 of its first line."""

    text: str
    page: int
    x0: float
    y0: float
    last: Line
    nlines: int = 1
    cells: list[list[str]] | None = None  # a ruled table: rows of cell texts


def join_lines(lines: list[Line]) -> list[Para]:
    """Rejoin wrapped lines into paragraphs, in the order they start.

    A line continues an open paragraph when that paragraph's last line reaches its
    column's right edge and the new line sits just below it in the same column, not
    indented further (or opens the next page). The column edge is the widest line
    starting at about the same x anywhere in the document, so cells of a table wrap
    correctly too, even when pdfium gives a row's cells side by side.
    """
    if not lines:
        return []
    tables = [ln for ln in lines if ln.cells is not None]
    lines = [ln for ln in lines if ln.cells is None]
    if not lines:
        return [Para("", t.page, t.x0, t.y0, t, cells=t.cells) for t in sorted(tables, key=lambda t: (t.page, t.y0))]
    em = statistics.median(ln.height for ln in lines)
    half = em / 2
    by_x: dict[int, float] = defaultdict(float)  # right edge of lines starting at about this x
    for ln in lines:
        k = round(ln.x0 / half)
        by_x[k] = max(by_x[k], ln.x1)
    lefts = Counter(round(ln.x0 / half) for ln in lines)
    common = [k for k, c in lefts.items() if c >= max(3, 0.15 * len(lines))] or [lefts.most_common(1)[0][0]]
    body_left = min(common) * half
    page_right = max(ln.x1 for ln in lines)
    gaps = Counter(round(b.y0 - a.y1) for a, b in zip(lines, lines[1:]) if a.page == b.page and b.y0 > a.y1)
    gap = gaps.most_common(1)[0][0] if gaps else em * 0.5

    def edge(ln: Line) -> float:
        k = round(ln.x0 / half)
        return max(by_x.get(k - 1, 0.0), by_x[k], by_x.get(k + 1, 0.0))

    mid = (body_left + page_right) / 2
    # where first lines start (the usual 2-character indent): such lines are not centred
    indents = [k * half for k, _ in lefts.most_common(3) if body_left + 0.8 * em <= k * half <= body_left + 3.2 * em]

    centred: dict[int, bool] = {}  # by id(line): asked of each line up to three times

    def is_centred(ln: Line) -> bool:
        c = centred.get(id(ln))
        if c is None:
            c = centred[id(ln)] = abs((ln.x0 + ln.x1) / 2 - mid) < 0.4 * em and \
                not any(abs(ln.x0 - i) < 0.3 * em for i in indents)
        return c

    def continues(p: Para, b: Line, text: str) -> bool:
        a = p.last
        if b.page == a.page and not (-0.3 * em <= b.y0 - a.y1 <= max(gap, 0) + 0.35 * em):
            return False  # not the line just below
        if b.page not in (a.page, a.page + 1):
            return False
        a_mid, b_mid = (a.x0 + a.x1) / 2, (b.x0 + b.x1) / 2
        if is_centred(a) and a.x0 > body_left + 2 * em and b.page == a.page:
            # a centred line: only a long centred title wraps onto another centred line
            return is_centred(b) and a.x1 - a.x0 > 0.6 * (page_right - body_left)
        if is_centred(a) and is_centred(b) and a.x1 - a.x0 > 0.8 * (page_right - body_left) \
                and b.x0 > body_left + 2 * em:
            return True  # a full-width centred title and its centred second line
        right = edge(a)
        width = max(right - p.x0, em)
        ends = a.text.rstrip()[-1:] in _CLOSERS
        if ends and _OUTLINE_START.match(text):
            return False
        if a.x0 > body_left + 6 * em and b.x0 > body_left + 6 * em and p.nlines == 1:
            return False  # short lines far right (signature, date) stay apart
        if abs(a_mid - b_mid) < 0.5 * em and b.x0 > a.x0 + 1.0 * em and not ends and b.page == a.page:
            return True  # centred text in a table cell
        limit = 1.0 * em if ends else min(5 * em, 0.4 * width)
        if right - a.x1 > limit:
            return False  # the paragraph ended before the column's edge
        if b.x0 > a.x0 + 0.5 * em:
            # indented further: a new paragraph, unless the first line of a list item with a
            # hanging indent (label at a.x0, the wrapped text aligned after the label)
            step = b.x0 - a.x0
            hanging = p.nlines == 1 and step <= 4 * em and _LIST_LABEL.match(p.text) and (not ends or step < 1.5 * em)
            if not hanging:
                return False
        if b.x0 < a.x0 - 0.5 * em and (p.nlines > 1 or b.x0 < a.x0 - 3 * em):
            return False  # left of this column (only a first-line indent may step back)
        if p.nlines == 1 and abs(b.x0 - a.x0) < 0.5 * em and body_left + 0.8 * em <= a.x0 <= body_left + 3.2 * em:
            return False  # two first lines, both indented: two paragraphs
        return True

    out: list[Para] = []
    open_: list[Para] = []
    for ln in _merge(lines, tables):
        if ln.cells is not None:
            out.append(Para("", ln.page, ln.x0, ln.y0, ln, cells=ln.cells))
            open_ = []
            continue
        text = tidy(ln.text)
        if not text:
            continue
        if open_ and ln.page != open_[-1].last.page:
            open_ = open_[-1:]  # across a page break only the last paragraph goes on
        target = next((p for p in reversed(open_) if continues(p, ln, text)), None)
        if target is not None:
            target.text = _glue(target.text, text)
            target.last = ln
            target.nlines += 1
        else:
            target = Para(text, ln.page, ln.x0, ln.y0, ln)
            out.append(target)
            open_ = [p for p in open_ if p.last.page == ln.page and p.last.y1 >= ln.y0 - 3 * em][-8:]
            open_.append(target)
            continue
        open_ = [p for p in open_ if p is not target]  # by identity: Para's == compares every field
        open_.append(target)
    return out


def _merge(lines: list[Line], tables: list[Line]) -> list[Line]:
    """Put each table back where its page's flow reaches its top."""
    if not tables:
        return lines
    out: list[Line] = []
    pending = sorted(tables, key=lambda t: (t.page, t.y0))
    for ln in lines:
        while pending and (pending[0].page, pending[0].y0) <= (ln.page, ln.y0):
            out.append(pending.pop(0))
        out.append(ln)
    return out + pending


Rule = tuple[float, float, float, float]  # x0, y0, x1, y1 (points, y down)


def fold_tables(lines: list[Line], rules: list[Rule]) -> list[Line]:
    """Replace the lines inside ruled tables by one Line per table holding its cells.

    Tables drawn with border lines (Word, WPS, LibreOffice output) are read by
    their grid: each text line goes to the cell its centre falls in, so cell text
    wraps correctly and each row can become one block.
    """
    horiz = [r for r in rules if r[3] - r[1] <= 2.5 and r[2] - r[0] > 10]
    vert = [r for r in rules if r[2] - r[0] <= 2.5 and r[3] - r[1] > 5]
    if len(horiz) < 2 or len(vert) < 2 or not lines:
        return lines
    page = lines[0].page
    out = list(lines)
    for box in _grids(horiz + vert):
        bx0, by0, bx1, by1 = box
        xs = _distinct(sorted((r[0] + r[2]) / 2 for r in vert if _inside(r, box)))
        ys = _distinct(sorted((r[1] + r[3]) / 2 for r in horiz if _inside(r, box)))
        if len(xs) < 2 or len(ys) < 2:
            continue
        grid: dict[tuple[int, int], list[Line]] = defaultdict(list)
        inside = []
        for ln in out:
            cx, cy = (ln.x0 + ln.x1) / 2, (ln.y0 + ln.y1) / 2
            if ln.cells is None and bx0 <= cx <= bx1 and by0 <= cy <= by1:
                col = max(0, min(len(xs) - 2, _slot(xs, cx)))
                row = max(0, min(len(ys) - 2, _slot(ys, cy)))
                grid[(row, col)].append(ln)
                inside.append(ln)
        if not inside:
            continue
        rows = []
        for r in range(len(ys) - 1):
            cells = []
            for c in range(len(xs) - 1):
                parts = sorted(grid.get((r, c), []), key=lambda ln: (ln.y0, ln.x0))
                text = ""
                for ln in parts:
                    text = _glue(text, tidy(ln.text)) if text else tidy(ln.text)
                cells.append(text)
            if any(cells):
                rows.append(cells)
        ids = {id(ln) for ln in inside}
        out = [ln for ln in out if id(ln) not in ids]
        out.append(Line("", page, bx0, bx1, by0, by1, cells=rows))
    return out


def _slot(edges: list[float], v: float) -> int:
    for i in range(len(edges) - 1):
        if v < edges[i + 1]:
            return i
    return len(edges) - 2


def _distinct(vals: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in vals:
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _inside(r: Rule, box: Rule) -> bool:
    return r[0] >= box[0] - 3 and r[1] >= box[1] - 3 and r[2] <= box[2] + 3 and r[3] <= box[3] + 3


def _grids(rules: list[Rule]) -> list[Rule]:
    """Bounding boxes of groups of touching border lines (one per table)."""
    boxes: list[list[float]] = []
    for r in sorted(rules, key=lambda r: (r[1], r[0])):
        for b in boxes:
            if r[0] <= b[2] + 3 and r[2] >= b[0] - 3 and r[1] <= b[3] + 3 and r[3] >= b[1] - 3:
                b[0], b[1], b[2], b[3] = min(b[0], r[0]), min(b[1], r[1]), max(b[2], r[2]), max(b[3], r[3])
                break
        else:
            boxes.append(list(r))
    return [tuple(b) for b in boxes if b[2] - b[0] > 20 and b[3] - b[1] > 10]


def _glue(a: str, b: str) -> str:
    """Join two wrapped pieces: no space in Chinese, one space between Latin words."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


# ---------------------------------------------------------------- OCR output
_OCR_PUNCT = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！", "?": "？"}
_NEAR_CJK = f"[{CJK}{CJK_PUNCT}]"


def fix_ocr(text: str) -> str:
    """Tesseract writes ASCII punctuation (and o for 。) in Chinese; restore full width."""
    text = tidy(text)
    text = re.sub(r"^(\d{1,2})\s*([.．、])\s*", r"\1\2", text)  # "1 .贯彻" → "1.贯彻"
    text = text.replace("〈", "（").replace("〉", "）")
    text = re.sub(f"\\s*[|｜]\\s*(?={_NEAR_CJK}|$)|(?<={_NEAR_CJK})\\s*[|｜]\\s*|^\\s*[|｜]\\s*", "", text)  # borders read as |
    for a, b in _OCR_PUNCT.items():
        text = re.sub(f"(?<={_NEAR_CJK}){re.escape(a)}|{re.escape(a)}(?={_NEAR_CJK})", b, text)
    # a ( that opens a CJK bracket pair closed full width, and vice versa
    text = re.sub(r"\((?=[^()（）]{1,12}）)", "（", text)
    text = re.sub(r"(?<=（)([^()（）]{1,12})\)", r"\1）", text)
    return re.sub(f"(?<=[{CJK}])[oO](?=$|[{CJK}])", "。", text)  # o read for 。


def pair_quotes(text: str) -> str:
    """Straight double quotes become “ or ” depending on whether a quote is open."""
    if '"' not in text:
        return text
    out, open_ = [], False
    for ch in text:
        if ch == '"':
            ch = "”" if open_ else "“"
        if ch == "“":
            open_ = True
        elif ch == "”":
            open_ = False
        out.append(ch)
    return "".join(out)


Char = tuple[str, float, float, float, float]  # text, x0, x1, top, bottom (points, y down)


def lines_from_chars(chars: list[Char], page_no: int) -> list[Line]:
    """Loose characters (OFD text objects, pdfminer's chars) → visual lines: characters whose
    vertical middles lie within a third of a character's height are on one line; a line is cut
    where a gap wider than a character separates table cells or columns."""
    chars = [c for c in chars if c[0].strip()]
    if not chars:
        return []
    chars.sort(key=lambda c: ((c[3] + c[4]) / 2, c[1]))
    rows: list[list[Char]] = []
    for c in chars:
        mid, size = (c[3] + c[4]) / 2, max(c[4] - c[3], 1.0)
        if rows:
            last = rows[-1][0]
            if abs(mid - (last[3] + last[4]) / 2) <= max(size, last[4] - last[3]) / 3:
                rows[-1].append(c)
                continue
        rows.append([c])
    out: list[Line] = []
    for row in rows:
        row.sort(key=lambda c: c[1])
        groups: list[list[Char]] = [[row[0]]]
        for c in row[1:]:
            prev = groups[-1][-1]
            size = max(c[4] - c[3], prev[4] - prev[3], 1.0)
            gap = c[1] - prev[2]
            if gap > size:
                groups.append([])
            elif gap > 0.25 * size and prev[0].isascii() and c[0].isascii():
                groups[-1].append((" ", prev[2], prev[2], prev[3], prev[4]))
            groups[-1].append(c)
        for g in groups:
            out.append(Line("".join(c[0] for c in g), page_no, g[0][1], max(c[2] for c in g),
                            min(c[3] for c in g), max(c[4] for c in g)))
    return out


def join_surrogates(text: str) -> str:
    """UTF-16 halves read one code unit at a time (pdfium does so for 𝐻 and other characters
    beyond the BMP) joined into their character; a half without its partner becomes U+FFFD.
    Text with lone halves cannot be stored or sent as UTF-8."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
