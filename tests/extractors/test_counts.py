"""Statistics stated in the text -> FORMAT.md counts keys, Arabic and Chinese numerals."""
from __future__ import annotations

import pytest

from extractors.counts import extract_counts, parse_number
from extractors.document import Block, Document
from extractors.rules import load_rules

RULES = load_rules()


@pytest.mark.parametrize("text,value", [
    ("25", 25), ("十", 10), ("十二", 12), ("二十五", 25), ("一百零三", 103), ("两", 2), ("三百", 300), ("〇", 0)])
def test_parse_number(text, value):
    assert parse_number(text) == value


def _doc(*paras: str) -> Document:
    doc = Document(name="c.docx", blocks=[Block(text=p) for p in paras])
    doc.renumber()
    return doc


def test_rectification_statistics_paragraph():
    doc = _doc("截至9月底，巡察反馈问题二十五个，已完成整改19个，正在整改6个；提醒谈话四人、批评教育2人、"
               "诫勉3人、组织处理1人、党纪政务处分1人；移交问题线索两件；建立完善制度11项。")
    assert extract_counts(doc, RULES) == {
        "problems_total": 25, "problems_rectified": 19, "problems_in_progress": 6, "reminder_talk": 4,
        "criticism_education": 2, "admonishment": 3, "organizational_handling": 1,
        "disciplinary_sanction": 1, "clues_transferred": 2, "rules_made": 11}


def test_zero_is_a_stated_count():
    assert extract_counts(_doc("本轮巡察提醒谈话0人，诫勉0人。"), RULES) == {"reminder_talk": 0, "admonishment": 0}


def test_number_before_the_noun_and_across_a_page_break():
    doc = _doc("对巡察中发现苗头性问题的9名干部开展集中提醒谈话，对2名问题较重的干部进行诫勉谈话。",
               "巡察共发现问题", "37个，移交问题线索1件。")
    assert extract_counts(doc, RULES) == {"reminder_talk": 9, "admonishment": 2, "problems_total": 37,
                                          "clues_transferred": 1}


def test_ascii_and_traditional_text():
    doc = _doc("巡察共發現問題18個,移交問題線索3件。")
    assert extract_counts(doc, RULES) == {"problems_total": 18, "clues_transferred": 3}


def test_nothing_stated_nothing_reported():
    assert extract_counts(_doc("巡察组对该局开展了常规巡察，共个别谈话40人次。"), RULES) == {}


def test_full_width_digits():
    assert extract_counts(_doc("共反馈问题１２个。"), RULES) == {"problems_total": 12}
