"""Scale-out on a real Prefect server: PostgreSQL for Prefect and (separately) for the ledger, two
process workers, the deployments of prefect.yaml, `zhenggai watch` in server mode, and fifty files.
Every wait is bounded; every process started here is killed in a finally."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from flows.server import CODE_DIR, LocalStack
from models.db import session_scope
from models.tables import Document, Intake
from tests.conftest import REPORT_PARAGRAPHS, make_docx
from tests.server.pg import temp_database

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.timeout(900)]
N = 50


def _wait(cond, timeout: float, what: str, stack: LocalStack) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(1)
    logs = "\n".join(f"--- {n}\n{stack.log(n)[-2500:]}" for n in ("server.log", "worker-0.log",
                                                                   "worker-1.log", "watch.log"))
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{logs}")


def _flow_runs(api_url: str) -> list:
    """Runs of the ingest deployment (the nightly one has scheduled runs of its own)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        with get_client(sync_client=True) as client:
            dep = client.read_deployment_by_name("ingest/ingest").id
            return [r for r in client.read_flow_runs(limit=200) if r.deployment_id == dep]


def _nightly_schedule(api_url: str) -> tuple[str, str]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        with get_client(sync_client=True) as client:
            (sched,) = client.read_deployment_by_name("nightly/nightly").schedules
            return sched.schedule.cron, sched.schedule.timezone


def _online_workers(api_url: str) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        with get_client(sync_client=True) as client:
            return [w.name for w in client.read_workers_for_work_pool("zhenggai")
                    if w.status.value == "ONLINE"]


def _trigger(api_url: str, paths: list[Path]) -> None:
    """A deployment run created directly, as a second watcher or an operator would."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        run_deployment("ingest/ingest", parameters={"paths": [str(p) for p in paths], "source": "watch",
                                                    "move": True}, timeout=0, as_subflow=False)


def _run_and_wait(api_url: str, name: str) -> str:
    """Run a deployment now on a worker and wait (bounded) for its final state."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        run = run_deployment(name, timeout=240, poll_interval=1, as_subflow=False)
    return run.state.type.value


def test_fifty_files_through_deployment_runs_on_two_workers(tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    files = [make_docx(staging / f"巡察反馈意见{i:02d}.docx", [*REPORT_PARAGRAPHS, f"（编号{i}）"])
             for i in range(N)]
    home = tmp_path / "home"
    inbox = home / "inbox"
    with temp_database("zg_prefect") as prefect_db, temp_database("zg_ledger") as ledger_db:
        stack = LocalStack(tmp_path / "prefect", prefect_db, ledger_db, home)
        watcher = None
        try:
            stack.start_server()
            out = stack.deploy()
            assert "nightly" in out and "report" in out and "ingest" in out
            assert _nightly_schedule(stack.api_url) == ("0 2 * * *", "Asia/Shanghai")
            stack.start_workers(2)
            _wait(lambda: len(_online_workers(stack.api_url)) == 2, 120, "two workers online", stack)

            inbox.mkdir(parents=True)
            first = [inbox / f.name for f in files[:10]]
            for f, dst in zip(files, first):
                dst.write_bytes(f.read_bytes())
            _trigger(stack.api_url, first)  # two runs racing for the same ten files
            _trigger(stack.api_url, first)
            log = open(stack.prefect_home / "watch.log", "ab")
            watcher = subprocess.Popen([str(Path(sys.executable).with_name("zhenggai")), "watch", str(inbox),
                                        "--settle", "1"], env=stack.env(), cwd=CODE_DIR,
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            for wave in range(4):  # the rest arrives in waves while runs are going on
                for f in files[10 + wave * 10: 20 + wave * 10]:
                    (inbox / f.name).write_bytes(f.read_bytes())
                time.sleep(2)

            def done() -> bool:
                with session_scope(ledger_db) as s:
                    n = s.exec(select(func.count()).select_from(Document)).one()
                runs = _flow_runs(stack.api_url)
                return n == N and not any(inbox.iterdir()) and runs and all(r.state.is_final() for r in runs)

            _wait(done, 420, f"{N} documents, an empty inbox and every run finished", stack)
            runs = _flow_runs(stack.api_url)
            states = {name: _run_and_wait(stack.api_url, name) for name in ("nightly/nightly", "report/report")}
        finally:
            if watcher is not None and watcher.poll() is None:
                watcher.terminate()
                try:
                    watcher.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    watcher.kill()
                    watcher.wait(timeout=10)
            stack.stop()

        with session_scope(ledger_db) as s:
            docs = s.exec(select(Document)).all()
            intakes = s.exec(select(Intake)).all()
    assert sorted(d.name for d in docs) == sorted(f.name for f in files)
    assert [(d.name, d.status, d.reason, d.message) for d in docs if d.status != "ingested"] == []
    assert sorted(i.name for i in intakes) == sorted(f.name for f in files), "one outcome per file"
    assert {i.source for i in intakes} == {"watch"}
    stored = [p for p in (home / "processed").rglob("*") if p.is_file()]
    assert len(stored) == N
    assert [r.state.type.value for r in runs if not r.state.is_completed()] == []
    assert len(runs) >= 3  # the two direct triggers and at least one from the watcher
    assert states == {"nightly/nightly": "COMPLETED", "report/report": "COMPLETED"}
    assert list((home / "reports" / "digest").glob("每日摘要-*.html"))
    assert (home / "reports" / "整改台账.xlsx").is_file()
