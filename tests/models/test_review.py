"""Review decisions: recorded with an audit row, re-routed at once, undoable, and kept by new rules."""
import pytest
from sqlmodel import select

from extractors.document import Extraction, FindingDraft
from models import review
from models.db import session_scope
from models.review import ReviewError
from models.store import save_and_route, stale_corrections
from models.tables import AuditEvent, Correction, Document, Finding, Task

# An invented report: one heading and three problem sentences, one block each.
BLOCKS = ["一、巡察发现的问题",
          "财务制度执行不严，存在白条入账问题。",
          "办公室主任郑某某工作慢作为，群众意见较大。",
          "公务用车管理混乱，私车公养时有发生。"]
TEXT = "\n".join(BLOCKS)


@pytest.fixture
def settings(any_settings):
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_settings


def span(quote):
    start = TEXT.index(quote)
    return start, start + len(quote)


def draft(quote, subject="unit", severity="structural", category="finance", person=""):
    start, end = span(quote)
    return FindingDraft(quote=quote, page=1, section=("一、巡察发现的问题",), block_index=1, start=start,
                        end=end, subject=subject, category=category, severity=severity, person=person)


DEFAULT = [lambda: draft("财务制度执行不严，存在白条入账问题。"),
           lambda: draft("办公室主任郑某某工作慢作为", "individual", "minor", "duty", "郑某某"),
           lambda: draft("公务用车管理混乱", category="conduct")]


def store(settings, drafts=None, version="v1"):
    drafts = drafts if drafts is not None else [make() for make in DEFAULT]
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.sha256 == "b" * 64)).first()
        if doc is None:
            offset, blocks = 0, []
            for text in BLOCKS:
                blocks.append({"text": text, "page": 1, "kind": "paragraph", "offset": offset,
                               "section": ["一、巡察发现的问题"] if offset else []})
                offset += len(text) + 1
            doc = Document(sha256="b" * 64, name="反馈.docx", unit="某县某局", blocks=blocks)
        return save_and_route(s, doc, Extraction(drafts, {}, version))


def by_quote(s, quote):
    return s.exec(select(Finding).where(Finding.quote == quote)).one()


def task_of(s, finding):
    return s.exec(select(Task).where(Task.finding_id == finding.id)).one()


def actions(s, entity_id=None):
    q = select(AuditEvent).order_by(AuditEvent.id)
    return [(e.action, e.actor) for e in s.exec(q).all()
            if entity_id is None or (e.entity, e.entity_id) == ("finding", str(entity_id))]


def test_accept_is_recorded_and_idempotent(settings):
    store(settings)
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "公务用车管理混乱")
        assert f.review_state == "pending"
        review.accept(s, "审核员甲", f)
        review.accept(s, "审核员甲", f)  # nothing more to record
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "公务用车管理混乱")
        assert (f.review_state, f.reviewed_by, f.corrected) == ("accepted", "审核员甲", False)
        assert f.reviewed_at is not None
        rows = s.exec(select(Correction).where(Correction.fingerprint == f.fingerprint)).all()
        assert [(r.field, r.old, r.new) for r in rows] == [("review_state", "pending", "accepted")]
        assert actions(s, f.id) == [("finding.accepted", "审核员甲")]


def test_reject_withdraws_the_task_and_survives_new_rules(settings):
    store(settings)
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "公务用车管理混乱")
        review.reject(s, "审核员甲", f, "这是整改要求，不是问题")
        assert task_of(s, f).status == "撤销"
    store(settings, version="v2")
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "公务用车管理混乱")
        assert (f.state, f.review_state, f.reviewed_by) == ("rejected", "rejected", "审核员甲")
        assert task_of(s, f).status == "撤销"
        row = s.exec(select(Correction).where(Correction.fingerprint == f.fingerprint,
                                              Correction.field == "state")).one()
        assert row.reason == "这是整改要求，不是问题" and row.old == "active"
        withdrawn = s.exec(select(AuditEvent).where(AuditEvent.action == "task.withdrawn")).one()
        assert withdrawn.actor == "审核员甲"


