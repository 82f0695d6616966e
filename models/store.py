"""Store a read document and its findings; route them into tasks; keep reviewer decisions.

A finding's identity is its fingerprint (document hash + normalised evidence span), so running
extraction again with new rules keeps every reviewer correction and flags, never deletes, findings
that no longer appear.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict
from datetime import date

from sqlmodel import Session, select

from extractors.document import Document as ReadDocument
from extractors.document import Extraction
from models.assign import DocumentContext, Plan, document_context, plan_task
from models.audit import audit
from models.rounds import read_round, resolve_round
from models.routing import RoutingTable, load_routing
from models.tables import Correction, Document, Finding, InspectionRound, Task, utcnow
from models.units import display_name, resolve_unit, unit_from_section

_SPACE = re.compile(r"\s+")
_PUNCT = str.maketrans("，。；：（）“”！？、", ",.;:()\"\"!?,")
CORRECTABLE = ("subject", "category", "severity", "route", "person", "post", "state")


def normalise_span(text: str) -> str:
    return _SPACE.sub("", text).translate(_PUNCT)


def fingerprint(doc_sha: str, quote: str) -> str:
    return hashlib.sha256(f"{doc_sha}|{normalise_span(quote)}".encode()).hexdigest()


def blocks_as_rows(doc: ReadDocument) -> list[dict]:
    rows = []
    for b in doc.blocks:
        row = asdict(b)
        row["kind"] = b.kind.value
        row["section"] = list(b.section)
        rows.append(row)
    return rows


def fill_document(record: Document, doc: ReadDocument) -> None:
    """Copy what the reader learned about a file onto its record."""
    record.pages = doc.pages
    record.kind = doc.meta.kind
    record.title = doc.meta.title
    record.issuer = doc.meta.issuer
    record.unit = doc.meta.unit
    record.doc_date = doc.meta.date
    record.reader = doc.reader
    record.warnings = list(doc.warnings)
    record.blocks = blocks_as_rows(doc)


def save_and_route(session: Session, record: Document, extraction: Extraction,
                   routing: RoutingTable | None = None, today: date | None = None) -> dict[str, int]:
    """Upsert findings of one document, re-apply corrections, open tasks. Returns change counts."""
    routing = routing or load_routing()
    today = today or date.today()
    record.counts = dict(extraction.counts)
    record.rules_version = extraction.rules_version
    record.updated_at = utcnow()
    session.add(record)
    session.flush()
    place_document(session, record)
    inspection = session.get(InspectionRound, record.round_id) if record.round_id else None
    ctx = document_context(record, routing, today, inspection.body if inspection else "")
    report = record.kind == "rectification"  # its items answer existing tasks, never open new ones
    existing = {f.fingerprint: f for f in session.exec(
        select(Finding).where(Finding.document_id == record.id)).all()}
    seen: set[str] = set()
    stats = {"new": 0, "kept": 0, "vanished": 0}
    for draft in extraction.findings:
        fp = fingerprint(record.sha256, draft.quote)
        if fp in seen:
            continue
        seen.add(fp)
        finding = existing.get(fp)
        if finding is None:
            finding = Finding(fingerprint=fp, document_id=record.id, quote=draft.quote,
                              subject=draft.subject, category=draft.category, severity=draft.severity,
                              route="")
            stats["new"] += 1
        else:
            stats["kept"] += 1
            if finding.state == "vanished":
                finding.state = "active"
        finding.page, finding.section = draft.page, list(draft.section)
        finding.start, finding.end = draft.start, draft.end
        finding.subject, finding.category, finding.severity = draft.subject, draft.category, draft.severity
        finding.person, finding.post = draft.person, draft.post
        finding.unit = display_name(unit_from_section(finding.section) or record.unit)
        unit = resolve_unit(session, finding.unit) if finding.unit else None
        finding.unit_id = unit.id if unit else record.unit_id
        finding.hits = [asdict(h) for h in draft.hits]
        finding.vetoes = [asdict(h) for h in draft.vetoes_considered]
        finding.explanation = draft.explanation
        finding.rules_version = extraction.rules_version
        decision = routing.decide(finding.subject, finding.severity, finding.category, finding.quote)
        finding.route, finding.route_reason = decision.route, decision.reason
        apply_corrections(session, finding)
        finding.updated_at = utcnow()
        session.add(finding)
        session.flush()
        if not report:
            ensure_task(session, finding, routing, today, ctx)
    for fp, finding in existing.items():
        if fp not in seen and finding.origin == "extracted" and finding.state == "active":
            finding.state = "vanished"
            finding.updated_at = utcnow()
            session.add(finding)
            stats["vanished"] += 1
            audit(session, "finding.vanished", "finding", finding.id, rules_version=extraction.rules_version)
    session.flush()
    from models.followup import relink_units
    from models.repeats import link_repeats

    if not report:
        link_repeats(session, record, routing, today)
    relink_units(session, unit_ids_of(session, record))
    return stats


def place_document(session: Session, record: Document) -> None:
    """Give a document its unit and round records (a person's choice of round is kept)."""
    unit = resolve_unit(session, record.unit) if record.unit else None
    record.unit_id = unit.id if unit else None
    current = session.get(InspectionRound, record.round_id) if record.round_id else None
    if current is None or not current.edited:
        opening = [b.get("text", "") for b in (record.blocks or [])[:6]]
        found = resolve_round(session, read_round(record.title, opening, record.doc_date))
        record.round_id = found.id if found else (current.id if current else None)
    session.add(record)
    session.flush()


def unit_ids_of(session: Session, record: Document) -> set[int]:
    ids = {f.unit_id for f in session.exec(select(Finding).where(Finding.document_id == record.id)).all()}
    ids.add(record.unit_id)
    return {i for i in ids if i is not None}


def apply_corrections(session: Session, finding: Finding) -> None:
    """Re-apply the reviewer's latest value for each corrected field (corrections win over rules)."""
    rows = session.exec(select(Correction).where(Correction.fingerprint == finding.fingerprint)
                        .order_by(Correction.at, Correction.id)).all()
    latest = {c.field: c.new for c in rows}
    for field, value in latest.items():
        setattr(finding, field, value)
    if latest:
        finding.corrected = True
        if "route" not in latest and {"subject", "severity", "category"} & set(latest):
            decision = load_routing().decide(finding.subject, finding.severity, finding.category, finding.quote)
            finding.route, finding.route_reason = decision.route, decision.reason
        elif "route" in latest:
            finding.route_reason = "审核人员调整分流"


def ensure_task(session: Session, finding: Finding, routing: RoutingTable, today: date,
                ctx: DocumentContext | None = None) -> Task:
    """One task per finding; its route follows the finding while the task is still open (unless a
    repeat escalated it). Deadline and owner come from the text where stated, else the table."""
    task = session.exec(select(Task).where(Task.finding_id == finding.id)).first()
    if ctx is None:
        ctx = DocumentContext(today, None, dict(routing.terms), "", [])
    plan: Plan = plan_task(finding, finding.route, finding.unit, ctx, routing)
    if task is None:
        task = Task(finding_id=finding.id, route=finding.route, unit=finding.unit, unit_id=finding.unit_id,
                    deadline=plan.deadline, deadline_source=plan.deadline_source,
                    deadline_phrase=plan.deadline_phrase, owner=plan.owner)
        if finding.state != "active":
            task.status = "撤销"
        session.add(task)
        session.flush()
        audit(session, "task.created", "task", task.id, route=task.route, finding=finding.id,
              deadline_source=task.deadline_source)
    elif task.route != finding.route and task.status in ("待办", "进行中", "延期") and task.escalated_from is None:
        old = task.route
        task.route = finding.route
        if task.deadline_source == "routing":
            task.deadline = routing.deadline(finding.route, ctx.start)
        task.owner = plan.owner
        task.updated_at = utcnow()
        session.add(task)
        audit(session, "task.rerouted", "task", task.id, old=old, new=task.route)
    if task.unit_id != finding.unit_id or task.unit != finding.unit:
        task.unit, task.unit_id = finding.unit, finding.unit_id
        session.add(task)
    return task
