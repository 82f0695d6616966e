"""The intake contract on real files: one outcome per entry, originals kept, reruns change nothing."""
import pytest
import hashlib
import os

from sqlmodel import select

from extractors.errors import MESSAGES_ZH, Reason
from extractors.pipeline import analyse
from models.db import session_scope
from models.intake import escape_name, ingest_file
from models.tables import Document, Intake
from tests.conftest import REPORT_PARAGRAPHS, make_docx



@pytest.fixture
def settings(any_settings):
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_settings

def sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_docx_ingested_and_original_kept_in_place(settings, tmp_path):
    src = make_docx(tmp_path / "反馈意见.docx", REPORT_PARAGRAPHS)
    before = src.read_bytes()
    out = ingest_file(src, settings, analyse)
    assert out.status == "ingested" and out.document_id
    assert src.read_bytes() == before  # CLI input is left where it is
    with session_scope(settings.database_url) as s:
        doc = s.get(Document, out.document_id)
        stored = settings.home / doc.stored_as
        assert stored.read_bytes() == before
        assert stored.parent.parent == settings.processed
        assert "反馈意见" not in doc.stored_as  # the original name is never part of a path
        assert doc.blocks and doc.pages >= 1


def test_rerun_changes_nothing_and_renamed_copy_is_duplicate(settings, tmp_path):
    src = make_docx(tmp_path / "a.docx", REPORT_PARAGRAPHS)
    first = ingest_file(src, settings, analyse)
    again = ingest_file(src, settings, analyse)
    assert again.unchanged and again.document_id == first.document_id
    copy = tmp_path / "b.docx"
    copy.write_bytes(src.read_bytes())
    dup = ingest_file(copy, settings, analyse)
    assert dup.status == "duplicate" and dup.document_id == first.document_id
    with session_scope(settings.database_url) as s:
        assert len(s.exec(select(Document)).all()) == 1
        assert [i.status for i in s.exec(select(Intake).order_by(Intake.id)).all()] == ["ingested", "duplicate"]


def test_empty_and_broken_files_quarantined_with_reason(settings, tmp_path):
    empty = tmp_path / "空文件.pdf"
    empty.write_bytes(b"")
    broken = tmp_path / "损坏.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n")  # a PDF header and nothing else
    for f, code in ((empty, "EMPTY_FILE"), (broken, "CORRUPT_OR_TRUNCATED")):
        out = ingest_file(f, settings, analyse)
        assert out.status == "rejected" and out.reason == code
        assert out.message == MESSAGES_ZH[Reason(code)]  # the staff sentence, in Chinese
        assert sum("\u4e00" <= c <= "\u9fff" for c in out.message) >= 5
        with session_scope(settings.database_url) as s:
            doc = s.get(Document, out.document_id)
            stored = settings.home / doc.stored_as
        assert stored.parent.parent == settings.quarantine
        assert stored.read_bytes() == f.read_bytes()
        reason = stored.with_name(stored.name + ".reason.txt").read_text(encoding="utf-8")
        assert code in reason and "原因" in reason


def test_symlink_and_fifo_are_reported_not_opened(settings, tmp_path):
    secret = tmp_path / "outside.docx"
    make_docx(secret, REPORT_PARAGRAPHS)
    link = tmp_path / "link.docx"
    link.symlink_to(secret)
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    for entry in (link, fifo):
        out = ingest_file(entry, settings, analyse, move=True)
        assert out.status == "skipped" and out.reason == "NOT_REGULAR_FILE"
        assert os.path.lexists(entry)  # left in place
    with session_scope(settings.database_url) as s:
        assert s.exec(select(Document)).all() == []


def test_inbox_move_removes_original_only_after_storing(settings):
    src = make_docx(settings.inbox / "收件.docx", REPORT_PARAGRAPHS)
    digest = sha(src)
    out = ingest_file(src, settings, analyse, source="inbox", move=True)
    assert out.status == "ingested"
    assert not src.exists()
    stored = list(settings.processed.rglob("*.docx"))
    assert len(stored) == 1 and sha(stored[0]) == digest


def test_odd_names_are_escaped(settings, tmp_path):
    odd = os.fsdecode(b"bad\xff\nname.docx")
    src = make_docx(tmp_path / odd, REPORT_PARAGRAPHS[:4])
    out = ingest_file(src, settings, analyse)
    assert out.status == "ingested"
    assert "\n" not in out.name and "\\x" in out.name
    assert escape_name("../../etc/passwd") == "../../etc/passwd"  # metadata only; never joined to a path


