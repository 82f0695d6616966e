"""Reviewers' decisions on findings: accept, reject, correct, undo, split, add a missed one.

Each decision is stored as Correction rows keyed by the finding's fingerprint (one row per changed
field; the rows of one decision share an `action` id so `undo` can revert it whole), written with an
audit row in the caller's transaction, and the item is routed again at once: its task is created,
re-routed, re-opened or withdrawn. store.apply_corrections re-applies the rows after every extraction,
so decisions survive `reextract` and re-ingestion of the same file.

Offsets given to `add_missed` are character offsets into the document's text as the reader built it:
the stored blocks' texts (Document.blocks[i]["text"], in order) joined with "\\n" — the same offsets
Finding.start/end use. `document_text` and `block_at` give that text and the block under an offset.

Every function raises ReviewError with a Chinese sentence for staff when the request cannot be done.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session, select

from models import ledger
from models import vocabulary as V
from models.assign import DocumentContext, document_context, plan_task
from models.audit import audit
from models.routing import load_routing
from models.store import ensure_task, fingerprint
from models.tables import Correction, Document, Finding, InspectionRound, Task, utcnow

EDITABLE = ("subject", "person", "post", "unit", "category", "severity", "route")
CHOICES: dict[str, dict[str, str]] = {"subject": V.SUBJECTS, "category": V.CATEGORIES,
                                      "severity": V.SEVERITIES, "route": V.ROUTES}
MAX_LENGTH = {"person": 64, "post": 128, "unit": 256}
FIELD_LABELS = V.FIELDS
MISSED_DEFAULTS = {"subject": "unit", "category": "other", "severity": "structural"}


class ReviewError(ValueError):
    """A refused review action; the message is shown to staff as is (Chinese)."""


def validate_changes(changes: dict[str, Any]) -> dict[str, str]:
    """Known fields with values from the vocabulary (codes, not labels); free text trimmed and bounded."""
    clean: dict[str, str] = {}
    for key, value in changes.items():
        if key not in EDITABLE:
            raise ReviewError(f"不能修改“{key}”，可修改的内容：{'、'.join(FIELD_LABELS.values())}。")
        value = "" if value is None else str(value).strip()
        if key in CHOICES and value not in CHOICES[key]:
            options = "、".join(f"{code}（{label}）" for code, label in CHOICES[key].items())
            raise ReviewError(f"{FIELD_LABELS[key]}“{value}”无效，可选：{options}。")
        if key in MAX_LENGTH and len(value) > MAX_LENGTH[key]:
            raise ReviewError(f"{FIELD_LABELS[key]}过长（最多 {MAX_LENGTH[key]} 个字）。")
        clean[key] = value
    return clean


def _check_actor(actor: str) -> None:
    if not actor or not actor.strip():
        raise ReviewError("必须注明审核人。")


def _write(session: Session, actor: str, finding: Finding, values: dict[str, str], action: str,
           reason: str, force: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Set the fields and record one Correction row per field that changed (or is in `force`)."""
    changed: dict[str, list[str]] = {}
    now = utcnow()
    for field, new in values.items():
        old = getattr(finding, field)
        old = "" if old is None else str(old)
        if old == new and field not in force:
            continue
        session.add(Correction(fingerprint=finding.fingerprint, field=field, old=old, new=new, actor=actor,
                               at=now, reason=reason, action=action))
        setattr(finding, field, new)
        changed[field] = [old, new]
    if changed:
        if set(changed) - {"review_state"}:
            finding.corrected = True
        finding.reviewed_by, finding.reviewed_at = actor, now
        finding.updated_at = now
        session.add(finding)
    return changed


def _route_corrected(session: Session, finding: Finding) -> bool:
    return session.exec(select(Correction.id).where(Correction.fingerprint == finding.fingerprint,
                                                    Correction.field == "route",
                                                    Correction.undone == False)).first() is not None  # noqa: E712


