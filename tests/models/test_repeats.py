"""A second round on the same unit (an invented 回头看 feedback): a repeated individual problem goes
from 提醒谈话 to 诫勉谈话, a closed unit problem is reopened and flagged 反弹, a team problem is put
under 立项督查, and the same surname-mask under another post is someone else."""
from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from extractors.pipeline import analyse
from models import ledger
from models.db import session_scope
from models.intake import ingest_file
from models.repeats import REBOUND, same_person
from models.tables import AuditEvent, Document, Finding, InspectionRound, Task

DATA = Path(__file__).resolve().parent.parent / "data" / "followup"


def _task_of(s, document: str, words: str) -> Task:
    return s.exec(select(Task).join(Finding, Finding.id == Task.finding_id)
                  .join(Document, Document.id == Finding.document_id)
                  .where(Document.name == document, Finding.quote.contains(words))).one()


def test_second_round_escalates_and_reopens(any_settings):
    settings = any_settings
    url = settings.database_url
    assert ingest_file(DATA / "round1_feedback.txt", settings, analyse).status == "ingested"
    with session_scope(url) as s:
        car = _task_of(s, "round1_feedback.txt", "公务用车")
        talk = _task_of(s, "round1_feedback.txt", "郑某某")
        assert (car.route, talk.route) == ("rectification", "reminder_talk")
        assert talk.owner == "某县某局党组主要负责人"  # the talk is held by the principal leader, not 郑某某
        ledger.start(s, car, "某县某局")
        ledger.submit(s, car, "某县某局", "推行定点维修和加油卡管理")
        ledger.approve(s, car, "县委巡察办")
    assert ingest_file(DATA / "round2_revisit.txt", settings, analyse).status == "ingested"
    with session_scope(url) as s:
        rounds = s.exec(select(InspectionRound).order_by(InspectionRound.id)).all()
        assert len(rounds) == 2 and rounds[1].revisit
        old_car, old_talk = s.get(Task, car.id), s.get(Task, talk.id)
        new_car = _task_of(s, "round2_revisit.txt", "公务用车")
        new_talk = _task_of(s, "round2_revisit.txt", "办公室主任郑某某")
        other = _task_of(s, "round2_revisit.txt", "财务科科长郑某某")
        team = _task_of(s, "round2_revisit.txt", "领导班子配备不齐")
        # the closed unit problem is reopened and both tasks carry 反弹
        assert old_car.status == "待办" and REBOUND in old_car.flags
        assert new_car.escalated_from == old_car.id and REBOUND in new_car.flags
        # 提醒谈话 → 诫勉谈话, held by the organisation department
        assert (new_talk.route, new_talk.escalated_from) == ("admonishment_talk", old_talk.id)
        assert new_talk.owner == "某县委组织部"
        # the same masked name under another post is someone else: no escalation
        assert (other.route, other.escalated_from) == ("reminder_talk", None)
        # a repeated team problem is put under supervision
        assert team.route == "supervised_rectification" and team.supervisor
        assert team.escalated_from == _task_of(s, "round1_feedback.txt", "领导班子配备不齐").id
        actions = [a.action for a in s.exec(select(AuditEvent).where(AuditEvent.entity_id == str(old_car.id),
                                                                       AuditEvent.entity == "task")).all()]
        assert actions[-1] == "task.reopened"


def test_ingesting_the_second_round_again_changes_nothing(settings):
    for name in ("round1_feedback.txt", "round2_revisit.txt"):
        ingest_file(DATA / name, settings, analyse)
    with session_scope(settings.database_url) as s:
        before = [(t.id, t.route, t.escalated_from, tuple(t.flags)) for t in s.exec(select(Task)).all()]
        from models.reextract import as_read_document  # re-run the store on the stored blocks
        from models.store import save_and_route
        from extractors.findings import extract
        from extractors.pipeline import default_rules

        record = s.exec(select(Document).where(Document.name == "round2_revisit.txt")).one()
        save_and_route(s, record, extract(as_read_document(record), default_rules()))
    with session_scope(settings.database_url) as s:
        after = [(t.id, t.route, t.escalated_from, tuple(t.flags)) for t in s.exec(select(Task)).all()]
    assert after == before


def _f(person: str, post: str) -> Finding:
    return Finding(fingerprint="x", document_id=1, quote="", subject="individual", category="duty",
                   severity="minor", route="reminder_talk", person=person, post=post)


def test_names_are_matched_with_care():
    assert same_person(_f("王某某", "副局长"), _f("王某某", "副局长"))
    assert same_person(_f("王某某", "原副局长"), _f("王某某", "副局长"))
    assert same_person(_f("王某某", ""), _f("王某某", "副局长"))
    assert not same_person(_f("王某某", "副局长"), _f("王某某", "办公室主任"))
    assert not same_person(_f("王某某", "副局长"), _f("李某某", "副局长"))
    assert same_person(_f("", "办公室主任"), _f("", "办公室主任"))
    assert not same_person(_f("", ""), _f("", ""))
