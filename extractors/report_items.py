"""Items of a rectification report: the problem each item answers, what was done, and its status.

A rectification report names every problem in front of its measure (关于“…”问题的整改;
针对巡察指出的…的问题，…; 就…的问题，…; 问题：… / 整改情况：…), or lists them in a table with
问题 / 整改措施 / 完成情况 columns. The embedded problem is the finding, the measure is not. This
module is the one place that knows these shapes (the rules of role `rect_item`, the table columns
of role `rect_table_column`) and the one place that reads an item's stated status: extraction takes
the problems from it, and the ledger (models/followup.py) matches a report's items to open tasks
with the same function, so the two never disagree about what an item is or what it claims.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.clauses import normalise, numbered
from extractors.document import Block, BlockKind, Document
from extractors.rules import RuleSet, iter_matches

DONE, IN_PROGRESS, UNCLEAR = "done", "in_progress", "unclear"
_SENTENCE = re.compile(r"[^。！？；\n]+")
# what is left of an item's own shape before its measures: ”问题的整改。 / 的问题， / ：
_SHAPE_TAIL = re.compile(r"^[”’」』\"'\s]*(?:等)?(?:方面)?(?:的)?(?:问题)?(?:的)?(?:整改(?:情况|进展(?:情况)?)?)?[。：，；\s]*"
                         r"(?:(?:整改|完成|进展)(?:情况|措施|举措|进展|结果)?[：:]\s*)?")
_SIGNATURE_MAX = 30  # a short line without a full stop after the items is the signature, not a measure


@dataclass
class ReportItem:
    """One problem named by a rectification report. Offsets are into `text`."""

    problem: str  # the embedded problem, original characters
    start: int
    end: int
    text: str  # the block (paragraph, heading or table row) the item is in
    status: str  # done | in_progress | unclear, from the item's own words, else the paragraphs under it
    rule_id: str  # the rule that found it (a rect_item shape, or the table column rule)
    block_index: int = -1  # in the document, when read from one
    measures: str = ""  # what the report says was done about it (its close-out evidence)


def item_status(words: str, rules: RuleSet) -> str:
    """The status an item's words state: its last sentence that states one decides (…正在推进。该问题
    已完成整改。 → done), and in that sentence a "still" word wins (已基本完成，仍需… → in_progress)."""
    norm = normalise(words or "")
    doing = rules.vocab.get("rect_status_in_progress", [])
    done = rules.vocab.get("rect_status_done", [])
    for m in reversed(list(_SENTENCE.finditer(norm))):
        sentence = m.group(0)
        if any(w in sentence for w in doing):
            return IN_PROGRESS
        if any(w in sentence for w in done):
            return DONE
    return UNCLEAR


def status_cell(cell: str, rules: RuleSet) -> str:
    """The status a table's status column states: a bare word (完成, 进行中) read as the whole cell,
    else the cell's words as any item's."""
    bare = re.sub(r"[\s。．.；;，,！!]+", "", normalise(cell or ""))
    if bare in rules.vocab.get("rect_status_cell_in_progress", []):
        return IN_PROGRESS
    if bare in rules.vocab.get("rect_status_cell_done", []):
        return DONE
    return item_status(cell, rules)


def _measures(words: str) -> str:
    return _SHAPE_TAIL.sub("", words.strip(), count=1).strip()


def items_in_text(text: str, rules: RuleSet, block_index: int = -1, after: str = "") -> list[ReportItem]:
    """Every problem the text names in a rectification shape, in order, without overlaps.

    `after`: text that follows the block and belongs to its last item (the paragraphs under a
    heading item), part of that item's measures and read for its status when its own words
    state none."""
    norm = normalise(text)
    spans: list[tuple[int, int, int, str]] = []
    for r in rules.by_role("rect_item"):
        for m in iter_matches(r.regex, norm):
            s, e = m.span("q")
            if not any(s < e0 and s0 < e for s0, e0, _, _ in spans):
                spans.append((s, e, m.end(), r.id))
    spans.sort()
    out = []
    for i, (s, e, shape_end, rid) in enumerate(spans):
        last = i + 1 == len(spans)
        nxt = len(text) if last else _sentence_start(norm, e, spans[i + 1][0])
        own = text[max(e, min(shape_end, nxt)):nxt]
        status = item_status(own, rules)
        if status == UNCLEAR and last and after:
            status = item_status(after, rules)
        measures = _measures(own) if not (last and after) else "".join(p for p in (_measures(own), _measures(after)) if p)
        out.append(ReportItem(text[s:e], s, e, text, status, rid, block_index, measures))
    return out


def _sentence_start(norm: str, lo: int, hi: int) -> int:
    """Where the sentence holding the next item begins (its 就…/针对… opening belongs to it)."""
    cut = max(norm.rfind(ch, lo, hi) for ch in "。；！？")
    return cut + 1 if cut >= 0 else hi


def _row_cells(text: str) -> list[tuple[int, int]]:
    """(start, end) of each ｜-separated cell of a table row, white space trimmed."""
    out, pos = [], 0
    for cell in text.split("｜"):
        s, e = pos, pos + len(cell)
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        out.append((s, e))
        pos += len(cell) + 1
    return out


def rectification_columns(header: str, rules: RuleSet) -> dict[str, int]:
    """problem / measures / status → column index, named by a table's header row (问题描述,
    整改措施, 完成情况 …); empty unless it has a problem column and a measures or status column."""
    rule = rules.one("rect_table_column")
    out: dict[str, int] = {}
    for k, (s, e) in enumerate(_row_cells(header)):
        name = re.sub(r"\s+", "", normalise(header[s:e]))
        m = rule.regex.fullmatch(name) if rule.regex is not None else None
        if m and m.lastgroup and m.lastgroup not in out:
            out[m.lastgroup] = k
    return out if "problem" in out and ({"measures", "status"} & set(out)) else {}


def _table_items(blocks: list[Block], rules: RuleSet) -> dict[int, ReportItem]:
    """Rows of a problem / measures / status table: one item per row, its problem cell."""
    rule_id = rules.one("rect_table_column").id
    out: dict[int, ReportItem] = {}
    columns: dict[str, int] = {}
    for bi, b in enumerate(blocks):
        if b.kind != BlockKind.TABLE_ROW:
            continue
        prev = blocks[bi - 1] if bi else None
        if prev is None or prev.kind != BlockKind.TABLE_ROW or prev.table != b.table:
            columns = rectification_columns(b.text, rules)  # the first row of a table: its header
            continue
        if not columns:
            continue
        cells = _row_cells(b.text)
        if columns["problem"] >= len(cells):
            continue
        s, e = cells[columns["problem"]]
        if e - s < 4:
            continue

        def cell(key: str) -> str:
            k = columns.get(key, -1)
            return b.text[cells[k][0]:cells[k][1]] if 0 <= k < len(cells) else ""

        measures = "；".join(c for c in (cell("measures"), cell("status")) if c)
        status = status_cell(cell("status"), rules) if cell("status") else UNCLEAR
        if status == UNCLEAR:
            status = item_status(cell("measures"), rules)
        out[bi] = ReportItem(b.text[s:e], s, e, b.text, status, rule_id, bi, measures)
    return out


def _follows(block: Block, owner: Block) -> bool:
    """Does a paragraph after an item still belong to it (same part, not a heading, not the signature)?"""
    if block.kind != BlockKind.PARAGRAPH:
        return False
    own = tuple(owner.section)
    if tuple(block.section)[:len(own)] != own:
        return False
    if tuple(block.section) == own and numbered(block.text):
        return False  # a numbered line at the item's own level opens the next part
    return "。" in block.text or len(block.text) > _SIGNATURE_MAX


def report_items(doc: Document, rules: RuleSet) -> list[ReportItem]:
    """The problems of a rectification report, one per item, with its measures and stated status."""
    blocks = doc.blocks
    tables = _table_items(blocks, rules)
    named = {bi: items_in_text(b.text, rules, bi) for bi, b in enumerate(blocks) if bi not in tables}
    out: list[ReportItem] = []
    for bi, block in enumerate(blocks):
        if bi in tables:
            out.append(tables[bi])
            continue
        if not named.get(bi):
            continue
        parts = []  # the paragraphs under the item, up to the next item or part
        for k in range(bi + 1, len(blocks)):
            if k in tables or named.get(k) or not _follows(blocks[k], block):
                break
            parts.append(blocks[k].text.strip())
        out += items_in_text(block.text, rules, bi, after="".join(parts)) if parts else named[bi]
    return out
