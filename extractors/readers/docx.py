"""Word .docx: body paragraphs and tables in document order, Word's own numbering as text.

Problem lists are often numbered by Word itself (the 一、 or 1. is not in the text
but in numbering.xml), so the numbers are rebuilt; tables become one block per
row with its cells; headers and footers are kept apart from the body. The zip
and its XML are checked before parsing (bombs; entity declarations, refused by defusedxml).
"""
from __future__ import annotations

import logging
import re
import zipfile
import zlib
from pathlib import Path

from extractors.document import Block, BlockKind, Document
from extractors.errors import Reason, ReadError
from extractors.text import tidy

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_ENTRIES = 5000
MAX_PART_BYTES = 200 << 20  # one unpacked part
MAX_TOTAL_BYTES = 500 << 20  # all parts unpacked
MAX_RATIO = 200  # unpacked / packed, for parts over 1 MiB
CELL_SEP = "｜"
log = logging.getLogger(__name__)


_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError, ValueError,
               RuntimeError, KeyError)


def check_package(path: Path) -> None:
    """Refuse zip bombs and XML with DTDs before any XML parser sees the file."""
    try:
        _check_package(path)
    except ReadError:
        raise
    except _ZIP_ERRORS as exc:  # damaged entries, unknown compression, encrypted members
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, repr(exc)) from exc


def _check_package(path: Path) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, repr(exc)) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ReadError(Reason.UNSAFE_CONTENT, f"{len(infos)} zip entries")
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
                raise ReadError(Reason.UNSAFE_CONTENT, f"{info.filename}: {info.file_size} bytes unpacked")
            if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ReadError(Reason.UNSAFE_CONTENT, f"{info.filename}: compression ratio "
                                f"{info.file_size // max(info.compress_size, 1)}")
            if info.filename.endswith((".xml", ".rels")):
                try:
                    with zf.open(info) as fh:
                        _refuse_dtd(fh, info.filename)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                    raise ReadError(Reason.CORRUPT_OR_TRUNCATED, f"{info.filename}: {exc!r}") from exc
        bad = zf.testzip() if total < (50 << 20) else None
        if bad:
            raise ReadError(Reason.CORRUPT_OR_TRUNCATED, f"bad CRC in {bad}")


