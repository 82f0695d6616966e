"""Every figure a report shows, computed in one place from the ledger (read only).

The HTML, Word and PDF reports, the Excel ledger, the nightly digest and (later) the web page all
read a `Figures` built here, so their numbers cannot disagree. Counts leave withdrawn (撤销) tasks
out; they are reported separately as `n_withdrawn`.

A scope narrows what is counted: inspection round, unit, and a period (the day a report file
arrived, Beijing time). No scope means everything.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, select

from models import vocabulary as V
from models.figures import AGREE, check_figures
from models.ledger import CLOSED, OPEN, WITHDRAWN
from models.routing import load_routing
from models.tables import Document, Finding, Task
from models.taskview import task_views

# Deadlines and arrival days are Beijing dates, as in the nightly flow.
LEDGER_TZ = ZoneInfo("Asia/Shanghai")

# Statistics a report states that the ledger can check: counts key -> what to compare with.
CHECKED_COUNTS = {"problems_total": "问题总数", "reminder_talk": V.ROUTES["reminder_talk"]}


@dataclass(frozen=True)
class Scope:
    """What a report covers. Every field None means the whole ledger."""

    round: str | None = None
    unit: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def has_period(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    def describe(self) -> str:
        """The scope in one Chinese phrase for the report's subtitle."""
        parts = []
        if self.round:
            parts.append(f"巡察轮次“{self.round}”")
        if self.unit:
            parts.append(f"被巡察单位“{self.unit}”")
        if self.date_from or self.date_to:
            start = self.date_from.isoformat() if self.date_from else ""
            end = self.date_to.isoformat() if self.date_to else ""
            span = f"{start}至{end}" if start and end else (f"{start}以来" if start else f"{end}以前")
            parts.append(f"{span}收到的报告")
        return "、".join(parts) or "全部台账"


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
class Mismatch:
    """A document states a figure that the ledger contradicts."""

    document: Document
    label: str
    stated: int
    in_ledger: int


@dataclass
class Figures:
    """All numbers and lists of one report, for one scope, as of `today`."""

    scope: Scope
    today: date
    documents: list[Document]
    rows: list[Row]  # active findings in scope, withdrawn tasks left out, document then position
    n_withdrawn: int = 0
    by_route: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_subject: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    overdue: list[Row] = field(default_factory=list)
    reminder_talks: list[Row] = field(default_factory=list)  # 提醒谈话 not yet closed
    team_adjustments: list[Row] = field(default_factory=list)  # 班子调整, any status
    closed: list[Row] = field(default_factory=list)  # closed within the period (all, without one)
    progress: list[tuple[str, int, int]] = field(default_factory=list)  # (month, closed so far, tasks)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def n_documents(self) -> int:
        return len(self.documents)

    @property
    def n_findings(self) -> int:
        return len(self.rows)

    @property
    def n_tasks(self) -> int:
        return sum(1 for r in self.rows if r.task)

    @property
    def n_open(self) -> int:
        return sum(1 for r in self.rows if r.task and r.task.status in OPEN)

    @property
    def n_closed_total(self) -> int:
        return sum(1 for r in self.rows if r.task and r.task.status == CLOSED)

    @property
    def n_overdue(self) -> int:
        return len(self.overdue)

    @property
    def n_closed(self) -> int:
        return len(self.closed)

    def overview(self) -> dict[str, int]:
        """The headline figures, labelled in Chinese, in the order every format shows them."""
        out = {"报告文件": self.n_documents, "发现问题": self.n_findings, "整改任务": self.n_tasks,
               "未完成": self.n_open, "已销号": self.n_closed_total, "逾期未办结": self.n_overdue}
        if self.scope.has_period:
            out["本期销号"] = self.n_closed
        return out


def beijing_day(moment: datetime | None) -> date | None:
    """The Beijing calendar day of a stored timestamp (SQLite gives naive UTC back)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LEDGER_TZ).date()


def resolve_scope(session: Session, scope: Scope) -> tuple[int | None, int | None]:
    """The unit and inspection-round records a scope names (models/units.py normalises the unit's
    name: 全称/简称, 党组/党委 of one body meet); None where none is named or none matches."""
    from models.taskview import find_round
    from models.units import find_unit

    unit = find_unit(session, scope.unit) if scope.unit else None
    found = find_round(session, scope.round) if scope.round else None
    return (unit.id if unit else None), (found.id if found else -1 if scope.round else None)


def in_round(document: Document, round_id: int | None) -> bool:
    """A document belongs to the round it was placed in (read from its title, editable by staff)."""
    return round_id is None or document.round_id == round_id


def in_period(day: date | None, scope: Scope) -> bool:
    if day is None:
        return scope.date_from is None and scope.date_to is None
    return ((scope.date_from is None or day >= scope.date_from)
            and (scope.date_to is None or day <= scope.date_to))


def document_in_scope(document: Document, scope: Scope, units_with_findings: set[int],
                      ids: tuple[int | None, int | None] = (None, None)) -> bool:
    unit_id, round_id = ids
    unit_ok = (scope.unit is None or document.unit == scope.unit or document.id in units_with_findings
               or (unit_id is not None and document.unit_id == unit_id))
    return (in_round(document, round_id) and unit_ok
            and in_period(beijing_day(document.created_at), scope))


def scoped_rows(session: Session, scope: Scope) -> list[Row]:
    """Active findings in scope with their task and document (withdrawn tasks included). A
    rectification report's items open no task (they answer earlier ones), so they are not rows."""
    q = (select(Finding, Task, Document)
         .join(Document, Document.id == Finding.document_id)
         .join(Task, Task.finding_id == Finding.id)
         .where(Finding.state == "active")
         .order_by(Document.id, Finding.start, Finding.id))
    unit_id, round_id = resolve_scope(session, scope)
    if scope.unit is not None:
        q = q.where(or_(Finding.unit == scope.unit, Finding.unit_id == unit_id) if unit_id is not None
                    else Finding.unit == scope.unit)
    return [Row(f, t, d) for f, t, d in session.exec(q).all()
            if in_round(d, round_id) and in_period(beijing_day(d.created_at), scope)]


