"""What every page needs: a database session, the logged-in user, and rendering a template."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session

from models import vocabulary as V
from models.accounts import ROLES
from models.db import get_engine
from models.tables import User
from web.auth import LoginRequired, allowed, csrf_token, session_user

TEMPLATES = Path(__file__).with_name("templates")
# Autoescape everything: report text is hostile input. Templates are files, never built from data.
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)
TASK_COLOURS = {"待办": "todo", "进行中": "doing", "待销号": "submitted", "已销号": "closed", "延期": "extended",
                "撤销": "withdrawn"}
ENV.globals.update(V=V, ROLES=ROLES, TASK_COLOURS=TASK_COLOURS, allowed=allowed)


def db(request: Request) -> Iterator[Session]:
    with Session(get_engine(request.app.state.settings.database_url), expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


def optional_user(request: Request, session: Session = Depends(db)) -> User | None:
    return session_user(request, session)


def current_user(request: Request, user: User | None = Depends(optional_user)) -> User:
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return user


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", None)
    context["csrf"] = csrf_token(request)
    context["flash"] = request.session.pop("flash", None)
    context["path"] = request.url.path
    return HTMLResponse(ENV.get_template(template).render(**context), status_code=status_code)


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message
