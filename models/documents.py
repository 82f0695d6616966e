"""What `documents list` shows: every entry received, its outcome, and the reader's notes.

The notes are the warnings the reader recorded on the document (OCR used on which
pages, the second PDF reader used, parts read by a fallback), so staff see from the
list which documents need checking against the original.
"""
from __future__ import annotations

from sqlmodel import Session, select

from models.tables import Document, Intake


def document_rows(session: Session) -> list[dict]:
    """One row per intake entry, oldest first, with its document's pages, reader and notes."""
    docs = {d.id: d for d in session.exec(select(Document)).all()}
    rows = []
    for i in session.exec(select(Intake).order_by(Intake.id)).all():
        d = docs.get(i.document_id)
        rows.append({"name": i.name, "sha256": i.sha256, "status": i.status, "reason": i.reason,
                     "message": i.message, "source": i.source, "document_id": i.document_id,
                     "pages": d.pages if d else 0, "kind": d.kind if d else "",
                     "title": d.title if d else "", "stored_as": d.stored_as if d else "",
                     "reader": d.reader if d else "",
                     # a duplicate's notes are its first copy's: the same bytes were read once
                     "warnings": list(d.warnings or []) if d else []})
    return rows


def notes_text(row: dict) -> str:
    """The notes of one row as one cell of text for the terminal table."""
    if row["status"] == "duplicate" or row["status"] == "rejected" or row["status"] == "skipped":
        return row["message"]
    return "\n".join(row["warnings"])