def test_correct_reroutes_and_validates(settings):
    store(settings)
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "财务制度执行不严，存在白条入账问题。")
        assert f.route == "rectification"
        with pytest.raises(ReviewError, match="严重程度“fatal”无效"):
            review.correct(s, "审核员乙", f, {"severity": "fatal"})
        with pytest.raises(ReviewError, match="不能修改"):
            review.correct(s, "审核员乙", f, {"quote": "x"})
        with pytest.raises(ReviewError, match="没有需要修改"):
            review.correct(s, "审核员乙", f, {"severity": f.severity})
        review.correct(s, "审核员乙", f, {"subject": "individual", "person": "钱某某", "post": "财务科长",
                                        "severity": "serious", "category": "integrity"}, "原文指向个人")
        t = task_of(s, f)
        assert (f.route, t.route, t.owner) == ("discipline_referral", "discipline_referral", "钱某某")
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "finding.corrected")).one()
        assert event.actor == "审核员乙" and event.detail["changes"]["severity"] == ["structural", "serious"]
        assert event.detail["reason"] == "原文指向个人"
    store(settings, version="v2")  # the rules say unit/structural again: the reviewer's word wins
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "财务制度执行不严，存在白条入账问题。")
        assert (f.subject, f.person, f.severity, f.route, f.review_state) == (
            "individual", "钱某某", "serious", "discipline_referral", "corrected")
        assert f.corrected


def test_route_set_by_reviewer_is_kept(settings):
    store(settings)
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "公务用车管理混乱")
        review.correct(s, "审核员乙", f, {"route": "team_adjustment"})
        assert task_of(s, f).route == "team_adjustment"
        review.correct(s, "审核员乙", f, {"category": "finance"})  # does not undo the chosen route
        assert f.route == "team_adjustment" and f.route_reason == "审核人员调整分流"


def test_undo_reverts_only_the_actors_last_decision(settings):
    store(settings)
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "公务用车管理混乱")
        with pytest.raises(ReviewError, match="没有可撤销"):
            review.undo(s, "审核员甲", f)
        review.correct(s, "审核员甲", f, {"severity": "minor"})
        review.reject(s, "审核员甲", f)
        assert task_of(s, f).status == "撤销"
        review.undo(s, "审核员甲", f)  # the reject goes; the correction stays
        assert (f.state, f.review_state, f.severity) == ("active", "corrected", "minor")
        assert task_of(s, f).status == "待办"  # re-opened
        assert "task.reopened" in [a for a, _ in actions(s)]
        review.correct(s, "审核员乙", f, {"category": "finance"})
        review.undo(s, "审核员甲", f)  # 甲's severity change goes, 乙's category stays
        assert (f.severity, f.category, f.reviewed_by) == ("structural", "finance", "审核员乙")
    store(settings, version="v2")
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "公务用车管理混乱")
        assert (f.severity, f.category, f.state) == ("structural", "finance", "active")
        undone = s.exec(select(Correction).where(Correction.undone == True)).all()  # noqa: E712
        assert {r.field for r in undone} == {"severity", "state", "review_state"}


def test_split_makes_two_items_with_tasks_and_undo_removes_them(settings):
    store(settings)
    quote = "财务制度执行不严，存在白条入账问题。"
    with session_scope(settings.database_url) as s:
        f = by_quote(s, quote)
        with pytest.raises(ReviewError, match="拆分位置"):
            review.split(s, "审核员甲", f, 0)
        a, b = review.split(s, "审核员甲", f, quote.index("存在"))
        assert (a.quote, b.quote) == ("财务制度执行不严，", "存在白条入账问题。")
        assert TEXT[a.start:a.end] == a.quote and TEXT[b.start:b.end] == b.quote
        assert (f.state, task_of(s, f).status) == ("split", "撤销")
        assert task_of(s, a).status == task_of(s, b).status == "待办"
        assert a.origin == b.origin == "reviewer" and a.category == "finance"
        ids = (a.id, b.id)
    store(settings, version="v2")  # the rules still give the whole sentence: it stays split
    with session_scope(settings.database_url) as s:
        f = by_quote(s, quote)
        assert f.state == "split"
        assert all(s.get(Finding, i).state == "active" for i in ids)
        review.undo(s, "审核员甲", s.get(Finding, ids[1]))
    with session_scope(settings.database_url) as s:
        f = by_quote(s, quote)
        assert (f.state, f.review_state, task_of(s, f).status) == ("active", "pending", "待办")
        assert all(s.get(Finding, i) is None for i in ids)


