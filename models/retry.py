"""Second chance for files that failed for a passing reason (OCR or LibreOffice missing, a limit hit).

The stored copy is analysed again. One transaction per document: the record, its findings and tasks,
and the audit row change together. A file that now succeeds and was in quarantine/ is copied to
processed/ before the commit and the quarantine copy removed after it, so a crash at any point
leaves a record pointing at a file that exists. The status, the folder and the quarantine note are
decided by the same functions intake uses (models/intake.py).
"""
from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import select

from extractors.errors import MESSAGES_ZH, ReadError, Reason
from models.audit import audit
from models.db import session_scope
from models.intake import (TRANSIENT_REASONS, Analyser, decide_status, folder_for, reason_note,
                           write_reason_note)
from models.settings import Settings
from models.store import fill_document, save_and_route
from models.tables import Document, utcnow

log = logging.getLogger("zhenggai.retry")


@dataclass
class Retried:
    document_id: int
    name: str
    old_reason: str
    status: str  # the status after the retry
    reason: str
    findings: int = 0


def transient_ids(settings: Settings) -> list[int]:
    """Documents whose last failure reason may pass by itself."""
    codes = sorted(r.value for r in TRANSIENT_REASONS)
    with session_scope(settings.database_url) as s:
        return list(s.exec(select(Document.id).where(Document.reason.in_(codes))
                           .order_by(Document.id)).all())


def retry_document(settings: Settings, document_id: int, analyse: Analyser) -> Retried | None:
    """Analyse one stored file again; None if it no longer needs a retry (another run did it)."""
    with session_scope(settings.database_url) as s:
        record = s.get(Document, document_id)
        if record is None or record.reason not in {r.value for r in TRANSIENT_REASONS}:
            return None
        stored = settings.home / record.stored_as
        name, old_reason = record.name, record.reason
    doc = extraction = None
    reason: Reason | None = None
    detail = ""
    try:
        doc, extraction = analyse(stored, name)
    except ReadError as exc:
        reason, detail = exc.reason, exc.detail
    except Exception as exc:  # a bug must not stop the nightly run
        log.exception("internal error retrying document %s", document_id)
        reason, detail = Reason.INTERNAL_ERROR, repr(exc)
    if reason is not None and reason.value == old_reason:
        log.info("document %s still %s: %s", document_id, old_reason, detail[:200])
        return Retried(document_id, name, old_reason, decide_status(reason, None)[0], old_reason)

    status, reason = decide_status(reason, doc)  # the same decision intake makes
    target = folder_for(settings, status)
    new_copy: Path | None = None
    with session_scope(settings.database_url) as s:
        record = s.get(Document, document_id, with_for_update=True)
        if record is None or record.reason != old_reason:
            return None  # changed by a concurrent run
        if not stored.is_relative_to(target):
            new_copy = _copy_to(stored, target)
            record.stored_as = str(new_copy.relative_to(settings.home))
        record.status = status
        record.reason = reason.value if reason else ""
        record.message = MESSAGES_ZH[reason] if reason else ""
        record.updated_at = utcnow()
        stats = {"new": 0}
        if doc is not None:
            fill_document(record, doc)
        if extraction is not None:
            stats = save_and_route(s, record, extraction)
        s.add(record)
        write_reason_note(new_copy or stored, status, reason, name, detail)
        audit(s, "document.retried", "document", record.id, old_reason=old_reason,
              status=status, reason=record.reason, findings=stats["new"])
    if new_copy is not None:  # committed: the old copy and its reason note are no longer referenced
        stored.unlink(missing_ok=True)
        reason_note(stored).unlink(missing_ok=True)
    return Retried(document_id, name, old_reason, status, reason.value if reason else "", stats["new"])


def retry_transient(settings: Settings, analyse: Analyser) -> list[Retried]:
    """Retry every document whose failure was transient; returns what happened to each."""
    out = []
    for doc_id in transient_ids(settings):
        r = retry_document(settings, doc_id, analyse)
        if r is not None:
            out.append(r)
    return out


def _copy_to(stored: Path, folder: Path) -> Path:
    """Copy (fsynced) to folder/<today>/ under the same internal name."""
    day = folder / date.today().isoformat()
    day.mkdir(parents=True, exist_ok=True)
    final = day / stored.name
    tmp = day / f".{stored.name}.copy"
    shutil.copyfile(stored, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return final
