"""Round two of the readers: every new way a report arrives gives the same findings as its
clean .docx twin (F1 >= 0.9 against the twin's findings). All files are invented here."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractors import ocr
from extractors.errors import Reason, ReadError
from extractors.readers import read
from extractors.readers.sniff import sniff, stored_ext
from tests.fixtures.twins import (PAGE_ONE, PAGE_TWO, PROBLEM_TABLE, TABLE_INTRO, TABLE_OUTRO, make_twin_docx,
                                  photograph, quotes_of, render_pages, twin_f1)

needs_tesseract = pytest.mark.skipif(ocr.missing() is not None, reason="tesseract with chi_sim not installed")
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")


@pytest.fixture(scope="module")
def twins(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("twins")
    return {"one": make_twin_docx(d / "one-page.docx", [PAGE_ONE]),
            "two": make_twin_docx(d / "two-pages.docx", [PAGE_ONE, PAGE_TWO]),
            "table": make_twin_docx(d / "table.docx", [TABLE_INTRO], table=PROBLEM_TABLE,
                                    after_table=TABLE_OUTRO)}


@pytest.fixture(scope="module")
def twin_pdfs(twins, tmp_path_factory) -> dict[str, Path]:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice not installed")
    from tests.fixtures.docs import soffice_convert

    d = tmp_path_factory.mktemp("twin-pdf")
    return {k: soffice_convert(v, "pdf", d) for k, v in twins.items()}


def _assert_twin(reference: Path, other: Path) -> list[str]:
    want, got = quotes_of(reference), quotes_of(other)
    assert len(want) >= 4  # the twin itself has findings to compare
    assert twin_f1(want, got) >= 0.9, (want, got)
    return got


# ---------------------------------------------------------------- images
def test_skew_angle_finds_a_small_turn(twin_pdfs):
    from PIL import Image

    page = render_pages(twin_pdfs["one"], 100)[0]
    assert ocr.skew_angle(page) == 0.0
    for turn in (2.0, -1.5):
        assert abs(ocr.skew_angle(photograph(page, turn)) + turn) <= 0.25
    assert ocr.skew_angle(Image.new("L", (400, 600), 255)) == 0.0  # a blank page is left alone


def test_image_kinds_are_sniffed_from_content(tmp_path):
    from PIL import Image

    im = Image.new("RGB", (60, 40), (255, 255, 255))
    for fmt, ext in (("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tif"), ("BMP", "bmp")):
        p = tmp_path / f"page.{fmt.lower()}.bin"  # the name says nothing
        im.save(p, fmt)
        assert sniff(p) == "image" and stored_ext(p) == ext
    (tmp_path / "bm.txt").write_text("BM是某个缩写，这是一段普通文字。", encoding="utf-8")
    assert sniff(tmp_path / "bm.txt") == "text"


@needs_tesseract
@pytest.mark.slow
def test_photographed_page_gives_the_twins_findings(twins, twin_pdfs, tmp_path):
    photo = tmp_path / "手机拍照.png"
    photograph(render_pages(twin_pdfs["one"], 150)[0], 2.0).save(photo)
    doc = read(photo)
    assert (doc.reader, doc.pages) == ("image:ocr", 1)
    assert Reason.OCR_USED.value in doc.warning_codes and "第1页经文字识别（OCR）" in doc.warnings[0]
    assert "一、巡察发现的主要问题" in doc.text  # deskewed: the heading is a line of its own
    _assert_twin(twins["one"], photo)


@needs_tesseract
@pytest.mark.slow
def test_two_page_tiff_gives_the_twins_findings(twins, twin_pdfs, tmp_path):
    pages = [im.convert("L") for im in render_pages(twin_pdfs["two"], 150)]
    assert len(pages) == 2
    tif = tmp_path / "扫描件.tif"
    pages[0].save(tif, save_all=True, append_images=pages[1:], compression="tiff_deflate", dpi=(150, 150))
    doc = read(tif)
    assert (doc.reader, doc.pages) == ("image:ocr", 2)
    assert {b.page for b in doc.blocks} == {1, 2}
    assert "第1、2页经文字识别（OCR）" in doc.warnings[0]
    _assert_twin(twins["two"], tif)


def test_image_without_ocr_reports_its_pages(tmp_path, monkeypatch):
    from PIL import Image

    frames = [Image.new("L", (300, 400), 255) for _ in range(3)]
    tif = tmp_path / "三页.tif"
    frames[0].save(tif, save_all=True, append_images=frames[1:])
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on this PATH
    ocr.missing.cache_clear()
    try:
        with pytest.raises(ReadError) as err:
            read(tif)
    finally:
        ocr.missing.cache_clear()
    assert (err.value.reason, err.value.pages) == (Reason.NEEDS_OCR, 3)


def test_absurd_image_dimensions_are_refused_before_decoding(tmp_path):
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # a PNG header claiming 100000 x 100000 pixels with almost no data behind it
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    p = tmp_path / "bomb.png"
    p.write_bytes(png)
    with pytest.raises(ReadError) as err:
        read(p)
    assert err.value.reason == Reason.UNSAFE_CONTENT


# ---------------------------------------------------------------- OFD
def _ofd_with_table(path: Path) -> Path:
    from tests.fixtures.ofd import write_ofd

    return write_ofd(path, TABLE_INTRO, table=PROBLEM_TABLE, table_widths=[14, 80, 30, 30],
                     after_table=TABLE_OUTRO, outline=["一、巡察发现的主要问题", "二、整改要求"],
                     title="反馈意见", created="2025-06-10")


def test_ofd_feedback_report_with_a_table_gives_the_twins_findings(twins, tmp_path):
    ofd_path = _ofd_with_table(tmp_path / "反馈意见.ofd")
    assert sniff(ofd_path) == "ofd" and stored_ext(ofd_path) == "ofd"
    doc = read(ofd_path)
    assert (doc.reader, doc.pages, doc.warnings) == ("ofd", 1, [])
    rows = [b.text for b in doc.blocks if b.kind.value == "table_row"]
    assert rows == ["｜".join(r) for r in PROBLEM_TABLE]  # cell boundaries from the drawn grid
    assert doc.headers == ["—1—"]  # the page number is not body text
    assert {b.text for b in doc.blocks if b.kind.value == "heading"} >= {"一、巡察发现的主要问题", "二、整改要求"}
    assert doc.meta.date == "2025-06-10"  # from DocInfo: the text has no date
    _assert_twin(twins["table"], ofd_path)


def test_ofd_pages_and_outline(twins, tmp_path):
    from tests.fixtures.ofd import PAGE_BREAK, write_ofd

    path = write_ofd(tmp_path / "两页.ofd", PAGE_ONE + [PAGE_BREAK] + PAGE_TWO, outline=["县委第三巡察组"])
    doc = read(path)
    assert doc.pages == 2
    assert [b.page for b in doc.blocks if b.text.startswith("1.民主集中制")] == [2]
    assert [b.kind.value for b in doc.blocks if b.text == "县委第三巡察组"] == ["heading"]
    _assert_twin(twins["two"], path)


def test_ofd_guards(tmp_path):
    from tests.fixtures.ofd import write_ofd

    entity = (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
              b'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content/></ofd:Page>')
    hostile = write_ofd(tmp_path / "entity.ofd", PAGE_ONE, extra_parts={"Doc_0/Pages/Page_0/Content.xml": entity})
    with pytest.raises(ReadError) as err:
        read(hostile)
    assert err.value.reason == Reason.UNSAFE_CONTENT

    bomb = write_ofd(tmp_path / "bomb.ofd", PAGE_ONE,
                     extra_parts={"Doc_0/Res/fill.xml": b"<a>" + b" " * (8 << 20) + b"</a>"})
    with pytest.raises(ReadError) as err:
        read(bomb)
    assert err.value.reason == Reason.UNSAFE_CONTENT

    no_root = write_ofd(tmp_path / "noroot.ofd", PAGE_ONE, extra_parts={
        "OFD.xml": b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody/></ofd:OFD>'})
    with pytest.raises(ReadError) as err:
        read(no_root)
    assert err.value.reason == Reason.CORRUPT_OR_TRUNCATED


def test_ofd_damaged_page_is_reported_and_the_others_read(tmp_path):
    from tests.fixtures.ofd import PAGE_BREAK, write_ofd

    path = write_ofd(tmp_path / "坏页.ofd", PAGE_ONE + [PAGE_BREAK] + PAGE_TWO,
                     extra_parts={"Doc_0/Pages/Page_1/Content.xml": b"<ofd:Page><unclosed"})
    doc = read(path)
    assert doc.pages == 2 and "1.民主集中制" not in doc.text and "公务接待" in doc.text
    assert Reason.PARTLY_READ.value in doc.warning_codes and "第2页内容无法解析" in doc.warnings[0]


# ---------------------------------------------------------------- .odt and .rtf through LibreOffice
@needs_soffice
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["odt", "rtf"])
def test_odt_and_rtf_give_the_twins_findings(twins, tmp_path, fmt):
    from tests.fixtures.docs import soffice_convert

    converted = soffice_convert(twins["table"], fmt, tmp_path)
    stored = tmp_path / "incoming.part"  # as intake stores it: the name says nothing
    stored.write_bytes(converted.read_bytes())
    assert sniff(stored) == fmt and stored_ext(stored) == fmt
    doc = read(stored, f"反馈意见.{fmt}")
    assert doc.reader == "legacy:soffice+docx" and not doc.warnings
    assert [b.text for b in doc.blocks if b.kind.value == "table_row"] == ["｜".join(r) for r in PROBLEM_TABLE]
    _assert_twin(twins["table"], stored)


# ---------------------------------------------------------------- PDFs: ruled tables, broken cross-references
def test_text_pdf_with_ruled_problem_table_gives_the_twins_findings(twins, twin_pdfs):
    doc = read(twin_pdfs["table"])
    assert doc.reader == "pdf:pypdfium2" and not doc.warnings
    rows = [b.text for b in doc.blocks if b.kind.value == "table_row"]
    assert rows == ["｜".join(r) for r in PROBLEM_TABLE]  # each cell whole: the borders decide
    _assert_twin(twins["table"], twin_pdfs["table"])


def test_pdfplumber_reads_the_same_ruled_table(twin_pdfs):
    from extractors.readers.pdf_plumber import read_pdf_plumber

    main, second = read(twin_pdfs["table"]), read_pdf_plumber(twin_pdfs["table"])
    table = lambda d: [b.text for b in d.blocks if b.kind.value == "table_row"]  # noqa: E731
    assert table(second) == table(main) == ["｜".join(r) for r in PROBLEM_TABLE]
    assert [b.text for b in second.blocks] == [b.text for b in main.blocks]


def test_pdf_with_broken_cross_reference_is_read_by_the_second_reader(twins, twin_pdfs, tmp_path):
    import pypdfium2 as pdfium

    from tests.fixtures.twins import break_xref

    broken = break_xref(twin_pdfs["table"], tmp_path / "交叉引用表损坏.pdf")
    with pytest.raises(pdfium.PdfiumError):  # the main reader's library refuses it
        pdfium.PdfDocument(str(broken))
    doc = read(broken)
    assert (doc.reader, doc.pages) == ("pdf:pdfplumber", 1)
    assert Reason.FALLBACK_READER.value in doc.warning_codes and "备用读取方式" in doc.warnings[0]
    assert [b.text for b in doc.blocks if b.kind.value == "table_row"] == ["｜".join(r) for r in PROBLEM_TABLE]
    _assert_twin(twins["table"], broken)


def test_pdf_broken_beyond_both_readers_is_corrupt(twin_pdfs, tmp_path):
    data = twin_pdfs["table"].read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[:data.rfind(b"\nxref") + 40])  # no trailer at all
    with pytest.raises(ReadError) as err:
        read(cut)
    assert err.value.reason == Reason.CORRUPT_OR_TRUNCATED
    assert "pypdfium2" in err.value.detail and "pdfplumber" in err.value.detail


def test_ofd_unmapped_font_page_is_reported_and_filled_areas_are_no_table(tmp_path):
    import zipfile

    from tests.fixtures.ofd import PAGE_BREAK, write_ofd

    private = "".join(chr(0xE100 + k) for k in range(40))  # codes of an embedded font without a Unicode map
    path = write_ofd(tmp_path / "私有编码.ofd", PAGE_ONE + [PAGE_BREAK, private, private])
    # a light background box behind the text of page 1, closed with OFD's C: filled, not stroked
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    box = (b'<ofd:PathObject ID="999" Boundary="20 30 170 240" Stroke="false" Fill="true">'
           b"<ofd:AbbreviatedData>M 0 0 L 170 0 L 170 240 L 0 240 C</ofd:AbbreviatedData></ofd:PathObject>")
    page = "Doc_0/Pages/Page_0/Content.xml"
    parts[page] = parts[page].replace(b'<ofd:Layer ID="2">', b'<ofd:Layer ID="2">' + box + box.replace(b"999", b"998"))
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    doc = read(path)
    assert doc.pages == 2 and not any(b.kind.value == "table_row" for b in doc.blocks)
    assert "2.意识形态工作责任制落实不到位，局属公众号发布信息审核把关不严。" in [b.text for b in doc.blocks]
    assert Reason.PARTLY_READ.value in doc.warning_codes and "第2页文字的字体编码无法识别" in doc.warnings[0]
    assert "\ue100" not in doc.text


@needs_tesseract
@pytest.mark.slow
def test_crooked_scanned_pdf_is_levelled_before_ocr(twins, twin_pdfs, tmp_path):
    page = render_pages(twin_pdfs["one"], 150)[0].rotate(-2.5, expand=False, fillcolor=(255, 255, 255))
    scan = tmp_path / "歪斜扫描件.pdf"
    page.save(scan, "PDF", resolution=150)
    doc = read(scan)
    assert doc.reader == "pdf:ocr"
    assert "一、巡察发现的主要问题" in [b.text for b in doc.blocks]  # lines kept apart, not run together
    _assert_twin(twins["one"], scan)


@needs_soffice
def test_pdf_characters_beyond_the_bmp_survive_the_sandbox(tmp_path):
    """pdfium hands 𝐻 (U+1D43B) over as two UTF-16 halves; unjoined they broke the sandbox's
    UTF-8 result and the file was quarantined as an internal error (found in the public corpus run)."""
    from extractors.sandbox import read_isolated
    from extractors.text import join_surrogates
    from tests.fixtures.docs import soffice_convert

    assert join_surrogates("△\ud835\udc3b=\ud835\udc44") == "△𝐻=𝑄"
    assert join_surrogates("孤\ud835立") == "孤\ufffd立"
    src = make_twin_docx(tmp_path / "formula.docx", [["关于热量的说明", "公式写作△𝐻=𝑄，其中𝐻表示热量变化。"]])
    doc = read_isolated(soffice_convert(src, "pdf", tmp_path))
    assert "△𝐻=𝑄" in doc.text and "其中𝐻表示" in doc.text


@needs_tesseract
@pytest.mark.slow
def test_phone_photo_stored_sideways_is_read_upright(twins, twin_pdfs, tmp_path):
    from PIL import Image

    page = render_pages(twin_pdfs["one"], 150)[0]
    sideways = page.transpose(Image.Transpose.ROTATE_90)  # pixels as the camera's sensor saw them
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to display
    photo = tmp_path / "IMG_0001.jpg"
    sideways.save(photo, "JPEG", quality=90, exif=exif.tobytes())
    doc = read(photo)
    assert doc.reader == "image:ocr" and "一、巡察发现的主要问题" in [b.text for b in doc.blocks]
    _assert_twin(twins["one"], photo)


def test_sniffing_reads_only_the_start_of_a_huge_mimetype_entry(tmp_path):
    import tracemalloc
    import zipfile

    bomb = tmp_path / "mimetype-bomb.odt"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("mimetype", "w", force_zip64=True) as fh:
            chunk = b"application/vnd.oasis.opendocument.text" + b" " * (1 << 20)
            for _ in range(300):  # 300 MiB unpacked, a few hundred KiB packed
                fh.write(chunk)
        zf.writestr("content.xml", "<office:document-content/>")
    tracemalloc.start()
    try:
        assert sniff(bomb) == "odt"  # the type is known from the first bytes; the reader's guards refuse it
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # bytes: nowhere near the 300 MiB the entry unpacks to
    with pytest.raises(ReadError) as err:
        read(bomb)
    assert err.value.reason == Reason.UNSAFE_CONTENT
