"""Run a local Prefect server on PostgreSQL with process workers: for the server tests, the
benchmark and a single-machine installation. Production machines run the same commands
(see docs/scaling-out.md); this module only starts, waits for and stops them.

Prefect's own database is never the ledger's: the server gets PREFECT_SERVER_DATABASE_CONNECTION_URL,
the workers (and the flow runs they spawn) get ZHENGGAI_DATABASE_URL.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

CODE_DIR = Path(__file__).resolve().parent.parent
POOL = "zhenggai"
PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def asyncpg_url(url: str) -> str:
    """Prefect's server talks to PostgreSQL through asyncpg."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def prefect_env(prefect_home: Path, api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_API_URL=api_url,
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING",
               PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="5",
               ZHENGGAI_CODE_DIR=str(CODE_DIR))
    env.update(extra)
    return env


@dataclass
class LocalStack:
    """A Prefect server and its workers, each its own process group, logs under prefect_home."""

    prefect_home: Path
    prefect_db_url: str
    ledger_url: str
    zhenggai_home: Path
    port: int = field(default_factory=free_port)
    procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def env(self) -> dict[str, str]:
        return prefect_env(self.prefect_home, self.api_url, ZHENGGAI_HOME=str(self.zhenggai_home),
                           ZHENGGAI_DATABASE_URL=self.ledger_url)

    def _spawn(self, args: list[str], log: str, env: dict[str, str]) -> subprocess.Popen:
        self.prefect_home.mkdir(parents=True, exist_ok=True)
        out = open(self.prefect_home / log, "ab")
        proc = subprocess.Popen(args, env=env, cwd=CODE_DIR, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        out.close()
        self.procs.append(proc)
        return proc

    def start_server(self, timeout: float = 120) -> None:
        env = prefect_env(self.prefect_home, "",
                          PREFECT_SERVER_DATABASE_CONNECTION_URL=asyncpg_url(self.prefect_db_url))
        env.pop("PREFECT_API_URL")
        proc = self._spawn([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port),
                            "--no-ui", "--analytics-off"], "server.log", env)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise RuntimeError(f"Prefect server exited: {self.log('server.log')[-3000:]}")
            try:
                with urllib.request.urlopen(self.api_url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"Prefect server not healthy after {timeout}s: {self.log('server.log')[-3000:]}")

    def prefect(self, *args: str, timeout: float = 180) -> str:
        """Run a `prefect` command against this server from the code directory."""
        r = subprocess.run([PREFECT, "--no-prompt", *args], env=self.env(), cwd=CODE_DIR,
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"prefect {' '.join(args)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        return r.stdout

    def deploy(self) -> str:
        """Create the process pool and every deployment in prefect.yaml."""
        self.prefect("work-pool", "create", POOL, "--type", "process", "--overwrite")
        return self.prefect("deploy", "--all")

    def start_workers(self, n: int = 2, limit: int = 2) -> None:
        for i in range(n):
            self._spawn([PREFECT, "worker", "start", "--pool", POOL, "--type", "process",
                         "--name", f"worker-{i}", "--limit", str(limit), "--install-policy", "never"],
                        f"worker-{i}.log", self.env())

    def log(self, name: str) -> str:
        p = self.prefect_home / name
        return p.read_text(errors="replace") if p.exists() else ""

    def stop(self, grace: float = 10) -> None:
        """Terminate every process group this stack started; kill what does not stop."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        end = time.monotonic() + grace
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # flow-run children too
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        self.procs.clear()

    def __enter__(self) -> "LocalStack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
