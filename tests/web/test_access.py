"""Access matrix: every route × every role × in/out of scope, against the real app and a real ledger.

Expected: 404 out of scope (existence is not revealed), 403 for a role that may not act, success
otherwise (200 for pages and the queue's JSON answers, 303 for forms that redirect after acting).
"""
from __future__ import annotations

import pytest
from sqlmodel import select

from models import ledger
from models.db import session_scope
from models.tables import AuditEvent, Document, Finding, Task
from tests.web.conftest import UNIT_A, UNIT_B

ROLES = ("admin", "reviewer", "approver", "viewer")
REVIEWERS = {"admin", "reviewer"}
JSON = {"Accept": "application/json"}


def ids(settings, unit, k=0):
    """The k-th finding of `unit`'s first report (the PDF for unit A), with its task and document."""
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.unit == unit).order_by(Document.id)).first()
        f = s.exec(select(Finding).where(Finding.document_id == doc.id).order_by(Finding.id)).all()[k]
        t = s.exec(select(Task).where(Task.finding_id == f.id)).one()
        return {"finding": f.id, "task": t.id, "document": f.document_id, "len": len(f.quote)}


def long_block(settings, document_id):
    """Offset of the first paragraph of 40+ characters in the document's text (blocks joined by newlines)."""
    with session_scope(settings.database_url) as s:
        pos = 0
        for b in s.get(Document, document_id).blocks:
            if len(b["text"]) >= 40:
                return pos
            pos += len(b["text"]) + 1
    raise AssertionError("no long paragraph")


def prepare_task(settings, task_id, status):
    """Bring a task into the state an action needs (the close-out filed by another account)."""
    with session_scope(settings.database_url) as s:
        t = s.get(Task, task_id)
        if status in ("进行中", "待销号"):
            ledger.start(s, t, "submitter")
        if status == "待销号":
            ledger.submit(s, t, "submitter", "已完成制度修订并组织全员培训。")


# route → (method, path template, form fields, JSON?, roles allowed, task state needed)
ROUTES = {
    "queue": ("GET", "/findings?review=all&document={document}", {}, False, set(ROLES), None),
    "item": ("GET", "/findings/{finding}", {}, False, set(ROLES), None),
    "page_image": ("GET", "/findings/{finding}/page.png", {}, False, set(ROLES), None),
    "ledger": ("GET", "/tasks", {}, False, set(ROLES), None),
    "documents": ("GET", "/documents", {}, False, set(ROLES), None),
    "document": ("GET", "/documents/{document}", {}, False, set(ROLES), None),
    "original": ("GET", "/documents/{document}/original", {}, False, set(ROLES), None),
    "accept": ("POST", "/findings/{finding}/accept", {}, True, REVIEWERS, None),
    "reject": ("POST", "/findings/{finding}/reject", {"reason": "这是整改要求，不是问题。"}, True, REVIEWERS, None),
    "correct": ("POST", "/findings/{finding}/correct", {"severity": "serious", "reason": "情节较重"}, True,
                REVIEWERS, None),
    "split": ("POST", "/findings/{finding}/split", {"at": "6"}, False, REVIEWERS, None),
    "missed": ("POST", "/documents/{document}/missed", {"start": "0", "end": "8"}, False, REVIEWERS, None),
    "start": ("POST", "/tasks/{task}/start", {}, False, {"admin", "reviewer", "approver"}, "待办"),
    "submit": ("POST", "/tasks/{task}/submit", {"measure": "已整改到位。"}, False, {"admin", "reviewer", "approver"},
               "进行中"),
    "approve": ("POST", "/tasks/{task}/approve", {}, False, {"approver"}, "待销号"),
    "send_back": ("POST", "/tasks/{task}/send-back", {"reason": "佐证材料不全。"}, False, {"admin", "approver"},
                  "待销号"),
    "extend": ("POST", "/tasks/{task}/extend", {"until": "2099-12-31", "reason": "需跨年度完成。"}, False,
               {"admin", "approver"}, "待办"),
    "withdraw": ("POST", "/tasks/{task}/withdraw", {"reason": "问题已被驳回。"}, False, {"admin", "approver"}, "待办"),
}
# What the original file route answers for a DOCX in scope is the same as for the PDF; the page image
# exists only for PDFs, so unit B (a DOCX) answers 404 there even for the admin.
PDF_ONLY = {"page_image"}
# Lists answer 200 to everyone; out of scope means the record is simply not listed.
LIST_MARK = {"queue": 'href="/findings/{finding}"', "ledger": 'id="task-{task}"',
             "documents": 'href="/documents/{document}"'}


def expected(route, role, in_scope):
    method, _path, _form, as_json, allowed, _state = ROUTES[route]
    if route in LIST_MARK:
        return 200
    if not in_scope and role != "admin":
        return 404
    if route in PDF_ONLY and not in_scope:
        return 404
    if role not in allowed:
        return 403
    if method == "GET":
        return 200
    return 200 if as_json else 303


@pytest.mark.parametrize("route", list(ROUTES))
def test_access_matrix(route, web_settings, client_for):
    """One route, 4 roles × in/out of scope; each cell acts on its own finding/task, so cells never
    see each other's changes."""
    method, path, form, as_json, _allowed, state = ROUTES[route]
    wrong = []
    for k, role in enumerate(ROLES):
        client, token = client_for(role)
        for scope in ("in", "out"):
            target = ids(web_settings, UNIT_A if scope == "in" else UNIT_B, k)
            if state:
                prepare_task(web_settings, target["task"], state)
            url = path.format(**target)
            if route == "missed":  # a different stretch of one long paragraph for each role
                at = long_block(web_settings, target["document"]) + 8 * k
                form = {"start": str(at), "end": str(at + 6)}
            if method == "GET":
                r = client.get(url, follow_redirects=False)
            else:
                r = client.post(url, data={**form, "csrf_token": token}, headers=JSON if as_json else {},
                                follow_redirects=False)
            want = expected(route, role, scope == "in")
            if r.status_code != want:
                wrong.append((role, scope, url, r.status_code, want, r.text[:200]))
            elif route in LIST_MARK:
                listed = LIST_MARK[route].format(**target) in r.text
                if listed != (scope == "in" or role == "admin"):
                    wrong.append((role, scope, url, "listed" if listed else "not listed"))
    assert not wrong, wrong


