"""Backup and restore of the ledger (a system of record) together with the stored originals.

The database copy is taken online and is consistent by itself: SQLite's backup API, or pg_dump
run on a snapshot exported from a repeatable-read transaction in which the backup also reads the
list of stored files and the row counts. Stored files are only ever added under processed/ and
quarantine/ (a retried file is copied before its record changes), so copying the folders after
the database snapshot finds every file the snapshot refers to; any file missing from the copy is
looked up again by its internal name. The manifest records the counts that restore checks.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Iterator

from sqlalchemy.engine import make_url

from models.db import get_engine, migrate, normalise_url
from models.settings import Settings

MANIFEST = "manifest.json"
SQLITE_FILE = "ledger.sqlite"
PG_FILE = "ledger.pgdump"
FILE_DIRS = ("processed", "quarantine")
TABLES = ("document", "intake", "finding", "correction", "task", "auditevent")


class BackupError(RuntimeError):
    """A refused or failed backup/restore; the message is for staff (Chinese)."""


def _kind(url: str) -> str:
    return "sqlite" if normalise_url(url).startswith("sqlite") else "postgresql"


def libpq_url(url: str) -> str:
    """postgresql+psycopg://… → postgresql://… for psycopg (in process: the password may stay)."""
    u = make_url(normalise_url(url)).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


@contextmanager
def pg_tool_connection(url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(URL without password, environment) for pg_dump/pg_restore.

    A command line is visible to every user in `ps`; the password goes into a password file that
    only this user can read (PGPASSFILE), deleted when the tool has finished.
    """
    u = make_url(normalise_url(url)).set(drivername="postgresql")
    env = dict(os.environ)
    if u.password is None:
        yield u.render_as_string(hide_password=False), env
        return
    fd, passfile = tempfile.mkstemp(prefix="zg-", suffix=".pgpass")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp: mode 0600
            fh.write("*:*:*:*:" + _pgpass_escape(str(u.password)) + "\n")
        env["PGPASSFILE"] = passfile
        env.pop("PGPASSWORD", None)
        yield u._replace(password=None).render_as_string(hide_password=False), env  # set() keeps a None
    finally:
        os.unlink(passfile)


def _pgpass_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _sqlite_path(url: str) -> Path:
    return Path(make_url(normalise_url(url)).database or "")


# -- backup -----------------------------------------------------------------------------------------
def backup(settings: Settings, dest: Path) -> dict:
    """Write a consistent copy of the ledger and the stored originals into dest (new or empty)."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"备份目录不为空：{dest}，请指定新的目录。")
    dest.mkdir(parents=True, exist_ok=True)
    url = settings.database_url
    get_engine(url)  # the schema exists even for a brand-new home
    if _kind(url) == "sqlite":
        counts, stored = _sqlite_backup(_sqlite_path(url), dest / SQLITE_FILE)
    else:
        counts, stored = _pg_backup(url, dest / PG_FILE)
    files = _copy_files(settings.home, dest, stored)
    missing = [s for s in stored if not (dest / s).is_file()]
    manifest = {"format": 1, "created": datetime.now(timezone.utc).isoformat(),
                "database": _kind(url), "counts": counts, "files": files, "missing": missing}
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _sqlite_backup(src: Path, out: Path) -> tuple[dict, list[str]]:
    with closing(sqlite3.connect(src, timeout=30)) as conn, closing(sqlite3.connect(out)) as dst:
        conn.execute("PRAGMA busy_timeout=30000")
        conn.backup(dst)  # one step: a consistent image even while others write
    with closing(sqlite3.connect(out)) as snap:
        snap.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return _counts_and_files(snap.cursor())


def _counts_and_files(cur) -> tuple[dict, list[str]]:
    counts = {}
    for t in TABLES:
        cur.execute(f"SELECT count(*) FROM {t}")  # noqa: S608 (fixed table names)
        counts[t] = cur.fetchone()[0]
    cur.execute("SELECT stored_as FROM document WHERE stored_as <> '' ORDER BY id")
    return counts, [r[0] for r in cur.fetchall()]


def _pg_backup(url: str, out: Path) -> tuple[dict, list[str]]:
    import psycopg

    conn_url = libpq_url(url)
    with psycopg.connect(conn_url, autocommit=True) as conn:  # explicit BEGIN below
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        with conn.cursor() as cur:
            counts, stored = _counts_and_files(cur)
        # pg_dump reads the very same snapshot while this transaction stays open.
        with pg_tool_connection(url) as (tool_url, env):
            proc = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                                   "--file", str(out), "--dbname", tool_url],
                                  capture_output=True, text=True, timeout=3600, env=env)
        conn.execute("COMMIT")
    if proc.returncode != 0:
        raise BackupError(f"pg_dump 执行失败：{proc.stderr.strip()[:500]}")
    return counts, stored


