"""The reader's output: a document as an ordered list of text blocks with provenance.

Every later stage (sections, findings, evidence) points back into these blocks, so a
finding can always say which page, which section and which characters it came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class BlockKind(str, Enum):
    PARAGRAPH = "paragraph"
    HEADING = "heading"
    TABLE_CELL = "table_cell"
    TABLE_ROW = "table_row"


@dataclass
class Block:
    """One paragraph (or table row/cell) of body text.

    `offset` is the character offset of the block in `Document.text` (blocks joined with
    "\n"), so evidence spans can be stored as (start, end) into the full text.
    """

    text: str
    page: int = 1  # 1-based; DOCX has no pages, it reports 1
    kind: BlockKind = BlockKind.PARAGRAPH
    section: tuple[str, ...] = ()  # outline path, e.g. ("二、选人用人方面", "（一）…")
    offset: int = 0
    table: int | None = None  # table index for table rows/cells
    row: int | None = None
    col: int | None = None


@dataclass
class DocumentMeta:
    title: str = ""
    issuer: str = ""  # issuing body, e.g. 市委第一巡察组
    unit: str = ""  # inspected unit, e.g. 某市某局党组
    date: str = ""  # ISO date when stated
    kind: str = "other"  # feedback | rectification | speech | news | other


@dataclass
class Document:
    """A read document. `warnings` are reader notes shown to reviewers (e.g. OCR used)."""

    name: str  # file name as given (metadata only; never used to build paths)
    blocks: list[Block] = field(default_factory=list)
    pages: int = 0
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    warnings: list[str] = field(default_factory=list)
    reader: str = ""  # which reader produced it, e.g. "pdf:pypdfium2", "pdf:ocr", "docx"
    headers: list[str] = field(default_factory=list)  # running headers/footers removed from the body
    warning_codes: list[str] = field(default_factory=list)  # Reason values of the warnings (NEEDS_OCR, …)

    def renumber(self) -> None:
        """Recompute block offsets after blocks were added, removed or edited."""
        pos = 0
        for b in self.blocks:
            b.offset = pos
            pos += len(b.text) + 1

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


@dataclass
class RuleHit:
    rule_id: str
    kind: str  # keyword | pattern | context | veto
    matched: str  # the words or text that fired
    weight: float = 1.0


@dataclass
class FindingDraft:
    """A problem the inspection found, before it is stored and routed."""

    quote: str  # exact evidence span as it stands in the block text
    page: int
    section: tuple[str, ...]
    block_index: int
    start: int  # character offsets into Document.text
    end: int
    subject: str  # individual | team | unit
    category: str
    severity: str  # minor | structural | serious
    person: str = ""
    post: str = ""
    score: float = 0.0
    hits: list[RuleHit] = field(default_factory=list)
    vetoes_considered: list[RuleHit] = field(default_factory=list)
    explanation: str = ""


@dataclass
class Extraction:
    """Everything extraction produced from one document."""

    findings: list[FindingDraft]
    counts: dict[str, int]
    rules_version: str
    rejected: list[FindingDraft] = field(default_factory=list)  # clauses a veto stopped, for review
    kind: str = ""  # the document kind extraction decided (extractors/doc_kind.py); "" = not decided
    kind_cues: list[str] = field(default_factory=list)  # why, in Chinese
