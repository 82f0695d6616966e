"""Read an untrusted file in a child process with time and memory limits.

A hostile or broken file must not hang or exhaust the ingesting process, so
`read_isolated` runs `extractors.readers.read` in a fresh Python interpreter
(its own process group) with RLIMIT_AS, RLIMIT_CPU and RLIMIT_FSIZE set, waits
with a wall-clock timeout, kills the whole group (converters and OCR included)
when it overruns, and maps every way of failing to a Reason. The child gets only the environment
it needs (child_env): no database URL or password reaches the code that parses untrusted files. The Document comes
back as JSON through a file in a private temporary directory.

    python -m extractors.sandbox FILE   # prints the outcome, for trying files by hand
"""
from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from extractors.document import Block, BlockKind, Document, DocumentMeta
from extractors.errors import Reason, ReadError

DEFAULT_TIMEOUT_S = 300.0  # wall clock without progress (each OCR'd page is progress)
MAX_TOTAL_S = 3600.0  # wall clock in all, however long a scan keeps progressing
DEFAULT_MEMORY_MB = 2048  # address space of the child (pdfium and Python map more than they touch)
MAX_BYTES = 200 << 20
MAX_OUTPUT_BYTES = 1 << 30  # files the child (or LibreOffice, Tesseract) may write
_ROOT = Path(__file__).resolve().parent.parent


