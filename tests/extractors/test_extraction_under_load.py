"""Extraction must not depend on how busy the machine is: the same documents give the same
findings, word for word, with four CPU-bound processes running beside it, and when every
time-limited pattern search times out at first (it is retried, never counted as no match)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import extractors.rules as rules_module
from extractors.findings import extract
from extractors.readers import read
from extractors.rules import load_rules

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
# a busy process that stops by itself: a fixed amount of arithmetic, and a time cap besides
_BUSY = ("import time\nend = time.monotonic() + {cap}\nx = 0\n"
         "for i in range(400_000_000):\n    x += i * i\n"
         "    if i % 1_000_000 == 0 and time.monotonic() > end:\n        break\n")


def _everything(docs, rules) -> list:
    """Every decision of the extraction: findings and rejected clauses with offsets, hits, reasons."""
    rules.clear_caches()
    out = []
    for doc in docs:
        ex = extract(doc, rules)
        out.append((doc.name, ex.kind, sorted(ex.counts.items())))
        for label, drafts in (("finding", ex.findings), ("rejected", ex.rejected)):
            for f in drafts:
                out.append((label, f.start, f.end, f.quote, f.subject, f.category, f.severity, f.person,
                            f.score, [(h.rule_id, h.matched) for h in f.hits],
                            [(h.rule_id, h.matched) for h in f.vetoes_considered], f.explanation))
    return out


@pytest.fixture(scope="module")
def docs():
    found = sorted(SAMPLES.glob("*.docx"))
    assert found, "the bundled sample reports are missing"
    return [read(p) for p in found]


def test_same_findings_with_four_busy_processes_beside(docs):
    rules = load_rules()
    quiet = _everything(docs, rules)
    assert any(row[0] == "finding" for row in quiet)
    busy = [subprocess.Popen([sys.executable, "-c", _BUSY.format(cap=120)]) for _ in range(4)]
    try:
        loaded = [_everything(docs, rules) for _ in range(3)]
    finally:
        for p in busy:
            p.kill()
            p.wait()
    for run in loaded:
        assert run == quiet


def test_timed_out_searches_are_retried_not_dropped(docs, monkeypatch):
    rules = load_rules()
    quiet = _everything(docs, rules)
    # every search that runs under a time limit now times out on its first try
    monkeypatch.setattr(rules_module, "REGEX_TIMEOUT", 1e-9)
    before = dict(rules_module.regex_timeouts)
    assert _everything(docs, rules) == quiet
    after = rules_module.regex_timeouts
    assert sum(after.values()) > sum(before.values())  # recorded
    assert all(after[k] == before.get(k, 0) for k in after if k.startswith("final:"))  # none given up


def test_bounded_patterns_need_no_time_limit():
    from extractors.rules import anchors, bounded_cost

    assert bounded_cost(r"(?:存在|发现)的?(?:主要)?问题")
    assert not bounded_cost(r"(a|aa)+$")  # a repeated alternation: exponential backtracking
    assert not bounded_cost(r"(\w)\1")  # back-reference
    assert not bounded_cost(r"[^，]*甲[^，]*乙[^，]*丙")  # three repeats over the text's length
    assert bounded_cost(r"^[^，]*甲[^，]*乙[^，]*丙")  # …tried at the text's start only
    assert bounded_cost(r"(?:\d+个|[一二三]+项)[^，]*问题")  # alternatives are tried one after another
    assert not bounded_cost(r"(?:[^，]*甲|乙)[^，]*丙[^，]*丁")
    assert bounded_cost(r"(?:局长|主任)(?:、(?:局长|主任科员|主任))*")  # each turn opens with 、
    assert not bounded_cost(r"(?:a(?:b|ab))+$")  # a turn may hold its own opening character
    # a pattern's anchors: literals one of which every match contains
    assert anchors(r"(?:公务车辆|公车)[^，]{0,12}") == frozenset({"公务车辆", "公车"})
    assert anchors(r"(?:公务车辆|公车)[^，]{0,12}私用") == frozenset({"私用"})  # the fewer, longer literals
    assert anchors(r"未\p{Han}|没有") == frozenset({"未", "没有"})
    assert anchors(r"[^，]{2,4}") is None
    assert anchors(r"(?i)abc") is None
