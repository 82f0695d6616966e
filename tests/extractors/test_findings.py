"""Findings extraction on small invented documents: splitting, vetoes, subjects, evidence."""
from __future__ import annotations

import pytest

from extractors.document import Block, BlockKind, Document, DocumentMeta
from extractors.findings import document_kind, extract
from extractors.rules import load_rules

RULES = load_rules()


def make_doc(*paras: str | tuple[str, BlockKind, tuple[str, ...]], kind: str = "feedback") -> Document:
    blocks = []
    for p in paras:
        if isinstance(p, tuple):
            text, bk, section = p
            blocks.append(Block(text=text, kind=bk, section=section, page=2))
        else:
            blocks.append(Block(text=p, section=("一、发现的主要问题",), page=2))
    doc = Document(name="t.docx", blocks=blocks, meta=DocumentMeta(kind=kind))
    doc.renumber()
    return doc


def quotes(doc: Document) -> list[str]:
    return [f.quote for f in extract(doc, RULES).findings]


def test_evidence_points_back_into_the_text():
    doc = make_doc("关于对某县某站党支部的反馈意见", "1.物资台账登记不规范；车辆维修费用报销审核不严。")
    ex = extract(doc, RULES)
    assert len(ex.findings) == 2
    for f in ex.findings:
        assert doc.text[f.start:f.end] == f.quote
        assert doc.blocks[f.block_index].text.find(f.quote) >= 0
        assert f.page == 2 and f.section == ("一、发现的主要问题",)
        assert f.hits and f.vetoes_considered and f.explanation
    assert ex.rules_version == RULES.version


def test_semicolon_list_gives_one_finding_per_item_full_and_ascii():
    full = make_doc("巡察发现的主要问题：档案室管理混乱；值班制度执行不严；专项经费使用不规范。")
    ascii_ = make_doc("巡察发现的主要问题:档案室管理混乱;值班制度执行不严;专项经费使用不规范。")
    assert quotes(full) == ["档案室管理混乱", "值班制度执行不严", "专项经费使用不规范"]
    assert quotes(ascii_) == ["档案室管理混乱", "值班制度执行不严", "专项经费使用不规范"]


def test_yishi_ershi_enumeration_is_split_and_markers_dropped():
    doc = make_doc("一是资料归档不及时，部分卷宗缺页。二是公务用车登记不全。三是培训经费结余长期未清理。")
    assert quotes(doc) == ["资料归档不及时，部分卷宗缺页", "公务用车登记不全", "培训经费结余长期未清理"]


def test_table_cells_are_clauses():
    doc = make_doc(("序号｜问题描述｜责任主体", BlockKind.TABLE_ROW, ()),
                   ("1｜仓储物资账实不符，盘点记录缺失｜综合科", BlockKind.TABLE_ROW, ()))
    assert quotes(doc) == ["仓储物资账实不符，盘点记录缺失"]


def test_headline_of_numbered_item_is_not_a_finding_but_its_concrete_clause_is():
    doc = make_doc("2.内部管理有短板。食堂采购未经比价，部分票据无经办人签字。")
    assert quotes(doc) == ["食堂采购未经比价，部分票据无经办人签字"]


def test_title_headings_are_skipped_but_a_bold_finding_sentence_is_kept():
    doc = make_doc(("（二）落实管理责任方面存在的问题", BlockKind.HEADING, ("（二）落实管理责任方面存在的问题",)),
                   ("3.某所所长杜某某多次违规使用公车办私事。", BlockKind.HEADING, ("3.某所所长杜某某多次违规使用公车办私事",)))
    assert quotes(doc) == ["某所所长杜某某多次违规使用公车办私事"]


@pytest.mark.parametrize("text", [
    "各股室要严格执行请销假制度，坚决纠正考勤流于形式问题。",
    "必须严肃财经纪律，严禁公款吃喝。",
    "坚决防止突击提拔、带病提拔。",
    "建议对采购管理不规范问题开展专项整治。",
    "对反映的违规发放福利问题进行了核查，未发现违规问题。",
    "群众反映其优亲厚友的问题，经核查不属实。",
    "该局在整治吃拿卡要问题方面取得明显成效。",
    "对整改不力、敷衍整改的，将严肃追责问责。",
    "通报了外地某局违规发放补贴的典型案例。",
])
def test_vetoed_sentences_are_not_findings(text):
    doc = make_doc(text)
    ex = extract(doc, RULES)
    assert ex.findings == []
    assert ex.rejected, "the stopped clause is kept for review with its veto"
    assert any(v.matched for v in ex.rejected[0].vetoes_considered)


def test_speech_kind_vetoes_everything():
    text = "有的单位选人用人不规范，有的干部慢作为、推诿扯皮。"
    assert quotes(make_doc(text, kind="speech")) == []
    assert quotes(make_doc(text, kind="feedback"))


def test_advice_section_is_vetoed_even_without_modal_words():
    doc = make_doc(("（一）健全内控制度，堵塞采购漏洞", BlockKind.PARAGRAPH, ("三、意见建议",)))
    assert quotes(doc) == []


def test_praise_and_problem_in_one_news_sentence():
    doc = make_doc("组长指出，该局在项目建设方面做了大量工作，但也存在一些问题：档案管理不规范；"
                   "对下属单位监督不力。", kind="news")
    assert quotes(doc) == ["档案管理不规范", "对下属单位监督不力"]


