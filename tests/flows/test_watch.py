"""The watched folder end to end: real files, the real ingest flow in process, a real SQLite ledger."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from models.db import session_scope
from models.tables import Document, Intake
from tests.conftest import REPORT_PARAGRAPHS, make_docx

pytestmark = pytest.mark.slow


def _report(path: Path, n: int) -> Path:
    return make_docx(path, [*REPORT_PARAGRAPHS, f"（文件编号 {n}，{path.stem}）"])


class Running:
    """A watcher in a background thread; records each batch it submits and the file sizes then."""

    def __init__(self, folder: Path, **kw):
        from flows.watch import Watcher, in_process

        self.batches: list[tuple[float, dict[str, int]]] = []
        ingest = in_process()

        def submit(batch):
            self.batches.append((time.monotonic(), {p.name: os.path.getsize(p) for p in batch}))
            return ingest(batch)

        self.watcher = Watcher(folder, submit, **kw)
        self.thread = threading.Thread(target=self.watcher.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.watcher.stop()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()


def _wait(cond, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _documents(settings) -> int:
    with session_scope(settings.database_url) as s:
        return s.exec(select(func.count()).select_from(Document)).one()


def _stored(settings) -> list[Path]:
    return [p for p in settings.processed.rglob("*") if p.is_file()]


def test_slow_copy_is_taken_only_when_complete(settings, prefect_harness, tmp_path):
    data = _report(tmp_path / "staging.docx", 1).read_bytes()
    target = settings.inbox / "关于对某局党组的巡察反馈意见.docx"
    junk = ["~$关于对某局.docx", ".~lock.报告.docx#", "下载中.docx.crdownload", "复制中.docx.part",
            "临时.tmp", ".隐藏文件.docx"]
    with Running(settings.inbox, settle=2.0) as run:
        for name in junk:
            (settings.inbox / name).write_bytes(data[:1000])
        chunks = [data[i:i + len(data) // 20 + 1] for i in range(0, len(data), len(data) // 20 + 1)]
        with open(target, "wb") as fh:  # a slow copy: ~0.55 s between writes, over ten seconds
            for chunk in chunks:
                fh.write(chunk)
                fh.flush()
                time.sleep(10.5 / len(chunks))
        completed = time.monotonic()
        _wait(lambda: _documents(settings) == 1, 60, "the copied file in the ledger")
        _wait(lambda: not target.exists(), 10, "the original to leave the inbox")
        time.sleep(3)  # give the watcher the chance to (wrongly) take a temporary file
    assert len(run.batches) == 1
    at, sizes = run.batches[0]
    assert at >= completed and sizes == {target.name: len(data)}
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document)).one()
        assert doc.size == len(data) and doc.status == "ingested"
        intakes = s.exec(select(Intake)).all()
    assert [(i.name, i.source) for i in intakes] == [(target.name, "watch")]
    assert [p.read_bytes() for p in _stored(settings)] == [data]
    assert sorted(p.name for p in settings.inbox.iterdir()) == sorted(junk)


def test_twenty_files_dropped_together_each_ingested_once(settings, prefect_harness, tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    files = [_report(staging / f"巡察反馈意见{n:02d}.docx", n) for n in range(20)]
    with Running(settings.inbox, settle=1.5) as run:
        time.sleep(0.5)
        for f in files:  # a paste of twenty files
            (settings.inbox / f.name).write_bytes(f.read_bytes())
        _wait(lambda: _documents(settings) == 20 and not any(settings.inbox.iterdir()), 120,
              "twenty documents and an empty inbox")
        # a repeated trigger (the same file dropped again) is harmless
        (settings.inbox / files[0].name).write_bytes(files[0].read_bytes())
        _wait(lambda: not any(settings.inbox.iterdir()), 30, "the repeated file to be taken")
    assert len(run.batches) == 2 and len(run.batches[0][1]) == 20  # together: one flow run
    with session_scope(settings.database_url) as s:
        assert s.exec(select(func.count()).select_from(Document)).one() == 20
        rows = s.exec(select(Intake)).all()
    assert len(rows) == 20 and {r.name for r in rows} == {f.name for f in files}
    assert len(_stored(settings)) == 20


def test_files_dropped_while_down_are_taken_on_start_by_polling(settings, prefect_harness, tmp_path):
    good = [_report(settings.inbox / f"停机期间{n}.docx", n) for n in range(3)]
    sub = settings.inbox / "子文件夹"
    sub.mkdir()
    nested = _report(sub / "子目录中的报告.docx", 9)
    broken = settings.inbox / "损坏的文件.docx"
    broken.write_bytes(b"PK\x03\x04 this is not a complete zip archive")
    with Running(settings.inbox, settle=1.0, poll=True, interval=0.3):
        _wait(lambda: _documents(settings) == 5 and not any(p.is_file() for p in settings.inbox.rglob("*")),
              90, "all five files taken")
    with session_scope(settings.database_url) as s:
        status = {i.name: i.status for i in s.exec(select(Intake)).all()}
    assert status == {**{f.name: "ingested" for f in good}, nested.name: "ingested", broken.name: "rejected"}
    reasons = list(settings.quarantine.rglob("*.reason.txt"))
    assert len(reasons) == 1 and "损坏的文件.docx" in reasons[0].read_text(encoding="utf-8")


def test_settling_rules():
    """The settle decision with explicit clocks (monotonic `now`, wall `wall`)."""
    from flows.watch import Settler
    from models.intake import is_temporary_name

    s = Settler(2.0)
    written = int(1000e9)  # both written at wall time 1000 s, seen one watcher tick apart
    s.observe(Path("/in/a.docx"), (10, written), now=0.0)
    s.observe(Path("/in/b.docx"), (10, written), now=0.5)
    assert s.ready(1.9, wall=1001.9) == []
    assert s.ready(2.0, wall=1002.0) == [Path("/in/a.docx"), Path("/in/b.docx")]

    growing = Settler(2.0)
    for i in range(30):  # a slow copy: bigger and newer at every look
        t = i * 0.5
        growing.observe(Path("/in/c.pdf"), (i * 1000, int((1000 + t) * 1e9)), now=t)
        assert growing.ready(t, wall=1000 + t) == []

    old = Settler(2.0)  # complete long before the watcher started
    old.observe(Path("/in/d.pdf"), (5, int(10e9)), now=0.0)
    assert old.ready(0.9, wall=1000.0) == []
    assert old.ready(1.0, wall=1000.0) == [Path("/in/d.pdf")]
    old.taken([Path("/in/d.pdf")], now=1.0)
    old.observe(Path("/in/d.pdf"), (5, int(10e9)), now=5.0)  # still there, unchanged: not again
    assert old.ready(9.0, wall=1009.0) == []

    assert all(is_temporary_name(n) for n in ("~$报告.docx", ".隐藏.pdf", "a.TMP", "b.part", "c.crdownload",
                                              "..报告.pdf"))
    assert not any(is_temporary_name(n) for n in ("报告.docx", "tmp报告.pdf", "part1.pdf"))

    slow = Settler(2.0)  # a temporary-looking name waits its own, longer time
    slow.observe(Path("/in/e.pdf"), (5, int(999e9)), now=0.0)
    slow.observe(Path("/in/~$e.pdf"), (5, int(999e9)), now=0.0, settle=10.0)
    assert slow.ready(2.0, wall=1001.0) == [Path("/in/e.pdf")]
    slow.taken([Path("/in/e.pdf")], now=2.0)
    assert slow.ready(9.0, wall=1008.0) == []
    assert slow.ready(10.0, wall=1009.0) == [Path("/in/~$e.pdf")]


def test_temporary_and_hidden_names_get_one_outcome_each(settings, prefect_harness, tmp_path, monkeypatch):
    """Nothing is passed over in silence: a temporary-looking or hidden name (`..报告.docx` from a
    shared folder included) is waited for longer, then ingested or quarantined with its reason."""
    good = _report(tmp_path / "staging.docx", 7).read_bytes()
    names = {"..巡察反馈意见.docx": good, ".隐藏的报告.docx": _report(tmp_path / "b.docx", 8).read_bytes(),
             "~$锁定文件.docx": b"\x05Owner" + b"\0" * 150, "下载中.pdf.crdownload": b"%PDF-1.7\n%%trunc"}
    normal = settings.inbox / "普通报告.docx"
    monkeypatch.setenv("ZHENGGAI_TEMP_SETTLE", "5")  # the watcher and intake read the same setting
    with Running(settings.inbox, settle=1.0) as run:
        for name, data in names.items():
            (settings.inbox / name).write_bytes(data)
        _report(normal, 9)
        dropped = time.monotonic()
        _wait(lambda: not any(settings.inbox.iterdir()), 90, "every file to leave the inbox")
    first_at, first = run.batches[0]
    assert set(first) == {normal.name} and first_at - dropped < 5.0  # not held up by the others
    assert all(at - dropped >= 5.0 for at, _ in run.batches[1:])
    with session_scope(settings.database_url) as s:
        intakes = s.exec(select(Intake)).all()
    outcome = {i.name: i.status for i in intakes}
    assert len(intakes) == len(names) + 1  # exactly one recorded outcome per file
    assert outcome == {normal.name: "ingested", "..巡察反馈意见.docx": "ingested", ".隐藏的报告.docx": "ingested",
                       "~$锁定文件.docx": "rejected", "下载中.pdf.crdownload": "rejected"}
    assert len(list(settings.quarantine.rglob("*.reason.txt"))) == 2
