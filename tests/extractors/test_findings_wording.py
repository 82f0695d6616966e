"""Wording the dev set does not use: common problem phrasings of the genre and common
non-findings, written for these tests. Guards against rules that only know the dev set."""
from __future__ import annotations

import pytest

from extractors.document import Block, Document, DocumentMeta
from extractors.findings import extract
from extractors.rules import load_rules

RULES = load_rules()


def _extract(text: str, kind: str = "feedback"):
    doc = Document(name="w.docx", blocks=[Block(text=text, section=("二、发现的问题",))],
                   meta=DocumentMeta(kind=kind))
    doc.renumber()
    return extract(doc, RULES)


@pytest.mark.parametrize("text,category", [
    ("党的领导弱化，“四个意识”不强。", "political"),
    ("纪律规矩意识淡薄。", "political"),
    ("基层党组织建设弱化虚化边缘化。", "party_building"),
    ("窗口单位门难进、脸难看。", "conduct"),
    ("下属单位设立小金库。", "finance"),
    ("个别干部私车公养。", "conduct"),
    ("制度建设有待完善，内部审计长期空转。", None),
    ("部分项目存在重复报销问题。", "finance"),
    ("三笔大额支出无审批手续。", None),
    ("重业务轻党建，党建工作与业务工作“两张皮”。", None),
    ("以会代训，培训走过场。", None),
    ("个别干部上班时间脱岗。", "conduct"),
])
def test_common_problem_phrasings_are_findings(text, category):
    ex = _extract(text)
    assert len(ex.findings) == 1, (text, [f.quote for f in ex.rejected])
    if category:
        assert ex.findings[0].category == category


@pytest.mark.parametrize("text", [
    "一些地方和单位形式主义问题仍然突出。",
    "重点检查是否存在超标准接待问题。",
    "各级党组织务必把整改责任扛在肩上，坚决杜绝虚假整改。",
    "希望该局以此次巡察为契机，推动各项工作再上新台阶。",
    "巡察期间，共收到反映违规收费问题的来信4件。",
    "全年未发生违规违纪案件。",
    "下一步，局党组将持续巩固整改成果，防止问题反弹。",
])
def test_common_non_findings_are_not(text):
    assert _extract(text).findings == []


def test_serious_clue_wording():
    [f] = _extract("个别站所负责人利用职务之便为亲属承揽工程。").findings
    assert f.severity == "serious" and f.category == "integrity"
