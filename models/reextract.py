"""Run the current rules again over stored documents, keeping every reviewer decision.

The text is not read again: each document's blocks were stored at ingestion, so new rules reach
old reports in milliseconds, scans included. Findings are matched by fingerprint, corrections are
re-applied, and findings the new rules no longer produce are flagged, never deleted.
"""
from __future__ import annotations

from sqlmodel import select

from extractors.document import Block, BlockKind
from extractors.document import Document as ReadDocument
from extractors.document import DocumentMeta
from extractors.findings import extract
from extractors.rules import RuleSet
from models.audit import audit
from models.db import session_scope
from models.settings import Settings
from models.store import save_and_route
from models.tables import Document

BLOCK_FIELDS = ("text", "page", "section", "offset", "table", "row", "col")


def as_read_document(record: Document) -> ReadDocument:
    """Rebuild the reader's Document from what was stored with the record."""
    blocks = []
    for row in record.blocks or []:
        values = {k: row[k] for k in BLOCK_FIELDS if k in row}
        values["section"] = tuple(values.get("section") or ())
        blocks.append(Block(kind=BlockKind(row.get("kind", "paragraph")), **values))
    doc = ReadDocument(name=record.name, blocks=blocks, pages=record.pages, reader=record.reader,
                       warnings=list(record.warnings or []),
                       meta=DocumentMeta(title=record.title, issuer=record.issuer, unit=record.unit,
                                         date=record.doc_date, kind=record.kind))
    doc.renumber()
    return doc


def stale_ids(settings: Settings, rules: RuleSet) -> list[int]:
    """Readable documents last extracted with another rule-set version."""
    with session_scope(settings.database_url) as s:
        return list(s.exec(select(Document.id).where(Document.status.in_(("ingested", "warning")),
                                                     Document.rules_version != rules.version)
                           .order_by(Document.id)).all())


def reextract_document(settings: Settings, document_id: int, rules: RuleSet) -> dict[str, int]:
    """One document, one transaction: findings upserted, corrections kept, vanished ones flagged."""
    with session_scope(settings.database_url) as s:
        record = s.get(Document, document_id)
        if record is None or not record.blocks:
            return {"new": 0, "kept": 0, "vanished": 0, "carried": 0, "orphaned": 0}
        old = record.rules_version
        stats = save_and_route(s, record, extract(as_read_document(record), rules))
        audit(s, "document.reextracted", "document", record.id, old_rules=old, rules=rules.version, **stats)
        return stats
