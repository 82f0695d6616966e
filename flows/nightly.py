"""Nightly run and report flow: the inbox, transient failures, overdue tasks, the daily digest.

Each step is one coarse task calling the core; a failed step is logged and the others still run,
so one bad night never leaves tasks unmarked or the digest missing.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extractors.pipeline import analyse
from flows.ingest import ingest_flow
from flows.watch import scan, signature
from models.db import session_scope
from models.ledger import mark_overdue
from models.intake import is_temporary_path, sweep_work
from models.retry import retry_transient
from models.settings import TEMP_SETTLE_S, get_settings


# Deadlines are Beijing dates: a run at 02:00 there is still "yesterday" on a UTC worker.
LEDGER_TZ = ZoneInfo("Asia/Shanghai")


def ledger_today() -> str:
    return datetime.now(LEDGER_TZ).date().isoformat()


@task(name="retry-transient", cache_policy=NO_CACHE, persist_result=False)
def retry_task() -> list[dict]:
    rows = [asdict(r) for r in retry_transient(get_settings(), analyse)]
    get_run_logger().info("retried %d documents", len(rows))
    return rows


@task(name="reextract-stale", cache_policy=NO_CACHE, persist_result=False)
def reextract_task() -> dict:
    """Documents extracted with an older rule set get the current rules (corrections kept)."""
    from extractors.pipeline import default_rules
    from models.reextract import reextract_document, stale_ids

    settings, rules = get_settings(), default_rules()
    total = {"documents": 0, "new": 0, "kept": 0, "vanished": 0}
    for doc_id in stale_ids(settings, rules):
        total["documents"] += 1
        for k, v in reextract_document(settings, doc_id, rules).items():
            total[k] = total.get(k, 0) + v
    return total


@task(name="mark-overdue", cache_policy=NO_CACHE, persist_result=False)
def overdue_task(today: str) -> dict:
    with session_scope(get_settings().database_url) as s:
        return mark_overdue(s, date.fromisoformat(today))


@task(name="render-reports", cache_policy=NO_CACHE, persist_result=False)
def reports_task(today: str) -> dict:
    """The follow-up report (HTML) and the Excel ledger, latest version: no chart fonts or
    LibreOffice needed at night; `zhenggai report` makes the Word and PDF versions."""
    from reports.bundle import write_report
    from reports.context import build_context

    settings = get_settings()
    settings.ensure_dirs()
    with session_scope(settings.database_url) as s:
        ctx = build_context(s, today=date.fromisoformat(today))
        written = write_report(ctx, ["html", "xlsx"], settings.reports)
    return {fmt: str(path) for fmt, path in written.files.items()}


@task(name="nightly-digest", cache_policy=NO_CACHE, persist_result=False)
def digest_task(today: str) -> dict:
    """每日摘要 since the previous one: a dated HTML file and a markdown artifact in the Prefect UI."""
    from prefect.artifacts import create_markdown_artifact

    from reports.digest import build_digest, digest_html, digest_markdown, record_digest

    settings = get_settings()
    settings.ensure_dirs()
    path = digest_path(today)
    with session_scope(settings.database_url) as s:
        digest = build_digest(s, date.fromisoformat(today))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(digest_html(digest), encoding="utf-8")
        markdown = digest_markdown(digest)
        record_digest(s, digest)
    try:
        create_markdown_artifact(markdown=markdown, key="nightly-digest", description=f"每日摘要 {today}")
    except Exception:  # the digest file is written and recorded; the UI copy is a courtesy
        get_run_logger().warning("could not publish the digest artifact", exc_info=True)
    return {"html": str(path), "arrived": len(digest.arrived), "fell_due": len(digest.fell_due),
            "changes": sum(n for _, n in digest.change_counts)}


def settled_entries(folder: Path, min_age: float, temp_settle: float = TEMP_SETTLE_S) -> list[str]:
    """Inbox files not being written: files changed in the last min_age seconds (temp_settle for a
    temporary-looking or hidden name, as the watcher does) are left for the watcher or the next run."""
    now = time.time()
    out = []
    for p in scan(folder):
        sig = signature(p)
        wait = temp_settle if is_temporary_path(p, folder) else min_age
        if sig is not None and now - sig[1] / 1e9 >= wait:
            out.append(str(p))
    return out


@flow(name="report", persist_result=False)
def report_flow(today: str | None = None) -> dict:
    """Render the follow-up report and the Excel ledger."""
    return reports_task(today or ledger_today())


@flow(name="nightly", persist_result=False)
def nightly_flow(today: str | None = None, min_age: float = 60.0) -> dict:
    """Inbox → retry transient failures → new rules over old documents → mark overdue → report
    → digest."""
    logger = get_run_logger()
    today = today or ledger_today()
    settings = get_settings()
    settings.ensure_dirs()
    summary: dict = {"today": today, "errors": []}
    steps = (
        ("swept", lambda: sweep_work(settings)),  # copies left by a run killed mid-copy
        ("ingested", lambda: ingest_flow(settled_entries(settings.inbox, min_age, settings.temp_settle),
                                         source="nightly", move=True)),
        ("retried", retry_task),
        ("reextracted", reextract_task),
        ("overdue", lambda: overdue_task(today)),
        ("reports", lambda: report_flow(today)),
        ("digest", lambda: digest_task(today)),
    )
    for key, step in steps:
        try:
            summary[key] = step()
        except Exception as exc:  # keep going: each step is useful on its own
            logger.exception("nightly step %s failed", key)
            summary["errors"].append(f"{key}: {exc!r}")
    if summary["errors"]:
        raise RuntimeError("; ".join(summary["errors"]))  # the run shows as failed in the UI
    return summary


def digest_path(today: str) -> Path:
    return get_settings().reports / "digest" / f"每日摘要-{today}.html"
