"""What a rendered report needs: the figures of reports/queries.py plus labels and a timestamp."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from models import vocabulary as V
from reports.queries import LEDGER_TZ, Figures, Row, Scope, figures

__all__ = ["ReportContext", "Row", "Scope", "build_context"]


@dataclass
class ReportContext:
    """Figures for one scope, the moment the report was made, and the Chinese labels of codes."""

    figures: Figures
    generated: str
    labels: dict = field(default_factory=dict)

    # the figures' lists, by the names the templates and the Excel ledger use
    today = property(lambda self: self.figures.today)
    scope = property(lambda self: self.figures.scope)
    documents = property(lambda self: self.figures.documents)
    rows = property(lambda self: self.figures.rows)
    overdue = property(lambda self: self.figures.overdue)
    by_route = property(lambda self: self.figures.by_route)
    by_category = property(lambda self: self.figures.by_category)
    by_subject = property(lambda self: self.figures.by_subject)
    by_status = property(lambda self: self.figures.by_status)

    def label(self, kind: str, code: str) -> str:
        return self.labels.get(kind, {}).get(code, code)


def build_context(session: Session, today: date | None = None, scope: Scope | None = None,
                  generated: datetime | None = None) -> ReportContext:
    """Pass `today` and `generated` to make a report reproducible byte for byte."""
    generated = generated or datetime.now(LEDGER_TZ)
    return ReportContext(
        figures=figures(session, scope, today),
        generated=generated.strftime("%Y年%m月%d日 %H:%M"),
        labels={"subject": V.SUBJECTS, "severity": V.SEVERITIES, "category": V.CATEGORIES,
                "route": V.ROUTES, "kind": V.KINDS, "doc_status": V.DOC_STATUS},
    )
