"""Section paths from 公文 numbering, and document metadata (title, issuer, unit, date, kind)."""
from __future__ import annotations

import pytest

from extractors.document import Block, BlockKind, Document
from extractors.meta import describe
from extractors.readers import read
from extractors.sections import assign_sections, level_of


def _doc(lines: list[str]) -> Document:
    d = Document(name="t", blocks=[Block(text=t) for t in lines])
    assign_sections(d)
    d.renumber()
    return d


def test_outline_levels():
    assert [level_of(t) for t in ["第一部分 总体情况", "一、问题", "（一）方面", "(二)方面", "1.事项", "1、事项",
                                  "一是加强领导", "（1）细项", "①小项", "2024年以来", "1.5亿元", "正文"]] == \
        [0, 1, 2, 2, 3, 3, 3.5, 4, 5, None, None, None]


def test_section_paths():
    d = _doc([
        "第一部分 巡察发现的问题",
        "一、政治建设方面",
        "（一）落实决策部署",
        "1.贯彻落实上级决策部署有差距。落实营商环境部署要求打折扣。",
        "正文补充说明。",
        "（二）全面从严治党",
        "一是主体责任落实不到位，压力传导层层递减。",
        "二是监督执纪偏宽偏软。",
        "二、整改要求",
        "①要压实责任。",
    ])
    s = {b.text[:6]: b.section for b in d.blocks}
    assert s["1.贯彻落实"] == ("第一部分 巡察发现的问题", "一、政治建设方面", "（一）落实决策部署", "1.贯彻落实上级决策部署有差距")
    assert s["正文补充说明"] == s["1.贯彻落实"]
    assert s["二是监督执纪"] == ("第一部分 巡察发现的问题", "一、政治建设方面", "（二）全面从严治党", "二是监督执纪偏宽偏软")
    assert s["①要压实责任"] == ("第一部分 巡察发现的问题", "二、整改要求", "①要压实责任")
    kinds = {b.text[:6]: b.kind for b in d.blocks}
    assert kinds["一、政治建设"] == BlockKind.HEADING and kinds["1.贯彻落实"] == BlockKind.PARAGRAPH


def test_table_rows_are_not_headings():
    d = Document(name="t", blocks=[Block(text="一、问题"), Block(text="1｜班子配备不齐", kind=BlockKind.TABLE_ROW)])
    assign_sections(d)
    assert d.blocks[1].kind == BlockKind.TABLE_ROW and d.blocks[1].section == ("一、问题",)


CASES = [
    (["中共某市委第二巡察组", "关于对某市某局党组开展常规巡察的反馈意见", "某市某局党组：", "根据市委统一部署……。",
      "中共某市委第二巡察组", "2024年5月20日"],
     ("feedback", "中共某市委第二巡察组", "某市某局党组", "2024-05-20")),
    (["中共某县某局党组关于县委第一巡察组巡察反馈意见整改进展情况的通报", "根据县委统一部署……。", "中共某县某局党组",
      "2024年9月10日"], ("rectification", "中共某县某局党组", "中共某县某局党组", "2024-09-10")),
    (["在全县巡察工作动员部署会议上的讲话", "县委副书记  某某某", "（2024年3月8日）", "同志们：", "今天……。"],
     ("speech", "", "", "2024-03-08")),
    (["县委第一巡察组向县交通运输局党组反馈巡察情况", "发布时间：2024-07-26　　来源：县委巡察办", "7月24日，……。"],
     ("news", "县委第一巡察组", "县交通运输局党组", "2024-07-26")),
    (["某县纪委监委对巡察发现问题的干部开展集体约谈", "发布时间：2024-10-11　　来源：某县纪委监委", "10月9日，……。"],
     ("news", "某县纪委监委", "", "2024-10-11")),
    (["关于县委第二轮巡察反馈主要问题的公示", "发布时间：2024-08-16　　来源：县委巡察办", "根据县委统一部署……。"],
     ("feedback", "县委巡察办", "", "2024-08-16")),
    (["省委第三巡视组关于对某市开展巡视情况的报告", "省委巡视工作领导小组：", "……。"],
     ("feedback", "省委第三巡视组", "", "")),
    (["某市2024年第一季度经济运行情况", "一、总体情况", "……。"], ("other", "", "", "")),
    (["关于巡察反馈问题整改清单", "一、……。"], ("rectification", "", "", "")),
    (["关于对某镇巡察整改情况开展“回头看”的反馈意见", "某镇党委：", "……。"], ("feedback", "", "某镇党委", "")),
    (["县委第二巡察组巡察县教育局党组工作动员会召开", "来源：县委巡察办", "……。"],
     ("news", "县委巡察办", "", "")),
]


@pytest.mark.parametrize("lines,want", CASES)
def test_meta(lines, want):
    m = describe(_doc(lines))
    assert (m.kind, m.issuer, m.unit, m.date) == want
    assert m.title == lines[0] or m.title == lines[1]


def test_meta_filled_by_read(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("中共某市委第二巡察组\n关于对某市某局党组开展常规巡察的反馈意见\n某市某局党组：\n正文。\n", encoding="utf-8")
    m = read(p).meta
    assert (m.title, m.kind, m.unit) == ("关于对某市某局党组开展常规巡察的反馈意见", "feedback", "某市某局党组")


def test_devset_kinds_match_gold():
    import json

    from tests.readers.conftest import DEVSET

    if not (DEVSET / "gold.jsonl").exists():
        pytest.skip("shared devset not available")
    gold = {json.loads(x)["doc"].rsplit(".", 1)[0]: json.loads(x)["kind"]
            for x in (DEVSET / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x}
    got = {f"dev{i:02d}": read(DEVSET / f"dev{i:02d}.docx").meta.kind for i in range(1, 19)}
    assert got == {k: v for k, v in gold.items() if k in got}
