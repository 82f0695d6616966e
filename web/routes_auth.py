"""Log in and out."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from models.accounts import authenticate
from models.audit import audit
from web.auth import log_in, log_out, safe_next
from web.deps import db, optional_user, render

router = APIRouter()


@router.get("/login")
def login_page(request: Request, next: str = "", user=Depends(optional_user)):
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next))


@router.post("/login")
def login_submit(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form(""),
                 session: Session = Depends(db)):
    throttle = request.app.state.throttle
    address = request.client.host if request.client else ""
    name = username.strip()[:64]
    if throttle.blocked(name, address):
        return render(request, "login.html", status_code=429, next=safe_next(next), username=name,
                      error="登录失败次数过多，请15分钟后再试。")
    user = authenticate(session, name, password)
    if user is None:
        throttle.failed(name, address)
        audit(session, "user.login_failed", "user", name, actor=name or "?", address=address)
        session.commit()
        return render(request, "login.html", status_code=401, next=safe_next(next), username=name,
                      error="用户名或密码错误，或账号已停用。")
    throttle.succeeded(name)
    log_in(request, user)
    audit(session, "user.login", "user", user.id, actor=user.name, address=address)
    session.commit()
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request):
    log_out(request)
    return RedirectResponse("/login", status_code=303)
