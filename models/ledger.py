"""Task lifecycle of the rectification ledger: allowed transitions, the four-eyes rule, overdue marking.

待办 → 进行中 → 待销号 → 已销号, with 延期 (new deadline) and 撤销 (withdrawn). A close-out goes
back to 进行中 when the approver sends it back. Whoever submitted a close-out cannot approve it.
An open task whose finding new rules no longer produce is held (待复核): it is not the unit's delay,
so it leaves the overdue count until a reviewer keeps it (back to where it was) or withdraws it.
Every change writes one audit row in the same transaction as the change.
"""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models import vocabulary as V
from models.audit import audit
from models.tables import AuditEvent, Task, utcnow

# The statuses are the vocabulary's words (models/vocabulary.py), stored as they are shown.
TODO, DOING, SUBMITTED, CLOSED, EXTENDED, WITHDRAWN, REVIEW = V.TASK_STATUSES  # REVIEW: finding vanished
OPEN = (TODO, DOING, EXTENDED)  # the unit still owes work: these can become overdue

ALLOWED: dict[str, tuple[str, ...]] = {
    TODO: (DOING, EXTENDED, WITHDRAWN),
    DOING: (SUBMITTED, EXTENDED, WITHDRAWN),
    EXTENDED: (DOING, SUBMITTED, WITHDRAWN),
    SUBMITTED: (CLOSED, DOING),
    CLOSED: (),
    WITHDRAWN: (),
    REVIEW: (WITHDRAWN,),  # or back to the status it was held in: keep_after_review / resume
}
ESCALATE_AFTER_DAYS = 30  # overdue this long: level 2 (escalated)


class LedgerError(ValueError):
    """A refused change; the message is shown to staff as is (Chinese)."""


def _move(session: Session, task: Task, to: str, actor: str, action: str, **detail) -> Task:
    if not actor:
        raise LedgerError("必须注明操作人。")
    if to not in ALLOWED.get(task.status, ()):
        raise LedgerError(f"整改任务当前状态为“{task.status}”，不能变更为“{to}”。")
    old = task.status
    task.status = to
    task.updated_at = utcnow()
    session.add(task)
    audit(session, action, "task", task.id, actor=actor, old=old, new=to, **detail)
    return task


def start(session: Session, task: Task, actor: str) -> Task:
    """The responsible unit starts work (待办/延期 → 进行中)."""
    return _move(session, task, DOING, actor, "task.started")


def submit(session: Session, task: Task, actor: str, measure: str) -> Task:
    """The unit reports the work done and asks for 销号 (→ 待销号)."""
    if not measure.strip():
        raise LedgerError("申请销号须填写整改措施及成效。")
    _move(session, task, SUBMITTED, actor, "task.submitted", measure=measure)
    task.measure = measure
    task.submitted_by = actor
    return task


def approve(session: Session, task: Task, actor: str) -> Task:
    """A different person confirms the close-out (待销号 → 已销号)."""
    if task.status == SUBMITTED and actor == task.submitted_by:
        raise LedgerError("申请销号的人员不能审批本人提交的销号申请。")
    _move(session, task, CLOSED, actor, "task.closed", submitted_by=task.submitted_by)
    task.closed_by = actor
    task.closed_at = utcnow()
    task.overdue_level = 0
    return task


def send_back(session: Session, task: Task, actor: str, reason: str) -> Task:
    """The approver refuses the close-out (待销号 → 进行中)."""
    if not reason.strip():
        raise LedgerError("退回销号申请须说明理由。")
    return _move(session, task, DOING, actor, "task.sent_back", reason=reason)


def extend(session: Session, task: Task, actor: str, new_deadline: date, reason: str) -> Task:
    """Grant more time (→ 延期); the new deadline must be later than the current one."""
    if not reason.strip():
        raise LedgerError("延期须说明理由。")
    if new_deadline <= task.deadline:
        raise LedgerError("延期后的期限必须晚于原期限。")
    old_deadline = task.deadline
    _move(session, task, EXTENDED, actor, "task.extended", reason=reason,
          old_deadline=old_deadline.isoformat(), new_deadline=new_deadline.isoformat())
    task.deadline = new_deadline
    task.overdue_level = 0
    return task


