"""A seeded ledger for the web tests: two real reports of two units, and one account per role.

Ingestion (real readers, real rules) runs once per session into a template home; each test gets
its own copy of that home, so tests can change data without seeing each other's changes.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, make_docx

UNIT_A = "某县某局党组"  # 县局巡察反馈意见.pdf
UNIT_B = "某县某镇党委"  # 镇党委巡察反馈意见.docx
PASSWORD = "correct-horse-9"
# Accounts of units A; "outsider" reviews unit B only; "submitter" files close-outs for the four-eyes test.
USERS = {"admin": ("admin", []), "reviewer": ("reviewer", [UNIT_A]), "approver": ("approver", [UNIT_A]),
         "viewer": ("viewer", [UNIT_A]), "approver2": ("approver", [UNIT_A]), "outsider": ("reviewer", [UNIT_B])}
HOSTILE = ["关于对某县某局党组开展巡察的反馈意见",
           "一、巡察发现的主要问题",
           "1.办公室主任郑某某在系统中录入<script>alert(1)</script>字样的材料，工作推诿扯皮、慢作为，群众反映较多。",
           "2.财务制度执行不严，报销单据备注写有{{ 7*7 }}等无关内容，存在白条入账问题。"]


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    from extractors.pipeline import analyse
    from models.accounts import add_user
    from models.db import get_engine, session_scope
    from models.intake import ingest_file
    from models.settings import Settings

    home = tmp_path_factory.mktemp("web-template") / "home"
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'zhenggai.db'}")
    settings.ensure_dirs()
    src = tmp_path_factory.mktemp("web-src")
    hostile = make_docx(src / "含特殊字符的反馈意见.docx", HOSTILE)
    for path in (SAMPLES / "县局巡察反馈意见.pdf", SAMPLES / "镇党委巡察反馈意见.docx", hostile):
        outcome = ingest_file(path, settings, analyse)
        assert outcome.status == "ingested", outcome
    with session_scope(settings.database_url) as s:
        for name, (role, units) in USERS.items():
            add_user(s, name, role, PASSWORD, units)
    get_engine(settings.database_url).dispose()  # checkpointed and closed before it is copied
    return home


@pytest.fixture
def web_settings(seeded_template, tmp_path, monkeypatch):
    from models.settings import Settings

    home = tmp_path / "home"
    shutil.copytree(seeded_template, home)
    monkeypatch.setenv("ZHENGGAI_HOME", str(home))
    monkeypatch.setenv("ZHENGGAI_DATABASE_URL", f"sqlite:///{home / 'zhenggai.db'}")
    return Settings(home=home, database_url=f"sqlite:///{home / 'zhenggai.db'}")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "page carries no CSRF token"
    return m.group(1)


def login(client, name: str, password: str = PASSWORD):
    """Log in through the form as a browser would; returns the CSRF token of the new session."""
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": name, "password": password, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return csrf_of(client.get("/findings").text)


@pytest.fixture
def client_for(web_settings):
    """client_for(name) -> (TestClient logged in as name, its CSRF token)."""
    from fastapi.testclient import TestClient

    from web.app import create_app

    app = create_app(web_settings)
    clients = []

    def make(name: str | None):
        c = TestClient(app)
        clients.append(c)
        return c, (login(c, name) if name else "")

    yield make
    for c in clients:
        c.close()
