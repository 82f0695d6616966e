"""Who acts on a finding's task and by when: the text first, then the routing table.

The owner is whoever must act, never the person the finding is about: a 提醒谈话 is held by the
unit's principal leader, a referral goes to the 纪委监委, a 班子调整 to the organisation department,
a unit problem to the unit (or to the body a 责任单位 column or 由…牵头 names, with its leader). A
task kind of the routing table (task_kinds) overrides owner and default deadline: a team's own
rules and procedure stay 班子调整 but are the team's own rectification, owned by the team.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date

from models.deadlines import Term, document_terms, lead_body, parse_term, table_columns
from models.routing import RoutingTable
from models.tables import Document, Finding

UNIT_ROUTES = ("rectification", "supervised_rectification")


@dataclass(frozen=True)
class Plan:
    deadline: date
    deadline_source: str
    deadline_phrase: str
    owner: str
    kind: str = ""  # a task kind of the routing table (team_own), "" for the route's ordinary task


@dataclass
class DocumentContext:
    """What every task of one document shares: the start date, the document's term, the table."""

    start: date
    term: Term | None
    terms: dict[str, int]
    body: str  # the inspecting committee (市委 …), for the organisation department and 纪委监委
    blocks: list[dict]
    spans: tuple[list[int], list[int]] | None = field(default=None, repr=False, compare=False)

    def block_at(self, offset: int) -> dict | None:
        """The first block (in document order) whose span holds the offset. Blocks come in text order,
        so that is the first one whose running greatest end reaches the offset: found by bisection
        rather than a scan per finding (a 1,000-page file has thousands of both)."""
        if self.spans is None:
            self.spans = _spans(self.blocks)
        starts, reach = self.spans
        if len(starts) != len(self.blocks):  # blocks out of order: the plain scan
            return _block_at(self.blocks, offset)
        j = bisect_left(reach, offset)
        return self.blocks[j] if j < len(starts) and starts[j] <= offset else None


def _spans(blocks: list[dict]) -> tuple[list[int], list[int]]:
    """Block starts and the running greatest end; cut short where a start goes backwards."""
    starts: list[int] = []
    reach: list[int] = []
    top = -1
    for b in blocks:
        start = b.get("offset", 0)
        if starts and start < starts[-1]:
            break
        top = max(top, start + len(b.get("text", "")))
        starts.append(start)
        reach.append(top)
    return starts, reach


def start_date(record: Document, today: date) -> date:
    try:
        return date.fromisoformat(record.doc_date) if record.doc_date else today
    except ValueError:
        return today


def document_context(record: Document, routing: RoutingTable, today: date, body: str = "") -> DocumentContext:
    start = start_date(record, today)
    blocks = list(record.blocks or [])
    paragraphs = [b.get("text", "") for b in blocks if b.get("kind") not in ("table_row", "table_cell")]
    term, terms = document_terms(paragraphs, start, routing.terms)
    return DocumentContext(start, term, terms, body, blocks)


def _block_at(blocks: list[dict], offset: int) -> dict | None:
    for b in blocks:
        start = b.get("offset", 0)
        if start <= offset <= start + len(b.get("text", "")):
            return b
    return None


def _cells(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"[｜|]", text.strip().strip("｜|"))]


def row_columns(blocks: list[dict], block: dict) -> dict[str, str]:
    """For a finding in a table row: its deadline/owner/leader cells, named by the table's header."""
    if block.get("kind") != "table_row" or block.get("table") is None:
        return {}
    rows = [b for b in blocks if b.get("kind") == "table_row" and b.get("table") == block["table"]]
    if not rows or rows[0] is block:
        return {}
    return table_columns(_cells(rows[0]["text"]), _cells(block["text"]))


def _own_sentence(block: dict, finding: Finding) -> str:
    """The finding's words up to the end of its sentence in its block (a stated term follows it)."""
    text = block.get("text", "")
    begin = max(0, finding.start - block.get("offset", 0))
    end = text.find("。", max(begin, finding.end - block.get("offset", 0)))
    return text[begin: end if end >= 0 else len(text)]


def plan_task(finding: Finding, route: str, unit: str, ctx: DocumentContext, routing: RoutingTable) -> Plan:
    block = ctx.block_at(finding.start) or {}
    columns = row_columns(ctx.blocks, block) if block else {}
    own = _own_sentence(block, finding) if block else finding.quote
    term = None
    if columns.get("deadline"):
        term = parse_term(columns["deadline"], ctx.start, ctx.terms, cell=True)
    term = term or parse_term(own, ctx.start, ctx.terms) or ctx.term
    kind = routing.task_kind(route, finding.subject, finding.quote)
    if term is None:
        deadline, source, phrase = routing.deadline(kind.deadline_route if kind else route, ctx.start), "routing", ""
    else:
        deadline, source, phrase = term.deadline, term.source, term.phrase
    stated = columns.get("owner") or lead_body(own)
    if finding.person and finding.person in stated:
        stated = ""  # the person concerned is never the one who acts
    leader = columns.get("leader", "")
    if finding.person and finding.person in leader:
        leader = ""
    if kind is not None:
        owner = kind.owner.format(unit=unit or "被巡察单位")
    elif route in UNIT_ROUTES and stated:
        owner = stated + (f"（责任领导：{leader}）" if leader else "")
    elif route == "rectification" and finding.subject == "team":
        owner = f"{unit or '被巡察单位'}领导班子"
    else:
        owner = routing.owner(route, unit, ctx.body)
        if route in UNIT_ROUTES and leader:
            owner += f"（责任领导：{leader}）"
    return Plan(deadline, source, phrase[:128], owner[:128], kind.kind if kind else "")