def withdraw(session: Session, task: Task, actor: str, reason: str) -> Task:
    """Withdraw a task that should not exist (→ 撤销), e.g. its finding was rejected."""
    if not reason.strip():
        raise LedgerError("撤销须说明理由。")
    return _move(session, task, WITHDRAWN, actor, "task.withdrawn", reason=reason)


def hold_for_review(session: Session, task: Task, reason: str, actor: str = "system") -> bool:
    """Hold an open task whose finding vanished (→ 待复核, overdue level 0); False if not open."""
    if task.status not in OPEN:
        return False  # submitted, closed or withdrawn: nothing is owed or the decision is made
    old, old_level = task.status, task.overdue_level
    task.status, task.overdue_level = REVIEW, 0
    task.updated_at = utcnow()
    session.add(task)
    audit(session, "task.held", "task", task.id, actor=actor, old=old, new=REVIEW, reason=reason,
          old_level=old_level)
    return True


def keep_after_review(session: Session, task: Task, actor: str, reason: str) -> Task:
    """The reviewer finds the problem still stands: the task goes back to the status it was held in."""
    if not reason.strip():
        raise LedgerError("保留整改任务须说明复核意见。")
    return _resume(session, task, actor, "task.kept", reason=reason)


def resume(session: Session, task: Task, actor: str = "system") -> Task | None:
    """The finding was found again: a held task goes back to the status it was held in."""
    if task.status != REVIEW:
        return None
    return _resume(session, task, actor, "task.resumed")


def _resume(session: Session, task: Task, actor: str, action: str, **detail) -> Task:
    if not actor:
        raise LedgerError("必须注明操作人。")
    if task.status != REVIEW:
        raise LedgerError(f"整改任务当前状态为“{task.status}”，不是“{REVIEW}”，无需复核。")
    to = _held_from(session, task)
    task.status = to
    task.updated_at = utcnow()
    session.add(task)
    audit(session, action, "task", task.id, actor=actor, old=REVIEW, new=to, **detail)
    return task


def _held_from(session: Session, task: Task) -> str:
    """The status recorded when the task was last held (待办 if the record is missing)."""
    rows = session.exec(select(AuditEvent).where(AuditEvent.entity == "task", AuditEvent.entity_id == str(task.id),
                                                 AuditEvent.action == "task.held")
                        .order_by(AuditEvent.id.desc())).first()
    old = (rows.detail or {}).get("old") if rows is not None else None
    return old if old in OPEN else TODO


def overdue_level(task: Task, today: date) -> int:
    """0 on time, 1 overdue, 2 overdue for ESCALATE_AFTER_DAYS or more (open tasks only)."""
    if task.status not in OPEN or task.deadline >= today:
        return 0
    return 2 if (today - task.deadline).days >= ESCALATE_AFTER_DAYS else 1


def mark_overdue(session: Session, today: date, actor: str = "system") -> dict[str, int]:
    """Set overdue levels as of `today`; only changes are written (and audited), so reruns are free."""
    stats = {"overdue": 0, "escalated": 0, "cleared": 0}
    tasks = session.exec(select(Task).where((Task.status.in_(OPEN)) | (Task.overdue_level > 0))).all()
    for task in tasks:
        level = overdue_level(task, today)
        if level == task.overdue_level:
            continue
        old = task.overdue_level
        task.overdue_level = level
        task.updated_at = utcnow()
        session.add(task)
        key = "cleared" if level == 0 else ("escalated" if level == 2 else "overdue")
        stats[key] += 1
        audit(session, f"task.{key}", "task", task.id, actor=actor, old_level=old, new_level=level,
              deadline=task.deadline.isoformat(), today=today.isoformat())
    return stats
