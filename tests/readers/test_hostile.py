"""Hostile and broken files, all through the sandbox in one batch.

Each case is a real file built here; each must end in its own Reason (or, for a
wrong extension, be read with a TYPE_MISMATCH warning), within 60 s, without
hurting the batch or growing the parent's memory.
"""
from __future__ import annotations

import os
import resource
import time
import zipfile
from pathlib import Path

import pytest

from extractors.errors import Reason, ReadError
from extractors.sandbox import read_isolated
from tests.fixtures.pdfbytes import build_pdf, flate_bomb, text_page

pytestmark = pytest.mark.slow

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"""


def late_dtd() -> str:
    """The entity bomb with its DOCTYPE pushed far past the first kilobytes by a comment."""
    head, rest = LAUGHS.split("\n", 1)
    return head + "\n<!-- " + "填充" * 6000 + " -->\n" + rest


def _docx(path: Path, text: str = "巡察发现的主要问题：财务制度执行不严。") -> Path:
    import docx

    d = docx.Document()
    for i in range(30):
        d.add_paragraph(f"{i + 1}.{text}")
    d.save(str(path))
    return path


def _replace_part(src: Path, dst: Path, part: str, writer) -> Path:
    """Copy a .docx, replacing one part with what `writer(zip_out, part)` writes."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info, zin.read(info.filename))
        writer(zout, part)
    return dst


def _zip_bomb_writer(zout: zipfile.ZipFile, part: str) -> None:
    head = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    info = zipfile.ZipInfo(part)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zout.open(info, "w", force_zip64=True) as fh:
        fh.write(head)
        block = b" " * (16 << 20)
        for _ in range(64):  # 1 GiB of white space, about 1 MiB packed
            fh.write(block)
        fh.write(b"</w:body></w:document>")


def _noise_scan(pages: int = 12) -> bytes:
    """An image-only PDF of random dots: every page goes to OCR, which is slow on noise."""
    import io
    import random

    from PIL import Image

    rng = random.Random(7)
    images = []
    for _ in range(pages):
        img = Image.new("L", (1240, 1754), 255)
        px = img.load()
        for _ in range(60_000):
            px[rng.randrange(1240), rng.randrange(1754)] = 0
        images.append(img)
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return buf.getvalue()


def _sandbox_leftovers(root: Path) -> list[str]:
    """Command lines of processes still working inside one of this test's sandbox directories (all
    under root): another zhenggai on the machine has sandboxes of its own, which are not ours."""
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                continue
            if str(root) in cmd and ("zg-sandbox-" in cmd or "zg-ocr-" in cmd):
                out.append(cmd)
    return out


@pytest.fixture
def own_tmpdir(tmp_path, monkeypatch) -> Path:
    """Sandboxes of this test live under its own temporary folder, so that leftovers can be told
    apart from those of another zhenggai running on the same machine."""
    import tempfile

    root = tmp_path / "sandboxes"
    root.mkdir()
    monkeypatch.setenv("TMPDIR", str(root))
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def foreign_sandbox():
    """A process that looks like another zhenggai's sandbox child (for the whole test)."""
    import subprocess
    import sys
    import tempfile

    decoy = os.path.join(tempfile.gettempdir(), "zg-sandbox-another-run", "result.json")
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", decoy])
    yield proc
    proc.kill()
    proc.wait()


