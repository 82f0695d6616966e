"""The contract for every entry handed to zhenggai: one recorded outcome, the original kept.

- Only regular files are opened (O_NOFOLLOW); links, FIFOs and directories are reported, never read.
- The original is copied byte for byte into the data home under an internal name
  (processed/<date>/<sha>.<type> or quarantine/<date>/<sha>.<type> with a .reason.txt beside it);
  the original name is metadata only, never part of a path.
- One database transaction per file; the same entry seen again changes nothing; the same bytes
  under another name are recorded as a duplicate of the first.
- Only the inbox that zhenggai owns has files moved out of it (move=True), and only if the entry is
  still the file that was stored (device, inode, size, mtime); other inputs stay put.
- Every file is an entry, hidden and temporary-looking names included: such a name is taken once
  unchanged for Settings.temp_settle, and recorded as skipped (STILL_WRITING) if handed over sooner.
"""
from __future__ import annotations

import hashlib
import logging
import os
import stat
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import select

from extractors.document import Document as ReadDocument
from extractors.document import Extraction
from extractors.errors import MESSAGES_ZH, Reason, ReadError
from models.audit import audit
from models.db import session_scope
from models.settings import Settings
from models.store import fill_document, save_and_route
from models.tables import Document, Intake

log = logging.getLogger("zhenggai.intake")

# Reasons that keep the document as a `warning` (stored, shown to reviewers) rather than `rejected`.
WARNING_REASONS = {Reason.NEEDS_OCR, Reason.NO_TEXT, Reason.CONVERTER_MISSING}
# Reader warnings on a readable file that a reviewer must see: the file is stored as `warning`.
REVIEW_WARNINGS = (Reason.NEEDS_OCR, Reason.TYPE_MISMATCH, Reason.PARTLY_READ, Reason.FALLBACK_READER)
# Reasons worth retrying later (a tool installed, a limit raised).
TRANSIENT_REASONS = {Reason.NEEDS_OCR, Reason.CONVERTER_MISSING, Reason.RESOURCE_LIMIT, Reason.INTERNAL_ERROR}
MAX_NAME = 1024
COPY_CHUNK = 1 << 20

Analyser = Callable[[Path, str], tuple[ReadDocument, Extraction]]


@dataclass
class Outcome:
    """What happened to one entry: shown in the CLI summary and returned by flows."""

    name: str
    status: str  # ingested | warning | rejected | duplicate | skipped
    reason: str = ""
    message: str = ""
    sha256: str = ""
    document_id: int | None = None
    findings: int = 0
    unchanged: bool = False  # seen before: nothing was done


def escape_name(name: str) -> str:
    """A printable, bounded form of an original file name (non-UTF-8 bytes and controls escaped)."""
    raw = os.fsencode(name)
    text = raw.decode("utf-8", errors="backslashreplace")
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return text[:MAX_NAME]


def _sniffed_ext(path: Path) -> str:
    from extractors.readers.sniff import stored_ext

    return stored_ext(path)


