"""Extraction stages: the document-kind decision with its cues, findings made by position
that say so, and the items of a rectification report (shared with the ledger)."""
from __future__ import annotations

from extractors.doc_kind import decide_kind
from extractors.document import Block, BlockKind, Document, DocumentMeta
from extractors.findings import extract
from extractors.report_items import items_in_text, report_items
from extractors.rules import load_rules

RULES = load_rules()


def _doc(*paras, kind="other", title="") -> Document:
    blocks = []
    for p in paras:
        if isinstance(p, tuple):
            text, bk, section = p
            blocks.append(Block(text=text, kind=bk, section=section))
        else:
            blocks.append(Block(text=p))
    doc = Document(name="t.docx", blocks=blocks, meta=DocumentMeta(kind=kind, title=title))
    doc.renumber()
    return doc


def test_kind_is_decided_with_its_cues_and_shown_with_each_finding():
    doc = _doc("市委第四巡察组关于对某镇党委的巡察反馈意见", "一、存在的主要问题",
               ("1.村级财务票据审核把关松散，白条入账三笔。", BlockKind.PARAGRAPH, ("一、存在的主要问题",)),
               kind="feedback", title="市委第四巡察组关于对某镇党委的巡察反馈意见")
    ex = extract(doc, RULES)
    assert ex.kind == "feedback" and ex.kind_cues
    assert ex.findings and all(f.explanation.startswith("文件类型：反馈意见（") for f in ex.findings)


def test_a_case_bulletin_and_a_plan_are_named_by_their_title():
    bulletin = decide_kind(_doc("关于四起虚报冒领惠农补贴典型问题的通报", "一、某村会计虚报冒领补贴。"), RULES)
    assert bulletin.kind == "case_bulletin" and bulletin.judged_as == "news"
    assert "典型问题的通报" in bulletin.note()
    plan = decide_kind(_doc("2027年度县委巡察工作计划", "全年安排三轮常规巡察。"), RULES)
    assert plan.kind == "plan" and plan.judged_as == "speech"
    plan_of_rectification = decide_kind(_doc("某局关于巡察反馈问题的整改工作方案"), RULES)
    assert plan_of_rectification.kind != "plan"


def test_a_press_item_is_news_by_its_dateline():
    d = decide_kind(_doc("某县扎实推进巡察整改", "本报讯（通讯员 某某）近日，县委巡察办督促各单位完善整改台账。"), RULES)
    assert d.kind == "news" and any("报道格式" in c for c in d.cues)


def test_a_finding_made_by_position_explains_its_place():
    """An item of a list under a problem title whose words alone hit no rule says where it is,
    not "命中规则 0 条"."""
    title = "二、发现的问题"
    doc = _doc(("某县农机站巡察情况", BlockKind.HEADING, ()), (title, BlockKind.HEADING, (title,)),
               ("（1）仓库钥匙由驾驶员一人保管。", BlockKind.PARAGRAPH, (title,)),
               ("（2）农机补贴公示栏两年没有更换内容。", BlockKind.PARAGRAPH, (title,)))
    ex = extract(doc, RULES)
    first = next(f for f in ex.findings if "钥匙" in f.quote)
    assert "列表项，位于问题段落“二、发现的问题”" in first.explanation
    assert "命中规则 0 条" not in first.explanation


def test_prose_rectification_items_give_the_embedded_problem_and_status():
    text = ("针对巡察指出的食堂采购台账登记不全的问题，后勤科已建立出入库双人登记制度，整改已完成。"
            "就下属站所备用金长期不清理的问题，财务科正在逐笔核对。")
    items = items_in_text(text, RULES)
    assert [i.problem for i in items] == ["食堂采购台账登记不全", "下属站所备用金长期不清理"]
    assert [i.status for i in items] == ["done", "in_progress"]
    assert items_in_text("针对巡察指出的问题，逐项建立整改台账。", RULES) == []


def test_a_rectification_report_yields_its_items_not_its_measures():
    doc = _doc("某区水务局党组关于区委巡察反馈意见整改情况的报告",
               ("一、关于工程管理方面问题的整改", BlockKind.HEADING, ("一、关于工程管理方面问题的整改",)),
               ("针对巡察指出的小型水利工程验收走过场的问题，局党组修订了验收办法，已完成整改。", BlockKind.PARAGRAPH,
                ("一、关于工程管理方面问题的整改",)),
               ("就河道保洁合同未经集体研究的问题，已重新履行决策程序。", BlockKind.PARAGRAPH,
                ("一、关于工程管理方面问题的整改",)),
               kind="rectification", title="某区水务局党组关于区委巡察反馈意见整改情况的报告")
    ex = extract(doc, RULES)
    assert [f.quote for f in ex.findings] == ["小型水利工程验收走过场", "河道保洁合同未经集体研究"]
    assert all("整改报告所列问题" in f.explanation for f in ex.findings)
    assert [i.status for i in report_items(doc, RULES)] == ["done", "unclear"]  # 已重新履行… states no status word


def _table(doc: Document, first: int) -> Document:
    """Mark blocks from `first` on as the rows of one table (the reader's TABLE_ROW blocks)."""
    for b in doc.blocks[first:]:
        b.kind, b.table = BlockKind.TABLE_ROW, 0
    return doc


