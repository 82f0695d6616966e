"""The ledger's tasks for terminal users: list, show (with history), and lifecycle steps."""
from __future__ import annotations

from typing import Callable, Optional

import typer

from flows.cli.common import StaffError, check_choice, console, get_or_fail, new_table, parse_id, print_json
from models import vocabulary as V
from models.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="整改任务（台账）：办理、销号、延期、撤销")

BY = typer.Option(..., "--by", help="操作人")


@app.command("list")
def tasks_list(status: Optional[str] = typer.Option(None, help="只列出该状态，如 待办、待销号"),
               overdue: bool = typer.Option(False, "--overdue", help="只列出逾期任务"),
               unit: Optional[str] = typer.Option(None, "--unit", help="只列出该单位的任务（全称或简称）"),
               round_: Optional[str] = typer.Option(None, "--round", help="只列出该轮巡察的任务（编号或名称）"),
               as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """列出整改任务（绿：正常，黄：临期，红：逾期）。"""
    from models.db import session_scope
    from models.taskview import task_views

    check_choice(status, V.TASK_STATUSES, "任务状态")
    with session_scope(get_settings().database_url) as s:
        rows = task_views(s, status=status, unit=unit, round_=round_, overdue=overdue)
    if as_json:
        print_json(rows)
        return
    table = new_table(f"整改任务（{len(rows)}项）", ("编号", "问题", "分流", "责任人/单位", "期限", "状态", "预警"))
    style = {"green": "green", "yellow": "yellow", "red": "red"}
    for r in rows:
        mark = "".join(f"（{f}）" for f in r["flags"])
        table.add_row(str(r["id"]), r["quote"][:60], V.ROUTES.get(r["route"], r["route"]), r["owner"],
                      r["deadline"], r["status"] + mark,
                      f"[{style[r['colour']]}]{V.COLOURS[r['colour']]}[/{style[r['colour']]}]")
    console.print(table)


@app.command("report")
def tasks_report(document_id: str = typer.Argument(..., help="整改报告的文件编号"),
                 as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """核对一份整改报告：逐项对应的任务、未对应的事项、未报告的任务、数据是否一致。"""
    from models.db import session_scope
    from models.figures import report_check
    from models.tables import Document

    did = parse_id(document_id, "文件编号")
    with session_scope(get_settings().database_url) as s:
        doc = s.get(Document, did)
        if doc is None or doc.kind != "rectification":
            raise StaffError(f"编号为{did}的文件不是已收到的整改报告。")
        check = report_check(s, doc)
    if as_json:
        print_json(check)
        return
    lines = [f"[bold]整改报告：{check['document']}[/bold]"]
    if not check["items"] and not check["unmatched"]:
        lines.append("  [red]未能识别出本报告逐项的整改事项（格式不在已知范围内），"
                     "以下“未报告”标记需人工对照原文核实。[/red]")
    for i in check["items"]:
        lines.append(f"  事项“{i['text']}” → 任务{i['task']}（{V.STATED[i['stated']]}）")
    for i in check["unmatched"]:
        lines.append(f"  [yellow]未对应任务的事项：“{i['text']}”[/yellow]")
    if check["not_reported"]:
        lines.append("  [red]报告未提及的任务：" + "、".join(str(t) for t in check["not_reported"]) + "[/red]")
    for f in check["figures"]:
        lines.append(f"  {f['label']}：报告{f['stated']}，台账{f['ledger']}，{f['verdict']}")
    if check["verdict"]:
        lines.append(f"数据核对：{check['verdict']}")
    console.print("\n".join(lines), highlight=False)


@app.command("show")
def tasks_show(task_id: str = typer.Argument(..., help="任务编号")) -> None:
    """显示一项整改任务及其全部办理记录。"""
    from sqlmodel import select

    from models.db import session_scope
    from models.tables import AuditEvent, Document, Finding, Task

    tid = parse_id(task_id, "任务编号")
    with session_scope(get_settings().database_url) as s:
        t = get_or_fail(s, Task, tid, f"没有编号为{tid}的整改任务。")
        f = s.get(Finding, t.finding_id)
        d = s.get(Document, f.document_id) if f else None
        history = s.exec(select(AuditEvent).where(AuditEvent.entity == "task", AuditEvent.entity_id == str(tid))
                         .order_by(AuditEvent.at, AuditEvent.id)).all()
    lines = [f"[bold]整改任务 {t.id}[/bold]：{t.status}" + {1: "（逾期）", 2: "（逾期升级）"}.get(t.overdue_level, ""),
             f"问题：{f.quote if f else '?'}（问题编号 {t.finding_id}，{d.name if d else '?'} 第{f.page if f else '?'}页）",
             f"分流：{V.ROUTES.get(t.route, t.route)}　单位：{t.unit or '（未识别）'}　责任：{t.owner or '（未指定）'}",
             f"期限：{t.deadline.isoformat()}"]
    if t.measure:
        lines.append(f"整改措施：{t.measure}（{t.submitted_by}提交）")
    lines.append("办理记录：")
    for e in history:
        detail = "，".join(f"{k}={v}" for k, v in (e.detail or {}).items())
        lines.append(f"  {e.at:%Y-%m-%d %H:%M} {e.actor} {e.action} {detail}")
    if not history:
        lines.append("  （无）")
    console.print("\n".join(lines), highlight=False)


def _task_action(task_id: str, action: Callable, by: str = "", permission: str = "") -> None:
    """Run one lifecycle change; a refused change is one Chinese sentence and exit code 1."""
    from models.accounts import AccountError, check_actor
    from models.db import session_scope
    from models.ledger import LedgerError
    from models.tables import Task

    tid = parse_id(task_id, "任务编号")
    try:
        with session_scope(get_settings().database_url) as s:
            if permission:
                check_actor(s, by, permission)
            task = s.get(Task, tid)
            if task is None:
                raise LedgerError(f"没有编号为{tid}的整改任务。")
            action(s, task)
            console.print(f"任务{tid}：{task.status}")
    except (LedgerError, AccountError) as exc:
        raise StaffError(str(exc)) from None


@app.command("start")
def tasks_start(task_id: str, by: str = BY) -> None:
    """开始办理（待办 → 进行中）。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.start(s, t, by), by, "task_work")


@app.command("submit")
def tasks_submit(task_id: str, by: str = BY,
                 measure: str = typer.Option(..., "--measure", help="整改措施及成效")) -> None:
    """申请销号（→ 待销号）。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.submit(s, t, by, measure), by, "task_work")


@app.command("approve")
def tasks_approve(task_id: str, by: str = BY) -> None:
    """审批销号（待销号 → 已销号）；申请人不能审批本人的申请。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.approve(s, t, by), by, "task_approve")


@app.command("send-back")
def tasks_send_back(task_id: str, by: str = BY, reason: str = typer.Option(..., "--reason")) -> None:
    """退回销号申请（待销号 → 进行中）。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.send_back(s, t, by, reason), by, "task_decide")


@app.command("extend")
def tasks_extend(task_id: str, by: str = BY, until: str = typer.Option(..., "--until", help="新期限 YYYY-MM-DD"),
                 reason: str = typer.Option(..., "--reason")) -> None:
    """延期（→ 延期），新期限须晚于原期限。"""
    from datetime import date

    from models import ledger

    try:
        new = date.fromisoformat(until)
    except ValueError:
        raise StaffError("日期格式应为 YYYY-MM-DD，例如 2026-12-31。") from None
    _task_action(task_id, lambda s, t: ledger.extend(s, t, by, new, reason), by, "task_decide")


@app.command("withdraw")
def tasks_withdraw(task_id: str, by: str = BY, reason: str = typer.Option(..., "--reason")) -> None:
    """撤销任务（→ 撤销）。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.withdraw(s, t, by, reason), by, "task_decide")


@app.command("keep")
def tasks_keep(task_id: str, by: str = BY, reason: str = typer.Option(..., "--reason", help="复核意见")) -> None:
    """复核后保留任务（待复核 → 原状态）；不成立的用 withdraw 撤销。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.keep_after_review(s, t, by, reason), by, "review")