def test_bulk_accept_needs_review_role_and_the_confirmed_count(web_settings, client_for):
    client, token = client_for("viewer")
    assert client.post("/findings/bulk-accept", data={"expected": "1", "csrf_token": token}).status_code == 403
    client, token = client_for("reviewer")
    page = client.get("/findings").text
    shown = int(page.split('id="count">')[1].split("<")[0])
    with session_scope(web_settings.database_url) as s:
        in_scope = len(s.exec(select(Finding).where(Finding.unit == UNIT_A, Finding.review_state == "pending")).all())
    assert shown == in_scope > 0
    r = client.post("/findings/bulk-accept", data={"expected": str(shown + 1), "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 409 and "筛选结果已变化" in r.text
    r = client.post("/findings/bulk-accept", data={"expected": str(shown), "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    with session_scope(web_settings.database_url) as s:
        states = {(f.unit, f.review_state) for f in s.exec(select(Finding)).all() if f.state == "active"}
    assert (UNIT_A, "pending") not in states and (UNIT_B, "pending") in states  # nothing outside the scope


def test_submitter_cannot_approve_own_close_out(web_settings, client_for):
    target = ids(web_settings, UNIT_A)
    client, token = client_for("approver")
    for step, form in (("start", {}), ("submit", {"measure": "已完成整改。"})):
        assert client.post(f"/tasks/{target['task']}/{step}", data={**form, "csrf_token": token},
                           follow_redirects=False).status_code == 303
    r = client.post(f"/tasks/{target['task']}/approve", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 409 and "不能审批本人提交" in r.text
    other, token2 = client_for("approver2")
    r = other.post(f"/tasks/{target['task']}/approve", data={"csrf_token": token2}, follow_redirects=False)
    assert r.status_code == 303
    with session_scope(web_settings.database_url) as s:
        t = s.get(Task, target["task"])
        assert (t.status, t.submitted_by, t.closed_by) == ("已销号", "approver", "approver2")
        closed = s.exec(select(AuditEvent).where(AuditEvent.action == "task.closed",
                                                 AuditEvent.entity_id == str(t.id))).one()
        assert closed.actor == "approver2"


def test_post_without_csrf_token_is_refused(web_settings, client_for):
    target = ids(web_settings, UNIT_A)
    client, token = client_for("reviewer")
    for headers, data in (({}, {}), (JSON, {"csrf_token": "forged"}), ({"X-CSRF-Token": "forged"}, {})):
        r = client.post(f"/findings/{target['finding']}/accept", data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403, headers
    r = client.post(f"/tasks/{target['task']}/start", data={}, follow_redirects=False)
    assert r.status_code == 403
    with session_scope(web_settings.database_url) as s:
        assert s.get(Finding, target["finding"]).review_state == "pending"
        assert s.get(Task, target["task"]).status == "待办"
    # a token from another session is no good either
    other, other_token = client_for("admin")
    assert other_token != token
    r = client.post(f"/findings/{target['finding']}/accept", headers={**JSON, "X-CSRF-Token": other_token})
    assert r.status_code == 403


def test_anonymous_is_sent_to_login_and_nothing_leaks(web_settings, client_for):
    client, _ = client_for(None)
    target = ids(web_settings, UNIT_A)
    for url in ("/findings", f"/findings/{target['finding']}", "/tasks", f"/documents/{target['document']}/original"):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/"), url


def test_opening_an_individual_finding_is_audited(web_settings, client_for):
    with session_scope(web_settings.database_url) as s:
        person = s.exec(select(Finding).where(Finding.unit == UNIT_A, Finding.subject == "individual")).first()
        plain = s.exec(select(Finding).where(Finding.unit == UNIT_A, Finding.subject != "individual")).first()
    client, _ = client_for("viewer")
    assert client.get(f"/findings/{person.id}").status_code == 200
    assert client.get(f"/findings/{plain.id}").status_code == 200
    with session_scope(web_settings.database_url) as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.action == "finding.viewed")).all()
    assert [(r.actor, r.entity_id) for r in rows] == [("viewer", str(person.id))]


def test_original_download_is_the_stored_file(web_settings, client_for):
    target = ids(web_settings, UNIT_A)
    client, _ = client_for("viewer")
    r = client.get(f"/documents/{target['document']}/original")
    with session_scope(web_settings.database_url) as s:
        d = s.get(Document, target["document"])
    assert r.content == (web_settings.home / d.stored_as).read_bytes()
    assert r.headers["content-type"] == "application/pdf" and "attachment" in r.headers["content-disposition"]


def test_queue_filters_stay_inside_the_scope(web_settings, client_for):
    with session_scope(web_settings.database_url) as s:
        b_doc = s.exec(select(Finding).where(Finding.unit == UNIT_B)).first().document_id
    client, _ = client_for("reviewer")
    page = client.get(f"/findings?document={b_doc}&review=all").text
    assert 'id="count">0<' in page
    page = client.get(f"/findings?unit={UNIT_B}&review=all").text
    assert 'id="count">0<' in page
