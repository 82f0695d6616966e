"""The web app: assembly of the pages, sessions, CSRF, security headers and error pages.

`create_app(settings)` returns the ASGI app; `zhenggai web` (and the service's `zhenggai serve`)
run it with uvicorn. web/ imports models/ and reports/, never flows/.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from models.db import get_engine
from models.settings import Settings, get_settings
from web.auth import SESSION_HOURS, LoginRequired, LoginThrottle, check_csrf
from web.deps import render

STATIC = Path(__file__).with_name("static")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def secret_key(settings: Settings) -> str:
    """ZHENGGAI_SECRET_KEY, or a random key kept (mode 600) in the data home so sessions survive restarts."""
    key = os.environ.get("ZHENGGAI_SECRET_KEY")
    if key:
        return key
    path = settings.home / "web-secret.key"
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    get_engine(settings.database_url)  # migrate before the first request, not during it
    app = FastAPI(title="zhenggai", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(check_csrf)])
    app.state.settings = settings
    app.state.throttle = LoginThrottle()

    from web import routes_auth, routes_documents, routes_findings, routes_tasks

    for module in (routes_auth, routes_findings, routes_tasks, routes_documents):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        else:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # Added last so it runs first: every handler and the CSRF check see the session.
    app.add_middleware(SessionMiddleware, secret_key=secret_key(settings), session_cookie="zhenggai_session",
                       max_age=SESSION_HOURS * 3600, same_site="strict",
                       https_only=os.environ.get("ZHENGGAI_COOKIE_SECURE") == "1")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if _wants_json(request) or request.method != "GET":
            return JSONResponse({"error": "登录已失效，请重新登录。"}, status_code=401)
        from urllib.parse import quote

        return RedirectResponse("/login?next=" + quote(exc.next_path, safe="/"), status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        message = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else {
            404: "没有找到该页面或记录，或您无权查看。", 403: "您无权进行此操作。",
            405: "不支持该请求方式。"}.get(exc.status_code, "请求无法完成。")
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=exc.status_code)
        return render(request, "error.html", status_code=exc.status_code, message=message,
                      user=getattr(request.state, "user", None))

    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(StarletteHTTPException, http_error)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        message = "请求内容不完整或格式有误，请检查后重试。"
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=400)
        return render(request, "error.html", status_code=400, message=message)

    @app.get("/")
    async def home() -> Response:
        return RedirectResponse("/findings", status_code=303)

    return app
