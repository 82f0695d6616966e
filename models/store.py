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
from models.audit import audit
from models.routing import RoutingTable, load_routing
from models.tables import Correction, Document, Finding, Task, utcnow

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
    if extraction.kind:  # the kind extraction decided, and why (each finding's explanation says it too)
        record.kind = extraction.kind
        record.kind_reason = "；".join(extraction.kind_cues)
    record.updated_at = utcnow()
    session.add(record)
    session.flush()
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
        finding.unit = record.unit
        finding.hits = [asdict(h) for h in draft.hits]
        finding.vetoes = [asdict(h) for h in draft.vetoes_considered]
        finding.explanation = draft.explanation
        finding.rules_version = extraction.rules_version
        decision = routing.decide(finding.subject, finding.severity, finding.category)
        finding.route, finding.route_reason = decision.route, decision.reason
        apply_corrections(session, finding)
        finding.updated_at = utcnow()
        session.add(finding)
        session.flush()
        ensure_task(session, finding, routing, today)
    for fp, finding in existing.items():
        if fp not in seen and finding.origin == "extracted" and finding.state == "active":
            finding.state = "vanished"
            finding.updated_at = utcnow()
            session.add(finding)
            stats["vanished"] += 1
            audit(session, "finding.vanished", "finding", finding.id, rules_version=extraction.rules_version)
    return stats


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
            decision = load_routing().decide(finding.subject, finding.severity, finding.category)
            finding.route, finding.route_reason = decision.route, decision.reason
        elif "route" in latest:
            finding.route_reason = "审核人员调整分流"


def ensure_task(session: Session, finding: Finding, routing: RoutingTable, today: date) -> Task:
    """One task per finding; its route follows the finding while the task is still open."""
    task = session.exec(select(Task).where(Task.finding_id == finding.id)).first()
    if task is None:
        task = Task(finding_id=finding.id, route=finding.route, unit=finding.unit,
                    deadline=routing.deadline(finding.route, today),
                    owner=finding.person if finding.subject == "individual" else finding.unit)
        if finding.state != "active":
            task.status = "撤销"
        session.add(task)
        session.flush()
        audit(session, "task.created", "task", task.id, route=task.route, finding=finding.id)
    elif task.route != finding.route and task.status in ("待办", "进行中", "延期"):
        old = task.route
        task.route = finding.route
        task.deadline = routing.deadline(finding.route, today)
        task.updated_at = utcnow()
        session.add(task)
        audit(session, "task.rerouted", "task", task.id, old=old, new=task.route)
    return task
