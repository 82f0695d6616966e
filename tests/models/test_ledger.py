"""Task lifecycle on a real SQLite ledger: transitions, the four-eyes rule, overdue marking, audit."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from models import ledger as L
from models.db import session_scope
from models.routing import load_routing
from models.store import ensure_task
from models.tables import AuditEvent, Document, Finding, Task

TODAY = date(2026, 6, 1)


def _tasks(settings, n: int) -> list[int]:
    """n findings of one document, each with the task the store opens for it."""
    with session_scope(settings.database_url) as s:
        doc = Document(sha256="a" * 64, name="反馈意见.docx", unit="某县某局")
        s.add(doc)
        s.flush()
        ids = []
        for i in range(n):
            f = Finding(fingerprint=f"{i:064d}", document_id=doc.id, quote=f"问题{i}", subject="unit",
                        category="finance", severity="minor", route="rectification", unit="某县某局")
            s.add(f)
            s.flush()
            ids.append(ensure_task(s, f, load_routing(), TODAY).id)
        return ids


def _audit(settings, task_id: int) -> list[str]:
    with session_scope(settings.database_url) as s:
        return [a.action for a in s.exec(select(AuditEvent).where(AuditEvent.entity == "task",
                                                                  AuditEvent.entity_id == str(task_id))
                                         .order_by(AuditEvent.id)).all()]


def test_full_lifecycle_is_audited(settings):
    (tid,) = _tasks(settings, 1)
    url = settings.database_url
    with session_scope(url) as s:
        t = s.get(Task, tid)
        assert t.status == "待办"
        L.start(s, t, "张三")
        L.submit(s, t, "张三", "已追回白条入账资金并完善财务制度")
    with session_scope(url) as s:
        t = s.get(Task, tid)
        with pytest.raises(L.LedgerError, match="不能审批本人"):
            L.approve(s, t, "张三")
    with session_scope(url) as s:
        t = s.get(Task, tid)
        assert t.status == "待销号"  # the refused approval changed nothing
        L.send_back(s, t, "李四", "佐证材料不全")
        L.submit(s, t, "王五", "补充了会议纪要和银行回单")
        L.approve(s, t, "李四")
    with session_scope(url) as s:
        t = s.get(Task, tid)
        assert (t.status, t.submitted_by, t.closed_by) == ("已销号", "王五", "李四")
        assert t.closed_at is not None
        with pytest.raises(L.LedgerError, match="不能变更"):
            L.start(s, t, "张三")
    assert _audit(settings, tid) == ["task.created", "task.started", "task.submitted", "task.sent_back",
                                     "task.submitted", "task.closed"]


def test_refused_transitions(settings):
    a, b = _tasks(settings, 2)
    with session_scope(settings.database_url) as s:
        t = s.get(Task, a)
        with pytest.raises(L.LedgerError):
            L.approve(s, t, "李四")  # 待办 cannot be closed
        with pytest.raises(L.LedgerError):
            L.submit(s, t, "张三", "")  # no measure
        with pytest.raises(L.LedgerError):
            L.extend(s, t, "李四", t.deadline - timedelta(days=1), "材料未齐")
        with pytest.raises(L.LedgerError):
            L.withdraw(s, t, "", "重复")
        L.withdraw(s, s.get(Task, b), "李四", "问题经复核不成立")
    with session_scope(settings.database_url) as s:
        assert s.get(Task, a).status == "待办"
        assert s.get(Task, b).status == "撤销"


def test_mark_overdue_levels_and_idempotence(settings):
    ids = _tasks(settings, 4)
    url = settings.database_url
    with session_scope(url) as s:
        deadline = s.get(Task, ids[0]).deadline
        L.start(s, s.get(Task, ids[1]), "张三")
        L.start(s, s.get(Task, ids[2]), "张三")
        L.submit(s, s.get(Task, ids[2]), "张三", "已整改")  # awaiting approval: not the unit's delay
        L.withdraw(s, s.get(Task, ids[3]), "李四", "不成立")
    with session_scope(url) as s:
        assert L.mark_overdue(s, deadline) == {"overdue": 0, "escalated": 0, "cleared": 0}
    with session_scope(url) as s:
        assert L.mark_overdue(s, deadline + timedelta(days=1)) == {"overdue": 2, "escalated": 0,
                                                                   "cleared": 0}
    with session_scope(url) as s:
        assert L.mark_overdue(s, deadline + timedelta(days=1))["overdue"] == 0  # nothing new
        late = deadline + timedelta(days=L.ESCALATE_AFTER_DAYS + 1)
        assert L.mark_overdue(s, late)["escalated"] == 2
    with session_scope(url) as s:
        levels = {t.id: t.overdue_level for t in s.exec(select(Task)).all()}
        assert levels == {ids[0]: 2, ids[1]: 2, ids[2]: 0, ids[3]: 0}
        L.extend(s, s.get(Task, ids[0]), "李四", late + timedelta(days=30), "涉及资金追缴，需延期")
    with session_scope(url) as s:
        t = s.get(Task, ids[0])
        assert (t.status, t.overdue_level) == ("延期", 0)
        assert L.mark_overdue(s, late) == {"overdue": 0, "escalated": 0, "cleared": 0}
    assert _audit(settings, ids[0]) == ["task.created", "task.overdue", "task.escalated", "task.extended"]


def test_vanished_finding_task_waits_for_review_and_leaves_overdue(settings):
    """A finding the new rules no longer produce: its open task is held for a reviewer, never turns
    overdue or escalates, and comes back (as it was) when the reviewer keeps it or the finding returns."""
    from extractors.document import Extraction, FindingDraft
    from models.store import save_and_route

    def drafts(*quotes):
        return Extraction([FindingDraft(quote=q, page=1, section=("一、问题",), block_index=0, start=i,
                                        end=i + len(q), subject="unit", category="finance", severity="minor")
                           for i, q in enumerate(quotes)], {}, "v1")

    url = settings.database_url
    quotes = ("财务报销审核流于形式", "固定资产台账账实不符", "公务用车登记不全")
    with session_scope(url) as s:
        doc = Document(sha256="d" * 64, name="反馈意见.docx", unit="某县某局")
        save_and_route(s, doc, drafts(*quotes), today=TODAY)
    with session_scope(url) as s:
        tasks = {f.quote: s.exec(select(Task).where(Task.finding_id == f.id)).one()
                 for f in s.exec(select(Finding)).all()}
        ids = {q: t.id for q, t in tasks.items()}
        L.start(s, tasks[quotes[1]], "张三")
        deadline = tasks[quotes[0]].deadline
        late = deadline + timedelta(days=L.ESCALATE_AFTER_DAYS + 5)
        assert L.mark_overdue(s, late)["escalated"] == 3
    with session_scope(url) as s:  # new rules: only the first problem is still found
        stats = save_and_route(s, s.exec(select(Document)).one(), drafts(quotes[0]), today=TODAY)
        assert stats["vanished"] == 2
    with session_scope(url) as s:
        held = [s.get(Task, ids[q]) for q in quotes[1:]]
        assert all(t.status == L.REVIEW and t.overdue_level == 0 for t in held)
        assert L.mark_overdue(s, late + timedelta(days=1)) == {"overdue": 0, "escalated": 0, "cleared": 0}
        assert s.get(Task, ids[quotes[0]]).overdue_level == 2
        with pytest.raises(L.LedgerError):
            L.start(s, held[0], "张三")  # only a reviewer's decision moves it on
        L.keep_after_review(s, held[0], "审核员甲", "经核查问题仍然存在")
        L.withdraw(s, held[1], "审核员甲", "经核查该问题不成立")
    with session_scope(url) as s:
        kept, dropped = s.get(Task, ids[quotes[1]]), s.get(Task, ids[quotes[2]])
        assert (kept.status, dropped.status) == ("进行中", "撤销")  # back to where it was
        assert L.mark_overdue(s, late + timedelta(days=1))["escalated"] == 1  # kept: its deadline counts
    held_events = _audit(settings, ids[quotes[1]])
    assert held_events[-3:] == ["task.held", "task.kept", "task.escalated"]


def test_held_task_resumes_when_its_finding_is_found_again(settings):
    from extractors.document import Extraction, FindingDraft
    from models.store import save_and_route

    def extraction(*quotes):
        return Extraction([FindingDraft(quote=q, page=1, section=(), block_index=0, start=i, end=i + len(q),
                                        subject="unit", category="finance", severity="minor")
                           for i, q in enumerate(quotes)], {}, "v1")

    with session_scope(settings.database_url) as s:
        save_and_route(s, Document(sha256="e" * 64, name="a.docx", unit="某县某局"),
                       extraction("食堂采购无比价记录", "会议室超标装修"), today=TODAY)
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document)).one()
        task = s.exec(select(Task).join(Finding).where(Finding.quote == "会议室超标装修")).one()
        L.extend(s, task, "李四", task.deadline + timedelta(days=10), "需招标")
        save_and_route(s, doc, extraction("食堂采购无比价记录"), today=TODAY)
        assert s.get(Task, task.id).status == L.REVIEW
        save_and_route(s, doc, extraction("食堂采购无比价记录", "会议室超标装修"), today=TODAY)
        assert s.get(Task, task.id).status == "延期"
    assert _audit(settings, task.id)[-2:] == ["task.held", "task.resumed"]
