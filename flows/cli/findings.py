"""Findings for terminal users: export (evaluation format), list, show (with evidence)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from flows.cli.common import check_choice, console, get_or_fail, new_table, output_path, parse_id, print_json
from models import vocabulary as V
from models.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="问题清单")


@app.command("export")
def findings_export(jsonl: Path = typer.Option(..., "--jsonl", help="输出的JSONL文件")) -> None:
    """按评测格式导出问题清单。"""
    from models.db import session_scope
    from reports.export import prediction_rows, write_jsonl

    output_path(jsonl)
    with session_scope(get_settings().database_url) as s:
        rows = prediction_rows(s)
    write_jsonl(rows, jsonl)
    console.print(f"已导出 {sum(1 for r in rows if 'quote' in r)} 条问题：{jsonl}")


@app.command("list")
def findings_list(
    document: Optional[str] = typer.Option(None, "--document", help="文件编号或文件名的一部分"),
    state: Optional[str] = typer.Option("active", "--state", help="active（有效）、rejected、vanished 或 all"),
    subject: Optional[str] = typer.Option(None, "--subject", help="individual、team 或 unit"),
    route: Optional[str] = typer.Option(None, "--route", help="reminder_talk、team_adjustment、…"),
    unit: Optional[str] = typer.Option(None, "--unit", help="被巡察单位（全称或简称）"),
    round_: Optional[str] = typer.Option(None, "--round", help="巡察轮次（编号或名称）"),
    as_json: bool = typer.Option(False, "--json", help="以JSON输出"),
) -> None:
    """列出识别出的问题（默认只列有效的）。"""
    from sqlmodel import select

    from models.db import session_scope
    from models.tables import Document, Finding
    from models.taskview import scope

    check_choice(state, [*V.FINDING_STATES, "all"], "状态")
    check_choice(subject, V.SUBJECTS, "问题主体")
    check_choice(route, V.ROUTES, "分流方式")
    with session_scope(get_settings().database_url) as s:
        q = select(Finding, Document).join(Document, Document.id == Finding.document_id)
        if state and state != "all":
            q = q.where(Finding.state == state)
        if subject:
            q = q.where(Finding.subject == subject)
        if route:
            q = q.where(Finding.route == route)
        if document:
            q = (q.where(Document.id == int(document)) if document.isdigit()
                 else q.where(Document.name.contains(document)))
        wanted = scope(s, unit, round_)
        if wanted is not None and wanted[0] is not None:
            q = q.where(Finding.unit_id == wanted[0])
        if wanted is not None and wanted[1] is not None:
            q = q.where(Document.round_id == wanted[1])
        rows = s.exec(q.order_by(Finding.document_id, Finding.start, Finding.id)).all() if wanted else []
    if as_json:
        out = [{"id": f.id, "document": d.name, "page": f.page, "section": f.section, "quote": f.quote,
                "subject": f.subject, "category": f.category, "severity": f.severity, "route": f.route,
                "person": f.person, "post": f.post, "unit": f.unit, "state": f.state,
                "corrected": f.corrected, "review_state": f.review_state, "reviewed_by": f.reviewed_by}
               for f, d in rows]
        print_json(out)
        return
    table = new_table(f"问题清单（{len(rows)}条）", ("编号", "文件", "页", "主体", "类别", "分流", "问题"), overflow="fold")
    for f, d in rows:
        table.add_row(str(f.id), d.name, str(f.page), V.SUBJECTS.get(f.subject, f.subject),
                      V.CATEGORIES.get(f.category, f.category), V.ROUTES.get(f.route, f.route),
                      f.quote[:60] + ("…" if len(f.quote) > 60 else ""))
    console.print(table)


@app.command("show")
def findings_show(finding_id: str = typer.Argument(..., help="问题编号")) -> None:
    """显示一条问题的全部依据：文件、页码、章节、原文、命中的规则、排除规则、分流理由。"""
    from sqlmodel import select

    from models.db import session_scope
    from models.tables import Correction, Document, Finding, Task

    fid = parse_id(finding_id, "问题编号")
    with session_scope(get_settings().database_url) as s:
        f = get_or_fail(s, Finding, fid, f"没有编号为{fid}的问题。")
        d = s.get(Document, f.document_id)
        task = s.exec(select(Task).where(Task.finding_id == f.id)).first()
        corrections = s.exec(select(Correction).where(Correction.fingerprint == f.fingerprint)
                             .order_by(Correction.at)).all()
    lines = [
        f"[bold]问题 {f.id}[/bold]（{V.FINDING_STATES.get(f.state, f.state)}{'，已人工修改' if f.corrected else ''}）",
        f"原文：{f.quote}",
        f"文件：{d.name if d else '?'}　第{f.page}页　章节：{' > '.join(f.section) or '（无）'}",
        f"主体：{V.SUBJECTS.get(f.subject, f.subject)}"
        + (f"　人员：{f.person}" if f.person else "") + (f"　职务：{f.post}" if f.post else "")
        + (f"　单位：{f.unit}" if f.unit else ""),
        f"类别：{V.CATEGORIES.get(f.category, f.category)}　性质：{V.SEVERITIES.get(f.severity, f.severity)}",
        f"分流：{V.ROUTES.get(f.route, f.route)}（{f.route_reason}）",
        f"识别依据：{f.explanation or '（无）'}",
        f"审核：{V.REVIEW_STATES.get(f.review_state, f.review_state)}"
        + (f"（{escape(f.reviewed_by)} {f.reviewed_at:%Y-%m-%d %H:%M}）" if f.reviewed_at else ""),
    ]
    for h in f.hits:
        lines.append(f"  命中规则 {h.get('rule_id', '?')}（{h.get('kind', '')}）：{h.get('matched', '')}")
    if f.vetoes:
        lines.append("  已检查的排除规则：" + "、".join(v.get("rule_id", "?") for v in f.vetoes))
    if task:
        lines.append(f"整改任务：{task.id}　{task.status}　期限 {task.deadline.isoformat()}　责任：{task.owner}")
    for c in corrections:
        lines.append(escape(f"  修改 {c.at:%Y-%m-%d %H:%M} {c.actor}：{c.field} {c.old} → {c.new}"
                            + (f"（理由：{c.reason}）" if c.reason else "") + ("（已撤销）" if c.undone else "")))
    console.print("\n".join(lines), highlight=False, markup=True)
