"""Ingest flow: one flow run per batch, one task per file. Pass paths, not text."""
from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from extractors.pipeline import analyse
from models.followup import relink_ledger
from models.intake import Outcome, ingest_file, iter_entries
from models.settings import get_settings

# Files read at once: each parses in its own child process, so a few more than the cores keeps
# them busy while others start up or wait on Tesseract.
INGEST_WORKERS = int(os.environ.get("ZHENGGAI_INGEST_WORKERS", (os.cpu_count() or 2) + 2))


@task(name="ingest-file", cache_policy=NO_CACHE, persist_result=False)
def ingest_one(path: str, source: str, move: bool) -> dict:
    outcome = ingest_file(Path(path), get_settings(), analyse, source=source, move=move)
    get_run_logger().info("%s %s %s", outcome.status, outcome.reason or "-", outcome.sha256[:12])
    return asdict(outcome)


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=INGEST_WORKERS), persist_result=False,
      log_prints=False)
def ingest_flow(paths: list[str], source: str = "cli", move: bool = False) -> list[dict]:
    """Ingest files and folders. move=True only for the inbox zhenggai owns (the watcher, nightly)."""
    entries = iter_entries([Path(p) for p in paths])
    futures = [ingest_one.submit(str(e), source, move) for e in entries]
    results = []
    for fut in as_completed(futures):
        row = fut.result()
        results.append(row)
    stored = [r["document_id"] for r in results
              if r["status"] in ("ingested", "warning") and not r["unchanged"] and r["document_id"]]
    if stored:  # files stored side by side may not have seen each other: link reports to tasks again
        relink_ledger(get_settings().database_url, stored)
    return results


def outcomes(rows: list[dict]) -> list[Outcome]:
    return [Outcome(**r) for r in rows]

