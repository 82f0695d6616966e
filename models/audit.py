"""Audit trail: one row per state change, written in the same transaction as the change."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from models.tables import AuditEvent


def audit(session: Session, action: str, entity: str, entity_id: Any, actor: str = "system",
          **detail: Any) -> None:
    session.add(AuditEvent(actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                           detail=detail))
