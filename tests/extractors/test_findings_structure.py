"""Structural signals for problems worded in ways no rule knows: items of a list under a title
that announces the problems found (发现的问题 / 审计发现的问题 / 存在的主要问题：), whatever the
document kind. All sentences are invented here."""
from __future__ import annotations

import pytest

from extractors.clauses import split_block
from extractors.document import Block, BlockKind, Document, DocumentMeta
from extractors.findings import extract
from extractors.rules import load_rules

RULES = load_rules()


def doc_of(*blocks: Block, kind: str = "other") -> Document:
    doc = Document(name="t.docx", blocks=list(blocks), meta=DocumentMeta(kind=kind))
    doc.renumber()
    return doc


def para(text: str, section: tuple[str, ...] = ()) -> Block:
    return Block(text=text, section=section)


def head(text: str, section: tuple[str, ...]) -> Block:
    return Block(text=text, kind=BlockKind.HEADING, section=section)


def quotes(doc: Document) -> list[str]:
    return [f.quote for f in extract(doc, RULES).findings]


def test_numbered_items_under_a_bare_problem_line_are_findings_in_any_kind():
    got = quotes(doc_of(para("某合作社情况汇总"), para("发现的问题"),
                        para("（1）理事会半年才碰一次头，社员大会去年只开过一回。"),
                        para("（2）仓库钥匙由会计一人保管，出入库只记在本子上。"),
                        para("其他情况"),
                        para("（3）合作社今年新建冷库一座，容量二百吨。")))
    assert "理事会半年才碰一次头，社员大会去年只开过一回" in got
    assert "仓库钥匙由会计一人保管，出入库只记在本子上" in got
    assert not any("冷库" in q for q in got)  # after 其他情况 the list of problems is over


def test_the_same_items_without_a_problem_title_need_problem_words():
    got = quotes(doc_of(para("某合作社情况汇总"), para("工作情况"),
                        para("（1）理事会半年才碰一次头，社员大会去年只开过一回。"),
                        para("（2）合作社今年新建冷库一座，容量二百吨。")))
    assert got == []


def test_clauses_after_a_headline_under_an_audit_findings_heading():
    sec = ("二、检查发现的问题",)
    got = quotes(doc_of(head("二、检查发现的问题", sec),
                        para("（一）票据管理方面。空白收据由出纳自行领用；作废收据只剩存根联。",
                             sec + ("（一）票据管理方面",)),
                        head("三、检查意见", ("三、检查意见",)),
                        para("（一）票据管理方面。收据领用登记表已重新印制。",
                             ("三、检查意见", "（一）票据管理方面"))))
    assert "空白收据由出纳自行领用" in got
    assert "作废收据只剩存根联" in got
    assert not any("登记表" in q for q in got)


def test_detail_after_a_concrete_first_sentence_is_not_a_finding_of_its_own():
    sec = ("二、存在的主要问题",)
    got = quotes(doc_of(head("二、存在的主要问题", sec),
                        para("1.培训经费管理不规范，3个培训班超标准列支场地费。该批培训班共支出经费46万元。", sec)))
    assert got == ["培训经费管理不规范，3个培训班超标准列支场地费"]


def test_a_run_of_one_sentence_lines_after_an_announcing_line():
    got = quotes(doc_of(para("关于某站的检查情况"), para("检查中发现的问题："),
                        para("值班记录有五天是空白的。"),
                        para("门卫室的监控录像只能保存三天。"),
                        para("某市某站检查组")))
    assert got == ["值班记录有五天是空白的", "门卫室的监控录像只能保存三天"]


def test_a_modal_word_after_the_head_of_a_listed_item_is_description():
    got = quotes(doc_of(para("发现的问题"),
                        para("（1）卫生室晚上常常锁门，病人要走十里路去镇上看病。"),
                        para("（2）要把卫生室值班表贴在门口。")))
    assert got == ["卫生室晚上常常锁门，病人要走十里路去镇上看病"]


