"""Server tests need PostgreSQL: skipped (with how to enable) when unreachable, failed under CI=true."""
from __future__ import annotations

import pytest

from tests.server.pg import require_pg


@pytest.fixture(autouse=True)
def _postgres_reachable():
    require_pg()