def read_isolated(path: str | Path, name: str | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                  memory_mb: int = DEFAULT_MEMORY_MB, max_bytes: int = MAX_BYTES,
                  max_total_s: float = MAX_TOTAL_S) -> Document:
    """Read `path` in a limited child process; raises ReadError for every failure.

    `timeout_s` is how long the child may go without progress: a text file must be
    read within it, while a long scan goes on as long as pages keep being OCR'd
    (each page counts as progress), up to `max_total_s` in all.
    """
    path = Path(path)
    name = name or path.name
    try:
        st = path.stat()
    except OSError as exc:
        raise ReadError(Reason.NOT_REGULAR_FILE, repr(exc)) from exc
    if not path.is_file():
        raise ReadError(Reason.NOT_REGULAR_FILE, "not a regular file")
    if st.st_size == 0:
        raise ReadError(Reason.EMPTY_FILE)
    if st.st_size > max_bytes:
        raise ReadError(Reason.TOO_LARGE, f"{st.st_size} bytes > {max_bytes}")
    with tempfile.TemporaryDirectory(prefix="zg-sandbox-") as tmp:
        result = Path(tmp) / "result.json"
        err_path = Path(tmp) / "stderr.txt"
        beat = Path(tmp) / "heartbeat"
        cmd = [sys.executable, "-X", "utf8", "-m", "extractors.sandbox", "--child",
               str(path.resolve()), name, str(result), str(memory_mb), str(int(max_total_s) + 1), str(beat)]
        env = child_env(tmp)
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                    start_new_session=True, env=env, cwd=tmp)
            try:
                rc = _wait(proc, beat, timeout_s, max_total_s)
            finally:
                kill_group(proc)  # leftovers (a converter, an OCR process) die with it
        stderr = _tail(err_path)
        if result.exists():
            try:
                payload = json.loads(result.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ReadError(Reason.INTERNAL_ERROR, f"unreadable result: {exc!r}") from exc
            if "error" in payload:
                raise ReadError(Reason(payload["error"]), payload.get("detail", ""), int(payload.get("pages") or 0))
            return document_from_dict(payload["document"])
        if rc < 0:
            sig = -rc
            # under RLIMIT_AS, C++ code that cannot allocate aborts without a word
            quiet_abort = sig == signal.SIGABRT and not stderr.strip()
            if sig in (signal.SIGKILL, signal.SIGXCPU, signal.SIGXFSZ) or quiet_abort or _memory_words(stderr):
                raise ReadError(Reason.RESOURCE_LIMIT, f"child killed by signal {sig}: {stderr[-200:]}")
            raise ReadError(Reason.INTERNAL_ERROR, f"child died by signal {sig}: {stderr[-200:]}")
        if _memory_words(stderr):
            raise ReadError(Reason.RESOURCE_LIMIT, stderr[-300:])
        raise ReadError(Reason.INTERNAL_ERROR, f"child exit {rc}: {stderr[-300:]}")


# What the reader, LibreOffice and Tesseract need from the caller's environment; nothing else
# (database URL, passwords, API keys) reaches code that parses untrusted files.
PASSED_ENV = ("PATH", "LANG", "LANGUAGE", "TZ", "TESSDATA_PREFIX", "LD_LIBRARY_PATH", "FONTCONFIG_PATH",
              "FONTCONFIG_FILE")


def child_env(tmp: str) -> dict[str, str]:
    """The child's whole environment: PASSED_ENV and LC_*, this package on PYTHONPATH, a private
    home and temporary folder, one OCR thread."""
    env = {k: v for k, v in os.environ.items() if k in PASSED_ENV or k.startswith("LC_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))
    env.update(HOME=tmp, TMPDIR=tmp, OMP_THREAD_LIMIT="1")
    return env


def _wait(proc: subprocess.Popen, beat: Path, timeout_s: float, max_total_s: float) -> int:
    """Wait for the child; kill it when it makes no progress for timeout_s, or overall."""
    start = last = time.monotonic()
    seen = None
    pidfd = _exit_signal(proc)
    exited = None
    if pidfd is not None:
        exited = select.poll()
        exited.register(pidfd, select.POLLIN)
    try:
        while True:
            step = min(0.5, max(timeout_s, 0.01))
            if exited is not None:  # woken the moment the child exits, not at the next poll
                exited.poll(step * 1000)
                if proc.poll() is not None:
                    return proc.returncode
            else:
                try:
                    return proc.wait(timeout=step)
                except subprocess.TimeoutExpired:
                    pass
            now = time.monotonic()
            try:
                mark = beat.stat().st_mtime_ns
            except OSError:
                mark = None
            if mark != seen:
                seen, last = mark, now
            if now - last > timeout_s or now - start > max_total_s:
                kill_group(proc)
                waited = now - start
                raise ReadError(Reason.RESOURCE_LIMIT, f"no progress for {timeout_s:g}s" if now - start <= max_total_s
                                else f"over {max_total_s:g}s in all ({waited:.0f}s)")
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _exit_signal(proc: subprocess.Popen) -> int | None:
    """A descriptor that becomes readable when the child exits (Linux pidfd), None where there is none:
    then the wait polls (Popen.wait sleeps up to 50 ms between looks, a tenth of a small file's read)."""
    try:
        return os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return None


def kill_group(proc: subprocess.Popen) -> None:
    """Kill a child started with start_new_session=True: its group and everything in its session
    (soffice forks oosplash + soffice.bin; OCR runs Tesseract)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in _session_members(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _session_members(sid: int) -> list[int]:
    out = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return out
    for name in entries:
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) "
        if len(fields) > 3 and fields[3] == str(sid):
            out.append(int(name))
    return out


def _tail(path: Path, n: int = 2000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - n))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _memory_words(text: str) -> bool:
    low = text.lower()
    return any(w in low for w in ("memoryerror", "out of memory", "bad_alloc", "cannot allocate", "oom"))


# ---------------------------------------------------------------- Document <-> JSON
def document_to_dict(doc: Document) -> dict:
    d = dataclasses.asdict(doc)
    for b in d["blocks"]:
        b["kind"] = BlockKind(b["kind"]).value
        b["section"] = list(b["section"])
    return d


def document_from_dict(d: dict) -> Document:
    fields = {f.name for f in dataclasses.fields(Document)}
    data = {k: v for k, v in d.items() if k in fields}
    data["blocks"] = [Block(**{**b, "kind": BlockKind(b["kind"]), "section": tuple(b["section"])})
                      for b in d.get("blocks", [])]
    data["meta"] = DocumentMeta(**d.get("meta", {}))
    return Document(**data)


# ---------------------------------------------------------------- the child
def _limit(memory_mb: int, cpu_s: int) -> None:
    import resource

    mem = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_OUTPUT_BYTES, MAX_OUTPUT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child(path: str, name: str, result: str, memory_mb: str, cpu_s: str, beat: str) -> int:
    _limit(int(memory_mb), int(cpu_s))
    try:
        from extractors import ocr
        from extractors.readers import read

        ocr.on_page = lambda: Path(beat).touch()  # an OCR'd page is progress
        Path(beat).touch()  # started

        doc = read(path, name)
        payload = {"document": document_to_dict(doc)}
    except ReadError as exc:
        payload = {"error": exc.reason.value, "detail": exc.detail[:1000], "pages": exc.pages}
    except MemoryError:
        payload = {"error": Reason.RESOURCE_LIMIT.value, "detail": "MemoryError"}
    except OSError as exc:
        import errno

        if exc.errno == errno.ENOMEM or "map segment" in str(exc) or "allocate memory" in str(exc):
            payload = {"error": Reason.RESOURCE_LIMIT.value, "detail": repr(exc)[:1000]}
        else:
            payload = {"error": Reason.INTERNAL_ERROR.value, "detail": repr(exc)[:1000]}
    except RecursionError:
        payload = {"error": Reason.UNSAFE_CONTENT.value, "detail": "RecursionError (nesting too deep)"}
    except Exception as exc:  # anything else is our bug or an unforeseen file: report, never hang
        payload = {"error": Reason.INTERNAL_ERROR.value, "detail": repr(exc)[:1000]}
    tmp = result + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False)
    os.replace(tmp, result)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return _child(*argv[1:7])
    for p in argv:
        try:
            doc = read_isolated(p)
            print(f"{p}: {doc.reader}, {doc.pages} pages, {len(doc.blocks)} blocks, kind {doc.meta.kind}, "
                  f"warnings {doc.warnings}")
        except ReadError as exc:
            print(f"{p}: {exc.reason.value} — {exc.message_zh} ({exc.detail[:120]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
