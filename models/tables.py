"""The ledger's tables. Schema changes go through Alembic migrations (models/migrations)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# Empty JSON values for new rows. Plain functions rather than the builtins list and dict: pydantic
# inspects a default factory's signature on every construction, and for a builtin that means parsing
# its text signature (about a third of a millisecond per row: seconds when a file has thousands).
def new_list() -> list:
    return []


def new_dict() -> dict:
    return {}


class Document(SQLModel, table=True):
    """One distinct file content (unique by sha256), whatever it was called or how often it came."""

    id: Optional[int] = Field(default=None, primary_key=True)
    sha256: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(max_length=1024)  # first original name seen; metadata only
    size: int = 0
    file_type: str = Field(default="", max_length=16)  # sniffed: pdf, docx, ole, ...
    stored_as: str = Field(default="", max_length=512)  # path under the data home (internal id)
    status: str = Field(default="ingested", max_length=16)  # ingested | warning | rejected
    reason: str = Field(default="", max_length=32)  # Reason code when warning/rejected
    message: str = Field(default="", sa_column=Column(Text))  # Chinese message for staff
    pages: int = 0
    kind: str = Field(default="other", max_length=16)
    kind_reason: str = Field(default="", sa_column=Column(Text))  # cues that decided the kind (Chinese)
    title: str = Field(default="", sa_column=Column(Text))
    issuer: str = Field(default="", max_length=256)
    unit: str = Field(default="", max_length=256, index=True)
    doc_date: str = Field(default="", max_length=32)
    reader: str = Field(default="", max_length=32)
    warnings: list[str] = Field(default_factory=new_list, sa_column=Column(JSON))
    blocks: list[dict[str, Any]] = Field(default_factory=new_list, sa_column=Column(JSON))
    counts: dict[str, int] = Field(default_factory=new_dict, sa_column=Column(JSON))
    rules_version: str = Field(default="", max_length=64)
    round_id: Optional[int] = Field(default=None, foreign_key="inspectionround.id", index=True)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Unit(SQLModel, table=True):
    """An inspected body under one name, whatever its documents call it (全称/简称, 党组/党委)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=256)  # normalised body name, e.g. 某市某局
    name: str = Field(max_length=256)  # the name shown to staff (editable)
    aliases: list[str] = Field(default_factory=new_list, sa_column=Column(JSON))  # every name seen
    edited: bool = False  # a person set the name: extraction leaves it alone
    created_at: datetime = Field(default_factory=utcnow)


class InspectionRound(SQLModel, table=True):
    """One inspection round (巡视/巡察): who inspected, which round or group, and when."""

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=256)
    name: str = Field(max_length=256)  # e.g. 市委第二轮巡察, or 市委第二巡察组巡察（2024年）
    body: str = Field(default="", max_length=64)  # the inspecting party committee: 市委, 县委 …
    team: str = Field(default="", max_length=64)  # 第二巡察组
    started: Optional[date] = None
    ended: Optional[date] = None
    revisit: bool = False  # 回头看
    edited: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class ReportItem(SQLModel, table=True):
    """One item of a rectification report and the task it answers (none when nothing matched)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    finding_id: int = Field(foreign_key="finding.id", index=True, unique=True)  # the item as extracted
    task_id: Optional[int] = Field(default=None, foreign_key="task.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))  # the item as the report words it
    stated: str = Field(default="unclear", max_length=16)  # done | in_progress | unclear
    measures: str = Field(default="", sa_column=Column(Text))  # what the report says was done
    score: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Intake(SQLModel, table=True):
    """Every entry seen (file dropped, file given to the CLI): exactly one outcome per entry."""

    __table_args__ = (UniqueConstraint("sha256", "name", "source", name="uq_intake_entry"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    sha256: str = Field(default="", max_length=64, index=True)  # empty for non-regular entries
    name: str = Field(max_length=1024)  # escaped original name; metadata only
    source: str = Field(default="cli", max_length=16)  # cli | inbox | nightly | watch
    status: str = Field(max_length=16)  # ingested | warning | rejected | duplicate | skipped
    reason: str = Field(default="", max_length=32)
    message: str = Field(default="", sa_column=Column(Text))
    document_id: Optional[int] = Field(default=None, foreign_key="document.id", index=True)
    seen_at: datetime = Field(default_factory=utcnow)


class Finding(SQLModel, table=True):
    """A problem the inspection found. Identity = fingerprint (document hash + normalised span)."""

    # The review queue's index: every filter column and the sort key, so a page or a count reads
    # the index alone (web/queries.py); unit first because every query is scoped by unit.
    __table_args__ = (Index("ix_finding_queue", "unit", "review_state", "category", "route", "state", "score", "id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    fingerprint: str = Field(index=True, unique=True, max_length=64)
    document_id: int = Field(foreign_key="document.id", index=True)
    quote: str = Field(sa_column=Column(Text, nullable=False))
    page: int = 1
    section: list[str] = Field(default_factory=new_list, sa_column=Column(JSON))
    start: int = 0
    end: int = 0
    subject: str = Field(max_length=16)
    category: str = Field(max_length=32)
    severity: str = Field(max_length=16)
    person: str = Field(default="", max_length=64)
    post: str = Field(default="", max_length=128)
    unit: str = Field(default="", max_length=256, index=True)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    route: str = Field(max_length=32)
    route_reason: str = Field(default="", sa_column=Column(Text))
    hits: list[dict[str, Any]] = Field(default_factory=new_list, sa_column=Column(JSON))
    vetoes: list[dict[str, Any]] = Field(default_factory=new_list, sa_column=Column(JSON))  # vetoes considered
    explanation: str = Field(default="", sa_column=Column(Text))
    score: float = Field(default=0.0, index=True)  # rule weight; the review queue shows the lowest first
    rules_version: str = Field(default="", max_length=64)
    origin: str = Field(default="extracted", max_length=16)  # extracted | reviewer
    state: str = Field(default="active", max_length=16)  # active | rejected | vanished | split
    corrected: bool = False
    review_state: str = Field(default="pending", max_length=16, index=True)  # pending | accepted | corrected | rejected
    reviewed_by: str = Field(default="", max_length=64)
    reviewed_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class FindingRule(SQLModel, table=True):
    """Which rules fired for a finding (copied from Finding.hits), so the review queue filters by rule
    through an index instead of reading every finding's JSON."""

    __tablename__ = "finding_rule"
    finding_id: int = Field(foreign_key="finding.id", primary_key=True, ondelete="CASCADE")
    rule_id: str = Field(max_length=128, primary_key=True, index=True)


