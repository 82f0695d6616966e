"""Accounts: argon2 hashes, roles, disabling, and the one scope filter every query uses."""
from datetime import date

import pytest
from sqlmodel import select

from models import accounts
from models.accounts import AccountError
from models.db import session_scope
from models.tables import AuditEvent, Document, Finding, Task


@pytest.fixture
def settings(any_settings):
    return any_settings


def test_add_authenticate_disable(settings):
    with session_scope(settings.database_url) as s:
        u = accounts.add_user(s, "李审核", "reviewer", "s3cret-pass", ["某县某局党组", " 某县某局党组 "])
        assert u.units == ["某县某局党组"] and u.password_hash.startswith("$argon2")
        assert "s3cret-pass" not in u.password_hash
    with session_scope(settings.database_url) as s:
        assert accounts.authenticate(s, "李审核", "s3cret-pass").name == "李审核"
        assert accounts.authenticate(s, "李审核", "wrong-pass!") is None
        assert accounts.authenticate(s, "没有此人", "s3cret-pass") is None
        accounts.set_password(s, "李审核", "another-pass")
    with session_scope(settings.database_url) as s:
        assert accounts.authenticate(s, "李审核", "s3cret-pass") is None
        assert accounts.authenticate(s, "李审核", "another-pass") is not None
        accounts.disable_user(s, "李审核")
    with session_scope(settings.database_url) as s:
        assert accounts.authenticate(s, "李审核", "another-pass") is None
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "user")).all()]
    assert actions == ["user.added", "user.password_changed", "user.disabled"]


@pytest.mark.parametrize("args,message", [
    (("x", "boss", "long-enough"), "角色"),
    (("x", "reviewer", "long-enough"), "至少指定一个单位"),
    (("x", "admin", "short"), "至少需要8个字符"),
    (("", "admin", "long-enough"), "用户名不能为空"),
])
def test_refusals_are_chinese_sentences(settings, args, message):
    with session_scope(settings.database_url) as s, pytest.raises(AccountError, match=message):
        accounts.add_user(s, *args)


def test_duplicate_name_refused(settings):
    with session_scope(settings.database_url) as s:
        accounts.add_user(s, "王管理", "admin", "long-enough")
    with session_scope(settings.database_url) as s, pytest.raises(AccountError, match="已存在"):
        accounts.add_user(s, "王管理", "viewer", "long-enough", ["甲"])


def test_scope_filter_by_unit(settings):
    with session_scope(settings.database_url) as s:
        for i, unit in enumerate(("甲单位", "乙单位", "")):
            d = Document(sha256=str(i) * 64, name=f"{i}.docx", unit=unit)
            s.add(d)
            s.flush()
            f = Finding(fingerprint=str(i) * 64, document_id=d.id, quote=f"问题{i}", subject="unit",
                        category="other", severity="minor", route="rectification", unit=unit)
            s.add(f)
            s.flush()
            s.add(Task(finding_id=f.id, route="rectification", unit=unit, deadline=date(2030, 1, 1)))
        admin = accounts.add_user(s, "admin", "admin", "long-enough")
        jia = accounts.add_user(s, "jia", "viewer", "long-enough", ["甲单位"])
        both = accounts.add_user(s, "both", "reviewer", "long-enough", ["甲单位", "乙单位"])
        for user, units in ((admin, {"甲单位", "乙单位", ""}), (jia, {"甲单位"}), (both, {"甲单位", "乙单位"})):
            clauses = accounts.scope_filter(user)
            for table in (Document, Finding, Task):
                seen = {r.unit for r in s.exec(select(table).where(clauses[table])).all()}
                assert seen == units, (user.name, table.__name__)
        jia.units = []  # a non-admin with no units sees nothing, never everything
        assert s.exec(select(Finding).where(accounts.scope_findings(jia))).all() == []
        assert accounts.in_scope(jia, "甲单位") is False and accounts.in_scope(admin, "任何单位")


def test_finding_rule_rows_follow_hits_and_are_backfilled(tmp_path):
    """Migration 0005 fills finding_rule from existing findings' hits; store keeps it in step."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text
    from sqlmodel import create_engine

    from models.db import MIGRATIONS
    from models.store import index_rules
    from models.tables import FindingRule

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        conn.execute(text("INSERT INTO document (id, sha256, name, size, file_type, stored_as, status, reason, message,"
                          " pages, kind, title, issuer, unit, doc_date, reader, rules_version, created_at, updated_at)"
                          " VALUES (1, 'a', 'x.docx', 0, 'docx', '', 'ingested', '', '', 1, 'feedback', '', '', '甲',"
                          " '', '', 'v1', '2026-01-01', '2026-01-01')"))
        conn.execute(text("INSERT INTO finding (id, fingerprint, document_id, quote, page, start, \"end\", subject,"
                          " category, severity, person, post, unit, route, route_reason, hits, explanation,"
                          " rules_version, origin, state, corrected, review_state, reviewed_by, created_at, updated_at)"
                          " VALUES (1, 'f', 1, '问题', 1, 0, 2, 'unit', 'other', 'minor', '', '', '甲', 'rectification',"
                          " '', :hits, '', 'v1', 'extracted', 'active', 0, 'pending', '', '2026-01-01', '2026-01-01')"),
                     {"hits": '[{"rule_id": "r.one", "kind": "keyword"}, {"rule_id": "r.two", "kind": "pattern"}]'})
        command.upgrade(cfg, "head")
    from sqlmodel import Session

    with Session(engine) as s:
        assert sorted(r.rule_id for r in s.exec(select(FindingRule)).all()) == ["r.one", "r.two"]
        f = s.get(Finding, 1)
        f.hits = [{"rule_id": "r.two"}, {"rule_id": "r.three"}]
        index_rules(s, f)
        s.commit()
        assert sorted(r.rule_id for r in s.exec(select(FindingRule)).all()) == ["r.three", "r.two"]
