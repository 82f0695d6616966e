"""Audit trail: one row per state change, written in the same transaction as the change."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from models.rows import model_row
from models.tables import AuditEvent


def audit(session: Session, action: str, entity: str, entity_id: Any, actor: str = "system",
          **detail: Any) -> None:
    session.add(AuditEvent(actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                           detail=detail))


def event_row(action: str, entity: str, entity_id: Any, actor: str = "system", **detail: Any) -> dict[str, Any]:
    """audit's event as a row, for models.rows.insert_rows when thousands are written at once."""
    return model_row(AuditEvent, actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                     detail=detail)
