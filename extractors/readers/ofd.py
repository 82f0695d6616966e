"""OFD (GB/T 33190, the national fixed-layout format): a zip of XML parts.

OFD.xml names the document root (Document.xml), which lists the pages (each a
Content.xml of text, path and image objects placed in millimetres, y down) and
the outline. Text objects carry their characters with explicit advances
(DeltaX, with the "g count value" shorthand), often one object per line or even
per character, so characters are regrouped into visual lines by baseline and
then treated as PDF text is: table borders drawn as path objects fold the lines
inside a grid into table rows, and lines rejoin into paragraphs. Outline titles
mark their paragraphs as headings.

No library is used: the PyPI OFD packages found (easyofd and others) aim at
rendering and conversion and bring PyMuPDF/reportlab and GUI stacks, while this
needs only text and positions. The package passes the .docx zip-bomb and DTD
checks first, and every part is parsed by defusedxml with DTDs forbidden.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from extractors.document import BlockKind, Document
from extractors.errors import Reason, ReadError
from extractors.readers.docx import check_package
from extractors.readers.pdf import _page_list, add_blocks, check_page_count
from extractors.text import Line, Rule, fold_tables, garbled, lines_from_chars

PT_PER_MM = 72 / 25.4
MAX_CHARS_PER_PAGE = 200_000  # a page of dense text holds ~2,000
MAX_OBJECTS_PER_PAGE = 100_000
MAX_OUTLINE = 10_000
_NUM = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")


@dataclass
class _Char:
    ch: str
    x: float  # left edge, mm
    base: float  # baseline, mm (y down)
    size: float  # font size, mm
    adv: float  # advance to the next character, mm


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el, name: str):
    return [c for c in el if _local(c.tag) == name]


def _first(el, *path: str):
    for name in path:
        found = _children(el, name) if el is not None else []
        el = found[0] if found else None
    return el


def _floats(text: str | None) -> list[float]:
    return [float(x) for x in _NUM.findall(text or "")]


def _parse(zf: zipfile.ZipFile, name: str):
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        data = zf.read(name)
    except KeyError as exc:
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, f"missing part {name}") from exc
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ReadError(Reason.UNSAFE_CONTENT, f"{name}: {exc!r}") from exc
    except SyntaxError as exc:  # ElementTree.ParseError
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, f"{name}: {exc}") from exc


def _resolve(base: str, loc: str) -> str:
    """A part name inside the package (locations are relative to `base` or, with a leading /, the root)."""
    loc = (loc or "").strip().replace("\\", "/")
    joined = loc.lstrip("/") if loc.startswith("/") else posixpath.join(base, loc)
    return posixpath.normpath(joined).lstrip("/")


def read_ofd(path: Path) -> Document:
    check_package(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, repr(exc)) from exc
    with zf:
        return _read(zf, path)


def _read(zf: zipfile.ZipFile, path: Path) -> Document:
    root = _parse(zf, "OFD.xml")
    body = _first(root, "DocBody")
    doc_root = _first(body, "DocRoot")
    if doc_root is None or not (doc_root.text or "").strip():
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, "OFD.xml names no DocRoot")
    doc_name = _resolve("", doc_root.text)
    document = _parse(zf, doc_name)
    base = posixpath.dirname(doc_name)
    default_box = _floats(getattr(_first(document, "CommonData", "PageArea", "PhysicalBox"), "text", ""))
    page_refs = _children(_first(document, "Pages") if _first(document, "Pages") is not None else document, "Page")
    n = len(page_refs)
    check_page_count(n)

    out = Document(name=path.name, reader="ofd", pages=n)
    info = _first(body, "DocInfo")
    created = _first(info, "CreationDate") if info is not None else None
    if created is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", (created.text or "").strip()):
        out.meta.date = created.text.strip()

    lines: dict[int, list[Line]] = {}
    heights: dict[int, float] = {}
    unreadable, image_only, unmapped = [], [], []
    for i, ref in enumerate(page_refs):
        loc = ref.get("BaseLoc", "")
        try:
            page = _parse(zf, _resolve(base, loc))
        except ReadError as exc:
            if exc.reason == Reason.UNSAFE_CONTENT:
                raise
            unreadable.append(i)  # one damaged page does not lose the others
            continue
        box = _floats(getattr(_first(page, "Area", "PhysicalBox"), "text", "")) or default_box
        heights[i + 1] = (box[3] if len(box) == 4 else 297.0) * PT_PER_MM
        chars, rules, images = _page_objects(page)
        page_lines = _lines(chars, i + 1)
        if page_lines and garbled("".join(ln.text for ln in page_lines)):
            unmapped.append(i)  # embedded fonts with private codes: no OCR without a renderer
        elif page_lines:
            lines[i + 1] = fold_tables(page_lines, rules)
        elif images:
            image_only.append(i)
    add_blocks(out, lines, heights, set())
    _mark_outline(out, document)
    if unreadable:
        out.warnings.append(f"第{_page_list(unreadable)}页内容无法解析，这些页未读取，请对照原件。")
        out.warning_codes.append(Reason.PARTLY_READ.value)
    if unmapped and out.blocks:
        out.warnings.append(f"第{_page_list(unmapped)}页文字的字体编码无法识别（字体缺少编码映射），这些页未读取，"
                            "请对照原件。")
        out.warning_codes.append(Reason.PARTLY_READ.value)
    if image_only and out.blocks:
        out.warnings.append(f"第{_page_list(image_only)}页只有图片（扫描页），未读取文字，请对照原件。")
        out.warning_codes.append(Reason.PARTLY_READ.value)
    if not out.blocks:
        why = "image-only OFD" if image_only else "unmapped font codes" if unmapped else "no text objects"
        raise ReadError(Reason.NO_TEXT, why, pages=n)
    return out


def _page_objects(page) -> tuple[list[_Char], list[Rule], int]:
    """Characters, border rules (points, y down) and the number of images on one page."""
    chars: list[_Char] = []
    rules: list[Rule] = []
    images = 0
    for count, el in enumerate(page.iter()):
        if count > MAX_OBJECTS_PER_PAGE:
            raise ReadError(Reason.UNSAFE_CONTENT, f"over {MAX_OBJECTS_PER_PAGE} objects on a page")
        name = _local(el.tag)
        if name == "TextObject":
            chars.extend(_text_chars(el))
            if len(chars) > MAX_CHARS_PER_PAGE:
                raise ReadError(Reason.UNSAFE_CONTENT, f"over {MAX_CHARS_PER_PAGE} characters on a page")
        elif name == "PathObject":
            rules.extend(_path_rules(el))
        elif name == "ImageObject":
            images += 1
    return chars, rules, images


def _deltas(spec: str | None) -> list[float]:
    """DeltaX/DeltaY: numbers, where "g n v" stands for n times v."""
    out: list[float] = []
    tokens = (spec or "").split()
    k = 0
    while k < len(tokens):
        if tokens[k] == "g" and k + 2 < len(tokens):
            try:
                times, value = int(float(tokens[k + 1])), float(tokens[k + 2])
            except ValueError:
                break
            out.extend([value] * max(0, min(times, MAX_CHARS_PER_PAGE)))
            k += 3
            continue
        try:
            out.append(float(tokens[k]))
        except ValueError:
            break
        k += 1
    return out


def _text_chars(obj) -> list[_Char]:
    box = _floats(obj.get("Boundary"))
    ox, oy = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
    ctm = _floats(obj.get("CTM"))
    a, b, c, d, e, f = ctm if len(ctm) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    size = (_floats(obj.get("Size")) or [3.5])[0]
    scale_y = (b * b + d * d) ** 0.5 or 1.0
    out: list[_Char] = []
    x = y = 0.0
    for code in _children(obj, "TextCode"):
        text = code.text or ""
        if code.get("X") is not None:
            x = (_floats(code.get("X")) or [x])[0]
        if code.get("Y") is not None:
            y = (_floats(code.get("Y")) or [y])[0]
        dx, dy = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
        for k, ch in enumerate(text):
            adv = dx[k] if k < len(dx) else (dx[-1] if dx else size)
            px, py = a * x + c * y + e, b * x + d * y + f
            if not ch.isspace():
                out.append(_Char(ch, ox + px, oy + py, size * scale_y, abs(adv * (a or 1.0))))
            x += adv
            y += dy[k] if k < len(dy) else 0.0
    return out


def _path_rules(obj) -> list[Rule]:
    """Straight horizontal and vertical strokes of a path, as thin boxes in points."""
    box = _floats(obj.get("Boundary"))
    if len(box) < 4:
        return []
    ox, oy, w, h = box[:4]
    k = PT_PER_MM
    if min(w, h) * k <= 2.5 and max(w, h) > 0:  # the whole object is one thin line (or thin filled bar)
        return [(ox * k, oy * k, (ox + w) * k, (oy + h) * k)]
    if obj.get("Stroke", "true").lower() == "false":
        return []  # a filled area (a background, a seal's disc): its edges are no table border
    data = _first(obj, "AbbreviatedData")
    tokens = (data.text or "").split() if data is not None else []
    rules: list[Rule] = []
    cur = start = None
    t = 0
    while t < len(tokens) and len(rules) < 10_000:
        op = tokens[t]
        if op in ("M", "S", "L") and t + 2 < len(tokens):
            try:
                pt = (float(tokens[t + 1]), float(tokens[t + 2]))
            except ValueError:
                break
            if op == "L" and cur is not None:
                rules.extend(_segment(cur, pt, ox, oy))
            if op in ("M", "S"):
                start = pt
            cur = pt
            t += 3
        elif op in ("C", "Z"):  # OFD closes a subpath with C (its cubic curve is B)
            if cur is not None and start is not None:
                rules.extend(_segment(cur, start, ox, oy))
            cur = start
            t += 1
        else:  # curves and arcs are not table borders: skip the operator and its numbers
            t += 1
            while t < len(tokens) and _NUM.fullmatch(tokens[t]):
                t += 1
    return rules


def _segment(p: tuple[float, float], q: tuple[float, float], ox: float, oy: float) -> list[Rule]:
    k = PT_PER_MM
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) * k <= 1.0 or abs(x0 - x1) * k <= 1.0:
        xa, xb = sorted((x0, x1))
        ya, yb = sorted((y0, y1))
        return [((ox + xa) * k, (oy + ya) * k, (ox + xb) * k + 0.5, (oy + yb) * k + 0.5)]
    return []


def _lines(chars: list[_Char], page_no: int) -> list[Line]:
    """Characters (mm) → visual lines (points), grouped as loose PDF characters are."""
    k = PT_PER_MM
    return lines_from_chars([(c.ch, c.x * k, (c.x + c.adv) * k, (c.base - 0.88 * c.size) * k,
                              (c.base + 0.12 * c.size) * k) for c in chars], page_no)


def _mark_outline(doc: Document, document) -> None:
    """Paragraphs whose text is an outline (bookmark) title become headings."""
    outlines = _first(document, "Outlines")
    if outlines is None:
        return
    titles = set()
    for count, el in enumerate(outlines.iter()):
        if count > MAX_OUTLINE:
            break
        if _local(el.tag) == "OutlineElem" and (el.get("Title") or "").strip():
            titles.add("".join(el.get("Title").split()))
    for b in doc.blocks:
        if b.kind == BlockKind.PARAGRAPH and "".join(b.text.split()) in titles:
            b.kind = BlockKind.HEADING
