"""A rectification report's own statistics checked against the ledger, so an overstated report shows.

The report states 反馈问题N个、已完成整改M个、正在整改K个、移交问题线索L件 (extracted as counts); the
ledger holds the tasks of that unit and round. Each figure is 基本一致 when the two agree within the
routing table's figures_tolerance, else 不一致, and both numbers are shown.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from models import ledger
from models.followup import candidate_tasks
from models.tables import Document

AGREE, DISAGREE = "基本一致", "不一致"
LABELS = {"problems_total": "反馈问题", "problems_rectified": "已完成整改", "problems_in_progress": "正在整改",
          "clues_transferred": "移交问题线索"}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    stated: int
    ledger: int
    verdict: str

    @property
    def sentence(self) -> str:
        return f"{self.label}：报告{self.stated}，台账{self.ledger}，{self.verdict}"


def ledger_figures(session: Session, report: Document) -> dict[str, int]:
    """What the ledger says for the report's unit and round (after the report's items were linked)."""
    if report.unit_id is None:
        return {}
    tasks = [t for t, _f, _d in candidate_tasks(session, report, report.unit_id)]
    return {
        "problems_total": len(tasks),
        "problems_rectified": sum(t.status in (ledger.SUBMITTED, ledger.CLOSED) for t in tasks),
        "problems_in_progress": sum(t.status in (ledger.DOING, ledger.EXTENDED) for t in tasks),
        "clues_transferred": sum(t.route == "discipline_referral" for t in tasks),
    }


def check_figures(session: Session, report: Document, tolerance: int = 0) -> list[Figure]:
    """One Figure per statistic the report states and the ledger can count."""
    counted = ledger_figures(session, report)
    stated = report.counts or {}
    out = []
    for key, label in LABELS.items():
        if key in stated and key in counted:
            agree = abs(int(stated[key]) - counted[key]) <= tolerance
            out.append(Figure(key, label, int(stated[key]), counted[key], AGREE if agree else DISAGREE))
    return out


def overall(figures: list[Figure]) -> str:
    """基本一致 when every figure agrees; 不一致 otherwise; empty when nothing could be compared."""
    if not figures:
        return ""
    return AGREE if all(f.verdict == AGREE for f in figures) else DISAGREE


def report_check(session: Session, report: Document) -> dict:
    """What one rectification report answered, what it left out, and whether its figures hold."""
    from sqlmodel import select

    from models.followup import NOT_REPORTED
    from models.tables import ReportItem

    items = session.exec(select(ReportItem).where(ReportItem.document_id == report.id)
                         .order_by(ReportItem.id)).all()
    tasks = [t for t, _f, _d in candidate_tasks(session, report, report.unit_id)] if report.unit_id else []
    figures = check_figures(session, report, _tolerance())
    return {
        "document": report.name,
        "items": [{"text": i.text, "stated": i.stated, "task": i.task_id} for i in items if i.task_id],
        "unmatched": [{"text": i.text, "stated": i.stated} for i in items if not i.task_id],
        "not_reported": [t.id for t in tasks if NOT_REPORTED in (t.flags or [])],
        "figures": [{"key": f.key, "label": f.label, "stated": f.stated, "ledger": f.ledger,
                     "verdict": f.verdict} for f in figures],
        "verdict": overall(figures),
    }


def _tolerance() -> int:
    from models.routing import load_routing

    return load_routing().figures_tolerance
