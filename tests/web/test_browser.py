"""The review pages in a real headless Chromium (Debian's `chromium`, driven by Playwright) against
the real app served by uvicorn on a real ledger: log in, review with the keyboard alone, check the
database and the audit trail, re-run the rules, and show hostile text as text. Screenshots go to
tests/artifacts/ (ignored by git)."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import select

from models.db import session_scope
from models.tables import AuditEvent, Correction, Document, Finding, Task
from tests.web.conftest import PASSWORD, UNIT_A

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed (scripts/sysdeps.sh installs it; CI=true: required)")
    pytest.skip("chromium not installed; run `sh scripts/sysdeps.sh` as root")


@pytest.fixture
def server(web_settings):
    """The app served by uvicorn in this process, on a free port of our own."""
    import uvicorn

    from web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(web_settings), host="127.0.0.1", port=port,
                                        log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:  # no deadline: a busy machine may take its time; a dead thread fails at once
        assert thread.is_alive(), "uvicorn stopped before it started"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join()


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = context.new_page()
        pg.set_default_timeout(120_000)  # generous: the machine is shared
        yield pg
        context.close()
        browser.close()


def log_in(page, name="reviewer"):
    page.goto("/findings")  # sent to the login form, then back
    assert "/login" in page.url
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/findings")


def current_id(page) -> int:
    return int(page.get_attribute("#queue tr.current", "data-id"))


def finding(settings, fid) -> Finding:
    with session_scope(settings.database_url) as s:
        return s.get(Finding, fid)


def test_review_with_the_keyboard_alone(page, web_settings):
    log_in(page)
    page.wait_for_selector("#queue tr.current")
    first = current_id(page)
    page.keyboard.press("j")
    second = current_id(page)
    assert second != first
    page.keyboard.press("k")
    assert current_id(page) == first

    # a: accept the current item; the row says so and the cursor moves on
    page.keyboard.press("a")
    page.wait_for_selector(f'#queue tr[data-id="{first}"] .state-accepted')
    assert current_id(page) == second
    f = finding(web_settings, first)
    assert (f.review_state, f.reviewed_by) == ("accepted", "reviewer")

    # r: reject with a reason typed into the prompt, then u: undo it
    page.once("dialog", lambda d: d.accept("这是整改要求，不是问题。"))
    page.keyboard.press("r")
    page.wait_for_selector(f'#queue tr[data-id="{second}"] .state-rejected')
    assert finding(web_settings, second).review_state == "rejected"
    page.keyboard.press("k")
    page.keyboard.press("u")
    page.wait_for_selector(f'#queue tr[data-id="{second}"] .state-pending')
    assert finding(web_settings, second).review_state == "pending"

    # ?: help
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.keyboard.press("Escape")
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)

    # e: edit the current item: the cursor lands in the form; Tab to the fields, type, Enter saves
    page.keyboard.press("e")
    page.wait_for_url(f"**/findings/{second}#edit")
    page.wait_for_selector("#edit-first:focus")
    page.keyboard.press("Tab")  # 人员
    page.keyboard.press("Control+A")
    page.keyboard.type("钱某某")
    page.keyboard.press("Tab")  # 职务
    page.keyboard.press("Control+A")
    page.keyboard.type("综合科科长")
    for _ in range(5):  # 单位, 类别, 严重程度, 分流 → 修改理由
        page.keyboard.press("Tab")
    page.keyboard.type("原文点名了责任人")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash")
    assert "已保存修改" in page.inner_text(".flash")

    with session_scope(web_settings.database_url) as s:
        f = s.get(Finding, second)
        assert (f.person, f.post, f.review_state, f.reviewed_by) == ("钱某某", "综合科科长", "corrected", "reviewer")
        rows = s.exec(select(Correction).where(Correction.fingerprint == f.fingerprint,
                                               Correction.field.in_(("person", "post")))).all()
        assert {(c.field, c.new, c.actor, c.reason) for c in rows} >= {
            ("person", "钱某某", "reviewer", "原文点名了责任人"), ("post", "综合科科长", "reviewer", "原文点名了责任人")}
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "finding", AuditEvent.entity_id == str(second),
                                                 AuditEvent.actor == "reviewer")).all()
        assert events, "no audit row for the correction"

    # reextract keeps the correction
    from extractors.rules import load_rules
    from models.reextract import reextract_document

    reextract_document(web_settings, f.document_id, load_rules())
    f = finding(web_settings, second)
    assert (f.person, f.post, f.review_state) == ("钱某某", "综合科科长", "corrected")

    # the item view shows the PDF page with the quote marked
    page.goto(f"/findings/{second}")
    image = page.wait_for_selector("#page-image")
    # (no script evaluation: the page's CSP forbids eval, so ask for the decoded size another way)
    page.wait_for_load_state("load")
    box = image.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300, box
    assert page.inner_text("mark#quote") == f.quote
    page.screenshot(path=str(ARTIFACTS / "finding-with-pdf-page.png"), full_page=True)


def test_ledger_actions_in_the_browser(page, web_settings):
    with session_scope(web_settings.database_url) as s:
        task = s.exec(select(Task).where(Task.unit == UNIT_A, Task.status == "待办").order_by(Task.id)).first()
    log_in(page, "approver")
    page.goto("/tasks")
    row = f"#task-{task.id}"
    page.click(f"{row} form[action$='/start'] button")
    page.wait_for_selector(".flash")
    page.fill(f"{row} form[action$='/submit'] input[name=measure]", "已修订制度并完成整改。")
    page.click(f"{row} form[action$='/submit'] button")
    page.wait_for_selector(f"{row}.task-submitted")
    assert page.query_selector(f"{row} form[action$='/approve']") is None  # not offered to the submitter
    page.screenshot(path=str(ARTIFACTS / "ledger.png"), full_page=True)
    with session_scope(web_settings.database_url) as s:
        t = s.get(Task, task.id)
        assert (t.status, t.submitted_by) == ("待销号", "approver")


def test_hostile_text_is_shown_as_text(page, web_settings):
    with session_scope(web_settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.name == "含特殊字符的反馈意见.docx")).one()
        fid = next(f.id for f in s.exec(select(Finding).where(Finding.document_id == doc.id)).all()
                   if "<script>" in f.quote)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page)
    page.goto(f"/documents/{doc.id}")
    body = page.inner_text("#doc-text")
    assert "<script>alert(1)</script>" in body and "{{ 7*7 }}" in body
    page.goto(f"/findings/{fid}")
    assert "<script>alert(1)</script>" in page.inner_text("mark#quote")
    page.goto("/findings?review=all")
    assert "<script>alert(1)</script>" in page.inner_text("#queue")
    assert dialogs == []


def test_add_a_missed_finding_by_selecting_text(page, web_settings):
    with session_scope(web_settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.unit == UNIT_A, Document.file_type == "pdf")).one()
        known = {f.quote for f in s.exec(select(Finding).where(Finding.document_id == doc.id)).all()}
        texts = [b["text"] for b in doc.blocks]
    # a paragraph no finding quotes: the reviewer adds it by selecting it (triple click = the paragraph)
    index = next(i for i, t in enumerate(texts) if len(t) > 20 and not any(q in t or t in q for q in known))
    log_in(page)
    page.goto(f"/documents/{doc.id}")
    page.locator("#doc-text p.block").nth(index).click(click_count=3)
    page.wait_for_selector("#missed", state="visible")
    page.select_option("#missed select[name=category]", "conduct")
    page.click("#missed button[type=submit]")
    page.wait_for_selector(".flash")
    new_id = int(page.url.rstrip("/").split("/")[-1])
    f = finding(web_settings, new_id)
    assert f.quote == texts[index].strip() and f.category == "conduct" and f.origin == "reviewer"
    assert page.inner_text("mark#quote") == f.quote
