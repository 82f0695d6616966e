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
from models.intake import Outcome, escape_name, ingest_file, iter_entries
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
    futures = {ingest_one.submit(str(e), source, move): e for e in entries}
    results = []
    for fut in as_completed(list(futures)):
        try:
            row = fut.result()
        except Exception as exc:  # one failed task never stops collecting the others' outcomes
            get_run_logger().error("ingesting %s failed: %r", escape_name(futures[fut].name), exc)
            row = asdict(task_failed(futures[fut], exc))
        results.append(row)
    try:
        publish_outcomes(results)
    except Exception:  # the files are in the ledger already; a missing artifact must not fail the run
        get_run_logger().warning("could not publish the ingest artifact", exc_info=True)
    return results


def publish_outcomes(rows: list[dict]) -> None:
    """A table artifact so the Prefect UI shows what this run did: file, outcome, findings, tasks."""
    from prefect.artifacts import create_table_artifact

    from models import vocabulary as V
    from models.db import session_scope
    from reports.queries import tasks_per_document

    ids = sorted({r["document_id"] for r in rows if r.get("document_id")})
    with session_scope(get_settings().database_url) as s:
        tasks = tasks_per_document(s, ids)
    table = [{"文件": r["name"], "结果": V.DOC_STATUS.get(r["status"], r["status"]),
              "问题数": r["findings"], "整改任务数": tasks.get(r["document_id"], 0) if r["document_id"] else 0,
              "说明": r["message"] + ("（此前已处理，无变化）" if r["unchanged"] else "")}
             for r in sorted(rows, key=lambda r: r["name"])]
    create_table_artifact(table=table, key="ingest-outcomes", description=f"导入 {len(rows)} 个文件")


def task_failed(path: Path, exc: BaseException) -> Outcome:
    """The outcome of a file whose task raised (a full disk, a lost database): nothing was stored,
    the original stays where it was and the next run takes it again."""
    return Outcome(escape_name(path.name), "skipped", "INTERNAL_ERROR",
                   f"处理该文件时发生系统错误（{type(exc).__name__}），未入库，原文件保留在原处，下次运行时将重试。")


def outcomes(rows: list[dict]) -> list[Outcome]:
    return [Outcome(**r) for r in rows]

