"""The nightly digest (每日摘要): what arrived, what changed and what fell due since the last digest.

The last digest's moment is kept as an audit row (action "digest.written"), so the next night
starts exactly where this one stopped, however many days apart the runs are. Headline figures
come from reports/queries.py like every other report.
"""
from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from models import vocabulary as V
from models.tables import AuditEvent, Finding, Intake, Task, utcnow
from reports.queries import Figures, Row, figures, is_overdue

DIGEST_ACTION = "digest.written"
ACTIONS = {  # audit actions as staff name them
    "task.created": "新建整改任务", "task.started": "开始整改", "task.submitted": "申请销号",
    "task.closed": "审批销号", "task.sent_back": "退回销号申请", "task.extended": "延期",
    "task.withdrawn": "撤销任务", "task.overdue": "转为逾期", "task.escalated": "逾期升级督办",
    "task.cleared": "解除逾期", "task.rerouted": "调整分流", "finding.vanished": "规则更新后未再识别",
    "finding.corrected": "人工修正问题",
}
MAX_LISTED = 200  # a digest lists at most this many changes; the counts cover all of them


@dataclass
class Change:
    at: datetime
    action: str  # Chinese
    what: str  # unit and problem, or the entity


@dataclass
class Digest:
    today: date
    until: datetime  # this digest covers what happened before this moment
    since: datetime | None  # the previous digest; None on the first night
    since_day: date | None = None  # the ledger day of the previous digest
    arrived: list[Intake] = field(default_factory=list)
    change_counts: list[tuple[str, int]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    fell_due: list[Row] = field(default_factory=list)
    figures: Figures | None = None

    @property
    def period_text(self) -> str:
        if self.since is None:
            return "首次生成，包括此前的全部记录"
        return f"自上次摘要（{self.since.strftime('%Y-%m-%d %H:%M')} UTC）至本次运行"


def last_digest(session: Session) -> AuditEvent | None:
    return session.exec(select(AuditEvent).where(AuditEvent.action == DIGEST_ACTION)
                        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).first()


def _describe(event: AuditEvent, by_task: dict[int, Finding], by_finding: dict[int, Finding]) -> str:
    """The unit and problem an audit row is about, or its entity when that is not a task/finding."""
    finding = None
    if event.entity_id.isdigit():
        finding = {"task": by_task, "finding": by_finding}.get(event.entity, {}).get(int(event.entity_id))
    return f"{finding.unit}：{finding.quote}" if finding else f"{event.entity} {event.entity_id}"


def build_digest(session: Session, today: date) -> Digest:
    until = utcnow()
    last = last_digest(session)
    since = last.at if last else None
    intake = select(Intake).where(Intake.seen_at <= until).order_by(Intake.seen_at, Intake.id)
    events = (select(AuditEvent).where(AuditEvent.action != DIGEST_ACTION, AuditEvent.at <= until)
              .order_by(AuditEvent.at, AuditEvent.id))
    if since is not None:
        intake = intake.where(Intake.seen_at > since)
        events = events.where(AuditEvent.at > since)
    events_since = session.exec(events).all()
    by_task = dict(session.exec(select(Task.id, Finding).join(Finding, Finding.id == Task.finding_id)).all())
    by_finding = {f.id: f for f in by_task.values()}
    fg = figures(session, today=today)
    since_day = date.fromisoformat(last.entity_id) if last else None
    return Digest(
        today=today, until=until, since=since, since_day=since_day, arrived=list(session.exec(intake).all()),
        change_counts=Counter(ACTIONS.get(e.action, e.action) for e in events_since).most_common(),
        changes=[Change(e.at, ACTIONS.get(e.action, e.action), _describe(e, by_task, by_finding))
                 for e in events_since[:MAX_LISTED]],
        # overdue now, and not yet overdue on the previous digest's day
        fell_due=[r for r in fg.rows if is_overdue(r.task, today)
                  and (since_day is None or r.task.deadline >= since_day)],
        figures=fg,
    )


def record_digest(session: Session, digest: Digest) -> None:
    """Remember this digest's moment and ledger day: the next one starts from here."""
    session.add(AuditEvent(at=digest.until, action=DIGEST_ACTION, entity="report",
                           entity_id=digest.today.isoformat(),
                           detail={"arrived": len(digest.arrived), "fell_due": len(digest.fell_due),
                                   "changes": sum(n for _, n in digest.change_counts)}))


def _cell(text: str) -> str:
    """Markdown table cells: no pipes, line breaks or live HTML from document text."""
    return html.escape(" ".join(str(text).replace("|", "｜").split()), quote=False)


def digest_markdown(d: Digest) -> str:
    """The digest as Markdown (the Prefect UI shows it as the nightly run's artifact)."""
    fg = d.figures
    out = [f"# 每日摘要 {d.today.isoformat()}", "", f"统计区间：{d.period_text}。", ""]
    if fg is not None:
        out += ["| " + " | ".join(fg.overview()) + " |", "|" + "---|" * len(fg.overview()),
                "| " + " | ".join(str(n) for n in fg.overview().values()) + " |", ""]
    out += [f"## 一、新收到的文件（{len(d.arrived)}个）", ""]
    if d.arrived:
        out += ["| 文件 | 结果 | 说明 |", "|---|---|---|"]
        out += [f"| {_cell(i.name)} | {V.DOC_STATUS.get(i.status, i.status)} | {_cell(i.message)} |"
                for i in d.arrived]
    else:
        out.append("无。")
    total = sum(n for _, n in d.change_counts)
    out += ["", f"## 二、台账变化（{total}项）", ""]
    if d.change_counts:
        out.append("；".join(f"{label}{n}项" for label, n in d.change_counts) + "。")
        out += ["", "| 时间（UTC） | 变化 | 单位及问题 |", "|---|---|---|"]
        out += [f"| {c.at.strftime('%m-%d %H:%M')} | {c.action} | {_cell(c.what)} |" for c in d.changes]
        if total > len(d.changes):
            out.append(f"（仅列出前{len(d.changes)}项）")
    else:
        out.append("无。")
    out += ["", f"## 三、新到期未办结（{len(d.fell_due)}项）", ""]
    if d.fell_due:
        out += ["| 单位 | 问题 | 责任人/单位 | 期限 |", "|---|---|---|---|"]
        out += [f"| {_cell(r.finding.unit)} | {_cell(r.finding.quote)} | {_cell(r.task.owner)} | "
                f"{r.task.deadline.isoformat()} |" for r in d.fell_due]
    else:
        out.append("无。")
    return "\n".join(out) + "\n"


def digest_html(d: Digest) -> str:
    from reports.render import environment

    return environment().get_template("digest.html.j2").render(d=d, labels=V.DOC_STATUS)
