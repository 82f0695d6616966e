"""Store a read document and its findings; route them into tasks; keep reviewer decisions.

A finding's identity is its fingerprint (document hash + normalised evidence span), so running
extraction again with new rules keeps every reviewer correction and flags, never deletes, findings
that no longer appear.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import fields
from datetime import date

from sqlalchemy import insert
from sqlmodel import Session, select

from extractors.document import Block, RuleHit
from extractors.document import Document as ReadDocument
from extractors.document import Extraction
from models.assign import DocumentContext, Plan, document_context, plan_task
from models.audit import audit, event_row
from models.ledger import OPEN, REVIEW, WITHDRAWN, hold_for_review, resume
from models.rounds import read_round, resolve_round
from models.routing import RoutingTable, load_routing
from models.rows import insert_rows, model_row
from models.tables import (AuditEvent, Correction, Document, Finding, FindingRule, InspectionRound, Task, Unit,
                           utcnow)
from models.units import display_name, resolve_unit, unit_from_section

CHUNK = 500  # values per IN (...) list, well under SQLite's bound on query parameters
FLUSH_EVERY = 500  # new rows written per flush: a 1,000-page file's thousands at once cost memory
_SPACE = re.compile(r"\s+")
_PUNCT = str.maketrans("，。；：（）“”！？、", ",.;:()\"\"!?,")


def normalise_span(text: str) -> str:
    return _SPACE.sub("", text).translate(_PUNCT)


def fingerprint(doc_sha: str, quote: str) -> str:
    return hashlib.sha256(f"{doc_sha}|{normalise_span(quote)}".encode()).hexdigest()


# Field names in order: rows are built field by field (dataclasses.asdict deep-copies every value,
# which costs seconds on a 1,000-page file; these fields hold only strings and numbers).
_BLOCK_FIELDS = tuple(f.name for f in fields(Block))
_HIT_FIELDS = tuple(f.name for f in fields(RuleHit))


def blocks_as_rows(doc: ReadDocument) -> list[dict]:
    rows = []
    for b in doc.blocks:
        row = {name: getattr(b, name) for name in _BLOCK_FIELDS}
        row["kind"] = b.kind.value
        row["section"] = list(b.section)
        rows.append(row)
    return rows


def _hit_rows(hits: list[RuleHit]) -> list[dict]:
    return [{name: getattr(h, name) for name in _HIT_FIELDS} for h in hits]


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
    """Upsert findings of one document, re-apply corrections, open tasks. Returns change counts:
    new, kept, vanished, carried (reviewed items whose quote moved and kept their decisions) and
    orphaned (reviewed items no longer found, whose corrections are listed by stale_corrections)."""
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
    place_document(session, record)
    inspection = session.get(InspectionRound, record.round_id) if record.round_id else None
    ctx = document_context(record, routing, today, inspection.body if inspection else "")
    report = record.kind == "rectification"  # its items answer existing tasks, never open new ones
    existing = {f.fingerprint: f for f in session.exec(
        select(Finding).where(Finding.document_id == record.id)).all()}
    drafts: dict[str, object] = {}
    for draft in extraction.findings:
        drafts.setdefault(fingerprint(record.sha256, draft.quote), draft)
    reviewed = _reviewed(session, [fp for fp in existing if fp not in drafts])
    moved = plan_carry_over(existing, drafts, reviewed)
    corrected = _corrected(session, [*drafts, *existing])
    units: dict[str, Unit | None] = {}  # unit names resolved in this document (resolve_unit's cache)
    seen: set[str] = set(drafts)
    stats = {"new": 0, "kept": 0, "vanished": 0, "carried": 0, "orphaned": 0}
    # The findings are written first and inserted together, then their rules and tasks, then the audit
    # trail in the order a finding-by-finding store would write it: a flush per stage (and per
    # FLUSH_EVERY rows), not per row; ids come out as they did. New findings, new tasks and audit
    # events are inserted as rows (models/rows.py): building thousands of model objects cost more.
    done: list[tuple[Finding | int, dict | None, bool]] = []  # (finding, its carry-over, found again)
    rows: list[dict] = []  # new findings without corrections, inserted as rows in the order they come
    for fp, draft in drafts.items():
        finding = existing.get(fp)
        carried = None
        if finding is None and fp in moved:
            finding = moved[fp]
            seen.add(finding.fingerprint)
            carried = carry_over(session, finding, fp, draft.quote)
            stats["carried"] += 1
            values = draft_values(session, record, draft, finding.quote, routing, extraction.rules_version, units)
        elif finding is None:
            stats["new"] += 1
            values = draft_values(session, record, draft, draft.quote, routing, extraction.rules_version, units)
            if fp not in corrected:
                rows.append(model_row(Finding, fingerprint=fp, document_id=record.id, quote=draft.quote,
                                      **values))
                done.append((len(rows) - 1, None, False))  # its place in rows, until it has an id
                if len(rows) == FLUSH_EVERY:
                    _insert_findings(session, rows, done)
                continue
            _insert_findings(session, rows, done)  # the rows before it first, as one flush would order them
            finding = Finding(fingerprint=fp, document_id=record.id, quote=draft.quote, **values)
        else:
            stats["kept"] += 1
            values = draft_values(session, record, draft, finding.quote, routing, extraction.rules_version, units)
        again = finding.state == "vanished"
        if again:
            finding.state = "active"
        for name, value in values.items():
            setattr(finding, name, value)
        if carried is not None or finding.fingerprint in corrected:  # no correction rows: nothing to apply
            apply_corrections(session, finding)
        finding.updated_at = utcnow()
        session.add(finding)
        done.append((finding, carried, again))
        if len(done) % FLUSH_EVERY == 0:  # inserted in order, as one flush would; less held at once
            session.flush()
    _insert_findings(session, rows, done)
    session.flush()
    index_rules_of(session, [f for f, _c, _a in done])
    tasks = {} if report else {t.finding_id: t for t in session.exec(
        select(Task).join(Finding, Finding.id == Task.finding_id).where(Finding.document_id == record.id)).all()}
    # new tasks and the audit events below: rows in the order the objects would have been flushed
    changes: list[tuple[Task | dict, tuple[str, dict] | None] | None] = []
    new_tasks: list[dict] = []
    for finding, _carried, _again in done:
        if report:
            changes.append(None)
        elif finding.id in tasks:
            changes.append(sync_task(session, finding, tasks[finding.id], routing, today, ctx))
        else:
            row = new_task(finding, plan_task(finding, finding.route, finding.unit, ctx, routing))
            new_tasks.append(row)
            changes.append((row, ("task.created", {"route": row["route"], "finding": finding.id,
                                                   "deadline_source": row["deadline_source"]})))
        if len(changes) % FLUSH_EVERY == 0:
            session.flush()
    for row, task_id in zip(new_tasks, insert_rows(session, Task, new_tasks)):
        row["id"] = task_id
    events: list[dict] = []
    for (finding, carried, again), change in zip(done, changes):
        if carried is not None:
            events.append(event_row("finding.carried", "finding", finding.id, **carried))
        if change is None:  # a rectification report's items answer existing tasks (models/followup.py)
            continue
        task, event = change
        if isinstance(task, dict):  # a new task: open or withdrawn, never held, so nothing to resume
            events.append(event_row(event[0], "task", task["id"], **event[1]))
            continue
        if event is not None:
            events.append(event_row(event[0], "task", task.id, **event[1]))
        if again and finding.state == "active" and task.status == REVIEW:
            insert_rows(session, AuditEvent, events)  # the events before, then resume's own
            events.clear()
            resume(session, task)
        if len(events) >= FLUSH_EVERY:
            insert_rows(session, AuditEvent, events)
            events.clear()
    insert_rows(session, AuditEvent, events)
    for fp, finding in existing.items():
        if fp in seen or finding.origin != "extracted" or finding.state == "vanished":
            continue
        if finding.state != "active" and fp not in reviewed:
            continue
        finding.state = "vanished"
        finding.updated_at = utcnow()
        session.add(finding)
        stats["vanished"] += 1
        if fp in reviewed:
            stats["orphaned"] += 1
        audit(session, "finding.vanished", "finding", finding.id, rules_version=extraction.rules_version,
              corrections_no_longer_apply=fp in reviewed)
        task = session.exec(select(Task).where(Task.finding_id == finding.id)).first()
        if task is not None:  # an open task leaves overdue marking until a reviewer decides
            hold_for_review(session, task, "规则更新后未再识别出该问题，待审核人员复核")
    session.flush()
    from models.followup import relink_units
    from models.repeats import link_repeats

    if not report:
        link_repeats(session, record, routing, today)
    relink_units(session, unit_ids_of(session, record))
    return stats


def draft_values(session: Session, record: Document, draft, quote: str, routing: RoutingTable,
                 rules_version: str, units: dict[str, Unit | None]) -> dict:
    """The finding's fields the extraction decides (its draft) and the routing table (its route)."""
    section = list(draft.section)
    unit_name = display_name(unit_from_section(section) or record.unit)
    unit = resolve_unit(session, unit_name, units) if unit_name else None
    decision = routing.decide(draft.subject, draft.severity, draft.category, quote)
    return {"page": draft.page, "section": section, "start": draft.start, "end": draft.end,
            "subject": draft.subject, "category": draft.category, "severity": draft.severity,
            "person": draft.person, "post": draft.post, "unit": unit_name,
            "unit_id": unit.id if unit else record.unit_id, "hits": _hit_rows(draft.hits),
            "vetoes": _hit_rows(draft.vetoes_considered), "explanation": draft.explanation,
            "score": draft.score, "rules_version": rules_version, "route": decision.route,
            "route_reason": decision.reason}