def reroute(session: Session, finding: Finding, actor: str, was_active: bool,
            today: date | None = None) -> Task | None:
    """Make the finding's task follow it: route from the table unless a reviewer set it; a finding that
    stopped being a problem has its open task withdrawn, one that became a problem again re-opens it."""
    routing = load_routing()
    today = today or date.today()
    if _route_corrected(session, finding):
        finding.route_reason = "审核人员调整分流"
    else:
        decision = routing.decide(finding.subject, finding.severity, finding.category)
        finding.route, finding.route_reason = decision.route, decision.reason
    session.add(finding)
    session.flush()
    task = session.exec(select(Task).where(Task.finding_id == finding.id)).first()
    active = finding.state == "active"
    record = session.get(Document, finding.document_id)
    if record is not None and record.kind == "rectification" and task is None:
        return None  # a rectification report's items answer earlier tasks; they open none
    ctx = _context(session, record, routing, today)
    if task is None:
        return ensure_task(session, finding, routing, today, ctx)
    if not active:
        # a rejected or split item leaves the ledger; a vanished one (undo of adopting it) waits as before
        if finding.state in ("rejected", "split") and task.status in (*ledger.OPEN, ledger.REVIEW):
            ledger.withdraw(session, task, actor, f"审核认定不再作为问题跟踪（{V.FINDING_STATES[finding.state]}）")
        return task
    if task.status == ledger.REVIEW:  # held because its finding vanished: the reviewer says it stands
        ledger.keep_after_review(session, task, actor, "审核人员确认该问题仍然成立")
    if not was_active and task.status == ledger.WITHDRAWN:
        task.status, task.route = ledger.TODO, finding.route
        task.deadline = routing.deadline(finding.route, today)
        task.closed_at = None
        audit(session, "task.reopened", "task", task.id, actor=actor, finding=finding.id, route=task.route)
    ensure_task(session, finding, routing, today, ctx)
    if task.status in ledger.OPEN:
        plan = plan_task(finding, finding.route, finding.unit, ctx, routing)  # as ensure_task
        if (task.unit, task.owner, task.kind) != (finding.unit, plan.owner, plan.kind):
            audit(session, "task.reassigned", "task", task.id, actor=actor, old=[task.unit, task.owner, task.kind],
                  new=[finding.unit, plan.owner, plan.kind])
            task.unit, task.owner, task.kind = finding.unit, plan.owner, plan.kind
    task.updated_at = utcnow()
    session.add(task)
    return task


def _context(session: Session, record: Document | None, routing, today: date) -> DocumentContext:
    """The finding's document context (start date, stated terms, inspecting body), as the store uses."""
    if record is None:
        return DocumentContext(today, None, dict(routing.terms), "", [])
    inspection = session.get(InspectionRound, record.round_id) if record.round_id else None
    return document_context(record, routing, today, inspection.body if inspection else "")


def _decide(session: Session, actor: str, finding: Finding, verb: str, values: dict[str, str],
            reason: str = "", force: tuple[str, ...] = ()) -> Finding:
    _check_actor(actor)
    was_active = finding.state == "active"
    action = uuid.uuid4().hex
    changed = _write(session, actor, finding, values, action, reason, force)
    if not changed:
        return finding
    session.flush()
    audit(session, f"finding.{verb}", "finding", finding.id, actor=actor, review_action=action,
          reason=reason, changes=changed)
    reroute(session, finding, actor, was_active)
    return finding


def _revive(finding: Finding) -> dict[str, str]:
    """What makes a finding a live problem again: vanished ones are adopted by the reviewer, so the
    rules no longer flag them when they stop producing them."""
    values = {"state": "active"}
    if finding.state == "vanished":
        values["origin"] = "reviewer"
    return values


def accept(session: Session, actor: str, finding: Finding) -> Finding:
    """The item is right as extracted. Accepting an accepted item changes nothing."""
    if finding.state == "split":
        raise ReviewError("该问题已拆分，请审核拆分后的问题。")
    if finding.state == "active" and finding.review_state == "corrected":
        return finding  # already confirmed with its corrections; accepting must not hide them
    values = {**(_revive(finding) if finding.state != "active" else {}), "review_state": "accepted"}
    return _decide(session, actor, finding, "accepted", values)


def reject(session: Session, actor: str, finding: Finding, reason: str = "") -> Finding:
    """Not a finding: it leaves the ledger (its open task is withdrawn) but is kept, marked rejected."""
    if finding.state == "split":
        raise ReviewError("该问题已拆分，请审核拆分后的问题。")
    return _decide(session, actor, finding, "rejected", {"state": "rejected", "review_state": "rejected"},
                   reason.strip())