def test_add_missed_from_selected_text(settings):
    store(settings)
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document)).one()
        assert review.document_text(doc) == TEXT
        start, end = span("私车公养时有发生")
        with pytest.raises(ReviewError, match="同一段落"):
            review.add_missed(s, "审核员甲", doc, start - 30, end, {})
        with pytest.raises(ReviewError, match="已是问题"):
            review.add_missed(s, "审核员甲", doc, *span("公务用车管理混乱"), {})
        item = review.add_missed(s, "审核员甲", doc, start - 1, end + 1, {"category": "conduct"})
        assert item.quote == "，私车公养时有发生。"  # trimmed of spaces only; the quote is what was selected
        assert TEXT[item.start:item.end] == item.quote
        assert (item.page, item.section, item.unit, item.category) == (1, ["一、巡察发现的问题"], "某县某局", "conduct")
        assert (item.origin, item.review_state, item.route) == ("reviewer", "corrected", "rectification")
        assert task_of(s, item).status == "待办"
        assert ("finding.added", "审核员甲") in actions(s, item.id)
        item_id = item.id
    stats = store(settings, version="v2")
    assert stats["vanished"] == 0  # the rules never produced it: it is the reviewer's, not vanished
    with session_scope(settings.database_url) as s:
        assert s.get(Finding, item_id).state == "active"


def test_corrections_follow_a_moved_quote(settings):
    """A rule change that widens a quote keeps the reviewer's decision (and the task) on it."""
    store(settings)
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "办公室主任郑某某工作慢作为")
        review.correct(s, "审核员甲", f, {"severity": "serious"}, "情节严重")
        rejected = by_quote(s, "公务用车管理混乱")
        review.reject(s, "审核员甲", rejected)
        kept_id, task_id = f.id, task_of(s, f).id
    wider = [DEFAULT[0](), draft("办公室主任郑某某工作慢作为，群众意见较大。", "individual", "minor", "duty"),
             draft("公务用车管理混乱，私车公养时有发生。", category="conduct")]
    stats = store(settings, wider, version="v2")
    assert (stats["carried"], stats["new"], stats["orphaned"]) == (2, 0, 0)
    with session_scope(settings.database_url) as s:
        f = s.get(Finding, kept_id)
        assert f.quote == "办公室主任郑某某工作慢作为，群众意见较大。"
        assert (f.severity, f.route, f.review_state) == ("serious", "discipline_referral", "corrected")
        assert task_of(s, f).id == task_id and task_of(s, f).route == "discipline_referral"
        r = by_quote(s, "公务用车管理混乱，私车公养时有发生。")
        assert (r.state, r.review_state) == ("rejected", "rejected")
        row = s.exec(select(Correction).where(Correction.field == "severity")).one()
        assert row.fingerprint == f.fingerprint and row.carried_from
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "finding.carried")).all()
        assert stale_corrections(s) == []


def test_corrections_that_no_longer_apply_are_listed(settings):
    store(settings)
    with session_scope(settings.database_url) as s:
        review.correct(s, "审核员甲", by_quote(s, "公务用车管理混乱"), {"severity": "minor"})
    stats = store(settings, [make() for make in DEFAULT[:2]], version="v2")  # nothing overlaps it now
    assert (stats["orphaned"], stats["vanished"], stats["carried"]) == (1, 1, 0)
    with session_scope(settings.database_url) as s:
        stale = stale_corrections(s)
        assert [(c.field, c.new, f.quote) for c, f in stale] == [
            ("severity", "minor", "公务用车管理混乱"), ("review_state", "corrected", "公务用车管理混乱")]
    store(settings, version="v3")  # the rules find it again: the correction applies again
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "公务用车管理混乱")
        assert (f.state, f.severity) == ("active", "minor") and stale_corrections(s) == []


def test_actor_is_required(settings):
    store(settings)
    with session_scope(settings.database_url) as s:
        with pytest.raises(ReviewError, match="审核人"):
            review.accept(s, " ", by_quote(s, "公务用车管理混乱"))


