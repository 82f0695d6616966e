"""DOCX: order of paragraphs and tables, Word numbering as text, headers apart, bombs refused."""
from __future__ import annotations

import docx
import pytest

from extractors.document import BlockKind
from extractors.errors import Reason, ReadError
from extractors.readers import read
from extractors.readers.docx import chinese_number, format_number
from tests.fixtures.docs import add_gongwen_numbering, add_page_field, set_numbering


def _numbered_report(path):
    d = docx.Document()
    d.add_paragraph("关于对某县某局党组开展巡察的反馈意见")
    num = add_gongwen_numbering(d)
    items = [
        (0, "巡察发现的主要问题"),
        (1, "落实上级决策部署方面"),
        (2, "贯彻落实上级决策部署有差距，执行打折扣。"),
        (2, "意识形态工作责任制落实不到位。"),
        (1, "全面从严治党方面"),
        (2, "财务制度执行不严，存在白条入账问题。"),
        (0, "整改要求"),
        (1, "压实整改责任"),
    ]
    for ilvl, text in items:
        set_numbering(d.add_paragraph(text), num, ilvl)
    d.add_paragraph("请认真抓好整改落实。")
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["序号", "问题描述", "责任主体"], ["1", "班子配备不齐", "局党组"],
                             ["2", "副局长王某某违规公车私用", "王某某"]]):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    a, b = t.cell(0, 1), t.cell(0, 2)
    a.merge(b)  # a merged header cell appears once (python-docx joins the texts)
    d.add_paragraph("表后正文。")
    sec = d.sections[0]
    sec.header.paragraphs[0].text = "某县某局文件"
    add_page_field(sec.footer.paragraphs[0])
    d.save(str(path))
    return path


def test_word_numbering_restored_as_text(tmp_path):
    doc = read(_numbered_report(tmp_path / "n.docx"))
    texts = [b.text for b in doc.blocks]
    assert texts[1:9] == [
        "一、巡察发现的主要问题",
        "（一）落实上级决策部署方面",
        "1.贯彻落实上级决策部署有差距，执行打折扣。",
        "2.意识形态工作责任制落实不到位。",
        "（二）全面从严治党方面",
        "1.财务制度执行不严，存在白条入账问题。",
        "二、整改要求",
        "（一）压实整改责任",
    ]
    item = doc.blocks[6]
    assert item.section == ("一、巡察发现的主要问题", "（二）全面从严治党方面", "1.财务制度执行不严，存在白条入账问题")
    assert doc.blocks[1].kind == BlockKind.HEADING


def test_table_rows_in_order_and_headers_apart(tmp_path):
    doc = read(_numbered_report(tmp_path / "n.docx"))
    kinds = [b.kind for b in doc.blocks]
    first_row = kinds.index(BlockKind.TABLE_ROW)
    rows = doc.blocks[first_row:first_row + 3]
    assert [r.text for r in rows] == ["序号｜问题描述责任主体", "1｜班子配备不齐｜局党组", "2｜副局长王某某违规公车私用｜王某某"]
    assert [(r.table, r.row) for r in rows] == [(0, 0), (0, 1), (0, 2)]
    assert doc.blocks[first_row - 1].text == "请认真抓好整改落实。"
    assert doc.blocks[first_row + 3].text == "表后正文。"
    assert "某县某局文件" in doc.headers and any("—" in h for h in doc.headers)
    assert not any("某县某局文件" in b.text for b in doc.blocks)


def test_content_control_text_kept(tmp_path):
    from docx.oxml import OxmlElement

    d = docx.Document()
    d.add_paragraph("正文开头。")
    p = d.add_paragraph("控件里的问题：财务制度执行不严。")
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    p._p.addprevious(sdt)
    sdt.append(content)
    content.append(p._p)
    d.save(str(tmp_path / "sdt.docx"))
    assert [b.text for b in read(tmp_path / "sdt.docx").blocks] == ["正文开头。", "控件里的问题：财务制度执行不严。"]


@pytest.mark.parametrize("n,fmt,out", [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (11, "chineseCounting", "十一"),
    (20, "chineseCounting", "二十"), (105, "chineseCounting", "一百零五"), (3, "decimalEnclosedCircle", "③"),
    (4, "upperRoman", "IV"), (2, "lowerLetter", "b"), (12, "decimal", "12"), (3, "chineseLegalSimplified", "叁"),
])
def test_number_formats(n, fmt, out):
    assert format_number(n, fmt) == out