@pytest.mark.parametrize("text,subject,person,post", [
    ("财务科科长张某某违规报销个人费用", "individual", "张某某", "财务科科长"),
    ("办公室副主任李某工作推诿扯皮", "individual", "李某", "办公室副主任"),
    ("副局长王某某不如实报告个人有关事项", "individual", "王某某", "副局长"),
    ("分管基建的副总经理履行监管职责不到位", "individual", "", "分管基建的副总经理"),
    ("领导班子配备不齐，副局长职位空缺半年", "team", "", ""),
    ("党组议事规则不健全", "team", "", ""),
    ("班子成员之间沟通不畅", "team", "", ""),
    ("党组落实全面从严治党主体责任有差距", "unit", "", ""),
    ("部分科室档案管理混乱", "unit", "", ""),
    ("个别干部存在带病提拔问题", "unit", "", ""),
])
def test_subject_detection(text, subject, person, post):
    [f] = extract(make_doc(text + "。"), RULES).findings
    assert (f.subject, f.person) == (subject, person)
    assert post in f.post if post else f.post == ""


def test_serious_for_clues_of_violations_and_minor_for_individuals():
    ex = extract(make_doc("原站长钱某某涉嫌在验收中收受施工方财物。", "股长孙某某工作作风漂浮。",
                          "基层站所财务制度执行不严。"), RULES)
    assert [(f.subject, f.severity) for f in ex.findings] == [
        ("individual", "serious"), ("individual", "minor"), ("unit", "structural")]


def test_trailing_disposition_is_trimmed_from_a_serious_finding():
    doc = make_doc("巡察发现，副所长郑某涉嫌收受服务对象礼金，相关问题线索已按规定移交县纪委监委。")
    assert quotes(doc) == ["副所长郑某涉嫌收受服务对象礼金"]


def test_traditional_characters_match_and_quote_stays_traditional():
    doc = make_doc("鄉財政所所長黃某某違規審批報銷；黨委會議事決策不規範。")
    ex = extract(doc, RULES)
    assert [f.quote for f in ex.findings] == ["鄉財政所所長黃某某違規審批報銷", "黨委會議事決策不規範"]
    assert [f.subject for f in ex.findings] == ["individual", "team"]
    for f in ex.findings:
        assert doc.text[f.start:f.end] == f.quote


def test_keyword_inside_a_longer_phrase_does_not_make_a_finding():
    assert quotes(make_doc("年度考核结果不作为评优依据。")) == []


def test_rectification_report_takes_the_quoted_problems_not_the_measures():
    doc = make_doc("中共某局党组关于巡察整改进展情况的通报",
                   "1.关于“物资采购未经比价”问题的整改。修订采购办法，对相关人员进行了批评教育。该问题已完成整改。",
                   "2.关于“科长赵某某推诿扯皮”问题。对赵某某进行提醒谈话。", kind="other")
    ex = extract(doc, RULES)
    assert [f.quote for f in ex.findings] == ["物资采购未经比价", "科长赵某某推诿扯皮"]
    assert ex.findings[1].subject == "individual"


def test_fallback_kind_from_title():
    doc = make_doc("在全县巡察工作动员部署会上的讲话", "同志们：", kind="other")
    assert document_kind(doc, RULES) == "speech"
    assert document_kind(make_doc("关于对某镇党委开展巡察的反馈意见", kind="other"), RULES) == "feedback"


def test_list_of_complete_statements_is_split_but_instances_are_not():
    split = make_doc("执行财经纪律不够严格、工程项目资料管理不规范、公务接待审批手续不全。")
    whole = make_doc("财务制度执行不严，存在白条入账、报销凭证不全等问题。")
    assert len(quotes(split)) == 3
    assert len(quotes(whole)) == 1


def test_bare_list_lines_and_question_labels():
    doc = make_doc("1、执行政府采购制度不严格", "2、部分工程项目未批先建",
                   "问题三：办公用房超标准配置，3名干部办公室面积超标。")
    assert quotes(doc) == ["执行政府采购制度不严格", "部分工程项目未批先建", "办公用房超标准配置，3名干部办公室面积超标"]
    assert [f.subject for f in extract(doc, RULES).findings] == ["unit"] * 3


@pytest.mark.parametrize("text", [
    "巡察期间共受理信访举报18件，其中反映违规收费问题的5件。",
    "巡察组认为，该局党组认真履行管党治党责任，未发生违规违纪案件。",
    "该局今年以来共查处违纪问题4起。",
    "对问题较为突出的两名站长，县纪委监委进行了诫勉谈话。",
])
def test_process_statements_are_not_findings(text):
    assert quotes(make_doc(text)) == []


def test_unnamed_officials_are_the_unit():
    [f] = extract(make_doc("个别股室负责人对分管工作不闻不问。"), RULES).findings
    assert f.subject == "unit"


def test_numbered_items_in_one_paragraph_are_not_headlines():
    doc = make_doc("1.档案借阅登记不规范。2.公务用车维修审批不严。")
    assert quotes(doc) == ["档案借阅登记不规范", "公务用车维修审批不严"]
