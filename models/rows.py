"""Rows inserted in bulk through SQLAlchemy Core, for records nothing reads back as objects in the
same transaction (a 1,000-page file's thousands of tasks and audit events): building a table model
object costs far more than its insert. Each row gets the values the model's constructor would give."""
from __future__ import annotations

import copy
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, SQLModel

_IMMUTABLE = (str, int, float, bool, type(None), date, datetime)


@cache
def _defaults(model: type[SQLModel]) -> tuple[tuple[str, Any, Any], ...]:
    """(field, default, default factory) of each optional field; the primary key is left to the database."""
    keys = {c.name for c in model.__table__.primary_key.columns if c.autoincrement is not False}
    return tuple((name, field.default, field.default_factory)
                 for name, field in model.model_fields.items()
                 if not field.is_required() and name not in keys)


def model_row(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """The column values `model(**values)` would hold, defaults and default factories filled in (a table
    model does not validate on construction, so neither does this)."""
    for name, default, factory in _defaults(model):
        if name not in values:
            if factory is not None:
                values[name] = factory()
            else:
                values[name] = default if isinstance(default, _IMMUTABLE) else copy.deepcopy(default)
    return values


def insert_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` (from model_row) in order after what the session holds; returns their ids, in order."""
    if not rows:
        return []
    session.flush()  # pending objects first: ids and audit order as if each row were added in turn
    table = model.__table__
    result = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]
