"""The warm ingest path of `zhenggai serve`: a child process that has Prefect and the ingest flow
imported already, and runs `ingest_flow` for `zhenggai ingest` in its own process.

Why: a command that imports Prefect pays 2–3 s before any work, and a served deployment run starts
a new Python process per run. Here the command sends absolute paths over a Unix socket in the data
home (mode 0600), the executor runs the flow (a real flow run against the service's Prefect API, so
the UI shows it) and answers with the outcome rows. The command side (`submit`) uses only the
standard library: it must not import Prefect.

Protocol, one JSON object per line:
  client → {"paths": ["/abs/a.docx", ...], "source": "cli", "client_pid": 123}
  executor → {"accepted": true}                      (the work is taken: the client never retries it)
  executor → {"ok": true, "rows": [...], "flow_run_id": "..."}  or  {"ok": false, "error": "中文"}
Requests are accepted at once (each connection has its own thread) and run one at a time; a client
that goes away before the work is accepted gets none done, one that goes away later does not stop
the run or the executor.

    python -m flows.executor --socket PATH      # with PREFECT_API_URL set; started by `zhenggai serve`
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import socketserver
import tempfile
import threading
from pathlib import Path

log = logging.getLogger("zhenggai.executor")

SOCKET_NAME = "executor.sock"
MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 108 bytes on Linux
REQUEST_SECONDS = 30.0  # a client that connects and says nothing is dropped after this
MAX_REQUEST_BYTES = 4 * 1024 * 1024


class ExecutorUnreachable(OSError):
    """Nothing accepted the work: the caller may run it another way."""


class ExecutorFailed(RuntimeError):
    """The executor took the work and then failed or was lost: a Chinese sentence for staff.
    The caller must not run the work again by another way."""


def socket_path(home: Path) -> Path:
    """The socket in the data home; in a private temporary folder when that path is too long."""
    path = home / SOCKET_NAME
    if len(os.fsencode(str(path))) <= MAX_SOCKET_PATH:
        return path
    return Path(tempfile.mkdtemp(prefix="zhenggai-")) / SOCKET_NAME  # mkdtemp: mode 0700


def reachable(path: str | Path, timeout: float = 2.0) -> bool:
    """True when something accepts connections on the socket."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(path))
            return True
    except OSError:
        return False