def test_a_rectification_table_gives_one_item_per_row_with_its_measures_and_status():
    doc = _table(_doc("某站党支部关于审计指出问题整改情况的报告",
                      "序号｜存在问题｜整改措施｜整改进展｜责任人",
                      "1｜仓库物资出入库登记不全｜启用双人登记簿，逐月盘点｜已完成｜钱某",
                      "2｜备用金长期不清理｜财务组逐笔核对往来款｜正在推进｜孙某",
                      "3｜值班表长期不更新｜重新排定节假日值班｜｜李某", kind="rectification"), 1)
    items = report_items(doc, RULES)
    assert [(i.problem, i.status, i.block_index) for i in items] == [
        ("仓库物资出入库登记不全", "done", 2), ("备用金长期不清理", "in_progress", 3), ("值班表长期不更新", "unclear", 4)]
    assert items[0].measures == "启用双人登记簿，逐月盘点；已完成"
    assert items[0].text[items[0].start:items[0].end] == items[0].problem
    assert [f.quote for f in extract(doc, RULES).findings] == [i.problem for i in items]  # the same items


def test_a_table_without_measures_or_status_columns_lists_no_items():
    doc = _table(_doc("序号｜问题｜整改时限｜责任人", "1｜仓库物资出入库登记不全｜6月底前｜钱某"), 0)
    assert report_items(doc, RULES) == []


def test_labelled_pairs_give_the_problem_and_the_paragraph_under_it():
    section = ("二、问题整改情况",)
    doc = _doc(("二、问题整改情况", BlockKind.HEADING, section),
               ("1.问题：仓库物资出入库登记不全。", BlockKind.PARAGRAPH, section + ("1.问题",)),
               ("整改情况：启用双人登记簿，逐月盘点。该问题已完成整改。", BlockKind.PARAGRAPH, section + ("1.问题",)),
               ("2.问题：值班表长期不更新。整改情况：重新排定节假日值班，仍需长期坚持。", BlockKind.PARAGRAPH,
                section + ("2.问题",)),
               ("某站党支部", BlockKind.PARAGRAPH, section + ("2.问题",)),
               kind="rectification")
    items = report_items(doc, RULES)
    assert [(i.problem, i.status) for i in items] == [("仓库物资出入库登记不全", "done"),
                                                      ("值班表长期不更新", "in_progress")]
    assert items[0].measures == "启用双人登记簿，逐月盘点。该问题已完成整改。"  # without its label
    assert items[1].measures == "重新排定节假日值班，仍需长期坚持。"  # the signature line is not a measure


def test_the_last_statement_of_an_item_decides_its_status():
    items = items_in_text("关于“食堂采购台账登记不全”问题的整改。此前正在推进双人登记。目前已完成整改。", RULES)
    assert [(i.problem, i.status) for i in items] == [("食堂采购台账登记不全", "done")]


def test_a_pieces_problem_weight_is_its_judged_score():
    """The splits ask a piece only for its problem weight, judging asks for everything: both must
    give the same score (same rules, summed in the same order), and a piece without problem
    words weighs nothing."""
    from pathlib import Path

    from extractors.clauses import split_block
    from extractors.findings import _problem_weight, judge
    from extractors.readers import read

    samples = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.docx"))
    assert samples
    rules = load_rules()
    pieces = [c for p in samples for bi, b in enumerate(read(p).blocks)
              for c in split_block(bi, b.text, b.kind == BlockKind.TABLE_ROW, lambda part: False)]
    assert len(pieces) > 50
    for c in pieces:
        rules.clear_caches()
        weight = _problem_weight(c.norm, rules)
        rules.clear_caches()
        assert weight == judge(c.norm, c.sentence, "", "feedback", rules).score, c.norm
    assert any(_problem_weight(c.norm, rules) >= 1.0 for c in pieces)
    assert _problem_weight("会议于上午九时召开。", rules) == 0.0


def test_the_block_above_a_run_of_paragraphs_is_the_walk_back_from_each():
    """Worked out once per document, it must equal walking back from every paragraph (which is
    quadratic in a long section)."""
    from extractors.findings import _above_paragraph_runs

    a, b = ("一、班子建设存在短板",), ("二、财务管理方面",)
    doc = _doc("反馈意见", ("一、班子建设存在短板", BlockKind.HEADING, ()),
               ("甲。", BlockKind.PARAGRAPH, a), ("乙。", BlockKind.PARAGRAPH, a), ("丙。", BlockKind.PARAGRAPH, a),
               ("二、财务管理方面", BlockKind.HEADING, ()), ("丁。", BlockKind.PARAGRAPH, b),
               ("1|票据", BlockKind.TABLE_ROW, b), ("戊。", BlockKind.PARAGRAPH, b), ("己。", BlockKind.PARAGRAPH, a))

    def walk(bi):
        k = bi - 1
        while k >= 0 and doc.blocks[k].kind == BlockKind.PARAGRAPH and doc.blocks[k].section == doc.blocks[bi].section:
            k -= 1
        return k

    assert _above_paragraph_runs(doc) == [walk(i) for i in range(len(doc.blocks))]
    assert _above_paragraph_runs(doc)[4] == 1  # 丙 → the heading above 甲乙丙
