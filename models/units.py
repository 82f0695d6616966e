"""Inspected units as records, so that one body's tasks from several documents meet.

Documents name the same body in several ways: 中共某市某局党组 (full name with the party prefix),
某市某局党组, 某市某局 and 某局 (a short name without the region), 中共XX县XX镇委员会 and XX镇党委
(the committee and the body it leads), 县发展和改革局 and 县发改局 (a contraction). The key of a unit
is the body's name without the party prefix and the organ suffix; two keys are the same body when one
is the other with a region in front, or a contraction of it. Ambiguous short names are not merged.
"""
from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.tables import Unit

_PARTY_PREFIX = re.compile(r"^(?:中国共产党|中共)")
_ORGAN_SUFFIX = re.compile(r"(?:机关党委|党工委|党总支|总支部委员会|支部委员会|党支部|党委员会|委员会|党组|党委|领导班子)$")
_REGION_PREFIX = re.compile(r"^(?:.{0,8}?(?:省|自治区|市|州|盟|县|区|旗))+$")
_SECTION_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、])\s*")
_ORG_END = re.compile(r"(?:党组|党委|党工委|党支部|党总支|委员会|局|委|办|镇|乡|街道|中心|公司|集团|学院|大学|医院|院|所|站|村)$")
_NOT_ORG = re.compile(r"[，。；：,;:“”\"]|方面|问题|情况|整改|巡察|巡视|落实|要求|意见|不|未")


def unit_key(name: str) -> str:
    """The body's name: 中共XX县XX镇委员会 → XX县XX镇, 某市某局党组 → 某市某局."""
    text = re.sub(r"\s+", "", name or "").strip("：:，,。")
    text = _PARTY_PREFIX.sub("", text)
    stripped = _ORGAN_SUFFIX.sub("", text)
    return stripped if len(stripped) >= 2 else text


def display_name(name: str) -> str:
    """The name shown to staff: as written, without the party prefix."""
    return _PARTY_PREFIX.sub("", re.sub(r"\s+", "", name or "").strip("：:，,。"))


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def same_body(a: str, b: str) -> bool:
    """Two unit keys name one body: equal, one with a region prefix, or a contraction (发改局)."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) < 2:
        return False
    if long.endswith(short) and _REGION_PREFIX.match(long[: -len(short)]):
        return True
    return (len(short) >= 3 and short[0] == long[0] and short[-1] == long[-1]
            and _is_subsequence(short, long) and len(long) - len(short) <= 4)


def find_unit(session: Session, name: str) -> Unit | None:
    """The one unit this name belongs to, or None (unknown, or ambiguous between several)."""
    key = unit_key(name)
    if not key:
        return None
    exact = session.exec(select(Unit).where(Unit.key == key)).first()
    if exact is not None:
        return exact
    matches = [u for u in session.exec(select(Unit)).all()
               if same_body(key, u.key) or any(same_body(key, unit_key(a)) for a in u.aliases or [])]
    return matches[0] if len(matches) == 1 else None


def resolve_unit(session: Session, name: str, cache: dict[str, Unit | None] | None = None) -> Unit | None:
    """The unit record for a name as written, created on first sight; the name is kept as an alias.

    With a cache (one per document stored), a name met again is answered without a query: a second
    call with no change to the units in between returns the same unit and changes nothing, so the
    cache is emptied only when a call creates a unit or adds an alias (which may change the answer
    for other names)."""
    if cache is not None and name in cache:
        return cache[name]
    if not unit_key(name):
        return None
    unit = find_unit(session, name)
    shown = display_name(name)
    changed = unit is None
    if unit is None:
        unit = insert_once(session, Unit(key=unit_key(name), name=shown, aliases=[shown]),
                           select(Unit).where(Unit.key == unit_key(name)))
    if shown not in (unit.aliases or []):
        unit.aliases = [*(unit.aliases or []), shown]
        changed = True
    session.add(unit)
    session.flush()
    if cache is not None:
        if changed:
            cache.clear()
        cache[name] = unit
    return unit


def insert_once(session: Session, record, query):
    """Insert a keyed record, or take the one a concurrent ingestion committed first."""
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
        return record
    except IntegrityError:
        return session.exec(query).one()


def unit_from_section(section: list[str] | tuple[str, ...]) -> str:
    """A notice about several units heads each unit's part with its name (一、县发展和改革局党组)."""
    for label in section:
        text = _SECTION_NUMBER.sub("", label).strip()
        text = re.sub(r"[（(][^（）()]*[）)]$", "", text).strip()  # 县某局党组（巡察“回头看”）
        if 3 <= len(text) <= 30 and _ORG_END.search(text) and not _NOT_ORG.search(text):
            return text
    return ""


def rename_unit(session: Session, unit: Unit, name: str, actor: str) -> Unit:
    """A person names the unit as it should be shown; extraction no longer changes it."""
    from models.audit import audit

    old = unit.name
    unit.name, unit.edited = name.strip(), True
    session.add(unit)
    audit(session, "unit.renamed", "unit", unit.id, actor=actor, old=old, new=unit.name)
    return unit


def merge_units(session: Session, keep: Unit, other: Unit, actor: str) -> Unit:
    """Two records that are one body (a short name the rules could not place): one record remains,
    every document, finding and task of the other moves to it, its names become aliases."""
    from models.audit import audit
    from models.tables import Document, Finding, Task

    for table in (Document, Finding, Task):
        for row in session.exec(select(table).where(table.unit_id == other.id)).all():
            row.unit_id = keep.id
            session.add(row)
    keep.aliases = [*(keep.aliases or []), *[a for a in (other.aliases or []) if a not in (keep.aliases or [])]]
    session.add(keep)
    session.flush()
    session.delete(other)
    audit(session, "unit.merged", "unit", keep.id, actor=actor, merged=other.id, merged_name=other.name)
    return keep
