"""Layouts the devset does not show: list titles, member-by-member paragraphs, overview
paragraphs that turn to problems, unmarked title lines, meetings of a whole city, and
sentences that report statistics, fixes or measures. All sentences are invented here."""
from __future__ import annotations

from extractors.document import Block, BlockKind, Document, DocumentMeta
from extractors.findings import extract
from extractors.rules import load_rules

RULES = load_rules()


def doc_of(*paras, kind: str = "feedback", section: tuple[str, ...] = ("二、发现的问题",)) -> Document:
    blocks = []
    for p in paras:
        if isinstance(p, Block):
            blocks.append(p)
        else:
            blocks.append(Block(text=p, section=section))
    doc = Document(name="t.docx", blocks=blocks, meta=DocumentMeta(kind=kind))
    doc.renumber()
    return doc


def findings(doc: Document):
    return extract(doc, RULES).findings


def quotes(doc: Document) -> list[str]:
    return [f.quote for f in findings(doc)]


def test_phrase_before_an_enumerated_list_is_its_title():
    got = quotes(doc_of("关于对某站党支部的反馈意见",
                        "站党支部落实安全责任还不够扎实。一是隐患台账登记不全，有4处隐患未登记；"
                        "二是应急演练走过场，全年未组织实战演练。"))
    assert "站党支部落实安全责任还不够扎实" not in got
    assert any(q.startswith("隐患台账登记不全") for q in got)
    assert any(q.startswith("应急演练走过场") for q in got)


def test_title_between_item_number_and_colon_is_not_a_finding():
    got = quotes(doc_of("关于对某站党支部的反馈意见", "2.物资管理有短板：仓库账实不符，3批物资无出库记录。"))
    assert got == ["仓库账实不符，3批物资无出库记录"]


def test_a_paragraph_about_one_official_makes_its_problems_individual():
    fs = findings(doc_of("关于某所领导班子及其成员情况的报告",
                         "副所长周某某：工作热情较高，但对分管的档案室监管不严，借阅登记长期缺失。"))
    assert len(fs) == 1
    f = fs[0]
    assert f.subject == "individual" and f.person == "周某某"
    assert f.quote.startswith("对分管的档案室监管不严")  # the praise before 但 is left out


def test_overview_paragraph_that_turns_to_problems_is_read_after_the_turn():
    got = quotes(doc_of("关于某所领导班子及其成员情况的报告",
                        "所领导班子运行总体平稳。但也存在一些不足：班子成员之间分工交叉，"
                        "两项业务无人牵头；党组会研究业务多、研究队伍建设少。",
                        section=("一、领导班子总体情况",)))
    assert any(q.startswith("班子成员之间分工交叉") for q in got)
    assert any(q.startswith("党组会研究业务多") for q in got)
    assert not any("运行总体平稳" in q for q in got)


def test_unmarked_title_line_before_a_body_paragraph_is_skipped_but_a_bare_list_is_not():
    titled = quotes(doc_of("关于对某站的反馈意见", "制度执行不够严格",
                           "站内请销假制度执行不严，两名职工长期脱岗无人过问。"))
    assert titled == ["站内请销假制度执行不严，两名职工长期脱岗无人过问"]
    listed = quotes(doc_of("关于对某站的反馈意见", "请销假制度执行不严", "采购验收流于形式",
                           "以上问题请认真研究整改。"))
    assert "请销假制度执行不严" in listed and "采购验收流于形式" in listed


def test_news_of_a_citywide_meeting_has_no_findings():
    doc = doc_of("全市审计整改工作推进会召开", "来源：某市审计局",
                 "会议指出，有的单位整改避重就轻，个别单位虚报整改成效，必须严肃对待。",
                 kind="news", section=())
    assert quotes(doc) == []


def test_statistics_fixes_and_denials_are_not_findings():
    got = quotes(doc_of("关于对某镇党委巡察整改情况开展回头看的报告",
                        "上一轮反馈问题12个，已整改完成9个，另有3个尚未完成。",
                        "原指出的食堂采购无台账问题已整改到位。",
                        "镇党委主动认领问题，没有推诿扯皮。",
                        "镇财政所对村级报账审核不严，2个村存在白条入账。"))
    assert got == ["镇财政所对村级报账审核不严，2个村存在白条入账"]


def test_measure_paragraphs_of_a_rectification_notice_are_not_findings():
    got = quotes(doc_of("某局关于巡察反馈问题整改情况的公告",
                        "问题：档案室借阅登记缺失，部分档案去向不明。",
                        "整改情况：已补齐借阅登记，对超期未还的档案逐件追回，对相关人员进行了提醒谈话。",
                        kind="rectification", section=()))
    assert got == ["档案室借阅登记缺失，部分档案去向不明"]


def test_case_cited_from_elsewhere_is_not_a_finding():
    got = quotes(doc_of("关于对某校党委巡察情况的反馈意见",
                        "邻市兄弟学校曾因食堂承包违规被通报，学校要引以为戒。",
                        "学校食堂承包合同到期后未经招标续签。"))
    assert got == ["学校食堂承包合同到期后未经招标续签"]
