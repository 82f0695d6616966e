"""Where a command's Prefect API comes from: the running `zhenggai serve` of this data home, or a
temporary server started for this one command.

Everything here runs BEFORE Prefect is imported (Prefect reads its settings once, at import), so it
only sets environment variables and talks HTTP with the standard library.

The temporary server is Prefect's own server app (the one Prefect starts for its "ephemeral" mode),
started here instead of inside Prefect so that: its output goes to the log file, not the staff
terminal; its start-up limit is one a busy machine cannot miss; a start that times out is retried
once; and the caller can say in Chinese that `zhenggai serve` avoids the wait.
"""
from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

log = logging.getLogger("zhenggai.prefect_api")

PREFECT_LOGGING_CONFIG = Path(__file__).resolve().parent / "prefect_logging.yaml"
STARTUP_SECONDS = float(os.environ.get("ZHENGGAI_PREFECT_STARTUP_SECONDS", "300"))
SLOW_AFTER = 10.0  # seconds of waiting after which staff are told why, and what avoids it


class OrchestrationUnavailable(RuntimeError):
    """Prefect's API could not be started within the limit, twice. Nothing was run."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prefect_defaults(prefect_home: Path) -> None:
    """Prefect's state in the data home, its logs in a file there, no telemetry."""
    os.environ.setdefault("PREFECT_HOME", str(prefect_home))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(PREFECT_LOGGING_CONFIG))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Should Prefect ever start its own temporary server, give it the same patience as ours.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(int(STARTUP_SECONDS)))


# -- the running service ---------------------------------------------------------------------------
def service_file(home: Path) -> Path:
    return home / "service.json"


def lock_file(home: Path) -> Path:
    return home / "service.lock"


def lock_held(home: Path) -> bool:
    """True when a live process holds the service lock of this home (a crashed service holds none)."""
    path = lock_file(home)
    if not path.exists():
        return False
    try:
        with open(path, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
            return False
    except OSError:
        return False


def running_service(home: Path) -> dict | None:
    """The service.json of a `zhenggai serve` that is running on this home, else None."""
    path = service_file(home)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if lock_held(home) and info.get("api_url") else None


def use_running_service(home: Path) -> str | None:
    """Point this process (and Prefect, once imported) at the running service; its API URL or None.
    An explicit PREFECT_API_URL (scale-out, tests) wins."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    info = running_service(home)
    if info is None:
        return None
    os.environ["PREFECT_API_URL"] = info["api_url"]
    return info["api_url"]


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


# -- a temporary server for one command ------------------------------------------------------------
def die_with_parent() -> None:
    """In the child: get SIGTERM when the command that started us dies, even by SIGKILL (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def server_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """Prefect's server app under uvicorn, as Prefect runs it itself."""
    return [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
            "--host", host, "--port", str(port), "--log-level", "error", "--lifespan", "on"]


class TemporaryServer:
    """Prefect's server for the life of this command; its output in log_path."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.api_url = ""

    def start(self, timeout: float) -> bool:
        """Start and wait until healthy; False (and nothing left running) if not within timeout."""
        port = free_port()
        self.api_url = f"http://127.0.0.1:{port}/api"
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(server_command(port), env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:  # e.g. the port was taken meanwhile
                return False
            if healthy(self.api_url, timeout=min(5.0, max(0.5, end - time.monotonic()))):
                return True
            time.sleep(0.2)
        self.stop()
        return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


_temporary: TemporaryServer | None = None


def ensure_api(home: Path, on_slow: Callable[[], None] | None = None,
               timeout: float | None = None, attempts: int = 2) -> str:
    """The API this command's flows report to: PREFECT_API_URL, the running service, or a
    temporary server (started at most `attempts` times, each allowed `timeout` seconds).

    on_slow is called once if the start takes longer than SLOW_AFTER seconds."""
    global _temporary
    url = use_running_service(home)
    if url:
        return url
    if _temporary is not None and _temporary.proc is not None and _temporary.proc.poll() is None:
        return _temporary.api_url
    timeout = STARTUP_SECONDS if timeout is None else timeout
    server = TemporaryServer(home / "logs" / "prefect-server.log")
    told = [False]

    def tell() -> None:
        if on_slow is not None and not told[0]:
            told[0] = True
            on_slow()

    timer = _Timer(SLOW_AFTER, tell)
    try:
        for attempt in range(1, attempts + 1):
            t0 = time.monotonic()
            if server.start(timeout):
                log.info("temporary Prefect server %s healthy after %.1fs (attempt %d)", server.api_url,
                         time.monotonic() - t0, attempt)
                _temporary = server
                atexit.register(server.stop)
                os.environ["PREFECT_API_URL"] = server.api_url
                return server.api_url
            log.warning("temporary Prefect server not healthy after %.1fs (attempt %d of %d)",
                        time.monotonic() - t0, attempt, attempts)
            server.stop()
    finally:
        timer.cancel()
    raise OrchestrationUnavailable(f"Prefect API not healthy after {attempts} x {timeout:.0f}s; "
                                   f"see {server.log_path}")


class _Timer:
    """threading.Timer that is a daemon (never keeps a failing command alive)."""

    def __init__(self, seconds: float, fn: Callable[[], None]) -> None:
        import threading

        self._t = threading.Timer(seconds, fn)
        self._t.daemon = True
        self._t.start()

    def cancel(self) -> None:
        self._t.cancel()
