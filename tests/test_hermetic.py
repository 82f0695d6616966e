"""Tests, benches and code run from any checkout on any machine: no machine path is written in
them, and only tests/conftest.py knows where the shared dev set lives."""
from __future__ import annotations

import re

from tests.conftest import ROOT

CHECKED = ("extractors", "models", "reports", "flows", "web", "tests", "bench", "scripts")
MACHINE_PATH = re.compile(r"""["'](/work|/root|/home|/tmp|/var/tmp)(/|["'])""")
SHARED_PATH = re.compile(r"""["']shared["']|/shared/""")


def _files():
    for top in CHECKED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in (".py", ".sh", ".yaml", ".toml", ".ini") and ".venv" not in path.parts:
                yield path, path.read_text(encoding="utf-8", errors="replace")


def test_no_absolute_machine_path():
    found = [f"{p.relative_to(ROOT)}:{n}" for p, text in _files()
             for n, line in enumerate(text.splitlines(), 1) if MACHINE_PATH.search(line)]
    assert found == []


def test_one_place_finds_the_shared_folder():
    found = [f"{p.relative_to(ROOT)}:{n}" for p, text in _files() if p != ROOT / "tests" / "conftest.py"
             and p.name != "test_hermetic.py"
             for n, line in enumerate(text.splitlines(), 1) if SHARED_PATH.search(line)]
    assert found == []
