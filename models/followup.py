"""Rectification reports matched back to the tasks they answer (件件有着落).

A report's items are what extractors/report_items.py recognises (关于“…”问题的整改, rows of a
问题 / 整改措施 / 完成情况 table, 问题：… / 整改情况：… pairs), each with the status it states and
the measures it gives; they are linked to the open tasks of the same unit's earlier feedback. An
item the report calls done proposes a close-out (待销号) with the report's measures as evidence,
for a person to approve; one in progress moves its task to 进行中; open tasks the report never
mentions are flagged 未报告; an item that matches no task is kept unlinked and listed, never
guessed. A report opens no task. Linking is recomputed for a whole unit whenever one of its
documents is stored, so the order in which a feedback and its report arrive does not matter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import defer
from sqlmodel import Session, select

from extractors.pipeline import default_rules
from extractors.report_items import report_items as recognised_items
from models import ledger
from models.audit import audit
from models.reextract import as_read_document
from models.tables import Document, Finding, ReportItem, Task, utcnow

MATCH_THRESHOLD = 0.5  # share of the item's character pairs found in the task's wording
NOT_REPORTED = "未报告"
_NAME = re.compile(r"[\u4e00-\u9fff]某某")  # masked names: 王某某
_NOISE = str.maketrans("", "", "“”‘’\"'「」『』《》，。；：、,.;:（）() \u3000\n的关于")


@dataclass
class Item:
    """One report item: the finding extraction made of it, its wording, measures and stated status."""

    finding: Finding
    text: str
    body: str  # the measures the report gives for it (the close-out evidence)
    stated: str  # done | in_progress | unclear


def _norm(text: str) -> str:
    return (text or "").translate(_NOISE)


def _pairs(text: str) -> set[str]:
    t = _norm(text)
    return {t[i:i + 2] for i in range(len(t) - 1)}


def containment(item: str, target: str) -> float:
    """Share of the item's character pairs that the target contains (0..1)."""
    a = _pairs(item)
    return len(a & _pairs(target)) / len(a) if a else 0.0


def report_items(record: Document, findings: list[Finding]) -> list[Item]:
    """The items of a rectification report, as the shared recognition reads them.

    Each recognised item is tied to the report's active finding that covers its problem
    (extraction made one finding per item from the same recognition). A report in a shape the
    recognition does not know has no items: nothing is guessed from loose findings, so its tasks
    show 未报告 until a person looks, rather than a wrong close-out proposal."""
    doc = as_read_document(record)
    items: list[Item] = []
    seen: set[int] = set()
    for it in recognised_items(doc, default_rules()):
        block = doc.blocks[it.block_index]
        start, end = block.offset + it.start, block.offset + it.end
        overlap = [(min(end, f.end) - max(start, f.start), -f.id, f) for f in findings
                   if min(end, f.end) > max(start, f.start)]
        if overlap:
            finding = max(overlap, key=lambda o: o[:2])[2]
            if finding.id not in seen:
                seen.add(finding.id)
                items.append(Item(finding, it.problem, it.measures, it.status))
    return items


def _names(text: str) -> set[str]:
    return set(_NAME.findall(text or ""))


def score(item: Item, task_finding: Finding) -> tuple[float, float]:
    """(score, score on the quote alone). Masked names must agree: 王某某 is not 赵某某."""
    names_item, names_task = _names(item.text), _names(task_finding.quote) | ({task_finding.person} - {""})
    if names_item and names_task and not names_item & names_task:
        return 0.0, 0.0
    on_quote = containment(item.text, task_finding.quote)
    label = task_finding.section[-1] if task_finding.section else ""
    on_label = 0.9 * containment(item.text, label) if label else 0.0
    best = max(on_quote, on_label)
    if names_task and not names_item:
        best *= 0.5  # a named official's problem is answered by an item that names them
    return best, on_quote


def _date(record: Document) -> str:
    return record.doc_date or ""