def test_accept_after_correct_keeps_it_corrected_and_undo_removes_an_added_item(settings):
    store(settings)
    with session_scope(settings.database_url) as s:
        f = by_quote(s, "公务用车管理混乱")
        review.correct(s, "审核员甲", f, {"severity": "minor"})
        review.accept(s, "审核员甲", f)
        assert f.review_state == "corrected"
        doc = s.exec(select(Document)).one()
        item = review.add_missed(s, "审核员乙", doc, *span("私车公养时有发生"), {"category": "conduct"})
        item_id, task_id = item.id, task_of(s, item).id
        review.undo(s, "审核员乙", item)
        assert s.get(Finding, item_id) is None and s.get(Task, task_id) is None
        assert ("finding.undone", "审核员乙") in actions(s, item_id)


def test_decisions_survive_reextract_and_reingestion_of_a_real_report(settings, tmp_path):
    """A real PDF: reject, correct, split and add; new rules and the same file again keep them all."""
    import shutil

    from extractors.pipeline import analyse
    from extractors.rules import RULES_DIR, load_rules
    from models.intake import ingest_file
    from models.reextract import reextract_document
    from tests.conftest import SAMPLES

    out = ingest_file(SAMPLES / "县局巡察反馈意见.pdf", settings, analyse)
    with session_scope(settings.database_url) as s:
        items = s.exec(select(Finding).where(Finding.document_id == out.document_id)
                       .order_by(Finding.start)).all()
        assert len(items) >= 3
        review.reject(s, "审核员甲", items[0], "属于整改要求")
        review.correct(s, "审核员甲", items[1], {"subject": "team", "category": "team"})
        halves = review.split(s, "审核员甲", items[2], len(items[2].quote) // 2)
        doc = s.get(Document, out.document_id)
        text = review.document_text(doc)
        taken = [(f.start, f.end) for f in items] + [(h.start, h.end) for h in halves]
        block = next(b for b in doc.blocks if len(b["text"]) > 12
                     and not any(a < b["offset"] + len(b["text"]) and b["offset"] < z for a, z in taken))
        added = review.add_missed(s, "审核员甲", doc, block["offset"], block["offset"] + len(block["text"]))
        assert added.quote == text[added.start:added.end]
        expected = {f.id: (f.state, f.review_state, f.subject, f.route)
                    for f in [*items[:3], *halves, added]}
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules_dir)
    (rules_dir / "problems.yaml").write_text((rules_dir / "problems.yaml").read_text(encoding="utf-8")
                                             + "\n# edited\n", encoding="utf-8")
    stats = reextract_document(settings, out.document_id, load_rules(rules_dir))
    assert stats["vanished"] == 0 and stats["orphaned"] == 0
    again = ingest_file(SAMPLES / "县局巡察反馈意见.pdf", settings, analyse)
    assert again.document_id == out.document_id
    with session_scope(settings.database_url) as s:
        got = {i: (f.state, f.review_state, f.subject, f.route)
               for i in expected for f in [s.get(Finding, i)]}
        assert got == expected
        assert got[items[0].id][:2] == ("rejected", "rejected")
        assert got[items[2].id][0] == "split"
        tasks = {t.finding_id: t.status for t in s.exec(select(Task)).all()}
        assert tasks[items[0].id] == tasks[items[2].id] == "撤销"
        assert all(tasks[h.id] == "待办" for h in halves) and tasks[added.id] == "待办"


def test_rejecting_a_vanished_item_withdraws_its_task_and_accepting_one_adopts_it(settings):
    store(settings)
    store(settings, [make() for make in DEFAULT[:1]], version="v2")  # two items vanish, tasks still open
    with session_scope(settings.database_url) as s:
        gone = by_quote(s, "公务用车管理混乱")
        kept = by_quote(s, "办公室主任郑某某工作慢作为")
        assert gone.state == kept.state == "vanished"
        assert task_of(s, gone).status == task_of(s, kept).status == "待复核"  # held, out of overdue
        review.reject(s, "审核员甲", gone)
        assert task_of(s, gone).status == "撤销"
        review.accept(s, "审核员甲", kept)  # the reviewer says it is a finding the rules now miss
        assert (kept.state, kept.origin) == ("active", "reviewer")
        assert task_of(s, kept).status == "待办"  # the held task goes back to where it was
    store(settings, [make() for make in DEFAULT[:1]], version="v3")
    with session_scope(settings.database_url) as s:
        assert by_quote(s, "办公室主任郑某某工作慢作为").state == "active"  # no longer flagged vanished
        assert task_of(s, by_quote(s, "办公室主任郑某某工作慢作为")).status == "待办"