def _insert_findings(session: Session, rows: list[dict], done: list) -> None:
    """Insert the pending new-finding rows and put each stored finding in its place in `done`."""
    if not rows:
        return
    ids = insert_rows(session, Finding, rows)
    loaded = {}
    for i in range(0, len(ids), CHUNK):
        loaded.update((f.id, f) for f in session.exec(select(Finding).where(Finding.id.in_(ids[i:i + CHUNK]))).all())
    for k, (entry, carried, again) in enumerate(done):
        if isinstance(entry, int):
            done[k] = (loaded[ids[entry]], carried, again)
    rows.clear()


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
    ids = set(session.exec(select(Finding.unit_id).where(Finding.document_id == record.id)).all())
    ids.add(record.unit_id)
    return {i for i in ids if i is not None}


def _reviewed(session: Session, fingerprints: list[str]) -> set[str]:
    """Those of `fingerprints` that carry reviewer corrections still in force."""
    if not fingerprints:
        return set()
    return set(session.exec(select(Correction.fingerprint).where(
        Correction.fingerprint.in_(fingerprints), Correction.undone == False)).all())  # noqa: E712


def _corrected(session: Session, fingerprints: list[str]) -> set[str]:
    """Those of `fingerprints` with any correction rows (only theirs can change in apply_corrections)."""
    out: set[str] = set()
    for i in range(0, len(fingerprints), CHUNK):
        out.update(session.exec(select(Correction.fingerprint).where(
            Correction.fingerprint.in_(fingerprints[i:i + CHUNK]))).all())
    return out


