"""Watched folder: take each file once it has stopped changing, ingest files that arrive together
in one flow run (one task per file), in process or through a deployment on a Prefect server.

Filesystem events (watchdog) only wake the loop up; the truth is `lstat`: a file is ready when its
size and mtime have not changed for `settle` seconds (watched that long, or watched half as long
with an mtime that old). Every file is taken in the end: one whose name looks temporary or hidden
(~$x.docx, x.part, ..x.pdf) waits `temp_settle` seconds instead, then is ingested or quarantined
with its reason like any other. A full rescan on start (nothing dropped while
the watcher was down is missed) and every `rescan` seconds covers events that network shares never
deliver; `poll=True` relies on rescans alone. Triggering a file twice is harmless: intake
deduplicates by content hash, so the watcher's bookkeeping only avoids needless work.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from models.intake import is_temporary_path

log = logging.getLogger("zhenggai.watch")

RESUBMIT_AFTER = 600.0  # a file still there this long after its trigger is triggered again
RETRY_AFTER_ERROR = 30.0

Signature = tuple[int, int]  # (size, mtime_ns)
Submit = Callable[[list[Path]], object]


@dataclass
class _Pending:
    sig: Signature
    since: float  # monotonic time the signature was first seen
    settle: float  # seconds it must stay unchanged


class Settler:
    """Decides when a file is complete: its signature unchanged for `settle` seconds."""

    def __init__(self, settle: float) -> None:
        self.settle = settle
        self.pending: dict[Path, _Pending] = {}
        self.handled: dict[Path, tuple[Signature, float]] = {}  # path → (sig, when to look again)

    def observe(self, path: Path, sig: Signature | None, now: float, settle: float | None = None) -> None:
        if sig is None:  # gone (moved away by ingestion, deleted, renamed)
            self.pending.pop(path, None)
            self.handled.pop(path, None)
            return
        done = self.handled.get(path)
        if done is not None:
            if done[0] == sig and now < done[1]:
                return
            del self.handled[path]
        p = self.pending.get(path)
        if p is None or p.sig != sig:
            self.pending[path] = _Pending(sig, now, self.settle if settle is None else settle)

    def stable_for(self, st: _Pending, now: float, wall: float) -> float:
        """Seconds the file has not changed. Watched for half the settle time, its mtime is
        believed too: files written together settle together, and files already complete
        when first seen (a restart, a move within the disk) need not wait the full time."""
        observed = now - st.since
        if observed < st.settle / 2:
            return observed
        return max(observed, wall - st.sig[1] / 1e9)

    def ready(self, now: float, wall: float | None = None) -> list[Path]:
        """Settled files; once one is, those a moment from settling join it (files that arrived
        together go in one batch)."""
        wall = time.time() if wall is None else wall
        stable = {p: self.stable_for(st, now, wall) for p, st in self.pending.items()}
        if not any(v >= self.pending[p].settle for p, v in stable.items()):
            return []
        slack = min(0.5, self.settle / 4)
        return sorted(p for p, v in stable.items() if v >= self.pending[p].settle - slack)

    def taken(self, paths: list[Path], now: float, wait: float = RESUBMIT_AFTER) -> None:
        for p in paths:
            st = self.pending.pop(p, None)
            if st is not None:
                self.handled[p] = (st.sig, now + wait)


def signature(path: Path) -> Signature | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if os.path.isdir(path) and not os.path.islink(path):
        return None
    return st.st_size, st.st_mtime_ns


def scan(folder: Path) -> list[Path]:
    """Every entry under folder (sub-folders included, links not followed)."""
    out = []
    for root, _dirs, files in os.walk(folder, followlinks=False):
        out.extend(Path(root) / f for f in files)
    return out


class Watcher:
    """Watch one folder and hand complete files to `submit` in batches."""

    def __init__(self, folder: Path, submit: Submit, *, settle: float = 2.0, poll: bool = False,
                 interval: float = 0.25, rescan: float = 30.0) -> None:
        from models.settings import get_settings

        self.folder = Path(folder).resolve()
        self.submit = submit
        self.settler = Settler(settle)
        self.temp_settle = get_settings().temp_settle  # the same wait intake checks (ZHENGGAI_TEMP_SETTLE)
        self.poll = poll
        self.interval = interval
        self.rescan = interval if poll else rescan
        self.stop_event = threading.Event()
        self._wake = threading.Event()
        self._dirty: set[Path] = set()
        self._lock = threading.Lock()
        self._observer = None
        self.batches = 0

    # -- events ---------------------------------------------------------------------------------
    def _start_observer(self) -> None:
        if self.poll:
            return
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            log.warning("watchdog unavailable; polling %s", self.folder)
            self.poll, self.rescan = True, self.interval
            return
        watcher = self

        class _Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                for attr in ("src_path", "dest_path"):
                    p = getattr(event, attr, "")
                    if p:
                        watcher._mark(Path(os.fsdecode(p)))

        try:
            obs = Observer()
            obs.schedule(_Handler(), str(self.folder), recursive=True)
            obs.start()
            self._observer = obs
        except OSError as exc:  # e.g. inotify limits, some network file systems
            log.warning("file events unavailable (%s); polling %s", exc, self.folder)
            self.poll, self.rescan = True, self.interval

    def _mark(self, path: Path) -> None:
        with self._lock:
            self._dirty.add(path)
        self._wake.set()

    # -- loop -----------------------------------------------------------------------------------
    def stop(self) -> None:
        self.stop_event.set()
        self._wake.set()

    def run(self) -> None:
        """Block until stop(): start events, rescan, then settle and submit forever."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._start_observer()
        last_scan = -1e9
        try:
            while not self.stop_event.is_set():
                now = time.monotonic()
                with self._lock:
                    dirty, self._dirty = self._dirty, set()
                if now - last_scan >= self.rescan:
                    last_scan = now
                    present = set(scan(self.folder))
                    dirty |= present | (set(self.settler.handled) - present)  # forget what left
                for d in [p for p in dirty if p.is_dir() and not p.is_symlink()]:
                    dirty |= set(scan(d))  # a folder moved in brings no event for its files
                dirty |= set(self.settler.pending)
                for p in dirty:
                    if p.is_relative_to(self.folder) and p != self.folder:
                        wait = self.temp_settle if is_temporary_path(p, self.folder) else None
                        self.settler.observe(p, signature(p), now, wait)
                ready = self.settler.ready(now)
                if ready:
                    self._submit(ready)
                    continue  # look again at once: more files may have settled meanwhile
                self._wake.wait(self.interval if self.settler.pending or self.poll else
                                min(self.rescan, 5.0))
                self._wake.clear()
                if self.settler.pending and not self.stop_event.is_set():
                    time.sleep(self.interval)  # let a burst of events coalesce
        finally:
            if self._observer is not None:
                self._observer.stop()
                self._observer.join(timeout=5)

    def _submit(self, batch: list[Path]) -> None:
        self.batches += 1
        try:
            self.submit(batch)
        except Exception:
            log.exception("submitting %d files failed; retrying in %ss", len(batch), RETRY_AFTER_ERROR)
            self.settler.taken(batch, time.monotonic(), RETRY_AFTER_ERROR)
            return
        self.settler.taken(batch, time.monotonic())


