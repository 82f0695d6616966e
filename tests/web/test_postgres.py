"""The same pages on PostgreSQL: queue, rule filter, keyset paging, a decision, the scope."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from models.db import session_scope
from tests.conftest import REPORT_PARAGRAPHS, make_docx
from tests.web.conftest import login


def test_queue_and_review_on_postgresql(tmp_path, monkeypatch, pg_database):
    from extractors.pipeline import analyse
    from models.accounts import add_user
    from models.intake import ingest_file
    from models.settings import Settings
    from models.tables import Finding
    from web.app import create_app

    home = tmp_path / "home"
    monkeypatch.setenv("ZHENGGAI_HOME", str(home))
    settings = Settings(home=home, database_url=pg_database)
    settings.ensure_dirs()
    assert ingest_file(make_docx(tmp_path / "r.docx", REPORT_PARAGRAPHS), settings, analyse).status == "ingested"
    with session_scope(pg_database) as s:
        findings = s.exec(select(Finding).order_by(Finding.score, Finding.id)).all()
        unit = findings[0].unit
        rule = findings[0].hits[0]["rule_id"]
        add_user(s, "pg-reviewer", "reviewer", "long-enough-1", [unit])
        add_user(s, "pg-other", "reviewer", "long-enough-1", ["另一个单位"])
    assert unit and len(findings) >= 2
    with TestClient(create_app(settings)) as client:
        token = login(client, "pg-reviewer", "long-enough-1")
        page = client.get("/findings").text
        assert f'data-id="{findings[0].id}"' in page
        assert f'data-id="{findings[0].id}"' in client.get(f"/findings?rule={rule}").text
        assert 'data-id="' not in client.get("/findings?rule=no.such.rule").text
        from web import queries as Q
        from models.accounts import get_user

        with session_scope(pg_database) as s:
            user = get_user(s, "pg-reviewer")
            first, cursor = Q.queue_page(s, user, Q.QueueFilter(), size=1)
            second, _ = Q.queue_page(s, user, Q.QueueFilter(), after=cursor, size=1)
        assert [r[0].id for r in first + second] == [f.id for f in findings[:2]]
        r = client.post(f"/findings/{findings[0].id}/accept", headers={"Accept": "application/json",
                                                                       "X-CSRF-Token": token})
        assert r.status_code == 200 and r.json()["review_state"] == "accepted"
    with TestClient(create_app(settings)) as other:
        login(other, "pg-other", "long-enough-1")
        assert other.get(f"/findings/{findings[0].id}").status_code == 404
        assert 'data-id="' not in other.get("/findings?review=all").text
    with session_scope(pg_database) as s:
        assert s.get(Finding, findings[0].id).reviewed_by == "pg-reviewer"
