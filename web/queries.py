"""Every read the pages make, each one through the user's scope (models.accounts.scope_*).

The review queue is sorted so the least certain items come first (lowest rule weight, then id) and
pages with a keyset cursor ("score:id"), so the next page costs the same as the first at any depth.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from fastapi import HTTPException
from sqlalchemy import and_, func, or_
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from models.accounts import scope_documents, scope_findings, scope_tasks
from models.tables import Document, Finding, FindingRule, Task, User

PAGE_SIZE = 50
HIDDEN_STATES = ("split",)  # a split item lives on as its two parts


def not_found() -> HTTPException:
    return HTTPException(status_code=404, detail="没有找到该记录，或您无权查看。")


@dataclass
class QueueFilter:
    """The queue's filters as given in the page's query string (empty = no filter)."""

    document: str = ""
    unit: str = ""
    category: str = ""
    route: str = ""
    review: str = "pending"  # pending | accepted | corrected | rejected | all
    rule: str = ""

    @classmethod
    def from_params(cls, params: Any) -> "QueueFilter":
        values = {f.name: (params.get(f.name) or "").strip()[:200] for f in fields(cls) if f.name in params}
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def _queue_where(user: User, flt: QueueFilter) -> list:
    where = [scope_findings(user), Finding.state.not_in(HIDDEN_STATES)]
    if flt.document.isdigit():
        where.append(Finding.document_id == int(flt.document))
    if flt.unit:
        where.append(Finding.unit == flt.unit)
    if flt.category:
        where.append(Finding.category == flt.category)
    if flt.route:
        where.append(Finding.route == flt.route)
    if flt.review and flt.review != "all":
        where.append(Finding.review_state == flt.review)
    if flt.rule:
        where.append(Finding.id.in_(select(FindingRule.finding_id).where(FindingRule.rule_id == flt.rule)))
    return where


def parse_cursor(cursor: str | None) -> tuple[float, int] | None:
    try:
        score, fid = (cursor or "").split(":", 1)
        return float(score), int(fid)
    except ValueError:
        return None


def queue_page(session: Session, user: User, flt: QueueFilter, after: str | None = None,
               size: int = PAGE_SIZE) -> tuple[list[tuple[Finding, str]], str | None]:
    """One page of (finding, document name), least certain first, and the cursor of the next page.

    Two steps: the page's ids from the queue index alone (ix_finding_queue covers every filter
    column and the sort key, so no table row is read to filter or sort), then those rows in full."""
    q = select(Finding.id, Finding.score).where(*_queue_where(user, flt))
    cur = parse_cursor(after)
    if cur:
        q = q.where(or_(Finding.score > cur[0], and_(Finding.score == cur[0], Finding.id > cur[1])))
    keys = list(session.exec(q.order_by(Finding.score, Finding.id).limit(size + 1)).all())
    nxt = None
    if len(keys) > size:
        keys = keys[:size]
        nxt = f"{keys[-1][1]!r}:{keys[-1][0]}"
    ids = [k[0] for k in keys]
    if not ids:
        return [], None
    rows = session.exec(select(Finding, Document.name).join(Document, Document.id == Finding.document_id)
                        .where(Finding.id.in_(ids))).all()
    order = {fid: i for i, fid in enumerate(ids)}
    return sorted(rows, key=lambda r: order[r[0].id]), nxt


def queue_count(session: Session, user: User, flt: QueueFilter) -> int:
    return session.exec(select(func.count()).select_from(Finding).where(*_queue_where(user, flt))).one()


def queue_ids(session: Session, user: User, flt: QueueFilter) -> list[int]:
    return list(session.exec(select(Finding.id).where(*_queue_where(user, flt))
                             .order_by(Finding.score, Finding.id)).all())


def finding_or_404(session: Session, user: User, finding_id: int) -> Finding:
    f = session.exec(select(Finding).where(Finding.id == finding_id, scope_findings(user))).first()
    if f is None:
        raise not_found()
    return f


def document_or_404(session: Session, user: User, document_id: int) -> Document:
    d = session.exec(select(Document).where(Document.id == document_id, scope_documents(user))).first()
    if d is None:
        raise not_found()
    return d


def task_or_404(session: Session, user: User, task_id: int) -> Task:
    t = session.exec(select(Task).where(Task.id == task_id, scope_tasks(user))).first()
    if t is None:
        raise not_found()
    return t


def documents(session: Session, user: User, limit: int = 500) -> list[Document]:
    """Documents for lists and filters, without their stored text (blocks can be megabytes)."""
    return list(session.exec(select(Document).options(defer(Document.blocks)).where(scope_documents(user))
                             .order_by(Document.id.desc()).limit(limit)).all())


def document_choices(session: Session, user: User, limit: int = 500) -> list[tuple[int, str]]:
    """(id, name) of the documents in scope, for the queue's document filter."""
    return list(session.exec(select(Document.id, Document.name).where(scope_documents(user))
                             .order_by(Document.id.desc()).limit(limit)).all())


def document_findings(session: Session, user: User, document_id: int) -> list[Finding]:
    return list(session.exec(select(Finding).where(Finding.document_id == document_id, scope_findings(user))
                             .order_by(Finding.start, Finding.id)).all())


def units_visible(session: Session, user: User) -> list[str]:
    if user.role != "admin":
        return sorted(user.units or [])
    return [u for u in session.exec(select(Document.unit).distinct().order_by(Document.unit)).all() if u]


def tasks(session: Session, user: User, status: str = "", limit: int = 500) -> list[tuple[Task, Finding]]:
    q = (select(Task, Finding).join(Finding, Finding.id == Task.finding_id)
         .where(scope_tasks(user)).order_by(Task.deadline, Task.id).limit(limit))
    if status:
        q = q.where(Task.status == status)
    return list(session.exec(q).all())
