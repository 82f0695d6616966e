"""The ingest executor of `zhenggai serve` as a real process on its Unix socket: private, refuses
what it must not run with a Chinese sentence, survives clients that go away, and stops cleanly.
(The end-to-end ingest through it, with the service, is in test_service.py.)"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

from pathlib import Path

import pytest

from flows.executor import ExecutorFailed, ExecutorUnreachable, reachable, socket_path, submit
from tests.conftest import REPORT_PARAGRAPHS, ROOT, make_docx

WAIT = 600  # the executor imports Prefect before it listens: slow on a busy machine
ZHENGGAI = Path(sys.executable).with_name("zhenggai")
DEAD_API = "http://127.0.0.1:9/api"  # nothing listens on port 9 (discard)


@pytest.fixture
def executor(tmp_path):
    home = tmp_path / "home"
    sock = tmp_path / "x.sock"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(ZHENGGAI_HOME=str(home), ZHENGGAI_DATABASE_URL=f"sqlite:///{home / 'zhenggai.db'}",
               PREFECT_API_URL=DEAD_API, PREFECT_CLIENT_MAX_RETRIES="0")  # a flow run here fails at once
    out = open(tmp_path / "executor.out", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "flows.executor", "--socket", str(sock)], env=env,
                            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + WAIT
        while not reachable(sock):
            assert proc.poll() is None, (tmp_path / "executor.out").read_text(errors="replace")[-3000:]
            assert time.monotonic() < end, "executor did not listen"
            time.sleep(0.3)
        yield proc, sock, home
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
            out.close()


def test_executor_is_private_refuses_relative_paths_and_survives_lost_clients(executor):
    proc, sock, home = executor
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600

    # Clients that connect and go away, before or in the middle of a request.
    for partial in (b"", b'{"paths": ["/a'):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(sock))
            s.sendall(partial)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(sock))
        s.sendall(b"not json\n")
        assert b'"accepted": false' in s.makefile("rb").readline()

    # Refused work is an error for staff, not a reason to run the work another way.
    with pytest.raises(ExecutorFailed, match="只接受绝对路径"):
        submit(sock, ["relative/r.docx"], "cli")
    with pytest.raises(ExecutorFailed, match="没有要导入的文件"):
        submit(sock, [], "cli")
    assert proc.poll() is None and reachable(sock)
    log = (home / "logs" / "zhenggai.log").read_text(encoding="utf-8")
    assert "executor listening" in log and "refused request" in log

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    assert not sock.exists()
    with pytest.raises(ExecutorUnreachable):  # nothing took the work: the caller runs it itself
        submit(sock, [str(home / "r.docx")], "cli")


def test_socket_path_stays_within_the_unix_limit(tmp_path):
    assert socket_path(tmp_path) == tmp_path / "executor.sock"
    deep = tmp_path / ("很长的目录名" * 12)
    path = socket_path(deep)
    assert len(os.fsencode(str(path))) <= 107 and path.parent != deep
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    path.parent.rmdir()


def test_work_the_executor_took_and_failed_is_a_chinese_sentence_and_not_run_again(executor, tmp_path):
    """The executor accepts the ingest, its flow run fails (its Prefect API is gone): the command
    says so in Chinese and does not run the work itself; the executor stays up, the file stays."""
    proc, sock, home = executor
    doc = make_docx(tmp_path / "r.docx", REPORT_PARAGRAPHS)
    with open(home / "service.lock", "a+") as lock:  # a running service of this home, as serve leaves it
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        (home / "service.json").write_text(json.dumps({"pid": os.getpid(), "api_url": DEAD_API,
                                                       "executor_socket": str(sock), "children": {}}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(ZHENGGAI_HOME=str(home), ZHENGGAI_DATABASE_URL=f"sqlite:///{home / 'zhenggai.db'}")
        r = subprocess.run([str(ZHENGGAI), "ingest", str(doc)], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=WAIT)
    flat = r.stdout.replace("\n", "")
    assert r.returncode == 1 and "常驻服务导入失败" in flat, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert doc.exists() and proc.poll() is None and reachable(sock)
    log = (home / "logs" / "zhenggai.log").read_text(encoding="utf-8")
    assert "ingest request from pid" in log and "ingest flow failed" in log
    assert "running it here" not in log and "through the executor" not in log

    # Two commands at once: both are taken (neither is told to run it itself), run one after the other.
    errors: list[Exception] = []

    def one() -> None:
        try:
            submit(sock, [str(doc)], "cli")
        except Exception as exc:  # noqa: BLE001 (the test looks at which)
            errors.append(exc)

    both = [threading.Thread(target=one) for _ in range(2)]
    for t in both:
        t.start()
    for t in both:
        t.join(timeout=WAIT)
    assert len(errors) == 2 and all(isinstance(e, ExecutorFailed) for e in errors), errors
    log = (home / "logs" / "zhenggai.log").read_text(encoding="utf-8")
    assert log.count("ingest flow failed") == 3 and proc.poll() is None