def test_inbox_file_replaced_during_ingestion_is_kept(settings, tmp_path):
    """Only the very file that was stored leaves the inbox: one dropped again under the same name
    while the first was being read (a new file, or the same file rewritten) stays there."""
    inbox = settings.inbox
    first = make_docx(inbox / "反馈意见.docx", REPORT_PARAGRAPHS)
    second = make_docx(tmp_path / "新版本.docx", [*REPORT_PARAGRAPHS, "（修订稿）"])

    def replacing(path, name):  # the real analysis, while a user drops the newer version
        os.replace(second, first)
        return analyse(path, name)

    out = ingest_file(first, settings, replacing, source="inbox", move=True)
    assert out.status == "ingested"
    assert first.is_file()
    assert sha(first) != out.sha256  # the newer file is still waiting in the inbox

    def rewriting(path, name):  # same inode, new content (an editor saving in place)
        with open(first, "ab") as fh:
            fh.write(b"\0" * 10)
        return analyse(path, name)

    out = ingest_file(first, settings, rewriting, source="inbox", move=True)
    assert out.status in ("ingested", "duplicate", "rejected") and first.exists()
    out = ingest_file(first, settings, analyse, source="inbox", move=True)  # unchanged now: taken
    assert not first.exists()


def test_failed_copy_leaves_no_part_file(settings, tmp_path):
    """A copy that fails half way (here: the file-size limit, as a full disk would) leaves nothing in
    work/, keeps the original, and raises for the batch to report."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    big = tmp_path / "大文件.pdf"
    big.write_bytes(b"%PDF-1.7\n" + os.urandom(3 << 20))
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from models.settings import get_settings\n"
        "from models.intake import ingest_file\n"
        "s = get_settings(); s.ensure_dirs()\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))\n"
        "try:\n"
        "    ingest_file(Path(sys.argv[1]), s, None, source='inbox', move=True)\n"
        "except OSError as exc:\n"
        "    print('raised', exc.errno)\n"
    )
    env = dict(os.environ, ZHENGGAI_HOME=str(settings.home), ZHENGGAI_DATABASE_URL=settings.database_url,
               PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", script, str(big)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert proc.stdout.startswith("raised"), proc.stderr[-2000:]
    assert list(settings.work.iterdir()) == []
    assert big.stat().st_size == (3 << 20) + 9  # the original is untouched


def test_every_file_in_a_folder_is_an_entry_and_fresh_temporary_names_wait(settings, tmp_path):
    """Hidden and temporary-looking names are listed like any other file; one still being written
    (changed within temp_settle) is recorded as skipped with its reason, one long unchanged is read."""
    from dataclasses import replace

    from models.intake import iter_entries

    folder = tmp_path / "收件"
    (folder / ".隐藏目录").mkdir(parents=True)
    names = ["..报告.docx", ".隐藏.docx", "~$报告.docx", "下载.part", "普通.docx", ".隐藏目录/内部.docx"]
    for n in names:
        make_docx(folder / n, REPORT_PARAGRAPHS)
    assert sorted(p.relative_to(folder).as_posix() for p in iter_entries([folder])) == sorted(names)

    s = replace(settings, temp_settle=30.0)
    fresh = ingest_file(folder / "..报告.docx", s, analyse)
    assert (fresh.status, fresh.reason) == ("skipped", "STILL_WRITING") and "临时文件" in fresh.message
    old = folder / "~$报告.docx"
    os.utime(old, (old.stat().st_atime - 60, old.stat().st_mtime - 60))
    assert ingest_file(old, s, analyse).status == "ingested"
    with session_scope(s.database_url) as db:
        rows = {(i.name, i.status, i.reason) for i in db.exec(select(Intake)).all()}
    assert rows == {("..报告.docx", "skipped", "STILL_WRITING"), ("~$报告.docx", "ingested", "")}


def test_copies_left_by_a_killed_run_are_swept(settings):
    """A run killed mid-copy (SIGKILL: no clean-up possible) leaves a .part; the next nightly run
    removes those old enough that no live copy can own them, and nothing else."""
    from models.intake import sweep_work

    old, fresh, other = (settings.work / n for n in ("a1.part", "b2.part", "notes.txt"))
    for p in (old, fresh, other):
        p.write_bytes(b"x" * 10)
    os.utime(old, (0, old.stat().st_mtime - 2 * 86400))
    os.utime(other, (0, other.stat().st_mtime - 2 * 86400))
    assert sweep_work(settings) == 1
    assert not old.exists() and fresh.exists() and other.exists()