def build_cases(tmp: Path) -> list[tuple[str, Path, dict, str]]:
    """(label, file, read_isolated options, expected outcome) for every hostile class."""
    good_pdf = build_pdf([text_page([f"Line {i} of a plain report page." for i in range(30)])] * 3)
    cases = []

    def add(label: str, name: str, data: bytes | None, expect: str, **opts) -> Path:
        p = tmp / name
        if data is not None:
            p.write_bytes(data)
        cases.append((label, p, opts, expect))
        return p

    add("zero bytes", "empty.pdf", b"", Reason.EMPTY_FILE.value)
    cut = good_pdf[: len(good_pdf) // 3]  # header and part of the first page, no xref, no trailer
    add("truncated pdf", "cut.pdf", cut[: cut.rfind(b"stream")], Reason.CORRUPT_OR_TRUNCATED.value)
    whole = _docx(tmp / "whole.docx").read_bytes()
    add("truncated docx", "cut.docx", whole[: len(whole) * 2 // 3], Reason.CORRUPT_OR_TRUNCATED.value)
    damaged = bytearray(whole)
    with zipfile.ZipFile(tmp / "whole.docx") as zf:
        info = zf.getinfo("word/document.xml")
    at = info.header_offset + 30 + len(info.filename) + 10  # inside the deflated data
    damaged[at:at + 40] = bytes(range(40))
    add("docx with damaged deflate data", "damaged.docx", bytes(damaged), Reason.CORRUPT_OR_TRUNCATED.value)
    add("random bytes", "noise.docx", bytes((i * 7919 + 13) % 251 for i in range(50_000)) + b"\x00",
        Reason.UNSUPPORTED_TYPE.value)
    add("pdf named .docx", "really-a-pdf.docx", good_pdf, "read:" + Reason.TYPE_MISMATCH.value)
    add("text named .pdf", "really-text.pdf", "关于某局的反馈意见\n一、存在的问题\n财务制度执行不严。\n".encode(),
        "read:" + Reason.TYPE_MISMATCH.value)
    add("docx entity expansion", "laughs.docx", None, Reason.UNSAFE_CONTENT.value)
    _replace_part(tmp / "whole.docx", tmp / "laughs.docx", "word/document.xml",
                  lambda z, part: z.writestr(part, LAUGHS))
    add("docx entities declared after a long comment", "late-dtd.docx", None, Reason.UNSAFE_CONTENT.value)
    _replace_part(tmp / "whole.docx", tmp / "late-dtd.docx", "word/document.xml",
                  lambda z, part: z.writestr(part, late_dtd()))
    add("docx zip bomb", "bomb.docx", None, Reason.UNSAFE_CONTENT.value)
    _replace_part(tmp / "whole.docx", tmp / "bomb.docx", "word/document.xml", _zip_bomb_writer)
    bomb = build_pdf([text_page(["A page before the bomb"]), flate_bomb(512 << 20)],
                     filters=[None, b"/FlateDecode"], raw_streams=True)
    add("pdf decompression bomb", "bomb.pdf", bomb, Reason.UNSAFE_CONTENT.value)
    # a bomb made of many streams, each under the per-stream limit: only the memory limit stops it
    add("pdf bomb under the stream limit, small memory", "bomb-mem.pdf",
        build_pdf([flate_bomb(300 << 20)], filters=[b"/FlateDecode"], raw_streams=True),
        Reason.RESOURCE_LIMIT.value, memory_mb=400)
    add("too large", "huge.pdf", None, Reason.TOO_LARGE.value, max_bytes=1 << 20)
    with open(tmp / "huge.pdf", "wb") as fh:
        fh.write(good_pdf)
        fh.truncate(2 << 20)
    add("slow file over its time limit (OCR of noise)", "slow.pdf", _noise_scan(), Reason.RESOURCE_LIMIT.value,
        max_total_s=3)
    fifo = tmp / "pipe.pdf"
    os.mkfifo(fifo)
    cases.append(("fifo", fifo, {}, Reason.NOT_REGULAR_FILE.value))
    return cases


def _encrypted_pdf(tmp: Path) -> Path | None:
    """A password-protected PDF written by LibreOffice (None when soffice is missing)."""
    import shutil

    from tests.fixtures.docs import make_report_docx, soffice_convert

    if not shutil.which("soffice"):
        return None
    src = make_report_docx(tmp / "secret.docx", ["关于某局的反馈意见", "财务制度执行不严，存在白条入账问题。"])
    opts = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
            '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    return soffice_convert(src, opts, tmp / "enc")


def test_late_dtd_in_docx_is_refused(tmp_path):
    """A DOCTYPE is found wherever it sits in the prolog (defusedxml), not only in the first bytes."""
    from extractors.readers import read

    _replace_part(_docx(tmp_path / "whole.docx"), tmp_path / "late.docx", "word/document.xml",
                  lambda z, part: z.writestr(part, late_dtd()))
    with pytest.raises(ReadError) as e:
        read(tmp_path / "late.docx")
    assert e.value.reason == Reason.UNSAFE_CONTENT


def test_hostile_batch(tmp_path, foreign_sandbox, own_tmpdir):
    cases = build_cases(tmp_path)
    enc = _encrypted_pdf(tmp_path)
    if enc is not None:
        cases.append(("password pdf", enc, {}, Reason.PASSWORD_PROTECTED.value))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes = {}
    for label, path, opts, expect in cases:
        t0 = time.monotonic()
        try:
            doc = read_isolated(path, **{"timeout_s": 50, "memory_mb": 1024, **opts})
            got = "read:" + (",".join(doc.warning_codes) or "ok")
        except ReadError as exc:
            got = exc.reason.value
            assert exc.message_zh  # every failure has a sentence for staff
        elapsed = time.monotonic() - t0
        outcomes[label] = (got, round(elapsed, 2))
        assert elapsed < 60, f"{label} took {elapsed:.1f}s"
    print("\n".join(f"{k:50s} {v[0]:28s} {v[1]:6.2f}s" for k, v in outcomes.items()))
    assert {k: v[0] for k, v in outcomes.items()} == {label: expect for label, _, _, expect in cases}
    time.sleep(0.5)
    assert foreign_sandbox.poll() is None  # another run's sandbox is not ours to judge
    assert not _sandbox_leftovers(own_tmpdir), "a killed read left processes behind"
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    assert rss_after < 1024 * 1024, f"parent peak RSS {rss_after} KiB"
    assert rss_after - rss_before < 200 * 1024, "the parent grew by more than 200 MiB"


def test_mismatch_reads_by_content(tmp_path):
    p = tmp_path / "report.docx"
    p.write_bytes(build_pdf([text_page(["Inspection report", "Second line"])]))
    doc = read_isolated(p, timeout_s=30)
    assert doc.reader.startswith("pdf")
    assert "扩展名" in doc.warnings[0] and Reason.TYPE_MISMATCH.value in doc.warning_codes