class Correction(SQLModel, table=True):
    """A reviewer's change to one field of a finding, keyed by fingerprint so it survives re-ingestion.

    The rows written by one review decision share `action`, so the decision can be undone as a whole.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    fingerprint: str = Field(index=True, max_length=64)
    field: str = Field(max_length=32)  # subject person post unit category severity route state review_state origin
    old: str = Field(default="", sa_column=Column(Text))
    new: str = Field(default="", sa_column=Column(Text))
    actor: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow)
    reason: str = Field(default="", sa_column=Column(Text))
    action: str = Field(default="", max_length=32, index=True)  # one id per review decision
    undone: bool = False  # reverted by `undo`; kept as history, no longer applied
    carried_from: str = Field(default="", max_length=64)  # fingerprint before the quote's boundary moved


class Task(SQLModel, table=True):
    """A ledger row (整改台账): one follow-up task per finding."""

    id: Optional[int] = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True, unique=True)
    route: str = Field(max_length=32)
    kind: str = Field(default="", max_length=16)  # a task kind beside the route (team_own), "" if none
    unit: str = Field(default="", max_length=256, index=True)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    owner: str = Field(default="", max_length=128)
    deadline: date
    deadline_source: str = Field(default="routing", max_length=16)  # stated | document | long_term | routing | extended
    deadline_phrase: str = Field(default="", max_length=128)  # the words the deadline came from
    escalated_from: Optional[int] = Field(default=None, foreign_key="task.id", index=True)
    flags: list[str] = Field(default_factory=new_list, sa_column=Column(JSON))  # 反弹, 未报告
    supervisor: str = Field(default="", max_length=128)  # 立项督查: who supervises
    status: str = Field(default="待办", max_length=16)  # 待办 进行中 待销号 已销号 延期 撤销 待复核
    overdue_level: int = 0  # 0 on time; 1 overdue; 2 escalated
    measure: str = Field(default="", sa_column=Column(Text))
    submitted_by: str = Field(default="", max_length=64)
    closed_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: Optional[datetime] = None


class AuditEvent(SQLModel, table=True):
    """Who did what, when: every state change of the ledger writes one row."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(default="system", max_length=64)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(default="", max_length=64)
    detail: dict[str, Any] = Field(default_factory=new_dict, sa_column=Column(JSON))


class User(SQLModel, table=True):
    """A person who may log in to the web pages; sees only the units in `units` (admin sees all)."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)  # admin | reviewer | approver | viewer
    units: list[str] = Field(default_factory=new_list, sa_column=Column(JSON))
    disabled: bool = False
    password_hash: str = Field(max_length=256)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
