"""`zhenggai serve`: one supervised service on one machine, for the embedded default.

Children, each its own process group with its output in logs/service-<name>.log:
  server   Prefect's own server (`prefect server start`), its SQLite database in <home>/prefect;
           its scheduler creates the nightly run at 02:00 Beijing time;
  runner   the deployments of prefect.yaml served by Prefect's `serve()` (flows/served.py), which
           runs the nightly run and the watcher's ingest runs;
  executor the warm ingest path (flows/executor.py): Prefect and the flows imported once, it runs
           `zhenggai ingest` requests from a Unix socket in its own process, so a command does not
           pay Prefect's import nor a new process per run;
  watch    the watcher on the inbox, submitting batches to the ingest deployment;
  web      the review web app (web.app:create_app under uvicorn), when that module exists.

A child that dies is started again (after 1, 2, 4 … 60 s if it keeps dying) and logged. SIGTERM or
Ctrl-C stops every child. A lock file keeps a second service off the same home; service.json tells
every other command where the API is, and is removed on stop.
"""
from __future__ import annotations

import fcntl
import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from flows.executor import reachable, socket_path
from flows.prefect_api import (PREFECT_LOGGING_CONFIG, die_with_parent, free_port, healthy, lock_file,
                               running_service, service_file)
from flows.server import CODE_DIR, PREFECT
from models.settings import Settings

log = logging.getLogger("zhenggai.service")

MAX_BACKOFF = 60.0
STABLE_AFTER = 60.0  # a child that lived this long starts again at once after dying
STOP_GRACE = 15.0
INGEST_DEPLOYMENT = "ingest/ingest"
NIGHTLY_FLOW = "nightly"


class ServiceError(Exception):
    """The service cannot start: a Chinese sentence for the administrator."""


def web_app_available() -> bool:
    """The review web app ships in web/app.py (create_app); until then serve runs without it."""
    try:
        return importlib.util.find_spec("web.app") is not None
    except ModuleNotFoundError:
        return False