def test_a_speech_does_not_read_its_lists_as_findings():
    got = quotes(doc_of(para("在全县巡察工作会议上的讲话"), para("发现的问题"),
                        para("（1）有的村把账目一年才贴出来一次。"), kind="speech"))
    assert got == []


def test_a_ratio_is_not_a_colon_before_a_list():
    text = "辅导员与学生配比为1:400，低于规定要求。"
    clauses = split_block(0, text, False, lambda part: False)
    assert [c.text for c in clauses] == ["辅导员与学生配比为1:400，低于规定要求"]


def test_qi_yi_qi_er_items_under_a_feedback_heading():
    sec = ("（一）窗口服务方面",)
    got = quotes(doc_of(para("关于对某中心的反馈意见"), head("（一）窗口服务方面", sec),
                        para("其一，预约号每天上午九点就放完。其二，自助机三台坏了两台。", sec), kind="feedback"))
    assert got == ["预约号每天上午九点就放完", "自助机三台坏了两台"]


def test_bullet_items_with_a_headline_under_a_bracketed_problem_title():
    got = quotes(doc_of(para("巡察工作简报"), para("【问题聚焦】"),
                        para("▲食堂管理。菜价表一个月没换过；剩菜直接倒进河沟。"), kind="news"))
    assert "剩菜直接倒进河沟" in got
    assert not any(q.startswith("食堂管理") for q in got)  # the bullet's headline


def test_a_paragraph_under_a_title_that_states_a_problem():
    sec = ("（三）班子团结协作不够",)
    got = quotes(doc_of(para("关于对某所的反馈意见"), head("（三）班子团结协作不够", sec),
                        para("所长和副所长各有一套人马，周例会常常开不起来。", sec),
                        para("2024年，所里共召开所务会9次，研究议题31项。", sec), kind="feedback"))
    assert got == ["所长和副所长各有一套人马，周例会常常开不起来"]  # the activity report stays out


def test_a_topic_title_does_not_make_its_paragraph_a_finding():
    sec = ("（三）班子建设方面",)
    got = quotes(doc_of(para("关于对某所的反馈意见"), head("（三）班子建设方面", sec),
                        para("所长和副所长各有一套人马，周例会常常开不起来。", sec), kind="feedback"))
    assert got == []


def test_problems_under_a_title_of_fixed_problems_are_not_findings():
    sec = ("一、已完成整改的问题",)
    got = quotes(doc_of(para("某局关于巡察整改的自查报告"), head("一、已完成整改的问题", sec),
                        para("例如，反馈指出的仓库账实不符问题，已重新盘点入账。", sec), kind="other"))
    assert got == []


def findings_of(doc: Document):
    return {f.quote: f for f in extract(doc, RULES).findings}


def test_a_heading_naming_one_official_makes_the_part_about_that_official():
    sec = ("二、点评意见", "（一）桥头镇党委书记邱某某")
    got = findings_of(doc_of(head("（一）桥头镇党委书记邱某某", sec),
                             para("点评：联系群众较多。不足是对村级党组织的督导不够，全年只开过一次支部书记例会。", sec)))
    f = next(f for q, f in got.items() if "督导不够" in q)
    assert f.subject == "individual" and f.person == "邱某某"


def test_a_heading_with_a_topic_is_not_an_owner():
    sec = ("二、存在的问题", "（一）班子建设方面")
    got = findings_of(doc_of(head("（一）班子建设方面", sec),
                             para("党委会议事规则多年未修订，重大事项会前不酝酿。", sec), kind="feedback"))
    assert all(f.subject != "individual" for f in got.values())


def test_criticism_of_a_named_official_after_a_colon_label():
    got = findings_of(doc_of(para("班子成员对副主任柯某某提出批评：分管的窗口排队时间长，群众投诉处理不及时。")))
    assert any(f.person == "柯某某" for f in got.values())