def candidate_tasks(session: Session, report: Document, unit_id: int) -> list[tuple[Task, Finding, Document]]:
    """Tasks of this unit from feedback documents not later than the report; the report's own round
    first when the report names one that the ledger holds. The documents come without their blocks
    (large, decoded on every row, and not needed to match)."""
    rows = session.exec(
        select(Task, Finding, Document).options(defer(Document.blocks))
        .join(Finding, Finding.id == Task.finding_id).join(Document, Document.id == Finding.document_id)
        .where(Task.unit_id == unit_id, Document.kind != "rectification", Task.status != ledger.WITHDRAWN,
               Finding.state == "active")).all()
    rows = [r for r in rows if not (_date(report) and _date(r[2]) and _date(r[2]) > _date(report))]
    if report.round_id and any(d.round_id == report.round_id for _, _, d in rows):
        rows = [r for r in rows if r[2].round_id == report.round_id]
    return rows


def match_items(items: list[Item], candidates: list[tuple[Task, Finding, Document]]) -> dict[int, tuple[int, float]]:
    """item finding id → (task id, score): best pairs first, each item and each task used once."""
    pairs = []
    for item in items:
        for task, finding, _doc in candidates:
            s, on_quote = score(item, finding)
            if s >= MATCH_THRESHOLD:
                pairs.append((s, on_quote, item.finding.id, task.id))
    pairs.sort(key=lambda p: (-p[0], -p[1], p[2], p[3]))
    used_items: set[int] = set()
    used_tasks: set[int] = set()
    out = {}
    for s, _q, item_id, task_id in pairs:
        if item_id in used_items or task_id in used_tasks:
            continue
        used_items.add(item_id)
        used_tasks.add(task_id)
        out[item_id] = (task_id, round(s, 3))
    return out


def _advance(session: Session, task: Task, stated: str, report: Document, measures: str) -> None:
    """Move a task forward as the report states; never backwards, never past a person's approval."""
    actor = f"整改报告#{report.id}"
    if stated == "done" and task.status in ledger.OPEN:
        if task.status == ledger.TODO:
            ledger.start(session, task, actor)
        ledger.submit(session, task, actor, measures or f"整改报告《{report.title or report.name}》称已完成整改")
    elif stated == "in_progress" and task.status == ledger.TODO:
        ledger.start(session, task, actor)


def link_report(session: Session, report: Document) -> dict[str, int]:
    """(Re)link one report's items to its unit's tasks and move the tasks as the report states."""
    findings = session.exec(select(Finding).where(Finding.document_id == report.id,
                                                  Finding.state == "active")).all()
    stats = {"items": 0, "linked": 0, "unmatched": 0}
    for f in findings:  # a report opens no task: withdraw any an older version opened untouched
        task = session.exec(select(Task).where(Task.finding_id == f.id)).first()
        if task is not None and task.status == ledger.TODO:
            ledger.withdraw(session, task, "system", "整改报告中的事项对应已有任务，不另立任务")
    items = report_items(report, list(findings))
    by_unit: dict[int | None, list[Item]] = {}
    for item in items:
        by_unit.setdefault(item.finding.unit_id or report.unit_id, []).append(item)
    existing = {r.finding_id: r for r in session.exec(select(ReportItem).where(ReportItem.document_id == report.id)).all()}
    for stale in set(existing) - {i.finding.id for i in items}:
        session.delete(existing.pop(stale))
    for unit_id, unit_items in by_unit.items():
        links = match_items(unit_items, candidate_tasks(session, report, unit_id)) if unit_id else {}
        for item in unit_items:
            row = existing.get(item.finding.id) or ReportItem(document_id=report.id, finding_id=item.finding.id,
                                                              text=item.text)
            task_id, s = links.get(item.finding.id, (None, 0.0))
            stated = item.stated
            changed = row.id is None or (row.task_id, row.stated) != (task_id, stated)
            if row.id is None or changed or (row.text, row.measures, row.score) != (item.text, item.body, s):
                row.text, row.measures, row.stated, row.task_id, row.score = item.text, item.body, stated, task_id, s
                row.updated_at = utcnow()
                session.add(row)
                session.flush()
            stats["items"] += 1
            stats["linked" if task_id else "unmatched"] += 1
            if changed:
                audit(session, "report_item.linked" if task_id else "report_item.unmatched", "report_item",
                      row.id, task=task_id, stated=stated, score=s)
            if task_id and changed:  # once per new link or new statement: a person's send-back stands
                _advance(session, session.get(Task, task_id), stated, report, item.body)
    return stats