def correct(session: Session, actor: str, finding: Finding, changes: dict[str, Any], reason: str = "") -> Finding:
    """Change subject, person, post, unit, category, severity or route; a corrected item is a finding."""
    if finding.state == "split":
        raise ReviewError("该问题已拆分，请修改拆分后的问题。")
    clean = validate_changes(changes)
    if not any(str(getattr(finding, k) or "") != v for k, v in clean.items()):
        raise ReviewError("没有需要修改的内容。")
    values = {**clean, **(_revive(finding) if finding.state != "active" else {}), "review_state": "corrected"}
    return _decide(session, actor, finding, "corrected", values, reason.strip())


def undo(session: Session, actor: str, finding: Finding) -> Finding:
    """Revert the actor's last review decision on this item (all the rows it wrote, on every item it
    touched). Items the decision created (split halves) are removed again, with their still untouched
    tasks; fields a later decision changed since keep that later value."""
    _check_actor(actor)
    last = session.exec(select(Correction).where(Correction.fingerprint == finding.fingerprint,
                                                 Correction.actor == actor,
                                                 Correction.undone == False)  # noqa: E712
                        .order_by(Correction.id.desc())).first()
    if last is None:
        raise ReviewError("您在该问题上没有可撤销的审核操作。")
    rows = session.exec(select(Correction).where(Correction.action == last.action)
                        .order_by(Correction.id.desc())).all()
    by_fp: dict[str, list[Correction]] = {}
    for row in rows:
        by_fp.setdefault(row.fingerprint, []).append(row)
    touched: list[tuple[Finding, bool]] = []
    removed: list[int] = []
    for fp, fp_rows in by_fp.items():
        item = session.exec(select(Finding).where(Finding.fingerprint == fp)).first()
        if item is None:
            continue
        if any(r.field == "origin" and r.old == "" for r in fp_rows):  # created by this decision
            task = session.exec(select(Task).where(Task.finding_id == item.id)).first()
            if task is not None and task.status not in (ledger.TODO, ledger.WITHDRAWN):
                raise ReviewError(f"问题 {item.id} 的整改任务已开始办理，不能撤销。")
            if task is not None:
                session.delete(task)
            removed.append(item.id)
            continue
        was_active = item.state == "active"
        for row in fp_rows:
            later = session.exec(select(Correction.id).where(Correction.fingerprint == fp,
                                                             Correction.field == row.field,
                                                             Correction.undone == False,  # noqa: E712
                                                             Correction.id > row.id,
                                                             Correction.action != row.action)).first()
            if later is None:
                setattr(item, row.field, row.old)
        touched.append((item, was_active))
    for row in rows:
        row.undone = True
        session.add(row)
    session.flush()
    for fp, fp_rows in by_fp.items():
        item = session.exec(select(Finding).where(Finding.fingerprint == fp)).first()
        if item is not None and item.id in removed:
            session.delete(item)
    session.flush()
    for item, was_active in touched:
        _refresh_review_marks(session, item)
        reroute(session, item, actor, was_active)
    audit(session, "finding.undone", "finding", finding.id, actor=actor, review_action=last.action,
          fields=sorted({r.field for r in rows}), removed=removed)
    return finding


def _refresh_review_marks(session: Session, finding: Finding) -> None:
    """reviewed_by/at and the corrected flag from the rows still in force."""
    rows = session.exec(select(Correction).where(Correction.fingerprint == finding.fingerprint,
                                                 Correction.undone == False)  # noqa: E712
                        .order_by(Correction.at, Correction.id)).all()
    finding.corrected = any(r.field not in ("review_state",) for r in rows)
    finding.reviewed_by = rows[-1].actor if rows else ""
    finding.reviewed_at = rows[-1].at if rows else None
    finding.updated_at = utcnow()
    session.add(finding)


