"""One vocabulary: every code's Chinese label comes from models/vocabulary.py, nowhere else."""
from __future__ import annotations

import re

from extractors.document import Block, BlockKind, Document, DocumentMeta
from extractors.findings import extract
from extractors.pipeline import default_rules
from models import vocabulary as V
from tests.conftest import ROOT

PRODUCT = ("extractors", "models", "reports", "flows", "web")
LABELLED = {**V.SUBJECTS, **V.SEVERITIES, **V.CATEGORIES, **V.ROUTES}


def test_no_other_file_labels_a_code():
    """A code followed by a Chinese label (`"structural": "机制性"`, `reminder_talk: 提醒谈话`) outside
    the vocabulary is a second vocabulary that will drift."""
    pattern = re.compile(r"(?<![\w.])[\"']?(" + "|".join(map(re.escape, LABELLED)) +
                         r")[\"']?\s*:\s*[\"']?[\u4e00-\u9fff]")
    found = []
    for top in PRODUCT:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in (".py", ".yaml", ".j2", ".html") or path == ROOT / "models" / "vocabulary.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert found == []


def test_codes_checked_at_load_are_the_vocabulary_codes():
    from extractors.rules import CATEGORIES
    from models import routing

    assert set(CATEGORIES) == set(V.CATEGORIES)
    assert set(routing.ROUTES) == set(V.ROUTES) and set(routing.SUBJECTS) == set(V.SUBJECTS)
    assert set(routing.SEVERITIES) == set(V.SEVERITIES)
    assert routing.load_routing().label("team_adjustment") == V.ROUTES["team_adjustment"]


def test_explanation_uses_the_vocabulary_labels():
    text = "1.局党组议事规则不健全，“三重一大”事项集体决策制度执行不到位。"
    doc = Document(name="反馈意见.docx", blocks=[Block(kind=BlockKind.HEADING, text="一、巡察发现的主要问题"),
                                             Block(kind=BlockKind.PARAGRAPH, text=text)],
                   meta=DocumentMeta(kind="feedback", title="关于巡察的反馈意见"))
    doc.renumber()
    findings = extract(doc, default_rules()).findings
    assert findings, "the sentence should be a finding"
    f = findings[0]
    assert f"严重程度：{V.SEVERITIES[f.severity]}" in f.explanation
    assert f"主体：{V.SUBJECTS[f.subject]}" in f.explanation