def plan_carry_over(existing: dict[str, Finding], drafts: dict, reviewed: set[str]) -> dict[str, Finding]:
    """Reviewed findings the new extraction no longer produces, each matched to the new draft (one not
    already stored) that overlaps its character span most; earliest finding chooses first.
    Returns {new fingerprint: old finding}. Unmatched reviewed findings are orphans."""
    gone = sorted((f for fp, f in existing.items() if fp in reviewed and f.origin == "extracted"),
                  key=lambda f: (f.start, f.id))
    free = {fp: d for fp, d in drafts.items() if fp not in existing}
    plan: dict[str, Finding] = {}
    for finding in gone:
        best, best_overlap = None, 0
        for fp, d in free.items():
            overlap = min(finding.end, d.end) - max(finding.start, d.start)
            if overlap > best_overlap:
                best, best_overlap = fp, overlap
        if best is not None:
            plan[best] = finding
            del free[best]
    return plan


def carry_over(session: Session, finding: Finding, new_fp: str, new_quote: str) -> dict:
    """The finding keeps its id, task and corrections; only its quote (and so its fingerprint) moves.
    Returns the detail of its finding.carried audit event, which the caller writes."""
    old_fp, old_quote = finding.fingerprint, finding.quote
    rows = session.exec(select(Correction).where(Correction.fingerprint == old_fp)).all()
    for row in rows:
        row.fingerprint, row.carried_from = new_fp, old_fp
        session.add(row)
    finding.fingerprint, finding.quote = new_fp, new_quote
    return {"old_quote": old_quote, "new_quote": new_quote, "corrections": len(rows)}


def stale_corrections(session: Session, document_id: int | None = None) -> list[tuple[Correction, Finding]]:
    """Corrections in force whose finding the current rules no longer produce: listed, never lost."""
    q = (select(Correction, Finding).join(Finding, Finding.fingerprint == Correction.fingerprint)
         .where(Finding.state == "vanished", Correction.undone == False))  # noqa: E712
    if document_id is not None:
        q = q.where(Finding.document_id == document_id)
    return list(session.exec(q.order_by(Finding.document_id, Finding.start, Correction.id)).all())