def _copy_in(fd: int, dest: Path) -> tuple[str, int]:
    """Copy an open file to dest, returning (sha256, size). dest is fsynced."""
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(os.dup(fd), "rb") as src, open(dest, "wb") as out:
        while chunk := src.read(COPY_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def _place(work_copy: Path, folder: Path, sha: str, ext: str) -> Path:
    """Move the work copy to its internal name under folder/<date>/ (same bytes if already there)."""
    day = folder / date.today().isoformat()
    day.mkdir(parents=True, exist_ok=True)
    final = day / f"{sha[:20]}.{ext}"
    os.replace(work_copy, final)
    return final


def decide_status(reason: Reason | None, doc: ReadDocument | None) -> tuple[str, Reason | None]:
    """The one decision, for intake and the nightly retry alike: the document's status (ingested |
    warning | rejected) and the reason recorded with it, from the read failure or the reader's warnings."""
    status = "ingested" if reason is None else ("warning" if reason in WARNING_REASONS else "rejected")
    if doc is not None:
        flagged = [r for r in REVIEW_WARNINGS if r.value in doc.warning_codes]
        if flagged:
            status, reason = "warning", flagged[0]
    return status, reason


def folder_for(settings: Settings, status: str) -> Path:
    """Rejected files are kept in quarantine/, everything else in processed/."""
    return settings.quarantine if status == "rejected" else settings.processed


def reason_note(stored: Path) -> Path:
    return stored.with_name(stored.name + ".reason.txt")


def write_reason_note(stored: Path, status: str, reason: Reason | None, name: str, detail: str) -> None:
    """Beside a quarantined copy, say why it is there (for whoever opens the folder); no note otherwise."""
    if status != "rejected" or reason is None:
        reason_note(stored).unlink(missing_ok=True)
        return
    reason_note(stored).write_text(
        f"原因代码: {reason.value}\n说明: {MESSAGES_ZH[reason]}\n原文件名: {name}\n"
        f"时间: {datetime.now(timezone.utc).isoformat()}\n技术细节: {detail[:500]}\n",
        encoding="utf-8")


def _record_skip(settings: Settings, name: str, source: str, reason: Reason) -> Outcome:
    with session_scope(settings.database_url) as s:
        row = s.exec(select(Intake).where(Intake.sha256 == "", Intake.name == name,
                                          Intake.source == source)).first()
        if row is None:
            s.add(Intake(sha256="", name=name, source=source, status="skipped", reason=reason.value,
                         message=MESSAGES_ZH[reason]))
            audit(s, "intake.skipped", "intake", name, reason=reason.value)
    return Outcome(name, "skipped", reason.value, MESSAGES_ZH[reason], unchanged=row is not None)


def ingest_file(path: Path, settings: Settings, analyse: Analyser, *, source: str = "cli",
                move: bool = False) -> Outcome:
    """Ingest one entry end to end. Never raises for bad input: failure is an outcome.

    A failed copy (disk full, I/O error) raises after removing its partial copy: the original is
    kept where it is and the batch reports the file.
    """
    settings.ensure_dirs()
    name = escape_name(path.name)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return Outcome(name, "skipped", "NOT_FOUND", "文件不存在或已被移走。")
    if not stat.S_ISREG(st.st_mode):
        return _record_skip(settings, name, source, Reason.NOT_REGULAR_FILE)
    if is_temporary_name(path.name) and time.time() - st.st_mtime < settings.temp_settle:
        return _record_skip(settings, name, source, Reason.STILL_WRITING)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:  # taken by a concurrent run between lstat and open
        return Outcome(name, "skipped", "NOT_FOUND", "文件不存在或已被移走。")
    except OSError:
        return _record_skip(settings, name, source, Reason.NOT_REGULAR_FILE)
    work_copy = settings.work / f"{uuid.uuid4().hex}.part"
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            return _record_skip(settings, name, source, Reason.NOT_REGULAR_FILE)
        sha, size = _copy_in(fd, work_copy)
        outcome = _ingest_copy(work_copy, sha, size, name, settings, analyse, source)
    finally:
        os.close(fd)
        work_copy.unlink(missing_ok=True)  # only our own scratch copy; the stored copy was renamed
    if move and outcome.status != "skipped":
        _remove_if_same(path, opened)
    return outcome


STALE_WORK_S = 86400.0  # a copy in work/ untouched this long belongs to a run that was killed


def sweep_work(settings: Settings, max_age_s: float = STALE_WORK_S) -> int:
    """Remove work/*.part copies left by runs killed mid-copy (a live copy is written to constantly,
    so an old one has no owner). Returns how many were removed."""
    removed = 0
    cutoff = time.time() - max_age_s
    for p in settings.work.glob("*.part"):
        try:
            if p.is_file() and not p.is_symlink() and p.stat().st_mtime < cutoff:
                p.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def file_identity(st: os.stat_result) -> tuple[int, int, int, int]:
    """What tells one file apart from another dropped under the same name, or rewritten in place."""
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _remove_if_same(path: Path, stored: os.stat_result) -> bool:
    """Delete the inbox entry only if it is still the file whose bytes were stored."""
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        return False
    if file_identity(now) != file_identity(stored):
        log.info("kept %s: replaced or changed while it was being ingested", escape_name(path.name))
        return False
    path.unlink(missing_ok=True)  # the bytes are safely stored under the data home
    return True


def _ingest_copy(work_copy: Path, sha: str, size: int, name: str, settings: Settings,
                 analyse: Analyser, source: str) -> Outcome:
    url = settings.database_url
    try:
        with session_scope(url) as s:
            seen = s.exec(select(Intake).where(Intake.sha256 == sha, Intake.name == name,
                                               Intake.source == source)).first()
            if seen is not None:
                return Outcome(name, seen.status, seen.reason, seen.message, sha, seen.document_id,
                               unchanged=True)
            first = s.exec(select(Document).options(defer(Document.blocks)).where(Document.sha256 == sha)).first()
            if first is not None:
                return _record_duplicate(s, first, name, sha, source)
    except IntegrityError:  # the same entry was recorded concurrently (a repeated trigger)
        return _after_conflict(url, name, sha, source)

    ext = _sniffed_ext(work_copy)
    reason: Reason | None = None
    detail = ""
    pages = 0  # pages the reader counted before it gave up
    doc = extraction = None
    if size == 0:
        reason = Reason.EMPTY_FILE
    else:
        try:
            doc, extraction = analyse(work_copy, name)
        except ReadError as exc:
            reason, detail, pages = exc.reason, exc.detail, exc.pages
        except Exception as exc:  # a bug must not stop the batch; the file is kept and reported
            log.exception("internal error on %s (sha %s)", name, sha[:12])
            reason, detail = Reason.INTERNAL_ERROR, repr(exc)

    status, reason = decide_status(reason, doc)
    folder = folder_for(settings, status)
    try:
        with session_scope(url) as s:
            record = Document(sha256=sha, name=name, size=size, file_type=ext, status=status,
                              reason=reason.value if reason else "",
                              message=MESSAGES_ZH[reason] if reason else "")
            if doc is not None:
                fill_document(record, doc)
            else:
                record.pages = pages
            s.add(record)
            s.flush()
            stats = {"new": 0}
            if extraction is not None:
                stats = save_and_route(s, record, extraction)
            stored = _place(work_copy, folder, sha, ext)
            record.stored_as = str(stored.relative_to(settings.home))
            write_reason_note(stored, status, reason, name, detail)
            s.add(Intake(sha256=sha, name=name, source=source, status=status,
                         reason=record.reason, message=record.message, document_id=record.id))
            audit(s, f"document.{status}", "document", record.id, reason=record.reason,
                  sha256=sha, findings=stats["new"])
            log.info("%s %s id=%s reason=%s", status, sha[:12], record.id, record.reason or "-")
            return Outcome(name, status, record.reason, record.message, sha, record.id, stats["new"])
    except IntegrityError:
        # Another worker stored the same bytes first: this entry is a duplicate of that one.
        return _after_conflict(url, name, sha, source)


def _after_conflict(url: str, name: str, sha: str, source: str) -> Outcome:
    """Outcome when a concurrent worker won the race for the same bytes or the same entry."""
    for attempt in range(3):
        try:
            with session_scope(url) as s:
                seen = s.exec(select(Intake).where(Intake.sha256 == sha, Intake.name == name,
                                                   Intake.source == source)).first()
                if seen is not None:
                    return Outcome(name, seen.status, seen.reason, seen.message, sha,
                                   seen.document_id, unchanged=True)
                first = s.exec(select(Document).options(defer(Document.blocks)).where(Document.sha256 == sha)).one()
                return _record_duplicate(s, first, name, sha, source)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def duplicate_message(first: Document) -> str:
    """What staff are told about a copy: a copy of a quarantined file says so, with the first one's reason."""
    if first.status == "rejected":
        why = MESSAGES_ZH[Reason(first.reason)] if first.reason in Reason.__members__ else first.message
        return (f"该文件与此前已隔离的文件（{first.name}）内容完全相同，同样未处理。"
                f"首次隔离原因：{why}")
    if first.status == "warning":
        return f"该文件与已处理（有提示）的文件（{first.name}）内容完全相同，未重复处理。提示：{first.message}"
    return MESSAGES_ZH[Reason.DUPLICATE]


def _record_duplicate(s, first: Document, name: str, sha: str, source: str) -> Outcome:
    msg = duplicate_message(first)
    s.add(Intake(sha256=sha, name=name, source=source, status="duplicate",
                 reason=Reason.DUPLICATE.value, message=msg, document_id=first.id))
    audit(s, "intake.duplicate", "document", first.id, sha256=sha)
    return Outcome(name, "duplicate", Reason.DUPLICATE.value, msg, sha, first.id)


TEMPORARY_PREFIXES = (".", "~$")
TEMPORARY_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".swp")


def is_temporary_name(name: str) -> bool:
    """Names that editors, browsers and copy tools use while writing, and hidden names. Such a file
    is not passed over: it is taken once unchanged for Settings.temp_settle (not the usual settle)."""
    low = name.lower()
    return low.startswith(TEMPORARY_PREFIXES) or low.endswith(TEMPORARY_SUFFIXES)


def is_temporary_path(path: Path, root: Path) -> bool:
    """A temporary-looking name, or a file inside a temporary-looking (hidden) folder under root."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
    return any(is_temporary_name(p) for p in parts)


def iter_entries(paths: list[Path]) -> list[Path]:
    """Expand folders (recursively, links not followed) into entries: every file, hidden and
    temporary-looking names included, so that each gets its recorded outcome."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir() and not p.is_symlink():
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs.sort()
                out.extend(Path(root) / f for f in sorted(files))
        else:
            out.append(p)
    return out


def stored_path(settings: Settings, record: Document) -> Path | None:
    """Where the original of a stored document lies (under processed/ or quarantine/ of the home);
    None when nothing was stored or the stored name would lead outside the data home."""
    if not record.stored_as:
        return None
    path = (settings.home / record.stored_as).resolve()
    return path if settings.home.resolve() in path.parents else None