def test_a_row_referred_to_the_discipline_body_is_serious():
    rows = ["序号｜涉及对象｜主要问题｜移交去向",
            "1｜某站｜站里的维修费有两笔无发票报销，共计一万二千元｜县纪委监委",
            "2｜某股｜股里的档案借阅无登记，三份人事档案去向不明｜县委组织部"]
    doc = doc_of(para("线索移交情况汇总"), *[Block(text=r, kind=BlockKind.TABLE_ROW) for r in rows])
    got = findings_of(doc)
    sev = {("维修费" in q): f.severity for q, f in got.items()}
    assert sev.get(True) == "serious"
    assert sev.get(False) != "serious"


def test_a_quoted_claim_of_being_fixed_stays_in_the_finding():
    got = quotes(doc_of(para("某社区对物业收费问题只发了一个通知，没有入户核实，上报材料却称“已全部整改到位”。"),
                        kind="news"))
    assert any("却称" in q and "没有入户核实" in q for q in got)


def test_the_earlier_finding_a_bulletin_repeats_is_not_extracted():
    got = quotes(doc_of(para("2023年县委巡察指出该站票据管理混乱，该站只补登了台账，未追查遗失票据。"), kind="news"))
    assert not any(q.startswith("2023年") for q in got)
    assert any("未追查遗失票据" in q for q in got)


def test_a_tip_off_received_and_passed_on_is_not_a_finding():
    got = quotes(doc_of(para("收到群众反映某所收费员私收停车费的问题线索，已转县纪委监委处理。"), kind="other"))
    assert got == []


def test_a_personal_self_check_is_about_its_author():
    got = findings_of(doc_of(para("专题民主生活会个人对照检查材料"), para("县林业局副局长 祁某某"),
                             para("在工作作风上，我到护林站走访的次数偏少，全年只去过一个站。")))
    assert got and all(f.subject == "individual" and f.person == "祁某某" for f in got.values())


def test_a_run_on_paragraph_splits_at_its_transitions():
    got = quotes(doc_of(para("该中心的车辆登记簿填写不全，同时，加油卡管理不规范，此外，维修费用没有经过比价。"),
                        kind="feedback"))
    assert "车辆登记簿填写不全" in " ".join(got) and not any("加油卡" in q and "登记簿" in q for q in got)
    assert any(q.startswith("加油卡") for q in got)
    assert any(q.startswith("维修费用") for q in got)


def test_praise_before_a_turn_leaves_the_shortfall_after_it():
    got = quotes(doc_of(para("在廉洁方面，本人能够遵守各项规定，没有违规接受宴请，但对科室的财务审核过问不够。"),
                        kind="other"))
    assert any("财务审核过问不够" in q and "能够" not in q for q in got)


@pytest.mark.parametrize("text,want", [
    # a part with its own subject naming a malpractice is a problem of its own
    ("支委会工作规则不健全，大额资金支出审批程序不规范，部分采购事项由站长一人说了算，委员在会上很少提出异议。",
     ["支委会工作规则不健全，大额资金支出审批程序不规范", "部分采购事项由站长一人说了算，委员在会上很少提出异议"]),
    ("对上一轮审计指出的问题整改不到位，部分站点登记簿仍未补齐，值班台账存在“补记代签”现象。",
     ["对上一轮审计指出的问题整改不到位，部分站点登记簿仍未补齐", "值班台账存在“补记代签”现象"]),
    ("个别股室负责人搞“一言堂”，科务会议流于形式。", ["个别股室负责人搞“一言堂”，科务会议流于形式"]),
    # no subject of its own, or going on from the part before: one problem and its detail
    ("接待管理不规范，存在“一餐多单”现象。", ["接待管理不规范，存在“一餐多单”现象"]),
    ("大额开支审批程序执行不严，对外包项目由分管领导个人说了算。", ["大额开支审批程序执行不严，对外包项目由分管领导个人说了算"]),
])
def test_a_part_with_its_own_subject_naming_a_malpractice_is_its_own_finding(text, want):
    assert quotes(doc_of(para(text), kind="feedback")) == want