def port_free(host: str, port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


@dataclass
class Child:
    """One supervised process; restarted with back-off when it dies."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    restarts: int = 0
    started: float = 0.0
    backoff: float = 1.0
    due: float | None = None  # monotonic time of the next start after a death

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(self.args, env=self.env, cwd=CODE_DIR, stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True, preexec_fn=die_with_parent)
        self.started = time.monotonic()
        self.due = None
        log.info("started %s pid=%s", self.name, self.proc.pid)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check(self, now: float) -> bool:
        """Restart if dead and due; True when it was (re)started now."""
        if self.proc is None or self.alive():
            return False
        if self.due is None:
            lived = now - self.started
            self.backoff = 1.0 if lived >= STABLE_AFTER else min(MAX_BACKOFF, self.backoff * 2)
            self.due = now + self.backoff
            log.warning("%s (pid %s) exited with code %s after %.0fs; restarting in %.0fs (see %s)",
                        self.name, self.proc.pid, self.proc.returncode, lived, self.backoff, self.log_path)
            self._kill_group(signal.SIGKILL)  # what it left behind (e.g. a flow run's process)
            return False
        if now >= self.due:
            self.restarts += 1
            self.start()
            return True
        return False

    def _kill_group(self, sig: int) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def terminate(self) -> None:
        self._kill_group(signal.SIGTERM)

    def finish(self, deadline: float) -> None:
        """Wait for the SIGTERM to work until deadline, then kill the whole group."""
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0fs; killing it", self.name, STOP_GRACE)
        self._kill_group(signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


@dataclass
class Service:
    settings: Settings
    host: str = "127.0.0.1"
    port: int = 8000
    web: bool = True
    watch: bool = True
    api_port: int = field(default_factory=free_port)
    children: list[Child] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    started_at: str = ""
    notes: list[str] = field(default_factory=list)  # what was left out, and why
    executor_socket: Path | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/api"

    @property
    def web_url(self) -> str | None:
        return f"http://{self.host}:{self.port}/" if self._web_child() else None

    def _web_child(self) -> Child | None:
        return next((c for c in self.children if c.name == "web"), None)

    @property
    def prefect_home(self) -> Path:
        return self.settings.home / "prefect"

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(ZHENGGAI_HOME=str(self.settings.home), ZHENGGAI_DATABASE_URL=self.settings.database_url,
                   PREFECT_HOME=str(self.prefect_home), PREFECT_LOGGING_LEVEL="WARNING",
                   PREFECT_LOGGING_SETTINGS_PATH=str(PREFECT_LOGGING_CONFIG),
                   PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONUNBUFFERED="1")
        return env

    def client_env(self) -> dict[str, str]:
        return {**self.base_env(), "PREFECT_API_URL": self.api_url}

    def _child(self, name: str, args: list[str], env: dict[str, str]) -> Child:
        child = Child(name, args, env, self.settings.home / "logs" / f"service-{name}.log")
        self.children.append(child)
        child.start()
        return child

    # -- start ------------------------------------------------------------------------------------
    def _lock(self):
        path = lock_file(self.settings.home)
        fh = open(path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            info = running_service(self.settings.home) or {}
            raise ServiceError(f"数据目录 {self.settings.home} 已有 zhenggai serve 在运行"
                               f"（进程 {info.get('pid', '未知')}），不能再启动一个。"
                               "查看状态：zhenggai status") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        return fh

    def _wait(self, ready, what: str, timeout: float, guard: Child | None = None) -> bool:
        """Poll ready() until true, stop requested or timeout; keep the guarded child alive."""
        end = time.monotonic() + timeout
        while not self.stop_event.is_set() and time.monotonic() < end:
            if ready():
                return True
            if guard is not None:
                guard.check(time.monotonic())
            self.stop_event.wait(0.5)
        if not self.stop_event.is_set():
            log.error("%s not ready after %.0fs", what, timeout)
        return False

    def deployment_ready(self) -> bool:
        flow, name = INGEST_DEPLOYMENT.split("/")
        url = f"{self.api_url}/deployments/name/{urllib.parse.quote(flow)}/{urllib.parse.quote(name)}"
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def start(self, ready_timeout: float = 600) -> None:
        """Start the children in order: server (healthy), runner (deployments in), watcher, web."""
        self.settings.ensure_dirs()
        self.prefect_home.mkdir(parents=True, exist_ok=True)
        if self.web and web_app_available() and not port_free(self.host, self.port):
            raise ServiceError(f"网页端口 {self.host}:{self.port} 已被占用，请用 --port 换一个端口，"
                               "或用 --no-web 不启动网页。")
        self.started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        server_env = {**self.base_env(), "PREFECT_SERVER_DATABASE_CONNECTION_URL":
                      f"sqlite+aiosqlite:///{self.prefect_home / 'prefect.db'}"}
        server = self._child("server", [PREFECT, "server", "start", "--host", "127.0.0.1", "--port",
                                        str(self.api_port), "--no-ui", "--analytics-off"], server_env)
        if not self._wait(lambda: healthy(self.api_url), "Prefect server", ready_timeout, server):
            self._not_started(f"流程编排服务（Prefect）在 {ready_timeout:.0f} 秒内未能启动", server)
            return
        runner = self._child("runner", [sys.executable, "-m", "flows.served"], self.client_env())
        if not self._wait(self.deployment_ready, "served deployments", ready_timeout, runner):
            self._not_started(f"部署执行在 {ready_timeout:.0f} 秒内未能就绪", runner)
            return
        self.executor_socket = socket_path(self.settings.home)
        executor = self._child("executor", [sys.executable, "-m", "flows.executor", "--socket",
                                            str(self.executor_socket)], self.client_env())
        if not self._wait(lambda: reachable(self.executor_socket), "ingest executor", ready_timeout, executor):
            self._not_started(f"导入执行进程在 {ready_timeout:.0f} 秒内未能就绪", executor)
            return
        if self.watch:
            self._child("watch", [sys.executable, "-c", "from flows.cli import main; main()", "watch"],
                        self.client_env())
        else:
            self.notes.append("未监视收件箱（--no-watch）")
        if not self.web:
            self.notes.append("未启动网页（--no-web）")
        elif web_app_available():
            self._child("web", [sys.executable, "-m", "uvicorn", "--factory", "web.app:create_app",
                                "--host", self.host, "--port", str(self.port)], self.client_env())
        else:
            log.info("web.app not present: serving without the web app")
            self.notes.append("网页模块（web.app）尚未安装，未启动网页")

    def _not_started(self, what: str, child: Child) -> None:
        """A stop asked for while starting is not an error; a start that never got ready is."""
        if not self.stop_event.is_set():
            raise ServiceError(f"{what}，服务未启动。详见 {child.log_path}")

    # -- bookkeeping ------------------------------------------------------------------------------
    def describe(self) -> dict:
        return {"pid": os.getpid(), "home": str(self.settings.home), "api_url": self.api_url,
                "web_url": self.web_url, "started_at": self.started_at, "notes": self.notes,
                "executor_socket": str(self.executor_socket) if self.executor_socket else None,
                "children": {c.name: {"pid": c.proc.pid if c.proc else None, "restarts": c.restarts,
                                      "log": str(c.log_path)} for c in self.children}}

    def write_info(self) -> None:
        path = service_file(self.settings.home)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.describe(), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)

    # -- run --------------------------------------------------------------------------------------
    def request_stop(self, *_args) -> None:
        self.stop_event.set()

    def run(self, on_ready=None) -> None:
        """Start everything, supervise until SIGTERM/SIGINT, then stop everything."""
        lock = self._lock()
        previous = {s: signal.signal(s, self.request_stop) for s in (signal.SIGTERM, signal.SIGINT,
                                                                        signal.SIGHUP)}
        try:
            self.start()
            if not self.stop_event.is_set():
                self.write_info()
                log.info("service ready: %s", self.describe())
                if on_ready is not None:
                    on_ready(self)
            while not self.stop_event.wait(1.0):
                now = time.monotonic()
                if any([c.check(now) for c in self.children]):
                    self.write_info()
        finally:
            self.stop()
            try:
                service_file(self.settings.home).unlink()
            except FileNotFoundError:
                pass
            for s, handler in previous.items():
                signal.signal(s, handler)
            lock.close()  # releases the lock

    def stop(self) -> None:
        """Stop in reverse order of start: nothing new is submitted to a server that is going."""
        log.info("stopping service")
        deadline = time.monotonic() + STOP_GRACE
        for child in reversed(self.children):
            if child.name != "server":
                child.terminate()
        for child in reversed(self.children):
            if child.name != "server":
                child.finish(deadline)
        for child in self.children:
            if child.name == "server":
                child.terminate()
                child.finish(time.monotonic() + STOP_GRACE)
        if self.executor_socket is not None:  # a killed executor leaves its socket behind
            self.executor_socket.unlink(missing_ok=True)
            if self.executor_socket.parent != self.settings.home:
                try:
                    self.executor_socket.parent.rmdir()
                except OSError:
                    pass
        log.info("service stopped")


# -- status ----------------------------------------------------------------------------------------
def _post(url: str, body: dict, timeout: float = 5.0):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read().decode())


def nightly_runs(api_url: str) -> dict:
    """The last finished or running nightly run and the next scheduled one, from the server."""
    base = {"flows": {"name": {"any_": [NIGHTLY_FLOW]}}, "limit": 1}
    last = _post(f"{api_url}/flow_runs/filter", {**base, "sort": "START_TIME_DESC", "flow_runs": {
        "state": {"type": {"any_": ["COMPLETED", "FAILED", "CRASHED", "CANCELLED", "RUNNING"]}}}})
    nxt = _post(f"{api_url}/flow_runs/filter", {**base, "sort": "EXPECTED_START_TIME_ASC", "flow_runs": {
        "state": {"type": {"any_": ["SCHEDULED"]}}}})
    return {"last": last[0] if last else None, "next": nxt[0] if nxt else None}


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def status(settings: Settings) -> dict:
    """What runs, where; the last and next nightly run; the inbox backlog; the latest digest."""
    from flows.watch import scan

    info = running_service(settings.home)
    out: dict = {"home": str(settings.home), "running": info is not None, "service": info,
                 "inbox": len(scan(settings.inbox)) if settings.inbox.is_dir() else 0,
                 "nightly": None, "nightly_error": None}
    if info is not None:
        for child in info.get("children", {}).values():
            child["alive"] = pid_alive(child.get("pid"))
        try:
            out["nightly"] = nightly_runs(info["api_url"])
        except (OSError, ValueError) as exc:
            out["nightly_error"] = repr(exc)
    digests = sorted((settings.reports / "digest").glob("每日摘要-*.html"))
    out["last_digest"] = str(digests[-1]) if digests else None
    return out