def tally(values: list[str], labels: dict[str, str]) -> list[tuple[str, int]]:
    """(label, count) in vocabulary order, unknown codes last in first-seen order; zeros left out."""
    c = Counter(values)
    return [(labels[k], c[k]) for k in labels if c[k]] + [(k, n) for k, n in c.items() if k not in labels]


def is_overdue(task: Task | None, today: date) -> bool:
    """Open and past its deadline (the ledger's own rule: models.ledger.overdue_level)."""
    return bool(task and task.status in OPEN and task.deadline < today)


def closeout_progress(rows: list[Row]) -> list[tuple[str, int, int]]:
    """Per month since the first task: tasks closed so far and tasks opened so far."""
    opened = sorted(beijing_day(r.task.created_at) for r in rows if r.task)
    closed = sorted(beijing_day(r.task.closed_at) for r in rows
                    if r.task and r.task.status == CLOSED and r.task.closed_at)
    if not opened:
        return []
    months = sorted({d.strftime("%Y-%m") for d in opened + closed})
    return [(m, sum(1 for d in closed if d.strftime("%Y-%m") <= m),
             sum(1 for d in opened if d.strftime("%Y-%m") <= m)) for m in months]


def mismatches(session: Session, documents: list[Document], rows: list[Row]) -> list[Mismatch]:
    """Figures a document states that the ledger contradicts: a rectification report's statistics
    against its unit's tasks (models.figures, the check `report_check` shows), any other
    document's stated totals against the findings extracted from it."""
    found = Counter(r.document.id for r in rows)
    talks = Counter(r.document.id for r in rows if r.finding.route == "reminder_talk")
    tolerance = load_routing().figures_tolerance
    out = []
    for d in documents:
        if d.kind == "rectification":
            out += [Mismatch(d, f.label, f.stated, f.ledger) for f in check_figures(session, d, tolerance)
                    if f.verdict != AGREE]  # a person count beyond the ledger is worth a look too
            continue
        counts = d.counts or {}
        for key, label in CHECKED_COUNTS.items():
            if key not in counts:
                continue
            have = found[d.id] if key == "problems_total" else talks[d.id]
            if int(counts[key]) != have:
                out.append(Mismatch(d, label, int(counts[key]), have))
    return out


def tasks_per_document(session: Session, document_ids: list[int]) -> dict[int, int]:
    """Tasks of active findings per document, withdrawn ones left out (for the ingest summary)."""
    if not document_ids:
        return {}
    q = (select(Finding.document_id, Task.status).join(Task, Task.finding_id == Finding.id)
         .where(Finding.document_id.in_(document_ids), Finding.state == "active"))
    return dict(Counter(doc for doc, status in session.exec(q).all() if status != WITHDRAWN))


def figures(session: Session, scope: Scope | None = None, today: date | None = None) -> Figures:
    """Compute every figure for `scope` as of `today` (default: today in Beijing)."""
    scope = scope or Scope()
    today = today or datetime.now(LEDGER_TZ).date()
    every = scoped_rows(session, scope)
    views = {v["id"]: v for v in task_views(session, today)}
    for r in every:
        r.view = views.get(r.task.id, {}) if r.task else {}
    rows = [r for r in every if not (r.task and r.task.status == WITHDRAWN)]
    doc_ids = {r.document.id for r in every}
    ids = resolve_scope(session, scope)
    docs = [d for d in session.exec(select(Document).order_by(Document.id)).all()
            if document_in_scope(d, scope, doc_ids, ids)]
    closed = [r for r in rows if r.task and r.task.status == CLOSED
              and (not scope.has_period or in_period(beijing_day(r.task.closed_at), scope))]
    return Figures(
        scope=scope, today=today, documents=docs, rows=rows, n_withdrawn=len(every) - len(rows),
        by_route=tally([r.finding.route for r in rows], V.ROUTES),
        by_category=tally([r.finding.category for r in rows], V.CATEGORIES),
        by_subject=tally([r.finding.subject for r in rows], V.SUBJECTS),
        by_status=tally([r.task.status for r in rows if r.task], {s: s for s in V.TASK_STATUSES}),
        overdue=[r for r in rows if is_overdue(r.task, today)],
        reminder_talks=[r for r in rows if r.finding.route == "reminder_talk"
                        and not (r.task and r.task.status == CLOSED)],
        team_adjustments=[r for r in rows if r.finding.route == "team_adjustment"],
        closed=sorted(closed, key=lambda r: (str(r.task.closed_at), r.task.id)),
        progress=closeout_progress(rows),
        mismatches=mismatches(session, docs, every),  # a withdrawn task still has its finding
    )