def apply_corrections(session: Session, finding: Finding) -> None:
    """Re-apply the reviewer's latest value for each corrected field (corrections win over rules)."""
    rows = session.exec(select(Correction).where(Correction.fingerprint == finding.fingerprint,
                                                 Correction.undone == False)  # noqa: E712
                        .order_by(Correction.at, Correction.id)).all()
    latest = {c.field: c.new for c in rows}
    for field, value in latest.items():
        setattr(finding, field, value)
    if latest:
        finding.corrected = bool(set(latest) - {"review_state"})
        finding.reviewed_by, finding.reviewed_at = rows[-1].actor, rows[-1].at
        if "route" not in latest and {"subject", "severity", "category"} & set(latest):
            decision = load_routing().decide(finding.subject, finding.severity, finding.category, finding.quote)
            finding.route, finding.route_reason = decision.route, decision.reason
        elif "route" in latest:
            finding.route_reason = "审核人员调整分流"


def index_rules(session: Session, finding: Finding) -> None:
    """Keep the finding's rows in finding_rule equal to the rule ids in its hits."""
    index_rules_of(session, [finding])


def index_rules_of(session: Session, findings: list[Finding]) -> None:
    """index_rules for many (flushed) findings: their present rows read in one query, the missing
    ones inserted in one statement."""
    have: dict[int, dict[str, FindingRule]] = {}
    ids = [f.id for f in findings]
    for i in range(0, len(ids), CHUNK):
        for r in session.exec(select(FindingRule).where(FindingRule.finding_id.in_(ids[i:i + CHUNK]))).all():
            have.setdefault(r.finding_id, {})[r.rule_id] = r
    rows = []
    for finding in findings:
        wanted = {h.get("rule_id") for h in finding.hits or [] if h.get("rule_id")}
        mine = have.get(finding.id, {})
        for rule_id in set(mine) - wanted:
            session.delete(mine[rule_id])
        rows += [{"finding_id": finding.id, "rule_id": rule_id} for rule_id in wanted - set(mine)]
    if rows:
        session.flush()  # the deletions first
        session.execute(insert(FindingRule), rows)


def ensure_task(session: Session, finding: Finding, routing: RoutingTable, today: date,
                ctx: DocumentContext | None = None) -> Task:
    """One task per finding; its route follows the finding while the task is still open (unless a
    repeat escalated it). Deadline and owner come from the text where stated, else the table."""
    task = session.exec(select(Task).where(Task.finding_id == finding.id)).first()
    task, event = sync_task(session, finding, task, routing, today, ctx)
    if event is not None:
        session.flush()  # a new task's id, for its audit event
        audit(session, event[0], "task", task.id, **event[1])
    return task


def new_task(finding: Finding, plan: Plan) -> dict:
    """The values of the task a finding opens (withdrawn at once if the finding is not active)."""
    row = model_row(Task, finding_id=finding.id, route=finding.route, kind=plan.kind, unit=finding.unit,
                    unit_id=finding.unit_id, deadline=plan.deadline, deadline_source=plan.deadline_source,
                    deadline_phrase=plan.deadline_phrase, owner=plan.owner)
    if finding.state != "active":
        row["status"] = WITHDRAWN
    return row


def sync_task(session: Session, finding: Finding, task: Task | None, routing: RoutingTable, today: date,
              ctx: DocumentContext | None = None) -> tuple[Task, tuple[str, dict] | None]:
    """ensure_task given the finding's task (None: it has none yet), without writing the audit event:
    returns the task (added to the session, not flushed) and the event (action, detail) to record."""
    if ctx is None:
        ctx = DocumentContext(today, None, dict(routing.terms), "", [])
    plan: Plan = plan_task(finding, finding.route, finding.unit, ctx, routing)
    event = None
    if task is None:
        task = Task(**new_task(finding, plan))
        session.add(task)
        event = ("task.created", {"route": task.route, "finding": finding.id, "deadline_source": task.deadline_source})
    elif task.route != finding.route and task.status in OPEN and task.escalated_from is None:
        old = task.route
        task.route = finding.route
        if task.deadline_source == "routing":
            task.deadline = plan.deadline
        task.owner, task.kind = plan.owner, plan.kind
        task.updated_at = utcnow()
        session.add(task)
        event = ("task.rerouted", {"old": old, "new": task.route})
    elif task.kind != plan.kind and task.status in OPEN and task.escalated_from is None:
        # the routing table reads the same problem as another kind of task (team_own): its owner and
        # default deadline follow, the route stays
        old = [task.kind, task.owner]
        task.kind, task.owner = plan.kind, plan.owner
        if task.deadline_source == "routing":
            task.deadline = plan.deadline
        task.updated_at = utcnow()
        session.add(task)
        event = ("task.reassigned", {"old": old, "new": [task.kind, task.owner]})
    if task.unit_id != finding.unit_id or task.unit != finding.unit:
        task.unit, task.unit_id = finding.unit, finding.unit_id
        session.add(task)
    return task, event
