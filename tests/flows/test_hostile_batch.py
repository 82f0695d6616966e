"""Issue 3's contract end to end: a batch of hostile entries through the real ingest flow.

Every regular file gets exactly one recorded outcome with a reason code, its bytes are kept under
processed/ or quarantine/, links and pipes are left in place and reported, the batch goes on, and
running it again changes nothing.
"""
import hashlib
import os

from sqlmodel import select

from models.db import session_scope
from models.tables import Document, Intake
from tests.conftest import REPORT_PARAGRAPHS, make_docx
from tests.readers.test_hostile import build_cases

SKIP = {"slow file over its time limit (OCR of noise)", "pdf bomb under the stream limit, small memory"}
STATUS = {"EMPTY_FILE": "rejected", "CORRUPT_OR_TRUNCATED": "rejected", "UNSUPPORTED_TYPE": "rejected",
          "UNSAFE_CONTENT": "rejected", "TOO_LARGE": "rejected", "read:TYPE_MISMATCH": "warning",
          "NOT_REGULAR_FILE": "skipped"}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_hostile_batch_through_the_inbox(settings, prefect_harness, tmp_path, monkeypatch):
    from flows.ingest import ingest_flow

    monkeypatch.setenv("ZHENGGAI_MAX_FILE_MB", "1.5")  # makes the 2 MB case TOO_LARGE
    monkeypatch.setenv("ZHENGGAI_READ_TIMEOUT_S", "50")
    build = tmp_path / "build"
    build.mkdir()
    expect: dict[str, tuple[str, str]] = {}  # entry name -> (status, reason)
    for label, path, _opts, outcome in build_cases(build):
        if label in SKIP:
            continue
        target = settings.inbox / path.name
        if path.is_fifo():
            os.mkfifo(target)
        else:
            os.replace(path, target)
        reason = outcome.removeprefix("read:")
        expect[path.name] = (STATUS[outcome], reason)
    good = make_docx(settings.inbox / "正常报告.docx", REPORT_PARAGRAPHS)
    expect[good.name] = ("ingested", "")
    (settings.inbox / "同一文件另存.docx").write_bytes(good.read_bytes())
    expect["同一文件另存.docx"] = ("duplicate", "DUPLICATE")
    secret = make_docx(tmp_path / "outside.docx", REPORT_PARAGRAPHS[:3])
    (settings.inbox / "link.docx").symlink_to(secret)
    expect["link.docx"] = ("skipped", "NOT_REGULAR_FILE")
    originals = {p.name: digest(p.read_bytes()) for p in settings.inbox.iterdir()
                 if p.is_file() and not p.is_symlink()}

    rows = ingest_flow([str(settings.inbox)], source="inbox", move=True)
    got = {r["name"]: (r["status"], r["reason"]) for r in rows}
    # the byte-identical pair may be taken in either order: one is ingested, the other its duplicate
    pair = {got.pop(good.name), got.pop("同一文件另存.docx")}
    assert pair == {("ingested", ""), ("duplicate", "DUPLICATE")}
    expect.pop(good.name), expect.pop("同一文件另存.docx")
    assert got == expect

    # regular files left the inbox; the link and the pipe stayed where they were
    assert sorted(p.name for p in settings.inbox.iterdir()) == ["link.docx", "pipe.pdf"]
    stored = {digest(p.read_bytes()) for folder in (settings.processed, settings.quarantine)
              for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".reason.txt")}
    assert set(originals.values()) <= stored  # nothing lost, byte for byte
    for reason_file in settings.quarantine.rglob("*.reason.txt"):
        assert "原因代码" in reason_file.read_text(encoding="utf-8")
    with session_scope(settings.database_url) as s:
        intakes = s.exec(select(Intake)).all()
        assert len([i for i in intakes if i.status != "skipped"]) == len(originals)
        assert all(i.reason or i.status == "ingested" for i in intakes)
        docs = s.exec(select(Document)).all()
        assert all(d.stored_as and ".." not in d.stored_as for d in docs)

    again = ingest_flow([str(settings.inbox)], source="inbox", move=True)  # only the link and the pipe are left: nothing new is recorded
    assert all(r["status"] == "skipped" and r["unchanged"] for r in again)