# -- what to do with a batch ------------------------------------------------------------------------
def in_process(on_result: Callable[[list[dict]], None] | None = None) -> Submit:
    """Run the ingest flow here; files move out of the folder as they are stored."""
    from flows.ingest import ingest_flow

    def submit(batch: list[Path]) -> list[dict]:
        rows = ingest_flow([str(p) for p in batch], source="watch", move=True)
        if on_result is not None:
            on_result(rows)
        return rows

    return submit


def warm_up() -> None:
    """Start Prefect's local API and load the extractors before the first file arrives (~10 s
    otherwise paid by that file)."""
    from extractors.pipeline import analyse  # noqa: F401  (rules, dictionaries)
    from flows.ingest import ingest_flow

    ingest_flow([], source="watch")


def via_deployment(deployment: str = "ingest/ingest") -> Submit:
    """Create one deployment run per batch and return at once; a worker does the ingestion.

    The idempotency key (paths and signatures) makes the server ignore a repeated trigger.
    """
    from prefect.deployments import run_deployment

    def submit(batch: list[Path]) -> object:
        key = hashlib.sha256("\n".join(f"{p}|{signature(p)}" for p in batch).encode()).hexdigest()
        run = run_deployment(deployment, parameters={"paths": [str(p) for p in batch],
                                                     "source": "watch", "move": True},
                             timeout=0, as_subflow=False, idempotency_key=key)
        log.info("deployment run %s for %d files", run.id, len(batch))
        return run

    return submit
