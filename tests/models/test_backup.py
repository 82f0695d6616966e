"""Backup while the system runs, restore into an empty home: every row and every original comes back."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlmodel import select

from extractors.pipeline import analyse
from models import ledger as L
from models.backup import BackupError, backup, restore
from models.db import session_scope
from models.intake import ingest_file
from models.settings import Settings
from models.tables import AuditEvent, Document, Finding, Intake, Task
from tests.conftest import REPORT_PARAGRAPHS, make_docx
from tests.server.pg import require_pg, temp_database


def _populate(settings: Settings, tmp: Path, n: int = 4) -> None:
    src = tmp / "src"
    src.mkdir(exist_ok=True)
    for i in range(n):
        ingest_file(make_docx(src / f"反馈意见{i}.docx", [*REPORT_PARAGRAPHS, f"（第{i}号）"]), settings, analyse)
    bad = src / "损坏.docx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert ingest_file(bad, settings, analyse).status == "rejected"
    with session_scope(settings.database_url) as s:  # some ledger history worth keeping
        tasks = s.exec(select(Task).order_by(Task.id)).all()
        assert tasks, "the report paragraphs should open at least one task"
        L.start(s, tasks[0], "张三")
        L.submit(s, tasks[0], "张三", "已整改到位")
        L.approve(s, tasks[0], "李四")


def _snapshot(settings: Settings) -> dict:
    with session_scope(settings.database_url) as s:
        return {
            "documents": [(d.id, d.sha256, d.status, d.stored_as) for d in
                          s.exec(select(Document).order_by(Document.id)).all()],
            "intake": [(i.id, i.name, i.status) for i in s.exec(select(Intake).order_by(Intake.id)).all()],
            "findings": [(f.id, f.fingerprint, f.route) for f in
                         s.exec(select(Finding).order_by(Finding.id)).all()],
            "tasks": [(t.id, t.status, t.submitted_by, t.closed_by) for t in
                      s.exec(select(Task).order_by(Task.id)).all()],
            "audit": [(a.id, a.action, a.actor, a.entity_id) for a in
                      s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()],
        }


def _files(settings: Settings, snap: dict) -> dict[str, bytes]:
    return {stored: (settings.home / stored).read_bytes() for *_, stored in snap["documents"]}


def _round_trip(src: Settings, dst: Settings, tmp: Path) -> None:
    _populate(src, tmp)
    before = _snapshot(src)
    manifest = backup(src, tmp / "backup")
    assert manifest["missing"] == [] and manifest["counts"]["document"] == len(before["documents"])
    with pytest.raises(BackupError):
        backup(src, tmp / "backup")  # never into a used folder
    counts = restore(dst, tmp / "backup")
    after = _snapshot(dst)
    assert after == before
    assert counts["auditevent"] == len(before["audit"]) and counts["task"] == len(before["tasks"])
    assert _files(dst, after) == _files(src, before)
    assert len(list(dst.quarantine.rglob("*.reason.txt"))) == 1
    with pytest.raises(BackupError, match="已有数据"):
        restore(dst, tmp / "backup")  # refuses to overwrite a ledger in use


def test_sqlite_round_trip_into_empty_home(tmp_path):
    src = Settings(tmp_path / "a", f"sqlite:///{tmp_path / 'a' / 'zhenggai.db'}")
    dst = Settings(tmp_path / "b", f"sqlite:///{tmp_path / 'b' / 'zhenggai.db'}")
    _round_trip(src, dst, tmp_path)


@pytest.mark.server
def test_postgresql_round_trip_into_empty_database(tmp_path):
    require_pg()
    with temp_database("zg_bk_src") as a, temp_database("zg_bk_dst") as b:
        _round_trip(Settings(tmp_path / "a", a), Settings(tmp_path / "b", b), tmp_path)


def test_backup_taken_while_ingesting_is_consistent(tmp_path):
    """Each backup is a state the ledger was in: every restored document has its original."""
    src = Settings(tmp_path / "a", f"sqlite:///{tmp_path / 'a' / 'zhenggai.db'}")
    files = [make_docx(tmp_path / f"报告{i}.docx", [*REPORT_PARAGRAPHS, f"（{i}）"]) for i in range(12)]
    worker = threading.Thread(target=lambda: [ingest_file(f, src, analyse) for f in files])
    worker.start()
    taken = []
    try:
        while worker.is_alive() and len(taken) < 4:
            taken.append(backup(src, tmp_path / f"bk{len(taken)}"))
    finally:
        worker.join(timeout=300)
    taken.append(backup(src, tmp_path / f"bk{len(taken)}"))
    assert taken[-1]["counts"]["document"] == 12
    for i, manifest in enumerate(taken):
        dst = Settings(tmp_path / f"r{i}", f"sqlite:///{tmp_path / f'r{i}' / 'zhenggai.db'}")
        counts = restore(dst, tmp_path / f"bk{i}")
        assert counts == manifest["counts"]
        with session_scope(dst.database_url) as s:
            docs = s.exec(select(Document)).all()
            assert all((dst.home / d.stored_as).is_file() for d in docs)
            n_intake = len(s.exec(select(Intake)).all())
        assert n_intake == len(docs)  # intake row and document commit together


def _logging_shims(bin_dir: Path, log: Path, tools: tuple[str, ...], monkeypatch) -> None:
    """Real pg_dump/pg_restore behind a shim that records their command line and password source."""
    import os
    import shutil

    bin_dir.mkdir()
    for tool in tools:
        real = shutil.which(tool)
        if real is None:
            pytest.skip(f"{tool} not installed")
        shim = bin_dir / tool
        shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "{tool} $*" "passfile=${{PGPASSFILE:-}}" >> "{log}"\n'
                        f'if [ -n "${{PGPASSFILE:-}}" ]; then cat "$PGPASSFILE" >> "{log}"; fi\n'
                        f'exec "{real}" "$@"\n')
        shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.server
def test_postgresql_password_never_on_the_command_line(tmp_path, monkeypatch):
    """pg_dump/pg_restore get the password from a private password file, not their argv (visible in ps)."""
    from sqlalchemy.engine import make_url

    require_pg()
    log = tmp_path / "argv.log"
    _logging_shims(tmp_path / "bin", log, ("pg_dump", "pg_restore"), monkeypatch)
    secret = "Geheim:pw\\42"
    with temp_database("zg_bk_pw_src") as a, temp_database("zg_bk_pw_dst") as b:
        a = make_url(a).set(password=secret).render_as_string(hide_password=False)
        b = make_url(b).set(password=secret).render_as_string(hide_password=False)
        src, dst = Settings(tmp_path / "a", a), Settings(tmp_path / "b", b)
        _populate(src, tmp_path, n=1)
        backup(src, tmp_path / "backup")
        restore(dst, tmp_path / "backup")
    lines = log.read_text(encoding="utf-8").splitlines()
    argv = [ln for ln in lines if ln.startswith(("pg_dump ", "pg_restore "))]
    assert len(argv) == 2 and all("Geheim" not in ln for ln in argv), argv
    assert sum(ln.startswith("passfile=/") for ln in lines) == 2
    assert sum(ln.endswith(":Geheim\\:pw\\\\42") for ln in lines) == 2  # escaped as libpq wants
    assert not list(tmp_path.rglob("*.pgpass"))  # the password file is gone afterwards


@pytest.mark.parametrize("rel", ["../outside.txt", "processed/../../outside.txt", "{absolute}",
                                 "zhenggai.db", "processed/../zhenggai.db"])
def test_restore_refuses_manifest_paths_outside_the_data_home(tmp_path, rel):
    """A tampered manifest cannot make restore write anywhere but processed/ and quarantine/."""
    import hashlib
    import json

    src = Settings(tmp_path / "a", f"sqlite:///{tmp_path / 'a' / 'zhenggai.db'}")
    dst = Settings(tmp_path / "b" / "home", f"sqlite:///{tmp_path / 'b' / 'home' / 'zhenggai.db'}")
    _populate(src, tmp_path, n=1)
    backup(src, tmp_path / "backup")
    manifest_file = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    outside = tmp_path / "outside.txt"
    rel = rel.format(absolute=outside)
    manifest["files"][rel] = hashlib.sha256(b"not a stored original").hexdigest()
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(BackupError, match="不安全的路径"):
        restore(dst, tmp_path / "backup")
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written at all
    assert not outside.exists()
