"""Deadlines and owners as the text states them, before the routing table's default applies.

A finding's own words or its table row may fix the term (立行立改, 限期3个月, 两个月内, 于9月30日前,
2024年10月底, 长期坚持) and who answers for it (责任单位/责任领导/责任科室 columns, 由…牵头); a
feedback may also set one term for all its problems (请于两个月内报送整改情况). The task keeps where
its deadline came from: stated (its own words or row), document (the whole feedback's term),
long_term (长期坚持: reviewed after a set time), routing (the table's default).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from extractors.counts import parse_number

_N = r"[一二三四五六七八九十两\d]+"
IMMEDIATE = re.compile(r"立行立改|立即整改|立查立改|即知即改|立知立改|马上就改")
LONG_TERM = re.compile(r"长期坚持|长期推进|持续整改|常态化推进")
_REVIEW = re.compile(r"每(半年|季度|年|月)")
_REVIEW_DAYS = {"半年": 182, "季度": 91, "年": 365, "月": 30}
_MONTHS = re.compile(rf"(?:限期|在)?(?P<n>{_N})个(?:月)(?:内|之内|以内)|限期(?P<n2>{_N})个月")
_DAYS = re.compile(rf"(?:限期(?P<n2>{_N})(?:天|日|个工作日))|(?P<n>{_N})(?:天|日|个工作日)(?:内|之内|以内)")
_DATE_BEFORE = re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日|(?P<end>底|末))(?P<before>前|之前|以前)?")
_YEAR_END = re.compile(r"(?:(?P<y>\d{4})年)?(?:年底|年末)(?:前|之前)?|(?P<y2>\d{4})年(?:内|底)")
_LEAD = re.compile(r"由(?P<who>[^，。；、由]{2,24}?)(?:牵头|负责)")

DEADLINE_COLUMNS = ("整改时限", "整改期限", "完成时限", "完成时间", "时限", "期限")
OWNER_COLUMNS = ("责任单位", "责任主体", "责任科室", "责任部门", "牵头单位", "牵头部门")
LEADER_COLUMNS = ("责任领导", "分管领导", "牵头领导", "责任人")


@dataclass(frozen=True)
class Term:
    deadline: date
    source: str  # stated | document | long_term
    phrase: str


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _number(text: str | None) -> int | None:
    return parse_number(text) if text else None


def _on_or_after(start: date, month: int, day: int | None, year: int | None) -> date | None:
    """The stated date; without a year, the first one not before the start."""
    for y in ([year] if year else [start.year, start.year + 1]):
        last = calendar.monthrange(y, month)[1] if 1 <= month <= 12 else 0
        if not last:
            return None
        d = date(y, month, min(day or last, last))
        if year or d >= start:
            return d
    return None


def parse_term(text: str, start: date, terms: dict[str, int] | None = None, *, cell: bool = False,
               source: str = "stated") -> Term | None:
    """The deadline a phrase states, counted from `start`; None when it states none.

    In running text a bare date is history (2024年3月11日至…), so only dates with 前/底 count;
    a table's deadline cell may give the bare date (2024年10月底, 2024年9月30日).
    """
    terms = terms or {}
    text = re.sub(r"\s+", "", text or "")
    if not text:
        return None
    m = IMMEDIATE.search(text)
    if m:
        return Term(start + timedelta(days=int(terms.get("immediate_days", 7))), source, m.group(0))
    m = LONG_TERM.search(text)
    if m:
        review = _REVIEW.search(text)
        days = _REVIEW_DAYS[review.group(1)] if review else int(terms.get("long_term_review_days", 180))
        phrase = m.group(0) + (f"（{review.group(0)}复查）" if review else "")
        return Term(start + timedelta(days=days), "long_term", phrase)
    m = _MONTHS.search(text)
    if m:
        n = _number(m["n"] or m["n2"])
        if n:
            return Term(add_months(start, n), source, m.group(0))
    m = _DAYS.search(text)
    if m:
        n = _number(m["n"] or m["n2"])
        if n:
            return Term(start + timedelta(days=n), source, m.group(0))
    for m in _DATE_BEFORE.finditer(text):
        if not (m["before"] or m["end"] or cell):
            continue
        d = _on_or_after(start, int(m["m"]), int(m["d"]) if m["d"] else None, int(m["y"]) if m["y"] else None)
        if d:
            return Term(d, source, m.group(0))
    m = _YEAR_END.search(text)
    if m:
        y = int(m["y"] or m["y2"] or start.year)
        return Term(date(y, 12, 31), source, m.group(0))
    return None


def lead_body(text: str) -> str:
    """由镇纪委牵头 → 镇纪委: the body the text puts in charge."""
    m = _LEAD.search(text or "")
    return m["who"] if m else ""


def table_columns(header: list[str], row: list[str]) -> dict[str, str]:
    """Deadline, owner and leader cells of one table row, found by the header's wording."""
    out: dict[str, str] = {}
    for name, cell in zip(header, row):
        name = re.sub(r"\s+", "", name)
        cell = cell.strip()
        if not cell:
            continue
        if any(c in name for c in DEADLINE_COLUMNS) and "deadline" not in out:
            out["deadline"] = cell
        elif any(c in name for c in LEADER_COLUMNS) and "leader" not in out:
            out["leader"] = cell
        elif any(c in name for c in OWNER_COLUMNS) and "owner" not in out:
            out["owner"] = cell
    return out


_FEEDBACK_TERM = re.compile(r"整改|报送|报告")


def document_terms(paragraphs: list[str], start: date,
                   terms: dict[str, int] | None = None) -> tuple[Term | None, dict[str, int]]:
    """The term a feedback sets for all its problems (2个月内报送整改情况报告), and the terms it
    redefines (“立行立改”的事项，要在15日内整改到位 → immediate_days 15)."""
    found: Term | None = None
    own = dict(terms or {})
    for p in paragraphs:
        if not _FEEDBACK_TERM.search(p):
            continue
        for sentence in re.split(r"[。；]", p):
            if not _FEEDBACK_TERM.search(sentence):
                continue
            if IMMEDIATE.search(sentence):
                m = _DAYS.search(sentence)
                n = _number(m["n"] or m["n2"]) if m else None
                if n:
                    own["immediate_days"] = n
                continue
            if found is None and not LONG_TERM.search(sentence):
                for clause in re.split(r"[，,]", sentence):  # the plan (整改方案) is due first, not the work
                    if "方案" not in clause and _FEEDBACK_TERM.search(clause):
                        found = found or parse_term(clause, start, terms, source="document")
    return found, own
