"""Inspection rounds as records, read from a document's title and opening paragraphs.

A feedback and the unit's rectification report name the same round in different words
(中共某市委第二巡察组 in the signature, 市委第二巡察组 in the report, the same inspection dates),
so a round is keyed by the inspecting committee's level (市委, 县委 …), the round number or the
inspection group, and the year. A person may rename or redate a round; extraction then leaves it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from extractors.counts import parse_number
from models.tables import InspectionRound
from models.units import insert_once

_NUM = r"[一二三四五六七八九十两\d]+"
_BODY = r"(?P<body>[^\s，。、“”：:（）()]{0,8}?(?:省|市|县|区|州|旗|盟)委)"
_ROUND = re.compile(rf"{_BODY}(?:(?P<year>\d{{4}})年(?:度)?)?第(?P<n>{_NUM})轮(?P<what>巡视|巡察)")
_TEAM = re.compile(rf"{_BODY}第(?P<g>{_NUM})(?P<what>巡视|巡察)组")
_PERIOD = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:—|-|至|到)"
                     r"(?:(?P<y2>\d{4})年)?(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日")
_YEAR = re.compile(r"(\d{4})年")


@dataclass(frozen=True)
class RoundInfo:
    key: str
    name: str
    body: str
    team: str = ""
    started: date | None = None
    ended: date | None = None
    revisit: bool = False


def _clean_body(body: str) -> str:
    """中共某市某局党组关于市委 → 市委: only the committee's own name, without what came before."""
    return re.split(r"中共|关于|于|对|向|的|组|局|在", body)[-1]


def _level(body: str) -> str:
    """市委 of 中共某市委: the committee level a report uses when it drops the place name."""
    return re.sub(r"^中共", "", body)[-2:]


def _date(y: str | int, m: str | int, d: str | int) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def read_round(title: str, opening: list[str], doc_date: str = "") -> RoundInfo | None:
    """The round a document belongs to, from its title and first paragraphs; None if not stated."""
    text = "\n".join([title, *opening])
    period = _PERIOD.search(text)
    started = ended = None
    if period:
        started = _date(period["y"], period["m"], period["d"])
        ended = _date(period["y2"] or period["y"], period["m2"], period["d2"])
    year = ""
    m_round = _ROUND.search(text)
    if m_round and m_round["year"]:
        year = m_round["year"]
    elif started:
        year = str(started.year)
    elif doc_date[:4].isdigit():
        year = doc_date[:4]
    else:
        y = _YEAR.search(text)
        year = y.group(1) if y else ""
    revisit = "回头看" in text
    if m_round:
        body = _clean_body(m_round["body"])
        n = parse_number(m_round["n"]) or 0
        name = f"{body}{m_round['year'] + '年' if m_round['year'] else ''}第{m_round['n']}轮{m_round['what']}"
        return RoundInfo(f"{_level(body)}|round{n}|{year}", name, body, "", started, ended, revisit)
    m_team = _TEAM.search(text)
    if m_team:
        body = _clean_body(m_team["body"])
        n = parse_number(m_team["g"]) or 0
        team = f"第{m_team['g']}{m_team['what']}组"
        name = f"{body}{team}{m_team['what']}" + (f"（{year}年）" if year else "")
        return RoundInfo(f"{_level(body)}|team{n}|{year}|{'revisit' if revisit else ''}", name, body, team,
                         started, ended, revisit)
    return None


def resolve_round(session: Session, info: RoundInfo | None) -> InspectionRound | None:
    """The round record for what a document says, created on first sight; edited rounds are kept."""
    if info is None:
        return None
    record = session.exec(select(InspectionRound).where(InspectionRound.key == info.key)).first()
    if record is None:
        record = insert_once(session, InspectionRound(key=info.key, name=info.name, body=info.body, team=info.team,
                                                      started=info.started, ended=info.ended, revisit=info.revisit),
                             select(InspectionRound).where(InspectionRound.key == info.key))
    elif not record.edited:
        record.started = record.started or info.started
        record.ended = record.ended or info.ended
        record.team = record.team or info.team
        if len(info.body) > len(record.body):  # 某市委 says more than 市委
            record.body = info.body
            record.name = info.name
    session.add(record)
    session.flush()
    return record


def edit_round(session: Session, record: InspectionRound, actor: str, *, name: str | None = None,
               started: date | None = None, ended: date | None = None) -> InspectionRound:
    """A person corrects a round; extraction then leaves it as they set it."""
    from models.audit import audit

    old = {"name": record.name, "started": str(record.started), "ended": str(record.ended)}
    if name:
        record.name = name.strip()
    record.started = started or record.started
    record.ended = ended or record.ended
    record.edited = True
    session.add(record)
    audit(session, "round.edited", "round", record.id, actor=actor, old=old,
          new={"name": record.name, "started": str(record.started), "ended": str(record.ended)})
    return record


def assign_round(session: Session, document, record: InspectionRound, actor: str) -> None:
    """A person puts a document in a round; the round is marked edited so the choice is kept."""
    from models.audit import audit

    old = document.round_id
    document.round_id = record.id
    record.edited = True
    session.add(document)
    session.add(record)
    audit(session, "document.round_assigned", "document", document.id, actor=actor, old=old, new=record.id)