def _new_item(session: Session, actor: str, record: Document, quote: str, start: int, end: int,
              fields: dict[str, str], page: int, section: list[str], explanation: str, action: str,
              reason: str) -> Finding:
    fp = fingerprint(record.sha256, quote)
    clash = session.exec(select(Finding).where(Finding.fingerprint == fp)).first()
    if clash is not None:
        raise ReviewError(f"所选文字已是问题 {clash.id}，请直接审核该问题。")
    # origin starts empty so the first row ("origin": "" → "reviewer") marks the item as made by this
    # decision: undo removes such items instead of reverting them
    item = Finding(fingerprint=fp, document_id=record.id, quote=quote, page=page, section=section,
                   start=start, end=end, origin="", explanation=explanation, route="",
                   **{k: "" for k in ("subject", "category", "severity")})
    session.add(item)
    session.flush()
    values = {"origin": "reviewer", **fields, "review_state": "corrected"}
    _write(session, actor, item, values, action, reason, force=tuple(values))
    return item


def split(session: Session, actor: str, finding: Finding, at: int) -> tuple[Finding, Finding]:
    """Split the quote at `at` (an offset into the quote) into two items that inherit its fields; the
    original is kept, marked split, and its open task withdrawn."""
    _check_actor(actor)
    if finding.state == "split":
        raise ReviewError("该问题已拆分。")
    quote = finding.quote
    if not 0 < at < len(quote):
        raise ReviewError(f"拆分位置须在问题原文之内（1 至 {len(quote) - 1}）。")
    parts = []
    for lo, hi in ((0, at), (at, len(quote))):
        piece = quote[lo:hi]
        lead = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if not piece:
            raise ReviewError("拆分后的两段都须有文字。")
        parts.append((piece, finding.start + lo + lead, finding.start + lo + lead + len(piece)))
    record = session.get(Document, finding.document_id)
    action = uuid.uuid4().hex
    inherited = [k for k in EDITABLE if k != "route" or _route_corrected(session, finding)]
    fields = {k: str(getattr(finding, k) or "") for k in inherited}
    items = []
    for n, (piece, start, end) in enumerate(parts, 1):
        item = _new_item(session, actor, record, piece, start, end, fields, finding.page,
                         list(finding.section), f"审核人员从问题 {finding.id} 拆分（第 {n} 段）", action, "")
        items.append(item)
    was_active = finding.state == "active"
    _write(session, actor, finding, {"state": "split", "review_state": "corrected"}, action, "")
    session.flush()
    audit(session, "finding.split", "finding", finding.id, actor=actor, review_action=action, at=at,
          into=[i.id for i in items])
    reroute(session, finding, actor, was_active)
    for item in items:
        reroute(session, item, actor, False)
    return items[0], items[1]


def document_text(record: Document) -> str:
    """The document's text as offsets count it: the stored blocks joined with newlines."""
    return "\n".join(b.get("text", "") for b in record.blocks or [])


def block_at(record: Document, offset: int) -> tuple[int, dict]:
    """The stored block that holds character `offset` of document_text, with its index."""
    pos = 0
    for i, block in enumerate(record.blocks or []):
        end = pos + len(block.get("text", ""))
        if pos <= offset <= end:
            return i, block
        pos = end + 1
    raise ReviewError("所选位置超出文件正文范围。")


def add_missed(session: Session, actor: str, document: Document, start: int, end: int,
               changes: dict[str, Any] | None = None, reason: str = "") -> Finding:
    """A finding the rules missed, from text the reviewer selected in the document view.

    `start`/`end` are offsets into document_text(document); the selection is trimmed of spaces and
    must stay inside one block. Fields not given: subject unit, category other, severity structural,
    unit the document's unit."""
    _check_actor(actor)
    text = document_text(document)
    if not 0 <= start < end <= len(text):
        raise ReviewError("所选文字的位置无效。")
    piece = text[start:end]
    start += len(piece) - len(piece.lstrip())
    piece = piece.strip()
    end = start + len(piece)
    if not piece:
        raise ReviewError("所选内容没有文字。")
    if "\n" in piece:
        raise ReviewError("请在同一段落内选择文字。")
    _, block = block_at(document, start)
    fields = {**MISSED_DEFAULTS, "person": "", "post": "", "unit": document.unit or "",
              **validate_changes(changes or {})}
    action = uuid.uuid4().hex
    item = _new_item(session, actor, document, piece, start, end, fields, int(block.get("page") or 1),
                     list(block.get("section") or []), "审核人员补充的遗漏问题", action, reason.strip())
    session.flush()
    audit(session, "finding.added", "finding", item.id, actor=actor, review_action=action,
          document=document.id, start=start, end=end, reason=reason.strip())
    reroute(session, item, actor, False)
    return item
