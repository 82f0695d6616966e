"""`zhenggai serve` as an administrator runs it: a real Prefect server, the served deployments, the
inbox watcher, all in child processes of one service on a temporary home; and the commands that
work without it."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import REPORT_PARAGRAPHS, ROOT, make_docx

ZHENGGAI = Path(sys.executable).with_name("zhenggai")
BEIJING = ZoneInfo("Asia/Shanghai")
WAIT = 600  # generous: the machine may be busy; each wait ends as soon as its condition holds


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(ZHENGGAI_HOME=str(home), ZHENGGAI_DATABASE_URL=f"sqlite:///{home / 'zhenggai.db'}")
    return env


def _zhenggai(home: Path, *args: str, timeout: float = WAIT) -> subprocess.CompletedProcess:
    return subprocess.run([str(ZHENGGAI), *args], env=_env(home), cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def _until(check, what: str, proc: subprocess.Popen | None = None, timeout: float = WAIT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"serve exited ({proc.returncode}) while waiting for {what}")
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def next_beijing_2am(now: datetime) -> datetime:
    local = now.astimezone(BEIJING)
    at = local.replace(hour=2, minute=0, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


def _findings_of(home: Path, name: str) -> int:
    from sqlmodel import func, select

    from models.db import session_scope
    from models.tables import Document, Finding

    url = f"sqlite:///{home / 'zhenggai.db'}"
    if not (home / "zhenggai.db").exists():
        return 0
    try:
        with session_scope(url) as s:
            return s.exec(select(func.count()).select_from(Finding).join(Document, Finding.document_id == Document.id)
                          .where(Document.name == name)).one()
    except Exception:  # tables not there yet
        return 0


def _get(url: str) -> str | None:
    """The page's text once the web server answers, else None."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode("utf-8")
    except OSError:
        return None


TRIGGER_NIGHTLY = """
import sys
from prefect.deployments import run_deployment
run = run_deployment("nightly/nightly", parameters={"today": sys.argv[1], "min_age": 0}, timeout=%d)
print(run.state.type.value)
""" % WAIT


@pytest.mark.slow
def test_serve_runs_the_inbox_and_the_nightly_run_then_stops_cleanly(tmp_path):
    home = tmp_path / "home"
    log = open(tmp_path / "serve.out", "wb")
    with socket.socket() as sock:  # a free port for the web pages (another zhenggai may hold 8000)
        sock.bind(("127.0.0.1", 0))
        web_port = sock.getsockname()[1]
    serve = subprocess.Popen([str(ZHENGGAI), "serve", "--port", str(web_port)], env=_env(home), cwd=ROOT,
                             stdout=log, stderr=subprocess.STDOUT)
    info_path = home / "service.json"
    children: dict = {}
    try:
        info = _until(lambda: info_path.exists() and json.loads(info_path.read_text(encoding="utf-8")),
                      "service.json", serve)
        children = info["children"]
        assert set(children) == {"server", "runner", "executor", "watch", "web"}, info
        login = _until(lambda: _get(f"http://127.0.0.1:{web_port}/login"), "the web pages", serve)
        assert 'name="username"' in login and 'name="password"' in login

        again = _zhenggai(home, "serve", "--no-web")
        assert again.returncode == 1 and "不能再启动一个" in again.stdout.replace("\n", ""), again

        # A file dropped in the inbox is taken by the watcher and ingested by a served deployment run.
        staging = tmp_path / "staging"
        staging.mkdir()
        make_docx(staging / "巡察反馈.docx", REPORT_PARAGRAPHS)
        os.replace(staging / "巡察反馈.docx", home / "inbox" / "巡察反馈.docx")
        _until(lambda: _findings_of(home, "巡察反馈.docx") >= 3, "findings of the inbox file", serve)
        _until(lambda: not (home / "inbox" / "巡察反馈.docx").exists(), "the file to leave the inbox", serve)

        # `zhenggai ingest` goes through the warm executor: the command itself never imports Prefect
        # (-X importtime lists every module it imported), the flow run happens in the service.
        doc = make_docx(tmp_path / "命令行导入.docx", [*REPORT_PARAGRAPHS, "（由命令行导入）"])
        assert os.stat(info["executor_socket"]).st_mode & 0o777 == 0o600
        cli = [sys.executable, "-X", "importtime", "-c", "from flows.cli import main; main()", "ingest"]
        first = subprocess.run([*cli, str(doc)], env=_env(home), cwd=tmp_path, capture_output=True, text=True,
                               timeout=WAIT)
        assert first.returncode == 0 and "已处理" in first.stdout, first.stdout + first.stderr[-3000:]
        imported = [ln.rsplit("|", 1)[-1].strip() for ln in first.stderr.splitlines() if "import time:" in ln]
        assert "flows.cli" in imported and not [m for m in imported if m.split(".")[0] == "prefect"]
        assert "flows.ingest" not in imported
        log_text = (home / "logs" / "zhenggai.log").read_text(encoding="utf-8")
        assert "ingest request from pid" in log_text and "through the executor: flow run" in log_text
        assert _findings_of(home, "命令行导入.docx") >= 3
        # The same file again, named relative to the command's folder: unchanged, nothing doubled.
        again = subprocess.run([str(ZHENGGAI), "ingest", doc.name], env=_env(home), cwd=tmp_path,
                               capture_output=True, text=True, timeout=WAIT)
        assert again.returncode == 0 and "此前已处理，无变化" in again.stdout.replace("\n", ""), again.stdout
        assert (home / "logs" / "zhenggai.log").read_text(encoding="utf-8").count("through the executor") == 2

        # Status: what runs, and the nightly run's next start at 02:00 Beijing time.
        st = _until(lambda: (lambda s: s if s["nightly"] and s["nightly"]["next"] else None)(
            json.loads(_zhenggai(home, "status", "--json").stdout)), "the scheduler's next nightly run", serve)
        assert st["running"] and all(c["alive"] for c in st["service"]["children"].values()), st
        nxt = datetime.fromisoformat(st["nightly"]["next"]["expected_start_time"].replace("Z", "+00:00"))
        assert nxt == next_beijing_2am(datetime.now(BEIJING)), nxt
        assert st["inbox"] == 0

        # A child that dies is started again, and the restart is logged.
        os.killpg(children["watch"]["pid"], signal.SIGKILL)
        restarted = _until(lambda: (lambda i: i if i["children"]["watch"]["restarts"] == 1 else None)(
            json.loads(info_path.read_text(encoding="utf-8"))), "the watcher to be restarted", serve)
        children = restarted["children"]
        assert children["watch"]["pid"] != info["children"]["watch"]["pid"]
        assert "watch (pid" in (home / "logs" / "zhenggai.log").read_text(encoding="utf-8")

        # The nightly deployment, triggered through the server (the runner executes it).
        day = "2031-03-04"
        env = {**_env(home), "PREFECT_API_URL": info["api_url"]}
        trig = subprocess.run([sys.executable, "-c", TRIGGER_NIGHTLY, day], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=WAIT + 60)
        assert trig.stdout.strip() == "COMPLETED", trig.stdout + trig.stderr[-3000:]
        assert (home / "reports" / "digest" / f"每日摘要-{day}.html").exists()
        shown = _zhenggai(home, "status")
        assert shown.returncode == 0 and "运行中" in shown.stdout
        assert "最近一次夜间任务" in shown.stdout and "成功" in shown.stdout, shown.stdout
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
        try:
            code = serve.wait(timeout=120)
        finally:
            if serve.poll() is None:
                serve.kill()
            log.close()
    assert code == 0, (tmp_path / "serve.out").read_text(errors="replace")[-3000:]
    assert "服务已停止" in (tmp_path / "serve.out").read_text(encoding="utf-8")
    assert not info_path.exists()
    # Every child ran in its own process group: nothing of any of them is left.
    assert children and all(_group_gone(c["pid"]) for c in children.values()), children
    after = _zhenggai(home, "status")
    assert "服务未运行" in after.stdout.replace("\n", "")


