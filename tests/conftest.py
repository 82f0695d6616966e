"""Shared fixtures: an isolated data home with its own SQLite ledger, real sample files,
and one Prefect test harness (a real local Prefect API) for the whole session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
DEVSET = SHARED / "devset"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


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
