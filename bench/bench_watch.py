"""Watcher latency: from a file's last byte written (and closed) in the watched folder to its
document and findings committed in the ledger. Prints p50 / p95 / max; target p95 <= 5 s.

    .venv/bin/python bench/bench_watch.py [--files 20] [--settle 2.0] [--poll] [--server]

Default: the ingest flow in this process and a SQLite ledger, in a throw-away home. --server: a
local Prefect server on PostgreSQL with two process workers and the ledger on PostgreSQL (each
batch is a deployment run in a new process), which needs PostgreSQL (ZHENGGAI_TEST_PG_URL).
The first file only warms up and is not counted.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_P95 = 5.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--poll", action="store_true", help="rescans instead of file events")
    ap.add_argument("--server", action="store_true", help="through a local Prefect server and workers")
    args = ap.parse_args()
    if not args.server:
        run(args, None)
        return
    from flows.server import LocalStack
    from tests.server.pg import temp_database

    tmp = Path(tempfile.mkdtemp(prefix="zg-bench-stack-"))
    with temp_database("zg_bench_prefect") as pdb, temp_database("zg_bench_ledger") as ldb:
        with LocalStack(tmp / "prefect", pdb, ldb, tmp / "home") as stack:
            stack.start_server()
            stack.deploy()
            stack.start_workers(2)
            run(args, stack)
    shutil.rmtree(tmp, ignore_errors=True)


def run(args, stack) -> None:

    tmp = Path(tempfile.mkdtemp(prefix="zg-bench-watch-"))
    if stack is None:
        home = tmp / "home"
        os.environ.update(ZHENGGAI_HOME=str(home), ZHENGGAI_DATABASE_URL=f"sqlite:///{home / 'zhenggai.db'}",
                          PREFECT_HOME=str(tmp / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
                          PREFECT_LOGGING_LEVEL="ERROR")
        os.environ.pop("PREFECT_API_URL", None)
    else:  # before Prefect is imported here: the watcher thread reads the environment
        os.environ.update(stack.env())

    from sqlmodel import select

    from flows.watch import Watcher, in_process, via_deployment
    from models.db import session_scope
    from models.settings import get_settings
    from models.tables import Document, Finding
    from tests.conftest import REPORT_PARAGRAPHS, make_docx

    settings = get_settings()
    settings.ensure_dirs()
    staging = tmp / "staging"
    staging.mkdir()
    files = [make_docx(staging / f"巡察反馈意见{i:03d}.docx", [*REPORT_PARAGRAPHS, f"（编号{i}）"])
             for i in range(args.files + 1)]
    submit = in_process() if stack is None else via_deployment()
    watcher = Watcher(settings.inbox, submit, settle=args.settle, poll=args.poll)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()

    def committed(sha: str) -> tuple[bool, int]:
        with session_scope(settings.database_url) as s:
            doc = s.exec(select(Document).where(Document.sha256 == sha)).first()
            if doc is None:
                return False, 0
            return True, len(s.exec(select(Finding.id).where(Finding.document_id == doc.id)).all())

    latencies, findings = [], 0
    try:
        for i, f in enumerate(files):
            data = f.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            with open(settings.inbox / f.name, "wb") as out:
                out.write(data)
            done_at = time.monotonic()  # the copy is complete and closed
            deadline = done_at + 120
            while True:
                ok, n = committed(sha)
                if ok:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"{f.name} not ingested within 120 s")
                time.sleep(0.02)
            if i:  # the first file also pays for Prefect's start-up
                latencies.append(time.monotonic() - done_at)
                findings += n
            time.sleep(0.2)
    finally:
        watcher.stop()
        thread.join(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    q = statistics.quantiles(latencies, n=100, method="inclusive")
    p50, p95 = q[49], q[94]
    print(f"watch latency, file complete -> findings committed ({len(latencies)} files, "
          f"settle {args.settle}s, {'polling' if args.poll else 'file events'}, "
          f"{'deployment runs on 2 workers, PostgreSQL' if stack else 'in-process flow, SQLite'}):")
    print(f"  p50 {p50:.2f} s   p95 {p95:.2f} s   max {max(latencies):.2f} s   "
          f"(findings stored: {findings}; target p95 <= {TARGET_P95:.0f} s: "
          f"{'met' if p95 <= TARGET_P95 else 'MISSED'})")


if __name__ == "__main__":
    main()