def test_stale_service_file_is_ignored(tmp_path, monkeypatch):
    """A service that was killed leaves service.json but no lock holder: commands work on their own."""
    from flows.prefect_api import running_service, use_running_service

    home = tmp_path / "home"
    home.mkdir()
    (home / "service.json").write_text(json.dumps({"pid": 1, "api_url": "http://127.0.0.1:9/api"}))
    (home / "service.lock").write_text("1")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert running_service(home) is None
    assert use_running_service(home) is None and "PREFECT_API_URL" not in os.environ


def test_served_deployments_come_from_prefect_yaml():
    """The nightly cron and the ingest parameters of prefect.yaml are what the service serves."""
    from flows.served import runner_deployments

    deps = {d.name: d for d in runner_deployments()}
    assert set(deps) == {"nightly", "report", "ingest"}
    (sched,) = deps["nightly"].schedules
    assert sched.schedule.cron == "0 2 * * *" and sched.schedule.timezone == "Asia/Shanghai"
    assert deps["ingest"].parameters == {"source": "watch", "move": True}
    assert deps["nightly"].entrypoint == "flows.nightly.nightly_flow"


@pytest.mark.slow
def test_ingest_without_a_service_runs_quietly_on_its_own(tmp_path):
    """No service, no PREFECT_API_URL: a temporary Prefect server for this command; the staff
    terminal shows the result table and nothing of Prefect's."""
    home = tmp_path / "home"
    doc = make_docx(tmp_path / "r.docx", REPORT_PARAGRAPHS)
    r = _zhenggai(home, "ingest", str(doc))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "已处理" in r.stdout
    terminal = r.stdout + r.stderr
    assert "Traceback" not in terminal and "prefect" not in terminal.lower().replace("（prefect）", ""), terminal
    assert r.stderr.strip() == "", r.stderr


def test_orchestration_that_never_starts_is_one_chinese_sentence_and_nothing_done(tmp_path):
    """Both attempts time out (a limit no machine can meet): the staff get the sentence naming
    `zhenggai serve`, the file is untouched, the log has the details."""
    home = tmp_path / "home"
    doc = make_docx(tmp_path / "r.docx", REPORT_PARAGRAPHS)
    env = {**_env(home), "ZHENGGAI_PREFECT_STARTUP_SECONDS": "0.01"}
    r = subprocess.run([str(ZHENGGAI), "ingest", str(doc)], env=env, cwd=ROOT, capture_output=True,
                       text=True, timeout=WAIT)
    flat = r.stdout.replace("\n", "")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "两次都未能在限定时间内启动" in flat and "zhenggai serve" in flat
    assert "Traceback" not in r.stdout + r.stderr
    assert doc.exists() and not (home / "zhenggai.db").exists()
    assert "orchestration did not start" in (home / "logs" / "zhenggai.log").read_text(encoding="utf-8")
