"""Items of a rectification report: the problem each item answers, and its stated status.

A rectification report names every problem in front of its measure (关于“…”问题的整改;
针对巡察指出的…的问题，…; 就…的问题，…). The embedded problem is the finding, the measure
is not. This module is the one place that knows these shapes (the rules of role
`rect_item`): extraction takes the problems from it, and the ledger can match a report's
items to open tasks with the same function, so the two never disagree about what an item is.
"""
from __future__ import annotations

from dataclasses import dataclass

from extractors.clauses import normalise
from extractors.document import BlockKind, Document
from extractors.rules import RuleSet, iter_matches

DONE, IN_PROGRESS, UNCLEAR = "done", "in_progress", "unclear"


@dataclass
class ReportItem:
    """One problem named by a rectification report. Offsets are into `text`."""

    problem: str  # the embedded problem, original characters
    start: int
    end: int
    text: str  # the block (paragraph, heading or table row) the item is in
    status: str  # done | in_progress | unclear, from the words after the problem
    rule_id: str  # the rect_item rule that found it
    block_index: int = -1  # in the document, when read from one


def item_status(after: str, rules: RuleSet) -> str:
    """The status an item's own words state (已完成整改 → done; 正在推进 → in_progress)."""
    norm = normalise(after)
    if any(w in norm for w in rules.vocab.get("rect_status_in_progress", [])):
        return IN_PROGRESS
    if any(w in norm for w in rules.vocab.get("rect_status_done", [])):
        return DONE
    return UNCLEAR


def items_in_text(text: str, rules: RuleSet, block_index: int = -1, after: str = "") -> list[ReportItem]:
    """Every problem the text names in a rectification shape, in order, without overlaps.

    `after`: text that follows the block and belongs to the same item (the paragraphs under
    a heading item), read for the status when the block itself states none."""
    norm = normalise(text)
    spans: list[tuple[int, int, str]] = []
    for r in rules.by_role("rect_item"):
        for m in iter_matches(r.regex, norm):
            s, e = m.span("q")
            if not any(s < e0 and s0 < e for s0, e0, _ in spans):
                spans.append((s, e, r.id))
    spans.sort()
    out = []
    for i, (s, e, rid) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        status = item_status(text[e:nxt], rules)
        if status == UNCLEAR and after:
            status = item_status(after, rules)
        out.append(ReportItem(text[s:e], s, e, text, status, rid, block_index))
    return out


def report_items(doc: Document, rules: RuleSet) -> list[ReportItem]:
    """The problems of a rectification report, one per item, with the status each states."""
    out: list[ReportItem] = []
    blocks = doc.blocks
    for bi, block in enumerate(blocks):
        nxt = blocks[bi + 1] if bi + 1 < len(blocks) else None
        after = ""  # a heading item states its progress in the paragraph under it
        if nxt is not None and nxt.kind != BlockKind.HEADING and not items_in_text(nxt.text, rules):
            after = nxt.text
        out += items_in_text(block.text, rules, bi, after=after)
    return out
