"""One file → (Document, Extraction): read it, then find the problems in it."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from extractors.document import Document, Extraction
from extractors.findings import extract
from extractors.rules import RuleSet, load_rules


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """Rules are compiled once per process (jieba and the keyword automaton are costly to build),
    and jieba's dictionary loaded with them, so the first document does not pay for it."""
    return load_rules().warm()


def read_limits() -> dict:
    """Sandbox limits, adjustable by the administrator through the environment."""
    env = os.environ
    limits = {}
    if env.get("ZHENGGAI_MAX_FILE_MB"):
        limits["max_bytes"] = int(float(env["ZHENGGAI_MAX_FILE_MB"]) * (1 << 20))
    if env.get("ZHENGGAI_READ_TIMEOUT_S"):
        limits["timeout_s"] = float(env["ZHENGGAI_READ_TIMEOUT_S"])
    if env.get("ZHENGGAI_READ_MEMORY_MB"):
        limits["memory_mb"] = int(env["ZHENGGAI_READ_MEMORY_MB"])
    return limits


def read_document(path: Path, name: str) -> Document:
    """Untrusted files are parsed in a child process with time, memory and size limits."""
    from extractors.sandbox import read_isolated

    return read_isolated(path, name, **read_limits())


def analyse(path: Path, name: str) -> tuple[Document, Extraction]:
    doc = read_document(path, name)
    return doc, extract(doc, default_rules())
