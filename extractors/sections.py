"""公文 outline numbering → a section path for every block.

Levels, outermost first: 第一部分/第一章, 一、, （一）, 1. or 1、, 一是…, （1）, ①.
A block's section is the path of numbered items above it, its own item included;
short numbered blocks are headings. A numbered paragraph that opens with a lead
sentence ("1.意识形态工作责任制落实不到位。未按要求…") is labelled by that sentence.
"""
from __future__ import annotations

import re

from extractors.document import BlockKind, Document

_CN = "一二三四五六七八九十百零〇"
LEVELS: list[tuple[float, re.Pattern[str]]] = [
    (0, re.compile(rf"^第[{_CN}\d]+(?:部分|章|篇)")),
    (0.5, re.compile(rf"^第[{_CN}\d]+节")),
    (1, re.compile(rf"^[{_CN}]+[、．.](?![{_CN}]?是)")),
    (2, re.compile(rf"^[（(][{_CN}]+[）)]")),
    (3, re.compile(r"^\d{1,2}(?:[.．、](?!\d)|\s(?=[\u4e00-\u9fff]))")),
    (3.5, re.compile(rf"^[{_CN}]是[，,]?(?=[\u4e00-\u9fff“])")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
    (5, re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]")),
]
HEADING_MAX = 40
_LEAD_END = re.compile(r"[。：:；;！？]")


def level_of(text: str) -> float | None:
    for level, pat in LEVELS:
        if pat.match(text):
            return level
    return None


def label_of(text: str) -> str:
    """The heading text that names a section: the block, or its lead sentence."""
    m = _LEAD_END.search(text)
    head = text[: m.start()] if m else text
    return head[:HEADING_MAX]


def is_heading(text: str) -> bool:
    """A short numbered line without a sentence inside it (a closing 。 is allowed)."""
    body = text.rstrip("。：:")
    return len(text) <= HEADING_MAX and not _LEAD_END.search(body)


def assign_sections(doc: Document) -> None:
    """Give each block the path of numbered items above it; short numbered lines become headings."""
    stack: list[tuple[float, str]] = []
    for block in doc.blocks:
        lvl = None if block.kind in (BlockKind.TABLE_ROW, BlockKind.TABLE_CELL) else level_of(block.text)
        if lvl is not None:
            while stack and stack[-1][0] >= lvl:
                stack.pop()
            stack.append((lvl, label_of(block.text)))
            if is_heading(block.text):
                block.kind = BlockKind.HEADING
        block.section = tuple(t for _, t in stack)