def test_chinese_number_zero_inside():
    assert chinese_number(1001) == "一千零一" and chinese_number(110) == "一百一十"


def test_empty_docx_has_no_text(tmp_path):
    docx.Document().save(str(tmp_path / "e.docx"))
    with pytest.raises(ReadError) as e:
        read(tmp_path / "e.docx")
    assert e.value.reason == Reason.NO_TEXT


def test_tracked_changes_fields_and_hyperlinks(tmp_path):
    """Inserted text counts, deleted text does not; field results and links are text."""
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d = docx.Document()
    p = d.add_paragraph("财务制度")
    p._p.append(parse_xml(f'<w:ins {w} w:id="1" w:author="a"><w:r><w:t>执行不严</w:t></w:r></w:ins>'))
    p._p.append(parse_xml(f'<w:del {w} w:id="2" w:author="a"><w:r><w:delText>（已删）</w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:sdt {w}><w:sdtContent><w:r><w:t>，存在白条入账</w:t></w:r></w:sdtContent></w:sdt>'))
    p._p.append(parse_xml(f'<w:fldSimple {w} w:instr="PAGE"><w:r><w:t>问题</w:t></w:r></w:fldSimple>'))
    p.add_run("。")
    d.save(str(tmp_path / "tc.docx"))
    assert read(tmp_path / "tc.docx").blocks[0].text == "财务制度执行不严，存在白条入账问题。"


def test_pages_from_breaks(tmp_path):
    d = docx.Document()
    d.add_paragraph("第一页内容。")
    d.add_page_break()
    d.add_paragraph("第二页内容。")
    p = d.add_paragraph("第三页内容。")
    p.paragraph_format.page_break_before = True
    d.save(str(tmp_path / "pb.docx"))
    doc = read(tmp_path / "pb.docx")
    assert [(b.text, b.page) for b in doc.blocks] == [("第一页内容。", 1), ("第二页内容。", 2), ("第三页内容。", 3)]
    assert doc.pages == 3


def _table_with_bad_merge(path):
    """A table whose first row claims to continue a vertical merge from a row above it
    (python-docx raises on such a row): the kind of file other editors sometimes write."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    d.add_paragraph("关于对某区某中心开展巡察的反馈意见")
    t = d.add_table(rows=2, cols=2)
    for r, row in enumerate([["序号", "问题描述"], ["1", "公务接待台账记录不全，接待清单与发票不符"]]):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    tc_pr = t.rows[0]._tr.tc_lst[0].get_or_add_tcPr()
    merge = OxmlElement("w:vMerge")
    merge.set(qn("w:val"), "continue")
    tc_pr.append(merge)
    d.save(str(path))
    return path


def test_malformed_table_row_is_kept_with_a_warning(tmp_path):
    doc = read(_table_with_bad_merge(tmp_path / "merge.docx"))
    rows = [b.text for b in doc.blocks if b.kind == BlockKind.TABLE_ROW]
    assert rows == ["序号｜问题描述", "1｜公务接待台账记录不全，接待清单与发票不符"]
    assert Reason.PARTLY_READ.value in doc.warning_codes
    assert any("表格1第1行" in w for w in doc.warnings)


def test_broken_header_part_is_reported_not_skipped_silently(tmp_path, monkeypatch):
    from docx.section import _Header

    d = docx.Document()
    d.add_paragraph("正文第一段，说明巡察的基本情况。")
    d.sections[0].header.paragraphs[0].text = "某县某局文件"
    path = tmp_path / "header.docx"
    d.save(str(path))

    def broken(self):
        raise ValueError("header part unreadable")

    monkeypatch.setattr(_Header, "paragraphs", property(broken))
    doc = read(path)
    assert doc.blocks[0].text.startswith("正文第一段")
    assert Reason.PARTLY_READ.value in doc.warning_codes
    assert any("页眉或页脚" in w for w in doc.warnings)


def test_docx_without_text_still_reports_its_pages(tmp_path):
    d = docx.Document()
    d.add_paragraph("")
    d.add_page_break()
    path = tmp_path / "空白.docx"
    d.save(str(path))
    with pytest.raises(ReadError) as err:
        read(path)
    assert (err.value.reason, err.value.pages) == (Reason.NO_TEXT, 2)
