"""The store: upsert by fingerprint, corrections survive re-extraction, vanished items flagged."""
import pytest
from sqlmodel import select

from extractors.document import Extraction, FindingDraft
from models.db import session_scope
from models.store import save_and_route
from models.tables import AuditEvent, Correction, Document, Finding, Task



@pytest.fixture
def settings(any_settings):
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_settings

def draft(quote, subject="unit", severity="structural", category="finance"):
    return FindingDraft(quote=quote, page=1, section=("一、问题",), block_index=0, start=0,
                        end=len(quote), subject=subject, category=category, severity=severity)


def store(settings, drafts, version="v1"):
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.sha256 == "a" * 64)).first()
        if doc is None:
            doc = Document(sha256="a" * 64, name="x.pdf", unit="某县某局")
        return save_and_route(s, doc, Extraction(drafts, {"problems_total": 3}, version))


def findings(settings):
    with session_scope(settings.database_url) as s:
        return {f.quote: f for f in s.exec(select(Finding)).all()}


def test_routes_and_tasks(settings):
    store(settings, [draft("财务制度执行不严"), draft("办公室主任郑某某慢作为", "individual", "minor", "duty"),
                     draft("领导班子配备不齐", "team", category="team"),
                     draft("副局长吴某某涉嫌收受礼金", "individual", "serious", "integrity")])
    f = findings(settings)
    assert f["财务制度执行不严"].route == "rectification"
    assert f["办公室主任郑某某慢作为"].route == "reminder_talk"
    assert f["领导班子配备不齐"].route == "team_adjustment"
    assert f["副局长吴某某涉嫌收受礼金"].route == "discipline_referral"
    with session_scope(settings.database_url) as s:
        tasks = s.exec(select(Task)).all()
        assert len(tasks) == 4 and all(t.deadline for t in tasks)
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "task.created")).all()


def test_same_extraction_twice_changes_nothing(settings):
    drafts = [draft("财务制度执行不严"), draft("公务接待不规范", category="conduct")]
    store(settings, drafts)
    before = {q: (f.id, f.updated_at) for q, f in findings(settings).items()}
    stats = store(settings, drafts)
    assert stats["new"] == 0 and stats["vanished"] == 0
    assert {q: f.id for q, f in findings(settings).items()} == {q: v[0] for q, v in before.items()}


def test_corrections_survive_new_rules_and_vanished_are_flagged(settings):
    store(settings, [draft("财务制度执行不严"), draft("公务接待不规范", category="conduct")])
    f = findings(settings)["财务制度执行不严"]
    with session_scope(settings.database_url) as s:
        s.add(Correction(fingerprint=f.fingerprint, field="subject", old="unit", new="team", actor="审核员"))
    # New rules: the first item found again (as unit), the second no longer found.
    store(settings, [draft("财务制度执行不严")], version="v2")
    f = findings(settings)
    assert f["财务制度执行不严"].subject == "team"  # the reviewer's word wins
    assert f["财务制度执行不严"].route == "team_adjustment"  # and the item was routed again
    assert f["财务制度执行不严"].corrected
    assert f["公务接待不规范"].state == "vanished"  # flagged, not deleted
    with session_scope(settings.database_url) as s:
        task = s.exec(select(Task).where(Task.finding_id == f["财务制度执行不严"].id)).one()
        assert task.route == "team_adjustment"


def test_explanation_and_vetoes_considered_are_stored(settings):
    from extractors.document import RuleHit

    d = draft("财务制度执行不严")
    d.hits = [RuleHit("finance.system", "keyword", "财务制度", 1.0)]
    d.vetoes_considered = [RuleHit("veto.requirement", "veto", "", 0.0)]
    d.explanation = "命中：财务制度"
    store(settings, [d])
    f = findings(settings)["财务制度执行不严"]
    assert f.hits[0]["rule_id"] == "finance.system" and f.hits[0]["matched"] == "财务制度"
    assert f.vetoes[0]["rule_id"] == "veto.requirement"
    assert f.explanation == "命中：财务制度"


def test_the_kind_extraction_decided_is_stored_with_the_document(settings):
    """Extraction decides the document kind (with cues in each explanation); the record keeps
    it, and an extraction that decided nothing leaves the reader's kind alone."""
    with session_scope(settings.database_url) as s:
        doc = Document(sha256="b" * 64, name="news.docx", unit="某县某局", kind="rectification")
        save_and_route(s, doc, Extraction([draft("食堂采购未经比价")], {}, "v1", kind="news",
                                          kind_cues=["报道格式（“来源：某县融媒体中心”）"]))
    with session_scope(settings.database_url) as s:
        assert s.exec(select(Document).where(Document.sha256 == "b" * 64)).one().kind == "news"
        assert "报道格式" in s.exec(select(Document).where(Document.sha256 == "b" * 64)).one().kind_reason
        doc = s.exec(select(Document).where(Document.sha256 == "b" * 64)).one()
        save_and_route(s, doc, Extraction([draft("食堂采购未经比价")], {}, "v1"))
    with session_scope(settings.database_url) as s:
        assert s.exec(select(Document).where(Document.sha256 == "b" * 64)).one().kind == "news"