def _copy_files(home: Path, dest: Path, stored: list[str]) -> dict[str, str]:
    """Copy processed/ and quarantine/; then any file the snapshot names but the copy lacks."""
    files: dict[str, str] = {}
    for top in FILE_DIRS:
        base = home / top
        if not base.is_dir():
            continue
        for root, dirs, names in os.walk(base):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for n in names:
                if n.startswith("."):
                    continue  # copies in flight
                src = Path(root) / n
                rel = str(src.relative_to(home))
                files[rel] = _copy(src, dest / rel)
    for rel in stored:
        if rel in files:
            continue
        name = Path(rel).name
        for top in FILE_DIRS:
            found = next((p for p in (home / top).rglob(name) if p.is_file()), None)
            if found is not None:
                files[rel] = _copy(found, dest / rel)
                break
    return files


def _copy(src: Path, dst: Path) -> str:
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        while chunk := fi.read(1 << 20):
            digest.update(chunk)
            fo.write(chunk)
        fo.flush()
        os.fsync(fo.fileno())
    shutil.copystat(src, dst)
    return digest.hexdigest()


# -- restore ----------------------------------------------------------------------------------------
def restore(settings: Settings, src: Path, force: bool = False) -> dict:
    """Bring a backup back into this home's database and folders; refuses a non-empty ledger."""
    src = Path(src)
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"不是有效的备份目录（缺少或无法读取 {MANIFEST}）：{src}") from exc
    unsafe = [rel for rel in manifest.get("files", {}) if not _safe_stored_path(rel)]
    if unsafe:
        raise BackupError(f"备份清单中含有不安全的路径（指向数据目录以外），已拒绝恢复：{unsafe[:3]}")
    url = settings.database_url
    if manifest["database"] != _kind(url):
        raise BackupError(f"备份来自 {manifest['database']} 数据库，当前配置的是 {_kind(url)}，"
                          "请使用相同类型的数据库恢复。")
    settings.ensure_dirs()
    if not force and _documents_in(url) > 0:
        raise BackupError("当前数据库中已有数据，恢复会覆盖它们；确需覆盖请加 --force。")
    for rel, sha in manifest["files"].items():
        target = settings.home / rel
        if target.is_file() and _sha(target) == sha:
            continue
        got = _copy(src / rel, target)
        if got != sha:
            raise BackupError(f"备份文件已损坏：{rel}")
    if manifest["database"] == "sqlite":
        _sqlite_restore(src / SQLITE_FILE, _sqlite_path(url))
    else:
        _pg_restore(src / PG_FILE, url)
    engine = get_engine(url)
    engine.dispose()  # connections opened before the restore must not be reused
    migrate(engine)  # an older backup is brought up to the current schema
    counts = table_counts(url)
    short = {t: (manifest["counts"][t], counts[t]) for t in TABLES if counts[t] < manifest["counts"][t]}
    if short:
        raise BackupError(f"恢复后的记录数少于备份：{short}")
    return counts


def _safe_stored_path(rel: str) -> bool:
    """A manifest entry may only name a file under processed/ or quarantine/: relative, no `..`."""
    parts = PurePosixPath(rel).parts
    return (len(parts) >= 2 and parts[0] in FILE_DIRS and ".." not in parts and "\\" not in rel
            and not PurePosixPath(rel).is_absolute())


def _documents_in(url: str) -> int:
    try:
        return table_counts(url)["document"]
    except Exception:  # no ledger yet
        return 0


def table_counts(url: str) -> dict[str, int]:
    from sqlalchemy import text

    with get_engine(url).connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _sqlite_restore(backup_file: Path, db: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(backup_file)) as src, closing(sqlite3.connect(db, timeout=30)) as dst:
        src.backup(dst)


def _pg_restore(dump: Path, url: str) -> None:
    with pg_tool_connection(url) as (tool_url, env):
        proc = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                               "--exit-on-error", "--dbname", tool_url, str(dump)],
                              capture_output=True, text=True, timeout=3600, env=env)
    if proc.returncode != 0:
        raise BackupError(f"pg_restore 执行失败：{proc.stderr.strip()[:500]}")


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
