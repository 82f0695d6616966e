"""A rectification report's own statistics checked against the ledger, so an overstated report shows.

The report states 反馈问题N个、已完成整改M个、正在整改K个、移交问题线索L件 and the persons dealt with
(提醒谈话K人、诫勉K人、批评教育K人), extracted as counts; the ledger holds the tasks of that unit and
round. Each figure is 基本一致 when the two agree within the routing table's figures_tolerance, else
不一致, and both numbers are shown. A person count the report states above the ledger's is
报告多于台账, not 不一致: a unit may talk to more people than the feedback named (the ledger can
vouch only for those), while one below the ledger's contradicts it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from models import ledger
from models import vocabulary as V
from models.followup import NOT_REPORTED, candidate_tasks
from models.routing import load_routing
from models.tables import Document, Finding, ReportItem, Task

AGREE, DISAGREE, BEYOND = "基本一致", "不一致", "报告多于台账"
DONE = (ledger.SUBMITTED, ledger.CLOSED)


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


def persons_dealt_with(rows: list[tuple[Task, Finding, Document]], person_counts: dict[str, dict]) -> dict[str, int]:
    """Distinct persons per disposal (提醒谈话, 诫勉, 批评教育 …), as a supervisor checks a report's
    提醒谈话K人: only a task about an individual that is done (待销号, 已销号) counts — an open one
    means the talk is still owed. Its person counts under every disposal its close-out evidence
    names (对赵某某予以诫勉 → 诫勉, whatever the route said), and under its route's disposal when the
    evidence names none (a closed 提醒谈话 task is a talk held). A person is their masked name, else
    their post, so two tasks about one person count once."""
    seen: dict[str, set[str]] = {key: set() for key in person_counts}
    for task, finding, _doc in rows:
        if finding.subject != "individual" or task.status not in DONE:
            continue
        who = finding.person or finding.post or f"#{task.id}"
        named = {k for k, spec in person_counts.items() if any(w in (task.measure or "") for w in spec["words"])}
        for key in named or {k for k, spec in person_counts.items() if task.route in spec["routes"]}:
            seen[key].add(who)
    return {key: len(who) for key, who in seen.items()}


def ledger_figures(session: Session, report: Document) -> dict[str, int]:
    """What the ledger says for the report's unit and round (after the report's items were linked)."""
    if report.unit_id is None:
        return {}
    rows = candidate_tasks(session, report, report.unit_id)
    tasks = [t for t, _f, _d in rows]
    return {
        "problems_total": len(tasks),
        "problems_rectified": sum(t.status in DONE for t in tasks),
        "problems_in_progress": sum(t.status in (ledger.DOING, ledger.EXTENDED) for t in tasks),
        "clues_transferred": sum(t.route == "discipline_referral" for t in tasks),
        **persons_dealt_with(rows, load_routing().person_counts),
    }


def verdict(said: int, have: int, tolerance: int, person_count: bool) -> str:
    """How a stated figure compares with the ledger's (see the module's docstring)."""
    if abs(said - have) <= tolerance:
        return AGREE
    return BEYOND if person_count and said > have else DISAGREE


def check_figures(session: Session, report: Document, tolerance: int = 0) -> list[Figure]:
    """One Figure per statistic the report states and the ledger can count."""
    counted = ledger_figures(session, report)
    persons = set(load_routing().person_counts)
    stated = report.counts or {}
    out = []
    for key, label in V.FIGURES.items():
        if key in stated and key in counted:
            said, have = int(stated[key]), counted[key]
            out.append(Figure(key, label, said, have, verdict(said, have, tolerance, key in persons)))
    return out


def overall(figures: list[Figure]) -> str:
    """不一致 when a figure contradicts the ledger, else 基本一致; empty when nothing could be compared."""
    if not figures:
        return ""
    return DISAGREE if any(f.verdict == DISAGREE for f in figures) else AGREE


def report_check(session: Session, report: Document) -> dict:
    """What one rectification report answered, what it left out, and whether its figures hold."""
    items = session.exec(select(ReportItem).where(ReportItem.document_id == report.id)
                         .order_by(ReportItem.id)).all()
    tasks = [t for t, _f, _d in candidate_tasks(session, report, report.unit_id)] if report.unit_id else []
    figures = check_figures(session, report, load_routing().figures_tolerance)
    return {
        "document": report.name,
        "items": [{"text": i.text, "stated": i.stated, "task": i.task_id} for i in items if i.task_id],
        "unmatched": [{"text": i.text, "stated": i.stated} for i in items if not i.task_id],
        "not_reported": [t.id for t in tasks if NOT_REPORTED in (t.flags or [])],
        "figures": [{"key": f.key, "label": f.label, "stated": f.stated, "ledger": f.ledger,
                     "verdict": f.verdict} for f in figures],
        "verdict": overall(figures),
    }
