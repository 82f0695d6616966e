"""Crash safety: ingestion killed (SIGKILL) at random points and started again ingests every file
exactly once and loses none. Real processes, real files, a real SQLite ledger."""
from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from models.db import session_scope
from models.settings import Settings
from models.tables import AuditEvent, Document, Intake
from tests.conftest import REPORT_PARAGRAPHS, ROOT, make_docx

pytestmark = pytest.mark.slow

TRIALS = 10
SEED = int(os.environ.get("ZHENGGAI_CRASH_SEED", "20261125"))
# What the nightly run and the watcher do with each file, without Prefect's start-up time.
RUNNER = """
from extractors.pipeline import analyse
from models.intake import ingest_file, iter_entries
from models.settings import get_settings
s = get_settings()
print("ready", flush=True)
for p in iter_entries([s.inbox]):
    ingest_file(p, s, analyse, source="inbox", move=True)
"""


def _env(home: Path) -> dict:
    return {**os.environ, "ZHENGGAI_HOME": str(home),
            "ZHENGGAI_DATABASE_URL": f"sqlite:///{home / 'zhenggai.db'}", "PYTHONPATH": str(ROOT)}


def _run(home: Path, kill_after: float | None) -> tuple[bool, float]:
    """Run ingestion; kill it kill_after seconds after its imports are done.

    Returns (killed before finishing, seconds from ready to exit)."""
    proc = subprocess.Popen([sys.executable, "-c", RUNNER], env=_env(home), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read().decode()[-2000:]
        t0 = time.monotonic()
        try:
            proc.wait(timeout=kill_after if kill_after is not None else 300)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return True, time.monotonic() - t0
        assert proc.returncode == 0, proc.stderr.read().decode()[-2000:]
        return False, time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


def _fill_inbox(home: Path, staging: Path) -> dict[str, str]:
    """Six reports, one broken file and one copy of a report under another name → name: sha."""
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    if not staging.exists():
        staging.mkdir()
        for i in range(6):
            make_docx(staging / f"巡察反馈意见{i}.docx", [*REPORT_PARAGRAPHS, f"（第{i}号）"] * (1 + i % 3))
        (staging / "损坏的文件.docx").write_bytes(b"PK\x03\x04 not a whole archive")
        (staging / "副本-巡察反馈意见0.docx").write_bytes((staging / "巡察反馈意见0.docx").read_bytes())
    out = {}
    for f in sorted(staging.iterdir()):
        data = f.read_bytes()
        (inbox / f.name).write_bytes(data)
        out[f.name] = hashlib.sha256(data).hexdigest()
    return out


def _check(home: Path, files: dict[str, str]) -> None:
    settings = Settings(home, f"sqlite:///{home / 'zhenggai.db'}")
    assert not any(settings.inbox.iterdir()), "a file was left in the inbox"
    with session_scope(settings.database_url) as s:
        docs = s.exec(select(Document)).all()
        intakes = s.exec(select(Intake)).all()
        audits = s.exec(select(AuditEvent).where(AuditEvent.entity == "document")).all()
    assert sorted(i.name for i in intakes) == sorted(files), "each entry has exactly one outcome"
    assert sorted(d.sha256 for d in docs) == sorted(set(files.values())), "each content stored once"
    status = {i.name: i.status for i in intakes}
    assert status["损坏的文件.docx"] == "rejected"
    assert sorted(status.values()).count("duplicate") == 1
    assert len(audits) == len(files)
    stored = {p.relative_to(home).as_posix() for d in ("processed", "quarantine")
              for p in (home / d).rglob("*") if p.is_file() and not p.name.endswith(".reason.txt")}
    assert stored == {d.stored_as for d in docs}, "no stray or missing stored originals"
    for d in docs:
        assert hashlib.sha256((home / d.stored_as).read_bytes()).hexdigest() == d.sha256


def test_killed_at_random_points_then_restarted(tmp_path):
    rng = random.Random(SEED)
    staging = tmp_path / "staging"
    calib = tmp_path / "calibration"
    files = _fill_inbox(calib, staging)
    interrupted, full = _run(calib, None)
    assert not interrupted
    _check(calib, files)
    killed = 0
    for trial in range(TRIALS):
        for attempt in range(4):  # a trial whose kills all came too late is run again, earlier
            home = tmp_path / f"trial{trial}-{attempt}"
            _fill_inbox(home, staging)
            reach = full * 0.8 / 2 ** attempt
            kills = [rng.uniform(0.0, reach) for _ in range(1 + trial % 3)]  # up to three crashes in a row
            landed = sum(_run(home, k)[0] for k in kills)
            assert not _run(home, None)[0]
            _check(home, files)
            if landed:
                break
        assert landed, f"trial {trial}: no kill landed before ingestion finished"
        killed += landed
    print(f"seed {SEED}: ingestion {full:.2f}s, {killed} kills landed before completion")
    assert killed >= TRIALS  # the kills really interrupted work
