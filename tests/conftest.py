"""Shared fixtures: an isolated data home with its own SQLite ledger, real sample files,
and one Prefect test harness (a real local Prefect API) for the whole session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def shared_dir() -> Path:
    """The shared dev set and scorer: ZHENGGAI_SHARED, else `shared` beside the checkout.
    The one place that knows it (tests and benches import SHARED / DEVSET from here)."""
    return Path(os.environ.get("ZHENGGAI_SHARED") or ROOT.parent / "shared")


SHARED = shared_dir()
DEVSET = SHARED / "devset"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared folder (dev set, scorer); tests that need it are skipped when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared folder not found at {SHARED} (set ZHENGGAI_SHARED)")
    return SHARED


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh ZHENGGAI_HOME with a SQLite ledger inside it."""
    h = tmp_path / "home"
    monkeypatch.setenv("ZHENGGAI_HOME", str(h))
    monkeypatch.setenv("ZHENGGAI_DATABASE_URL", f"sqlite:///{h / 'zhenggai.db'}")
    return h


@pytest.fixture
def settings(home):
    from models.settings import get_settings

    s = get_settings()
    s.ensure_dirs()
    return s


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in (".pdf", ".docx", ".doc"))


def make_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    """Write a real .docx with python-docx."""
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, val in enumerate(row):
                t.cell(r, c).text = val
    d.save(str(path))
    return path


REPORT_PARAGRAPHS = [
    "关于对某县某局党组开展巡察的反馈意见",
    "一、巡察发现的主要问题",
    "（一）班子建设方面",
    "1.领导班子配备不齐，副局长职位空缺两年以上。",
    "2.办公室主任郑某某工作推诿扯皮、慢作为，群众反映较多。",
    "3.财务制度执行不严，存在白条入账问题。",
    "二、整改要求",
    "要坚决防止带病提拔，必须严格执行干部选拔任用工作条例。",
    "经核查，反映该局违规发放津贴问题不属实。",
]


PG_ADMIN = os.environ.get("ZHENGGAI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as c:
            c.execute("select 1")
        return True
    except Exception:
        return False


def require_pg() -> None:
    """PostgreSQL tests run whenever a server answers; in CI a missing server is a failure."""
    if pg_reachable():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN} (CI=true: required)")
    pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}; start it or set ZHENGGAI_TEST_PG_URL to enable")


@pytest.fixture
def pg_database():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards. Yields its URL."""
    import uuid

    import psycopg

    require_pg()
    name = f"zg_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    yield url
    from models.db import _engine

    _engine.cache_clear()  # release pooled connections before dropping
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def any_settings(request, home, monkeypatch):
    """The same test on the embedded SQLite ledger and on PostgreSQL."""
    from models.settings import get_settings

    if request.param == "postgresql":
        monkeypatch.setenv("ZHENGGAI_DATABASE_URL", request.getfixturevalue("pg_database"))
    s = get_settings()
    s.ensure_dirs()
    return s
