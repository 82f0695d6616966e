"""Login, sessions and headers: throttling, safe redirects, cookie flags, CSP, disabled accounts,
hostile text shown as text, and the users command."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.db import session_scope
from tests.web.conftest import PASSWORD, csrf_of, login
from web.auth import safe_next

ZHENGGAI = Path(sys.executable).with_name("zhenggai")


@pytest.mark.parametrize("target,expected", [
    ("/tasks?status=待办", "/tasks?status=待办"), ("https://evil.example/", "/findings"),
    ("//evil.example/x", "/findings"), ("/\\evil.example", "/findings"), ("javascript:alert(1)", "/findings"),
    ("tasks", "/findings"), ("", "/findings"), ("/findings\r\nSet-Cookie: x=1", "/findings")])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_login_redirects_only_inside_the_site(client_for):
    client, _ = client_for(None)
    token = csrf_of(client.get("/login?next=//evil.example/").text)
    r = client.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token,
                                    "next": "https://evil.example/steal"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/findings"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=28800" in cookie


def test_login_without_csrf_token_is_refused(client_for):
    client, _ = client_for(None)
    client.get("/login")
    r = client.post("/login", data={"username": "viewer", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


def test_login_throttled_after_repeated_failures(client_for):
    client, _ = client_for(None)
    token = csrf_of(client.get("/login").text)
    codes = [client.post("/login", data={"username": "reviewer", "password": f"guess-{i}", "csrf_token": token}
                         ).status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    r = client.post("/login", data={"username": "reviewer", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "15分钟" in r.text  # even the right password waits


def test_security_headers_on_every_page(client_for):
    client, _ = client_for("viewer")
    for url in ("/login", "/findings", "/tasks", "/no-such-page"):
        h = client.get(url).headers
        assert "script-src 'self'" in h["content-security-policy"] and "unsafe-inline" not in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"


def test_disabled_account_loses_its_session_at_once(web_settings, client_for):
    from models.accounts import disable_user

    client, _ = client_for("reviewer")
    assert client.get("/findings", follow_redirects=False).status_code == 200
    with session_scope(web_settings.database_url) as s:
        disable_user(s, "reviewer")
    assert client.get("/findings", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(client_for):
    client, token = client_for("viewer")
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/findings", follow_redirects=False).status_code == 303


def test_hostile_report_text_is_escaped(web_settings, client_for):
    from sqlmodel import select

    from models.tables import Document, Finding

    with session_scope(web_settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.name == "含特殊字符的反馈意见.docx")).one()
        hostile = [f for f in s.exec(select(Finding).where(Finding.document_id == doc.id)).all()
                   if "<script>" in f.quote or "{{" in f.quote]
    assert hostile, "the invented report's problem sentences were not extracted"
    client, _ = client_for("reviewer")
    pages = [client.get(f"/documents/{doc.id}").text, client.get("/findings?review=all").text]
    pages += [client.get(f"/findings/{f.id}").text for f in hostile]
    for page in pages:
        assert "<script>alert(1)</script>" not in page
    for page in pages[:1] + pages[2:]:  # the document and each item show the words as written
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "{{ 7*7 }}" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0] and "{{ 7*7 }}" in pages[0]
    assert "报销单据备注写有49" not in pages[0]  # never evaluated as a template


def _cli(home, *args, stdin=""):
    env = dict(os.environ, ZHENGGAI_HOME=str(home), ZHENGGAI_DATABASE_URL=f"sqlite:///{home}/zhenggai.db")
    return subprocess.run([str(ZHENGGAI), *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=300)


def test_users_command(tmp_path):
    home = tmp_path / "home"
    r = _cli(home, "users", "add", "张审核", "--role", "reviewer", "--unit", "某县某局党组", "--unit", "某县某镇党委",
             "--password-stdin", stdin="first-pass-1\n")
    assert r.returncode == 0, r.stdout + r.stderr
    r = _cli(home, "users", "add", "张审核", "--role", "viewer", "--unit", "甲", "--password-stdin", stdin="x" * 9)
    assert r.returncode == 1 and "已存在" in r.stdout
    r = _cli(home, "users", "add", "某人", "--role", "boss", "--unit", "甲", "--password-stdin", stdin="x" * 9)
    assert r.returncode == 1 and "角色" in r.stdout
    assert _cli(home, "users", "passwd", "张审核", "--password-stdin", stdin="second-pass-2\n").returncode == 0
    # once accounts exist, the ledger's --by must be one of them, with a role that allows the step
    r = _cli(home, "tasks", "approve", "1", "--by", "张审核")
    assert r.returncode == 1 and "无权" in r.stdout
    r = _cli(home, "tasks", "start", "1", "--by", "陌生人")
    assert r.returncode == 1 and "不是有效的用户账号" in r.stdout
    r = _cli(home, "tasks", "start", "1", "--by", "张审核")
    assert r.returncode == 1 and "没有编号为1的整改任务" in r.stdout  # the name passed; no such task here
    assert _cli(home, "users", "disable", "张审核").returncode == 0
    r = _cli(home, "tasks", "start", "1", "--by", "张审核")
    assert r.returncode == 1 and "不是有效的用户账号" in r.stdout
    rows = json.loads(_cli(home, "users", "list", "--json").stdout)
    assert rows == [{"name": "张审核", "role": "reviewer", "units": ["某县某局党组", "某县某镇党委"], "disabled": True}]
    from models.accounts import authenticate
    from models.settings import Settings

    with session_scope(f"sqlite:///{home}/zhenggai.db") as s:
        user = authenticate.__globals__["get_user"](s, "张审核")
        assert user.password_hash.startswith("$argon2") and user.disabled
    assert _cli(home, "users", "disable", "无此人").returncode == 1
    del Settings


def test_web_command_serves_the_login_page(tmp_path):
    """`zhenggai web` starts uvicorn with the app; the login page answers with its headers."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = tmp_path / "home"
    env = dict(os.environ, ZHENGGAI_HOME=str(home), ZHENGGAI_DATABASE_URL=f"sqlite:///{home}/zhenggai.db")
    proc = subprocess.Popen([str(ZHENGGAI), "web", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        while True:  # no start-up deadline: a loaded machine may be slow; a dead process fails at once
            assert proc.poll() is None, proc.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as r:
                    body = r.read().decode()
                    assert r.status == 200 and 'name="username"' in body and 'name="password"' in body
                    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
                    break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.2)
        assert (home / "web-secret.key").stat().st_mode & 0o077 == 0
    finally:
        proc.terminate()
        proc.wait(timeout=60)
