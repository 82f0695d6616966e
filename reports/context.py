"""Build the data a report shows from the database (read only)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from models import vocabulary as V
from models.tables import Document, Finding, Task
from models.taskview import task_views


@dataclass
class Row:
    finding: Finding
    task: Task | None
    document: Document
    view: dict = field(default_factory=dict)  # models.taskview: colour, round, report items …

    @property
    def colour(self) -> str:
        return self.view.get("colour", "")


@dataclass
class ReportContext:
    generated: str
    today: date
    documents: list[Document]
    rows: list[Row]
    by_route: list[tuple[str, int]] = field(default_factory=list)
    by_subject: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    overdue: list[Row] = field(default_factory=list)
    labels: dict = field(default_factory=dict)


def ledger_rows(session: Session, units: list[str] | None = None, today: date | None = None) -> list[Row]:
    """The ledger's tasks (of active findings) with their finding and document, ordered by document
    then position. A rectification report's items open no task, so they are not rows."""
    q = (select(Finding, Task, Document)
         .join(Document, Document.id == Finding.document_id)
         .join(Task, Task.finding_id == Finding.id)
         .where(Finding.state == "active")
         .order_by(Document.id, Finding.start))
    if units is not None:
        q = q.where(Finding.unit.in_(units))
    views = {v["id"]: v for v in task_views(session, today)}
    return [Row(f, t, d, views.get(t.id, {})) for f, t, d in session.exec(q).all()]


def build_context(session: Session, today: date | None = None,
                  units: list[str] | None = None) -> ReportContext:
    today = today or date.today()
    rows = ledger_rows(session, units, today)
    docs = session.exec(select(Document).order_by(Document.id)).all()
    if units is not None:
        docs = [d for d in docs if d.unit in units]

    def tally(values, labels):
        c = Counter(values)
        return [(labels.get(k, k), c[k]) for k in labels if c[k]] + \
               [(k, n) for k, n in c.items() if k not in labels]

    open_states = ("待办", "进行中", "延期")
    return ReportContext(
        generated=datetime.now().strftime("%Y年%m月%d日 %H:%M"),
        today=today,
        documents=list(docs),
        rows=rows,
        by_route=tally([r.finding.route for r in rows], V.ROUTES),
        by_subject=tally([r.finding.subject for r in rows], V.SUBJECTS),
        by_category=tally([r.finding.category for r in rows], V.CATEGORIES),
        by_status=tally([r.task.status for r in rows if r.task], {s: s for s in V.TASK_STATUSES}),
        overdue=[r for r in rows if r.task and r.task.status in open_states and r.task.deadline < today],
        labels={"subject": V.SUBJECTS, "severity": V.SEVERITIES, "category": V.CATEGORIES,
                "route": V.ROUTES, "kind": V.KINDS, "doc_status": V.DOC_STATUS, "colour": V.COLOURS},
    )
