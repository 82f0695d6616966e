"""Units and rounds as records: one body under its several names, one round under its several wordings."""
from __future__ import annotations

from datetime import date

import pytest

from models.db import session_scope
from models.rounds import read_round, resolve_round
from models.units import resolve_unit, same_body, unit_from_section, unit_key


@pytest.mark.parametrize("name,key", [
    ("中共某市某局党组", "某市某局"),
    ("某市某局党组：", "某市某局"),
    ("中共XX县XX镇委员会", "XX县XX镇"),
    ("XX镇党委", "XX镇"),
    ("县发展和改革局党组", "县发展和改革局"),
    ("某市某中心党支部", "某市某中心"),
    ("XX街道党工委", "XX街道"),
])
def test_unit_key(name, key):
    assert unit_key(name) == key


@pytest.mark.parametrize("a,b,same", [
    ("某市某局", "某局", True),
    ("XX县XX镇", "XX镇", True),
    ("县发展和改革局", "县发改局", True),
    ("某市某局", "某市某中心", False),
    ("某县某局", "某市某局", False),
    ("XX镇", "YY镇", False),
])
def test_same_body(a, b, same):
    assert same_body(a, b) is same


def test_one_unit_for_its_names_and_ambiguous_short_names_kept_apart(settings):
    with session_scope(settings.database_url) as s:
        a = resolve_unit(s, "中共XX县XX镇委员会")
        assert resolve_unit(s, "XX县XX镇党委").id == a.id
        assert resolve_unit(s, "XX镇党委").id == a.id
        assert set(a.aliases) == {"XX县XX镇委员会", "XX县XX镇党委", "XX镇党委"}
        b = resolve_unit(s, "某市某局党组")
        c = resolve_unit(s, "某县某局党组")
        assert b.id != c.id
        assert resolve_unit(s, "某局").id not in (b.id, c.id)  # two candidates: not merged


def test_unit_from_a_notice_section():
    assert unit_from_section(["一、县发展和改革局党组"]) == "县发展和改革局党组"
    assert unit_from_section(["四、XX街道党工委", "（一）班子建设方面"]) == "XX街道党工委"
    assert unit_from_section(['四、县医疗保障局党组(巡察"回头看")']) == "县医疗保障局党组"
    assert unit_from_section(["一、巡察发现的主要问题", "（一）落实全面从严治党战略部署方面"]) == ""
    assert unit_from_section(["1.镇领导班子配备不齐，党委副书记空缺8个月"]) == ""


def test_round_from_feedback_and_report_is_one_record(settings):
    feedback = read_round("关于对某县某局党组开展巡察的反馈意见",
                          ["中共某县委第二巡察组", "2023年3月6日至4月28日，县委第二巡察组对某县某局党组开展了常规巡察。"])
    report = read_round("中共某县某局党组关于县委第二巡察组巡察反馈意见整改情况的通报",
                        ["2023年3月6日至4月28日，县委第二巡察组对某县某局党组开展了常规巡察。"])
    assert feedback.key == report.key
    assert (feedback.started, feedback.ended) == (date(2023, 3, 6), date(2023, 4, 28))
    numbered = read_round("关于县委第三轮巡察反馈主要问题的公示", [], "2024-08-16")
    assert numbered.name == "县委第三轮巡察"
    with session_scope(settings.database_url) as s:
        first = resolve_round(s, report)
        again = resolve_round(s, feedback)
        assert first.id == again.id and again.body == "某县委"
        again.name, again.edited = "县委2023年第二轮巡察", True
        assert resolve_round(s, feedback).name == "县委2023年第二轮巡察"  # a person's edit is kept


def test_notices_about_several_units_give_each_finding_its_unit(settings):
    """dev11 and dev12 list four units each: every finding and task gets its unit and an owner."""
    from sqlmodel import select

    from extractors.pipeline import analyse
    from models.intake import ingest_file
    from models.tables import Finding, Task, Unit
    from tests.conftest import DEVSET

    for name in ("dev11.docx", "dev12.docx"):
        assert ingest_file(DEVSET / name, settings, analyse).status == "ingested"
    with session_scope(settings.database_url) as s:
        findings = s.exec(select(Finding)).all()
        assert findings and all(f.unit and f.unit_id for f in findings)
        assert all(t.unit and t.owner and "被巡察单位" not in t.owner for t in s.exec(select(Task)).all())
        assert len(s.exec(select(Unit)).all()) == 8


def test_merging_two_records_of_one_body_moves_its_tasks(settings):
    from sqlmodel import select

    from models.tables import AuditEvent, Document, Unit
    from models.units import merge_units, rename_unit

    with session_scope(settings.database_url) as s:
        a, b = resolve_unit(s, "某市某局党组"), resolve_unit(s, "某市某局机关")
        doc = Document(sha256="c" * 64, name="x.docx", unit="某市某局机关", unit_id=b.id)
        s.add(doc)
        s.flush()
        merge_units(s, a, b, "张三")
        rename_unit(s, a, "某市某局", "张三")
        assert s.get(Document, doc.id).unit_id == a.id
        assert s.exec(select(Unit)).all() == [a] and "某市某局机关" in a.aliases
        assert [e.action for e in s.exec(select(AuditEvent)).all()] == ["unit.merged", "unit.renamed"]