def flag_unreported(session: Session, unit_id: int, unit_reports: list[Document], answered: set[int]) -> None:
    """Open tasks of a unit that has reported, which no report item answers, carry 未报告."""
    due: set[int] = set()
    for r in unit_reports:
        due |= {t.id for t, _f, _d in candidate_tasks(session, r, unit_id)}
    # the unit's tasks read as (id, status, flags): only those whose flag changes are loaded
    rows = session.exec(select(Task.id, Task.status, Task.flags).where(Task.unit_id == unit_id)
                        .order_by(Task.id)).all()
    for task_id, status, flags in rows:
        want = task_id in due and task_id not in answered and status in ledger.OPEN
        if want == (NOT_REPORTED in (flags or [])):
            continue
        task = session.get(Task, task_id)
        flags = list(task.flags or [])
        if want and NOT_REPORTED not in flags:
            task.flags = [*flags, NOT_REPORTED]
            audit(session, "task.not_reported", "task", task.id)
        elif not want and NOT_REPORTED in flags:
            task.flags = [f for f in flags if f != NOT_REPORTED]
        else:
            continue
        task.updated_at = utcnow()
        session.add(task)


def _report_units(session: Session) -> dict[int, tuple[Document, set[int]]]:
    """Every readable report with the units it speaks for (its own, and its items')."""
    reports = session.exec(select(Document).options(defer(Document.blocks))  # loaded for the reports relinked
                           .where(Document.kind == "rectification", Document.status != "rejected")
                           .order_by(Document.doc_date, Document.id)).all()
    out = {r.id: (r, {r.unit_id} - {None}) for r in reports}
    if out:
        for doc_id, unit_id in session.exec(select(Finding.document_id, Finding.unit_id)
                                            .where(Finding.document_id.in_(list(out))).distinct()).all():
            if unit_id is not None:
                out[doc_id][1].add(unit_id)
    return out


def relink_units(session: Session, unit_ids: set[int]) -> None:
    """Recompute the report links of every unit a stored document touched (order-independent)."""
    if not unit_ids:
        return
    reports = _report_units(session)
    for report, units in reports.values():
        if units & unit_ids:
            link_report(session, report)
    session.flush()
    answered = {t for t in session.exec(select(ReportItem.task_id).where(ReportItem.task_id.is_not(None))).all()}
    for unit_id in sorted(unit_ids):
        flag_unreported(session, unit_id, [r for r, units in reports.values() if unit_id in units], answered)
    session.flush()


def relink_all(session: Session) -> None:
    """Every unit at once: for the end of a batch, when concurrent stores may have missed each other."""
    ids = {u for u in session.exec(select(Task.unit_id)).all() if u is not None}
    ids |= {u for u in session.exec(select(Document.unit_id).where(Document.kind == "rectification")).all()
            if u is not None}
    relink_units(session, ids)


def relink_ledger(database_url: str, document_ids: list[int] | None = None) -> None:
    """After a batch, in its own transaction: relink the units of these documents (all if None),
    since files stored side by side may not have seen each other."""
    from models.db import session_scope
    from models.store import unit_ids_of

    with session_scope(database_url) as session:
        if document_ids is None:
            relink_all(session)
            return
        units: set[int] = set()
        for doc_id in document_ids:
            record = session.get(Document, doc_id)
            if record is not None:
                units |= unit_ids_of(session, record)
        relink_units(session, units)
