"""Who is asking: the session cookie, the CSRF token, login throttling, roles and safe redirects.

The session cookie is signed (itsdangerous, via Starlette's SessionMiddleware), HttpOnly, SameSite
strict and expires; it holds only the user's name, the login time and the CSRF token. The user row
is read again on every request, so disabling an account takes effect at once.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from sqlmodel import Session

from models.accounts import PERMISSIONS, get_user  # noqa: F401  (PERMISSIONS: re-exported for pages)
from models.tables import User

SESSION_HOURS = 8
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

class LoginRequired(Exception):
    """Raised by pages when nobody is logged in; answered with a redirect to /login."""

    def __init__(self, next_path: str = "/findings"):
        self.next_path = next_path


def allowed(user: User, permission: str) -> bool:
    return user.role in PERMISSIONS[permission]


def require(user: User, permission: str) -> None:
    if not allowed(user, permission):
        raise HTTPException(status_code=403, detail="您的角色无权进行此操作。")


def session_user(request: Request, session: Session) -> User | None:
    data = request.session
    name, since = data.get("user"), data.get("since", 0)
    if not name or time.time() - since > SESSION_HOURS * 3600:
        return None
    user = get_user(session, name)
    if user is None or user.disabled:
        return None
    return user


def log_in(request: Request, user: User) -> None:
    request.session.clear()  # a fresh session (and CSRF token) at every login: no fixation
    request.session.update({"user": user.name, "since": int(time.time()),
                            "csrf": secrets.token_urlsafe(32)})


def log_out(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's token (form field or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get("csrf") or ""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise HTTPException(status_code=403, detail="页面已过期或请求来源不明（CSRF校验失败），请刷新页面后重试。")


def safe_next(target: str | None, default: str = "/findings") -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return default
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return default
    return target


class LoginThrottle:
    """At most `limit` failed logins per user name and per client address within `window` seconds."""

    def __init__(self, limit: int = 5, window: float = 900.0):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, name: str, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in (f"u:{name}", f"a:{address}"))

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in (f"u:{name}", f"a:{address}"):
                self._recent(k, now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"u:{name}", None)