def _refuse_dtd(fh, part: str) -> None:
    """Parse a part's prolog with defusedxml, which refuses any DOCTYPE (entity bombs, external
    entities) wherever it sits before the root element; Office never writes one. Parsing stops at
    the root element, after which no DTD can come; a malformed part is left to python-docx."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    try:
        for _ in iterparse(fh, events=("start",), forbid_dtd=True):
            return
    except DefusedXmlException as exc:
        raise ReadError(Reason.UNSAFE_CONTENT, f"{part}: DTD/entity declaration ({type(exc).__name__})") from exc
    except ParseError:
        return


def read_docx(path: Path) -> Document:
    import docx

    check_package(path)
    try:
        d = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many types on broken packages
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, repr(exc)) from exc
    numbering = Numbering(d)
    doc = Document(name=path.name, reader="docx", pages=1)
    state = {"table": 0}
    _walk(d.element.body, d, numbering, doc, state)
    doc.headers = _headers_footers(d, doc)
    for note in numbering.problems:
        partly_read(doc, note)
    if not doc.blocks:
        raise ReadError(Reason.NO_TEXT, pages=doc.pages)
    return doc


def _walk(container, d, numbering: "Numbering", doc: Document, state: dict) -> None:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == W + "p":
            before, after = _page_breaks(child)
            state["page"] = state.get("page", 1) + before
            text = _para_text(Paragraph(child, d), numbering)
            if text:
                doc.blocks.append(Block(text=text, page=state["page"]))
            state["page"] += after
            doc.pages = max(doc.pages, state["page"])
        elif child.tag == W + "tbl":
            _table(Table(child, d), d, numbering, doc, state)
        elif child.tag == W + "sdt":  # content control: its content is ordinary body
            content = child.find(W + "sdtContent")
            if content is not None:
                _walk(content, d, numbering, doc, state)


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# text under these is not what the reader sees: deletions, moved-away text, text boxes
# (drawn elsewhere, often twice: DrawingML and its VML fallback)
_HIDDEN = {W + "del", W + "moveFrom", W + "txbxContent", _MC + "Fallback"}


def paragraph_text(p_el) -> str:
    """All visible text of a w:p: runs inside tracked insertions, content controls, fields,
    hyperlinks and smart tags included (python-docx's Paragraph.text skips those)."""
    out: list[str] = []
    for el in p_el.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"):
        anc, hidden = el.getparent(), False
        while anc is not None and anc is not p_el:
            if anc.tag in _HIDDEN:
                hidden = True
                break
            anc = anc.getparent()
        if hidden:
            continue
        if el.tag == W + "t":
            out.append(el.text or "")
        elif el.tag == W + "noBreakHyphen":
            out.append("-")
        else:
            out.append(" ")
    return tidy("".join(out))


def _page_breaks(p_el) -> tuple[int, int]:
    """Page breaks in a paragraph before its first text and after it.

    Word records where it last broke pages (w:lastRenderedPageBreak) besides hard
    breaks, so a .docx saved by Word tells the page each paragraph starts on.
    """
    before = after = 0
    seen_text = False
    ppr = p_el.find(W + "pPr")
    if ppr is not None and ppr.find(W + "pageBreakBefore") is not None:
        before += 1
    for el in p_el.iter(W + "t", W + "br", W + "lastRenderedPageBreak"):
        if el.tag == W + "t":
            seen_text = seen_text or bool((el.text or "").strip())
        elif el.tag == W + "lastRenderedPageBreak" or el.get(W + "type") == "page":
            if seen_text:
                after += 1
            else:
                before += 1
    return before, after


def _para_text(p, numbering: "Numbering") -> str:
    text = paragraph_text(p._p)
    label = numbering.label(p)
    if label and text and not text.startswith(label.strip()):
        text = label + text
    return text


def _table(table, d, numbering: "Numbering", doc: Document, state: dict) -> None:
    """One TABLE_ROW block per row: its cells joined with ｜ (merged cells once)."""
    t = state["table"]
    state["table"] += 1
    for r, row in enumerate(table.rows):
        cells, seen = [], set()
        try:
            row_cells = row.cells
        except Exception as exc:  # malformed spans (python-docx raises several types): the raw cells
            from docx.table import _Cell

            row_cells = [_Cell(tc, table) for tc in row._tr.tc_lst]
            partly_read(doc, f"表格{t + 1}第{r + 1}行的合并单元格结构异常，已按原始单元格读取，请对照原件核对。",
                        exc)
        for cell in row_cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            parts = [_para_text(p, numbering) for p in cell.paragraphs]
            for inner in cell.tables:  # nested tables: flattened into the cell
                for irow in inner.rows:
                    try:
                        inner_cells = [c.text.strip() for c in irow.cells]
                    except Exception as exc:  # malformed spans, as above
                        inner_cells = [paragraph_text(tc) for tc in irow._tr.tc_lst]
                        partly_read(doc, f"表格{t + 1}第{r + 1}行内嵌表格结构异常，已按原始单元格读取。", exc)
                    parts.append(CELL_SEP.join(inner_cells))
            cells.append("".join(x for x in parts if x))
        if any(cells):
            doc.blocks.append(Block(text=CELL_SEP.join(cells), kind=BlockKind.TABLE_ROW, table=t, row=r,
                                    page=state.get("page", 1)))


def partly_read(doc: Document, note: str, exc: BaseException | None = None) -> None:
    """Record on the document that some content was read by a fallback (or not at all), never silently."""
    if exc is not None:
        log.warning("%s: %s (%r)", doc.name, note, exc)
    if note not in doc.warnings:
        doc.warnings.append(note)
    if Reason.PARTLY_READ.value not in doc.warning_codes:
        doc.warning_codes.append(Reason.PARTLY_READ.value)


def _headers_footers(d, doc: Document) -> list[str]:
    out: list[str] = []
    for section in d.sections:
        for part in (section.header, section.first_page_header, section.even_page_header,
                     section.footer, section.first_page_footer, section.even_page_footer):
            try:
                if part.is_linked_to_previous:
                    continue
                texts = [p.text.strip() for p in part.paragraphs]
            except Exception as exc:  # a broken header part: the body is still read
                partly_read(doc, "页眉或页脚无法读取，已跳过（正文不受影响），请对照原件核对。", exc)
                continue
            for t in texts:
                if t and t not in out:
                    out.append(t)
    return out


# ---------------------------------------------------------------- Word auto-numbering
_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"


def chinese_number(n: int, digits: str = _CN_DIGITS, units: str = "十百千") -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (as Word's chineseCounting)."""
    if n <= 0:
        return digits[0]
    if n >= 10000:
        return str(n)
    out, zero = "", False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d, n = divmod(n, power)
        if d:
            if zero:
                out += digits[0]
                zero = False
            out += ("" if (d == 1 and unit == units[0] and not out) else digits[d]) + unit
        elif out:
            zero = True
    return out


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand",
               "ideographTraditional"):
        return chinese_number(n)
    if fmt in ("chineseLegalSimplified",):
        return chinese_number(n, _CN_LEGAL, "拾佰仟")
    if fmt == "ideographDigital" or fmt == "taiwaneseDigital":
        return "".join(_CN_DIGITS[int(c)] for c in str(n))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(c)) for c in str(n))
    if fmt in ("lowerLetter", "upperLetter"):
        s = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s = _roman(n)
        return s if fmt == "upperRoman" else s.lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                 (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + s, n - v
    return out


class Numbering:
    """Counts Word list paragraphs as Word does and renders their labels (一、（一）1.)."""

    def __init__(self, d) -> None:
        self.levels: dict[str, dict[int, dict]] = {}  # numId -> ilvl -> {fmt, text, start}
        self.counters: dict[str, dict[int, int]] = {}
        self.styles: dict[str, tuple[str | None, int | None, str | None]] = {}  # styleId -> numId, ilvl, basedOn
        self.problems: list[str] = []  # staff notes: numbering that could not be rebuilt
        try:
            root = d.part.numbering_part.element
        except NotImplementedError:  # python-docx's way of saying there is no numbering part
            root = None
        except Exception:  # a numbering part that cannot be loaded
            root = None
            self.problems.append("自动编号定义无法读取，段落编号（如“一、”“（一）”）未还原，请对照原件核对。")
        if root is not None:
            abstract = {a.get(W + "abstractNumId"): self._levels(a) for a in root.findall(W + "abstractNum")}
            for num in root.findall(W + "num"):
                aid = num.find(W + "abstractNumId")
                levels = {k: dict(v) for k, v in abstract.get(aid.get(W + "val") if aid is not None else "", {}).items()}
                for ov in num.findall(W + "lvlOverride"):
                    ilvl = int(ov.get(W + "ilvl", "0"))
                    so = ov.find(W + "startOverride")
                    if so is not None:
                        levels.setdefault(ilvl, {"fmt": "decimal", "text": f"%{ilvl + 1}.", "start": 1})
                        levels[ilvl]["start"] = int(so.get(W + "val", "1"))
                    lvl = ov.find(W + "lvl")
                    if lvl is not None:
                        levels.update(self._levels_of([lvl]))
                self.levels[num.get(W + "numId")] = levels
        try:
            for st in d.styles.element.findall(W + "style"):
                ppr = st.find(W + "pPr")
                num = ppr.find(W + "numPr") if ppr is not None else None
                nid = num.find(W + "numId") if num is not None else None
                il = num.find(W + "ilvl") if num is not None else None
                based = st.find(W + "basedOn")
                self.styles[st.get(W + "styleId")] = (
                    nid.get(W + "val") if nid is not None else None,
                    int(il.get(W + "val")) if il is not None else None,
                    based.get(W + "val") if based is not None else None,
                )
        except Exception:  # a malformed styles part: list numbers set by styles are not rebuilt
            self.problems.append("样式中的自动编号定义异常，部分段落编号（如“一、”“（一）”）可能未还原，请对照原件核对。")

    @staticmethod
    def _levels(abstract) -> dict[int, dict]:
        return Numbering._levels_of(abstract.findall(W + "lvl"))

    @staticmethod
    def _levels_of(lvls) -> dict[int, dict]:
        out = {}
        for lvl in lvls:
            def val(tag: str, default: str) -> str:
                el = lvl.find(W + tag)
                return el.get(W + "val", default) if el is not None else default
            ilvl = int(lvl.get(W + "ilvl", "0"))
            out[ilvl] = {"fmt": val("numFmt", "decimal"), "text": val("lvlText", f"%{ilvl + 1}."),
                         "start": int(val("start", "1") or 1)}
        return out

    def _num_of(self, p) -> tuple[str | None, int]:
        ppr = p._p.pPr
        num_id, ilvl = None, None
        if ppr is not None and ppr.numPr is not None:
            if ppr.numPr.numId is not None:
                num_id = str(ppr.numPr.numId.val)
            if ppr.numPr.ilvl is not None:
                ilvl = int(ppr.numPr.ilvl.val)
        style = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None
        hops = 0
        while (num_id is None or ilvl is None) and style and hops < 20:
            s_num, s_ilvl, based = self.styles.get(style, (None, None, None))
            num_id = num_id if num_id is not None else s_num
            ilvl = ilvl if ilvl is not None else s_ilvl
            style, hops = based, hops + 1
        return num_id, ilvl or 0

    def label(self, p) -> str:
        num_id, ilvl = self._num_of(p)
        if not num_id or num_id == "0" or num_id not in self.levels:
            return ""
        levels = self.levels[num_id]
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl]["start"] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a new item restarts its sub-lists
        lv = levels[ilvl]
        if lv["fmt"] in ("bullet", "none"):
            return ""

        def sub(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            if k not in levels:
                return ""
            n = counters.get(k, levels[k]["start"])
            return format_number(n, levels[k]["fmt"])

        return re.sub(r"%(\d)", sub, lv["text"])
