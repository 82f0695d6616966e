"""Structural signals for problems worded in ways no rule knows: items of a list under a title
that announces the problems found (发现的问题 / 审计发现的问题 / 存在的主要问题：), whatever the
document kind. All sentences are invented here."""
from __future__ import annotations

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
