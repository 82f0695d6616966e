"""Repeat problems across rounds (回头看, 问题反弹回潮): linked to the earlier task and escalated.

A finding of a later round about the same unit repeats an earlier round's task when it concerns the
same person (same masked name, and the same post if both give one: the same post in another unit,
or another post, is someone else), the same leadership team in the same category, or the same unit
problem (same category, much the same wording). The routing table's `escalation` entries say what
happens next: 提醒谈话 → 诫勉谈话, a team problem → 立项督查 with a supervisor, a closed unit problem
reopened and flagged 反弹.
"""
from __future__ import annotations

import re

from sqlalchemy import or_
from sqlmodel import Session, select

from models import ledger
from models.assign import document_context, plan_task
from models.audit import audit
from models.followup import containment
from models.routing import RoutingTable
from models.tables import Document, Finding, InspectionRound, Task, utcnow

REBOUND, REPEAT = "反弹", "重复"
TEAM_SIMILARITY = 0.3
UNIT_SIMILARITY = 0.5
_POST_LEAD = re.compile(r"^(?:原|时任|现任|时为)")


def _post(text: str) -> str:
    return _POST_LEAD.sub("", text or "")


def same_person(a: Finding, b: Finding) -> bool:
    """Same masked name and compatible posts; a post alone must be the very same post."""
    pa, pb = _post(a.post), _post(b.post)
    if a.person or b.person:
        if a.person != b.person:
            return False
        return not (pa and pb) or pa in pb or pb in pa
    return bool(pa) and pa == pb


def similarity(a: str, b: str) -> float:
    return max(containment(a, b), containment(b, a))


def repeats(new: Finding, old: Finding) -> float:
    """How strongly `new` repeats `old` (0: not a repeat)."""
    if new.subject != old.subject:
        return 0.0
    if new.subject == "individual":
        return 1.0 if same_person(new, old) and new.category == old.category else 0.0
    if new.category != old.category:
        return 0.0
    s = similarity(new.quote, old.quote)
    return s if s >= (TEAM_SIMILARITY if new.subject == "team" else UNIT_SIMILARITY) else 0.0


def earlier_tasks(session: Session, record: Document, unit_ids: set[int]) -> dict[int, list[tuple[Task, Finding, str]]]:
    """Tasks of these units from feedback of other, earlier rounds, with their document's date, by unit.

    One query for the whole document (not one per finding), and of the earlier documents only the
    date: their blocks are large and not needed here."""
    if not unit_ids or not record.doc_date:
        return {}
    q = (select(Task, Finding, Document.doc_date).join(Finding, Finding.id == Task.finding_id)
         .join(Document, Document.id == Finding.document_id)
         .where(Task.unit_id.in_(sorted(unit_ids)), Document.id != record.id, Document.kind != "rectification",
                Task.status != ledger.WITHDRAWN, Document.doc_date != "", Document.doc_date < record.doc_date))
    if record.round_id is not None:
        q = q.where(or_(Document.round_id.is_(None), Document.round_id != record.round_id))
    out: dict[int, list[tuple[Task, Finding, str]]] = {}
    for t, f, day in session.exec(q.order_by(Task.id)).all():
        out.setdefault(t.unit_id, []).append((t, f, day))
    return out


def link_repeats(session: Session, record: Document, routing: RoutingTable, today) -> int:
    """Link and escalate this feedback's repeated problems; returns how many were linked."""
    active = (Finding.document_id == record.id, Finding.state == "active")
    unit_ids = set(session.exec(select(Finding.unit_id).where(*active, Finding.unit_id.is_not(None))).all())
    candidates = earlier_tasks(session, record, unit_ids)
    if not candidates:  # the usual case: nothing earlier to repeat, and no finding loaded to say so
        return 0
    findings = session.exec(select(Finding).where(*active).order_by(Finding.id)).all()
    tasks = {t.finding_id: t for t in session.exec(
        select(Task).join(Finding, Finding.id == Task.finding_id).where(*active)).all()}
    inspection = session.get(InspectionRound, record.round_id) if record.round_id else None
    ctx = document_context(record, routing, today, inspection.body if inspection else "")
    linked = 0
    for f in findings:
        task = tasks.get(f.id)
        if task is None or task.escalated_from is not None or f.unit_id is None:
            continue
        best = None
        for old_task, old_f, old_day in candidates.get(f.unit_id, ()):
            s = repeats(f, old_f)
            if s and (best is None or (old_day, s) > (best[2], best[3])):
                best = (old_task, old_f, old_day, s)
        if best is None:
            continue
        old_task = best[0]
        step = routing.escalate(f.subject, old_task.route)
        if step is None:
            continue
        task.escalated_from = old_task.id
        if step.reopen:
            flag = REBOUND if old_task.status == ledger.CLOSED else REPEAT
            task.flags = [*(task.flags or []), flag]
            if old_task.status == ledger.CLOSED:
                ledger.reopen(session, old_task, "system", f"新一轮巡察再次发现该问题（问题编号{f.id}）：{step.reason}")
                old_task.flags = [*(old_task.flags or []), REBOUND]
                session.add(old_task)
        else:
            old_route = task.route
            task.route = step.route
            task.supervisor = step.supervisor
            plan = plan_task(f, step.route, f.unit, ctx, routing)
            task.owner, task.kind = plan.owner, plan.kind
            if task.deadline_source == "routing":
                task.deadline = plan.deadline
            audit(session, "task.rerouted", "task", task.id, old=old_route, new=task.route, reason=step.reason)
        task.updated_at = utcnow()
        session.add(task)
        audit(session, "task.escalated", "task", task.id, escalated_from=old_task.id, rule=step.rule_id,
              reason=step.reason)
        linked += 1
    session.flush()
    return linked
