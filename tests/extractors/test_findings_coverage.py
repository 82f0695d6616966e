"""Real-world wording (issue 12): press coverage and commentary, short evaluations, prose
rectification items in coverage, categories from the problem's own words, subjects.
Every sentence here is invented for the test."""
from __future__ import annotations

from extractors.clauses import normalise
from extractors.document import Block, BlockKind, Document, DocumentMeta
from extractors.findings import extract
from extractors.rules import load_rules
from extractors.subjects import detect_subject

RULES = load_rules()


def _doc(*paras, kind="other", title=""):
    blocks = []
    for p in paras:
        if isinstance(p, tuple):
            text, bk, section = p
            blocks.append(Block(text=text, kind=bk, section=section))
        else:
            blocks.append(Block(text=p))
    doc = Document(name="t.docx", blocks=blocks, meta=DocumentMeta(kind=kind, title=title or blocks[0].text))
    doc.renumber()
    return doc


def _quotes(doc):
    return [f.quote for f in extract(doc, RULES).findings]


PRESS = ("某区推动巡察整改落地见效", "来源：某区融媒体中心　2026-03-02")


def test_a_press_item_is_coverage_even_when_its_headline_says_rectification():
    ex = extract(_doc(*PRESS, "巡察发现，该中心食堂采购未经比价，物资出入库台账登记不全。", kind="rectification"), RULES)
    assert ex.kind == "news"
    assert any("报道格式" in c for c in ex.kind_cues)


def test_coverage_keeps_reported_findings_and_drops_commentary():
    got = _quotes(_doc(
        *PRESS,
        "巡察发现，该中心食堂采购未经比价。",
        "为何把食堂管理作为巡察重点？近年来食堂经费逐年增加，管理风险随之上升。",
        "“以前采购都是一个人说了算，也没人过问。”该中心一名职工坦言。",
        "“该中心车辆维修费用明显偏高。”巡察组组长说。",
        "何为“一岗双责”？就是既抓业务又抓分管领域的廉政建设，两手都要硬。",
        "针对发现的问题，区委巡察办随即督促该中心建立采购台账，并印发了食堂管理办法。",
        "据统计，本轮巡察共对全区8个单位开展监督，其中有的单位报销手续不全。",
        "下一步，巡察组将重点关注整改落实情况，对整改敷衍塞责的，采取约谈、通报等方式督促落实。"))
    assert any("食堂采购未经比价" in q for q in got)
    assert any("车辆维修费用明显偏高" in q for q in got)  # the inspection team's own words
    text = "".join(got)
    for commentary in ("一个人说了算", "管理风险", "两手都要硬", "建立采购台账", "报销手续不全", "敷衍塞责"):
        assert commentary not in text, commentary


def test_coverage_of_rectification_yields_the_problems_it_names():
    got = _quotes(_doc(
        *PRESS,
        "今年4月，区委巡察组指出该局存在档案管理松散、车辆派遣随意、内部审计缺位等问题。",
        "针对巡察指出的“窗口午休无人值守”问题，该局推行错时工作制，群众满意度明显提升。"))
    assert got == ["档案管理松散", "车辆派遣随意", "内部审计缺位", "窗口午休无人值守"]


def test_a_chain_of_short_evaluations_is_one_finding_per_phrase():
    section = ("二、存在的主要问题",)
    got = _quotes(_doc("某县委巡察组关于对县供销社的巡察反馈意见",
                       ("二、存在的主要问题", BlockKind.HEADING, section),
                       ("业务培训浮于表面，社属企业监管不严格，资产台账管理粗放。", BlockKind.PARAGRAPH, section),
                       kind="feedback"))
    assert got == ["业务培训浮于表面", "社属企业监管不严格", "资产台账管理粗放"]


def test_a_problem_and_its_detail_after_a_comma_stay_one_finding():
    section = ("二、存在的主要问题",)
    got = _quotes(_doc("某县委巡察组关于对县供销社的巡察反馈意见",
                       ("二、存在的主要问题", BlockKind.HEADING, section),
                       ("合同管理不规范，对到期合同续签把关不严。", BlockKind.PARAGRAPH, section),
                       kind="feedback"))
    assert got == ["合同管理不规范，对到期合同续签把关不严"]


def test_headings_that_state_problems_with_nothing_under_them_are_findings():
    top = "一、业务管理方面"
    got = _quotes(_doc("某县委巡察组关于对县供销社的巡察反馈意见",
                       (top, BlockKind.HEADING, (top,)),
                       ("（一）农资储备仓库管理混乱", BlockKind.HEADING, (top, "（一）农资储备仓库管理混乱")),
                       ("（二）社有资产出租底数不清", BlockKind.HEADING, (top, "（二）社有资产出租底数不清")),
                       ("二、整改意见", BlockKind.HEADING, ("二、整改意见",)),
                       ("要建立资产台账。", BlockKind.PARAGRAPH, ("二、整改意见",)),
                       kind="feedback"))
    assert got == ["农资储备仓库管理混乱", "社有资产出租底数不清"]


def test_a_heading_with_paragraphs_under_it_stays_a_title():
    h = ("一、业务管理方面", "（一）农资储备仓库管理混乱")
    got = _quotes(_doc("某县委巡察组关于对县供销社的巡察反馈意见",
                       ("一、业务管理方面", BlockKind.HEADING, h[:1]),
                       ("（一）农资储备仓库管理混乱", BlockKind.HEADING, h),
                       ("化肥出入库没有登记，账实相差四十余吨。", BlockKind.PARAGRAPH, h),
                       kind="feedback"))
    assert got == ["化肥出入库没有登记，账实相差四十余吨"]


def test_category_comes_from_the_problem_not_the_officials_post():
    f = extract(_doc("某县委巡察组关于对某镇的巡察反馈意见", "二、存在的主要问题",
                     "1.某村党支部书记冯某某长期不在村，工作日经常在县城经营门店。", kind="feedback"), RULES).findings[0]
    assert f.subject == "individual" and f.category == "conduct"
    assert "类别：作风纪律（依据：" in f.explanation


def test_a_higher_levels_deployment_done_badly_is_political():
    f = extract(_doc("某县委巡察组关于对县商务局的巡察反馈意见", "二、存在的主要问题",
                     "1.对县委关于促消费的部署执行打折扣，专项活动只开展了一次。", kind="feedback"), RULES).findings[0]
    assert f.category == "political"


def test_subjects_post_and_unit_team_as_a_body_several_units():
    def subject(text):
        return detect_subject(text, normalise(text), "duty", RULES).subject
    assert subject("县水利局局长长期不参加理论学习") == "individual"
    assert subject("下属培训中心主任、副主任均在外兼职取酬") == "individual"
    assert subject("局党组研究安全生产工作次数偏少") == "team"
    assert subject("三个乡镇财政所票据管理混乱") == "unit"
    assert subject("有的股室负责人工作不在状态") == "unit"
    assert subject("中层干部长期未交流轮岗") == "unit"  # 干部长 is no post


def test_a_headline_full_of_problem_words_is_not_a_finding():
    got = _quotes(_doc("聚焦惠民资金发放不规范问题 某县巡察整改见实效", "来源：某县融媒体中心 2026-05-06",
                       "巡察发现，该县民政局低保审核把关不严。"))
    assert got == ["该县民政局低保审核把关不严"]


def test_an_occasion_lead_in_is_not_part_of_the_finding():
    got = _quotes(_doc(*PRESS, "反馈会上，巡察组指出，该中心食堂采购未经比价。"))
    assert got == ["该中心食堂采购未经比价"]
