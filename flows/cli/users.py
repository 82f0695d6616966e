"""Accounts for the web pages: add, list, disable, change password (logic in models/accounts.py)."""
from __future__ import annotations

import sys

import typer

from flows.cli.common import StaffError, console, new_table, print_json
from models.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="用户账号（网页登录）")

PASSWORD_STDIN = typer.Option(False, "--password-stdin", help="从标准输入读取密码（一行）")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise StaffError("请使用 --password-stdin 从标准输入提供密码。")
    first = typer.prompt("密码", hide_input=True)
    if typer.prompt("再次输入密码", hide_input=True) != first:
        raise StaffError("两次输入的密码不一致。")
    return first


def _account_step(step) -> None:
    from models.accounts import AccountError
    from models.db import session_scope

    try:
        with session_scope(get_settings().database_url) as s:
            step(s)
    except AccountError as exc:
        raise StaffError(str(exc)) from None


@app.command("add")
def users_add(name: str = typer.Argument(..., help="用户名"),
              role: str = typer.Option(..., "--role", help="角色：admin、reviewer、approver、viewer"),
              unit: list[str] = typer.Option([], "--unit", help="可查看的单位，可重复"),
              password_stdin: bool = PASSWORD_STDIN) -> None:
    """新增用户。"""
    from models.accounts import add_user

    password = _read_password(password_stdin)
    _account_step(lambda s: add_user(s, name, role, password, unit, actor="cli"))
    console.print(f"已新增用户“{name}”。", highlight=False)


@app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """列出用户。"""
    from models.accounts import ROLES, list_users, user_row
    from models.db import session_scope

    with session_scope(get_settings().database_url) as s:
        rows = [user_row(u) for u in list_users(s)]
    if as_json:
        print_json(rows)
        return
    table = new_table(f"用户（{len(rows)}个）", ("用户名", "角色", "可查看单位", "状态"))
    for r in rows:
        table.add_row(r["name"], ROLES.get(r["role"], r["role"]),
                      "全部" if r["role"] == "admin" else "、".join(r["units"]),
                      "已停用" if r["disabled"] else "正常")
    console.print(table)


@app.command("disable")
def users_disable(name: str = typer.Argument(..., help="用户名")) -> None:
    """停用用户（不再能登录，记录保留）。"""
    from models.accounts import disable_user

    _account_step(lambda s: disable_user(s, name, actor="cli"))
    console.print(f"已停用用户“{name}”。", highlight=False)


@app.command("passwd")
def users_passwd(name: str = typer.Argument(..., help="用户名"),
                 password_stdin: bool = PASSWORD_STDIN) -> None:
    """修改用户密码。"""
    from models.accounts import set_password

    password = _read_password(password_stdin)
    _account_step(lambda s: set_password(s, name, password, actor="cli"))
    console.print(f"已修改用户“{name}”的密码。", highlight=False)


def web(host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
        port: int = typer.Option(8000, "--port", help="端口")) -> None:
    """启动审核网页（开发用；正式部署由 zhenggai serve 启动）。"""
    import uvicorn

    from flows.cli.common import setup
    from web.app import create_app

    settings = setup()
    console.print(f"审核网页：http://{host}:{port}/login", highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def demo_web_hint(settings) -> None:
    """End of `zhenggai demo`: how to open the review pages. On a ledger without accounts the demo
    creates one admin account with a random password, printed once (never a fixed password)."""
    import secrets

    from sqlmodel import select

    from models.accounts import add_user
    from models.db import session_scope
    from models.tables import User

    with session_scope(settings.database_url) as s:
        created = None
        if s.exec(select(User.id).limit(1)).first() is None:
            created = secrets.token_urlsafe(9)
            add_user(s, "demo", "admin", created, actor="demo")
    console.print("审核网页：运行 zhenggai web，然后打开 http://127.0.0.1:8000/login", highlight=False)
    if created:
        console.print(f"演示账号：用户名 demo（管理员），密码 {created}（仅显示这一次，可用 zhenggai users passwd demo "
                      "--password-stdin 修改）", highlight=False)
