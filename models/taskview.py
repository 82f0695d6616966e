"""The ledger's tasks as staff and other programs see them: one record per task with its colour,
round, unit, where its deadline came from, what it escalated from and what reports said about it.

Computed here (not in the CLI or the report writers) so that every output shows the same figures.
"""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models import ledger
from models.routing import load_routing
from models.tables import Document, Finding, InspectionRound, ReportItem, Task, Unit
from models.units import find_unit

GREEN, YELLOW, RED = "green", "yellow", "red"


def colour(task: Task, today: date, due_soon_days: int | None = None) -> str:
    """red: open and overdue; yellow: open and due within due_soon_days; green otherwise."""
    days = load_routing().due_soon_days if due_soon_days is None else due_soon_days
    if task.status not in ledger.OPEN:
        return GREEN
    if task.deadline < today:
        return RED
    return YELLOW if (task.deadline - today).days <= days else GREEN


def report_items_by_task(session: Session, task_ids: list[int]) -> dict[int, list[dict]]:
    """Each task's report items: the report file, the item as worded, the status it states."""
    if not task_ids:
        return {}
    rows = session.exec(select(ReportItem, Document).join(Document, Document.id == ReportItem.document_id)
                        .where(ReportItem.task_id.in_(task_ids))
                        .order_by(Document.doc_date, Document.id, ReportItem.id)).all()
    out: dict[int, list[dict]] = {}
    for item, doc in rows:
        out.setdefault(item.task_id, []).append({"document": doc.name, "text": item.text, "stated": item.stated})
    return out


def find_round(session: Session, text: str) -> InspectionRound | None:
    """A round by id or by (part of) its name."""
    if text.isdigit():
        return session.get(InspectionRound, int(text))
    matches = [r for r in session.exec(select(InspectionRound)).all() if text in r.name]
    return matches[0] if len(matches) == 1 else None


def scope(session: Session, unit: str | None, round_: str | None) -> tuple[int | None, int | None] | None:
    """(unit id, round id) for filters given by name; None when a named unit or round is unknown."""
    unit_id = round_id = None
    if unit:
        record = find_unit(session, unit)
        if record is None:
            return None
        unit_id = record.id
    if round_:
        found = find_round(session, round_)
        if found is None:
            return None
        round_id = found.id
    return unit_id, round_id


def task_views(session: Session, today: date | None = None, *, status: str | None = None,
               unit: str | None = None, round_: str | None = None, overdue: bool = False) -> list[dict]:
    """Every task (filtered) as a record; unknown unit or round names give no tasks."""
    today = today or date.today()
    q = (select(Task, Finding, Document).join(Finding, Finding.id == Task.finding_id)
         .join(Document, Document.id == Finding.document_id).order_by(Task.deadline, Task.id))
    if status:
        q = q.where(Task.status == status)
    wanted = scope(session, unit, round_)
    if wanted is None:
        return []
    if wanted[0] is not None:
        q = q.where(Task.unit_id == wanted[0])
    if wanted[1] is not None:
        q = q.where(Document.round_id == wanted[1])
    rows = session.exec(q).all()
    if overdue:
        rows = [(t, f, d) for t, f, d in rows if t.overdue_level > 0 or (t.status in ledger.OPEN and t.deadline < today)]
    rounds = {r.id: r.name for r in session.exec(select(InspectionRound)).all()}
    units = {u.id: u.name for u in session.exec(select(Unit)).all()}
    items = report_items_by_task(session, [t.id for t, _f, _d in rows])
    due_soon = load_routing().due_soon_days
    return [{
        "id": t.id, "document": d.name, "quote": f.quote, "round": rounds.get(d.round_id),
        "unit": units.get(t.unit_id, t.unit) or None, "route": t.route, "task_kind": t.kind or None,
        "owner": t.owner,
        "person": f.person or None,  # the person concerned (the talk's subject), never the owner
        "deadline": t.deadline.isoformat(), "deadline_source": t.deadline_source,
        "deadline_phrase": t.deadline_phrase, "status": t.status, "colour": colour(t, today, due_soon),
        "escalated_from": t.escalated_from, "flags": list(t.flags or []), "supervisor": t.supervisor,
        "overdue_level": t.overdue_level, "report_items": items.get(t.id, []),
    } for t, f, d in rows]
