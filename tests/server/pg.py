"""PostgreSQL for tests: reachability with the CI rule, and throw-away databases."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest

ADMIN_URL = os.environ.get("ZHENGGAI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
HOW = ("No PostgreSQL at {url} ({err}); the PostgreSQL and Prefect-server tests need one. Start it "
       "(e.g. `pg_ctlcluster --skip-systemctl-redirect 15 main start`) or point ZHENGGAI_TEST_PG_URL "
       "at a server where this user may CREATE DATABASE. Skipped outside CI; a failure with CI=true.")


def unreachable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any reason it cannot be used
        return str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    return None


def require_pg() -> None:
    """Skip with how to enable, or fail when CI=true."""
    err = unreachable()
    if err is None:
        return
    msg = HOW.format(url=ADMIN_URL, err=err)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def _url_for(db: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(ADMIN_URL).set(database=db).render_as_string(hide_password=False)


@contextmanager
def temp_database(prefix: str) -> Iterator[str]:
    """A new empty database (unique name), dropped afterwards even if connections remain."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _url_for(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