# -- the command side (standard library only) ------------------------------------------------------
def submit(path: str | Path, paths: list[str], source: str, connect_timeout: float = 30.0) -> dict:
    """Send one ingest to the executor; its answer {"rows": [...], "flow_run_id": ...}.

    Raises ExecutorUnreachable when the executor did not accept the work (run it another way),
    ExecutorFailed when it accepted it and then failed or went away (do not run it again)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            sock.settimeout(connect_timeout)
            sock.connect(str(path))
            sock.sendall((json.dumps({"paths": paths, "source": source, "client_pid": os.getpid()},
                                     ensure_ascii=False) + "\n").encode("utf-8"))
            reader = sock.makefile("rb")
            first = reader.readline()  # the executor says at once whether it took the work
            if not first:
                raise ExecutorUnreachable("the executor closed the connection before accepting")
        except OSError as exc:
            raise ExecutorUnreachable(str(exc)) from exc
        try:
            head = json.loads(first)
        except ValueError:
            raise ExecutorUnreachable(f"unexpected answer: {first[:200]!r}") from None
        if not head.get("accepted"):
            raise ExecutorFailed(head.get("error") or "常驻服务拒绝了本次导入。")
        sock.settimeout(None)  # the work may take long; a lost executor closes the socket
        try:
            line = reader.readline()
        except OSError as exc:
            raise ExecutorFailed(_lost()) from exc
        if not line:
            raise ExecutorFailed(_lost())
        answer = json.loads(line)
        if not answer.get("ok"):
            raise ExecutorFailed(answer.get("error") or _lost())
        return answer
    finally:
        sock.close()


def _lost() -> str:
    return ("常驻服务在导入过程中中断，未能返回结果。已开始处理的文件再次导入时不会重复入库；"
            "请用 zhenggai status 查看服务状态后重试。")


# -- the executor side -----------------------------------------------------------------------------
def check_request(request: object) -> tuple[list[str], str]:
    """The paths and source of a request, or ValueError with a Chinese sentence."""
    if not isinstance(request, dict):
        raise ValueError("请求格式无效。")
    paths, source = request.get("paths"), request.get("source", "cli")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise ValueError("请求中没有要导入的文件。")
    relative = [p for p in paths if not os.path.isabs(p)]
    if relative:
        raise ValueError(f"常驻服务只接受绝对路径，收到的是：{relative[0]}")
    if not isinstance(source, str) or not source:
        raise ValueError("请求中的来源无效。")
    return paths, source


class _Handler(socketserver.StreamRequestHandler):
    timeout = REQUEST_SECONDS

    def handle(self) -> None:
        try:
            raw = self.rfile.readline(MAX_REQUEST_BYTES)
        except OSError:  # a client that said nothing in time, or went away
            log.info("request not received; connection dropped")
            return
        if not raw:
            return
        try:
            request = json.loads(raw)
        except ValueError:
            request = None
        try:
            paths, source = check_request(request)
        except ValueError as exc:
            log.warning("refused request: %s", exc)
            self._send({"accepted": False, "error": str(exc)})
            return
        client = request.get("client_pid")
        log.info("ingest request from pid %s: %d path(s), source %s", client, len(paths), source)
        if not self._send({"accepted": True}):
            return  # the client gave up before the work was taken: it may run it itself
        self._send(self.server.run_ingest(paths, source))  # type: ignore[attr-defined]

    def _send(self, message: dict) -> bool:
        try:
            self.wfile.write((json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8"))
            self.wfile.flush()
            return True
        except OSError:  # the client went away: the work is done or refused all the same
            log.info("client gone before the answer was sent")
            return False


class ExecutorServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Every request is answered at once, their ingests run one at a time: ingests of one home never
    run side by side in this process, and a waiting command knows its work was taken."""

    daemon_threads = True

    def __init__(self, path: Path) -> None:
        self.work = threading.Lock()
        try:
            path.unlink()  # left by an executor that was killed; the service lock makes it ours
        except FileNotFoundError:
            pass
        old = os.umask(0o177)
        try:
            super().__init__(str(path), _Handler)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        self.path = path

    def handle_error(self, request, client_address) -> None:  # never die over one request
        log.exception("request failed")

    def run_ingest(self, paths: list[str], source: str) -> dict:
        """A real flow run of ingest_flow in this process; its outcome rows, or a Chinese error."""
        with self.work:
            return self._ingest(paths, source)

    def _ingest(self, paths: list[str], source: str) -> dict:
        from flows.ingest import ingest_flow

        try:
            state = ingest_flow(paths, source=source, move=False, return_state=True)
            rows = state.result()
        except Exception as exc:
            log.exception("ingest flow failed")
            return {"ok": False, "error": f"常驻服务导入失败（{type(exc).__name__}），文件保持原样，"
                                          "详细信息已记录在服务日志中，请联系管理员。"}
        run_id = str(state.state_details.flow_run_id)
        log.info("ingest flow run %s: %d outcome(s)", run_id, len(rows))
        return {"ok": True, "rows": rows, "flow_run_id": run_id}

    def close(self) -> None:
        self.server_close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def warm(database_url: str) -> None:
    """Before listening: import what a flow run would import on first use (Prefect's engines, the
    readers, the ledger's queries) and open the ledger (migrated once), so that even the first
    request costs only its work. No flow run is made: the Prefect UI shows only real ones."""
    import importlib

    for module in ("flows.ingest", "prefect.flow_engine", "prefect.task_engine", "prefect.artifacts",
                   "prefect.utilities.visualization", "fastapi", "extractors.sandbox", "extractors.readers",
                   "extractors.text", "reports.queries",
                   "models.repeats"):
        try:
            importlib.import_module(module)
        except ImportError:  # a module renamed elsewhere must not keep the executor down
            log.warning("warm-up: could not import %s", module, exc_info=True)
    try:  # the rules, jieba's dictionary (~1 s on first use) and the traditional→simplified table
        from extractors.clauses import _t2s
        from extractors.pipeline import default_rules

        default_rules()  # compiled, with jieba's dictionary loaded (RuleSet.warm)
        _t2s()
    except Exception:
        log.warning("warm-up of the extractors failed; the first request will be slower", exc_info=True)
    from models.db import get_engine

    with get_engine(database_url).connect():
        pass


def main() -> None:
    import signal

    from flows.cli.common import setup_logging
    from models.settings import get_settings

    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True, type=Path)
    args = ap.parse_args()
    settings = get_settings()
    settings.ensure_dirs()
    setup_logging(settings)
    warm(settings.database_url)

    def stop(*_args) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    server = ExecutorServer(args.socket)
    log.info("executor listening on %s (pid %d)", args.socket, os.getpid())
    try:
        server.serve_forever()
    finally:
        server.close()
        log.info("executor stopped")


if __name__ == "__main__":
    main()
