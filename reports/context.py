"""Build the data a report shows from the database (read only)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from models import vocabulary as V
from models.ledger import OPEN
from models.tables import Document, Finding, Task


@dataclass
class Row:
    finding: Finding
    task: Task | None
    document: Document


@dataclass
class ReportContext:
    generated: str
    today: date
    documents: list[Document]
    rows: list[Row]
    by_route: list[tuple[str, int]] = field(default_factory=list)
    by_subject: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    overdue: list[Row] = field(default_factory=list)
    labels: dict = field(default_factory=dict)


def ledger_rows(session: Session, units: list[str] | None = None) -> list[Row]:
    """Active findings with their task and document, ordered by document then position."""
    q = (select(Finding, Task, Document)
         .join(Document, Document.id == Finding.document_id)
         .join(Task, Task.finding_id == Finding.id, isouter=True)
         .where(Finding.state == "active")
         .order_by(Document.id, Finding.start))
    if units is not None:
        q = q.where(Finding.unit.in_(units))
    return [Row(f, t, d) for f, t, d in session.exec(q).all()]


def build_context(session: Session, today: date | None = None,
                  units: list[str] | None = None) -> ReportContext:
    today = today or date.today()
    rows = ledger_rows(session, units)
    docs = session.exec(select(Document).order_by(Document.id)).all()
    if units is not None:
        docs = [d for d in docs if d.unit in units]

    def tally(values, labels):
        c = Counter(values)
        return [(labels.get(k, k), c[k]) for k in labels if c[k]] + \
               [(k, n) for k, n in c.items() if k not in labels]

    return ReportContext(
        generated=datetime.now().strftime("%Y年%m月%d日 %H:%M"),
        today=today,
        documents=list(docs),
        rows=rows,
        by_route=tally([r.finding.route for r in rows], V.ROUTES),
        by_subject=tally([r.finding.subject for r in rows], V.SUBJECTS),
        by_category=tally([r.finding.category for r in rows], V.CATEGORIES),
        overdue=[r for r in rows if r.task and r.task.status in OPEN and r.task.deadline < today],
        labels={"subject": V.SUBJECTS, "severity": V.SEVERITIES, "category": V.CATEGORIES,
                "route": V.ROUTES, "kind": V.KINDS, "doc_status": V.DOC_STATUS},
    )
