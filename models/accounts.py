"""Accounts and scope: who may log in, with which role, and which units' data they may see.

Data about named officials is need-to-know (控制知情范围): every query of findings, tasks and
documents goes through `scope_*` below, so a record outside a user's units is simply not there
for them (404, never 403, so its existence is not revealed). Admins see everything.
"""
from __future__ import annotations

from typing import Any, Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from models.audit import audit
from models.tables import Document, Finding, Task, User, utcnow

ROLES = {"admin": "管理员", "reviewer": "审核人员", "approver": "审批人员", "viewer": "只读人员"}
# What each role may do, in the web pages and on the command line. Reading is open to every role
# within its scope.
PERMISSIONS: dict[str, set[str]] = {
    "review": {"admin", "reviewer"},  # accept, reject, correct, split, undo, add a missed finding
    "task_work": {"admin", "reviewer", "approver"},  # start work, submit a close-out
    "task_decide": {"admin", "approver"},  # send back, extend, withdraw
    "task_approve": {"approver"},  # approve a close-out (销号): approvers only, never the submitter
}
_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as much time as a wrong password.
_DUMMY_HASH = _HASHER.hash("zhenggai-no-such-user")


class AccountError(ValueError):
    """A refused account change; the message is shown to staff as is (Chinese)."""


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AccountError("密码至少需要8个字符。")
    return _HASHER.hash(password)


def _clean_units(units: Iterable[str]) -> list[str]:
    return sorted({u.strip() for u in units if u and u.strip()})


def add_user(session: Session, name: str, role: str, password: str, units: Iterable[str] = (),
             actor: str = "system") -> User:
    name = name.strip()
    if not name:
        raise AccountError("用户名不能为空。")
    if role not in ROLES:
        raise AccountError(f"角色“{role}”无效，可选：{'、'.join(ROLES)}。")
    if get_user(session, name) is not None:
        raise AccountError(f"用户“{name}”已存在。")
    units = _clean_units(units)
    if role != "admin" and not units:
        raise AccountError("非管理员用户必须至少指定一个单位（--unit），否则看不到任何数据。")
    user = User(name=name, role=role, units=units, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit(session, "user.added", "user", user.id, actor=actor, name=name, role=role, units=units)
    return user


def get_user(session: Session, name: str) -> User | None:
    return session.exec(select(User).where(User.name == name)).first()


def require_user(session: Session, name: str) -> User:
    user = get_user(session, name)
    if user is None:
        raise AccountError(f"没有用户“{name}”。")
    return user


def set_password(session: Session, name: str, password: str, actor: str = "system") -> User:
    user = require_user(session, name)
    user.password_hash = hash_password(password)
    user.updated_at = utcnow()
    session.add(user)
    audit(session, "user.password_changed", "user", user.id, actor=actor, name=name)
    return user


def disable_user(session: Session, name: str, actor: str = "system") -> User:
    user = require_user(session, name)
    if not user.disabled:
        user.disabled = True
        user.updated_at = utcnow()
        session.add(user)
        audit(session, "user.disabled", "user", user.id, actor=actor, name=name)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.name)).all())


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user if the name exists, is enabled and the password matches; None otherwise."""
    user = get_user(session, name.strip()) if name else None
    try:
        if user is None or user.disabled:
            _HASHER.verify(_DUMMY_HASH, password or "")
            return None
        _HASHER.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
        session.add(user)
    return user


def check_actor(session: Session, name: str, permission: str) -> None:
    """The command line's `--by NAME`: once any account exists, NAME must be an enabled account whose
    role allows the step (the same rule as the web pages). Before the first account is created the
    name is recorded as given, so a fresh installation works from the command line alone."""
    if session.exec(select(User.id).limit(1)).first() is None:
        return
    user = get_user(session, name.strip())
    if user is None or user.disabled:
        raise AccountError(f"操作人“{name}”不是有效的用户账号（已启用账号后，--by 必须是现有且未停用的用户名）。")
    if user.role not in PERMISSIONS[permission]:
        raise AccountError(f"用户“{name}”的角色（{ROLES.get(user.role, user.role)}）无权进行此操作。")


def user_row(user: User) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "units": list(user.units or []),
            "disabled": user.disabled}


# --- scope: one filter for every query -------------------------------------------------------

def _unit_clause(column, user: User) -> ColumnElement[bool]:
    if user.role == "admin":
        return true()
    units = list(user.units or [])
    return column.in_(units) if units else false()


def scope_findings(user: User) -> ColumnElement[bool]:
    """Where-clause: the findings this user may see (by the finding's unit)."""
    return _unit_clause(Finding.unit, user)


def scope_tasks(user: User) -> ColumnElement[bool]:
    """Where-clause: the ledger tasks this user may see (by the task's unit)."""
    return _unit_clause(Task.unit, user)


def scope_documents(user: User) -> ColumnElement[bool]:
    """Where-clause: the documents (and their original files) this user may see."""
    return _unit_clause(Document.unit, user)


def scope_filter(user: User) -> dict[type, ColumnElement[bool]]:
    """The three clauses by table, for code that picks the one it needs."""
    return {Finding: scope_findings(user), Task: scope_tasks(user), Document: scope_documents(user)}


def in_scope(user: User, unit: str) -> bool:
    """The same rule for one record already loaded (e.g. before an action on it)."""
    return user.role == "admin" or (unit or "") in (user.units or [])
