"""Inspection rounds and inspected units: list them, and correct what the text did not say right."""
from __future__ import annotations

from datetime import date
from typing import Optional

import typer

from flows.cli.common import StaffError, console, new_table, parse_id, print_json
from models.settings import get_settings

rounds_app = typer.Typer(no_args_is_help=True, help="巡察轮次：查看、修改、归入文件")
units_app = typer.Typer(no_args_is_help=True, help="被巡察单位：查看、改名、合并")
BY = typer.Option(..., "--by", help="操作人")


def _day(text: Optional[str]) -> Optional[date]:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise StaffError("日期格式应为 YYYY-MM-DD，例如 2024-03-11。") from None


@rounds_app.command("list")
def rounds_list(as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """列出巡察轮次。"""
    from sqlmodel import select

    from models.db import session_scope
    from models.tables import Document, InspectionRound

    with session_scope(get_settings().database_url) as s:
        rows = [{"id": r.id, "name": r.name, "body": r.body, "team": r.team,
                 "started": r.started.isoformat() if r.started else None,
                 "ended": r.ended.isoformat() if r.ended else None, "revisit": r.revisit, "edited": r.edited,
                 "documents": [d.name for d in s.exec(select(Document).where(Document.round_id == r.id)).all()]}
                for r in s.exec(select(InspectionRound).order_by(InspectionRound.id)).all()]
    if as_json:
        print_json(rows)
        return
    table = new_table(f"巡察轮次（{len(rows)}个）", ("编号", "名称", "巡察时间", "文件"))
    for r in rows:
        table.add_row(str(r["id"]), r["name"] + ("（回头看）" if r["revisit"] else ""),
                      f"{r['started'] or '?'} 至 {r['ended'] or '?'}", "、".join(r["documents"]))
    console.print(table)


@rounds_app.command("edit")
def rounds_edit(round_id: str, by: str = BY, name: Optional[str] = typer.Option(None, "--name"),
                start: Optional[str] = typer.Option(None, "--start", help="开始日期 YYYY-MM-DD"),
                end: Optional[str] = typer.Option(None, "--end", help="结束日期 YYYY-MM-DD")) -> None:
    """修改巡察轮次的名称或时间。"""
    from models.db import session_scope
    from models.rounds import edit_round
    from models.tables import InspectionRound

    rid = parse_id(round_id, "轮次编号")
    with session_scope(get_settings().database_url) as s:
        record = s.get(InspectionRound, rid)
        if record is None:
            raise StaffError(f"没有编号为{rid}的巡察轮次。")
        edit_round(s, record, by, name=name, started=_day(start), ended=_day(end))
        console.print(f"轮次{rid}：{record.name}")


@rounds_app.command("assign")
def rounds_assign(document_id: str, round_id: str, by: str = BY) -> None:
    """把一份文件归入某个巡察轮次。"""
    from models.db import session_scope
    from models.rounds import assign_round
    from models.tables import Document, InspectionRound

    did, rid = parse_id(document_id, "文件编号"), parse_id(round_id, "轮次编号")
    with session_scope(get_settings().database_url) as s:
        doc, record = s.get(Document, did), s.get(InspectionRound, rid)
        if doc is None:
            raise StaffError(f"没有编号为{did}的文件。")
        if record is None:
            raise StaffError(f"没有编号为{rid}的巡察轮次。")
        assign_round(s, doc, record, by)
        console.print(f"文件{did}已归入：{record.name}")


@units_app.command("list")
def units_list(as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """列出被巡察单位及其各种称呼。"""
    from sqlmodel import select

    from models.db import session_scope
    from models.tables import Unit

    with session_scope(get_settings().database_url) as s:
        rows = [{"id": u.id, "name": u.name, "aliases": list(u.aliases or []), "edited": u.edited}
                for u in s.exec(select(Unit).order_by(Unit.id)).all()]
    if as_json:
        print_json(rows)
        return
    table = new_table(f"被巡察单位（{len(rows)}个）", ("编号", "名称", "文件中的称呼"))
    for r in rows:
        table.add_row(str(r["id"]), r["name"], "、".join(r["aliases"]))
    console.print(table)


@units_app.command("rename")
def units_rename(unit_id: str, name: str, by: str = BY) -> None:
    """修改单位的显示名称。"""
    from models.db import session_scope
    from models.tables import Unit
    from models.units import rename_unit

    uid = parse_id(unit_id, "单位编号")
    with session_scope(get_settings().database_url) as s:
        unit = s.get(Unit, uid)
        if unit is None:
            raise StaffError(f"没有编号为{uid}的单位。")
        rename_unit(s, unit, name, by)
        console.print(f"单位{uid}：{unit.name}")


@units_app.command("merge")
def units_merge(keep_id: str, other_id: str, by: str = BY) -> None:
    """把两个实为同一单位的记录合并（保留第一个）。"""
    from models.db import session_scope
    from models.followup import relink_units
    from models.tables import Unit
    from models.units import merge_units

    keep, other = parse_id(keep_id, "单位编号"), parse_id(other_id, "单位编号")
    if keep == other:
        raise StaffError("不能把单位与其自身合并。")
    with session_scope(get_settings().database_url) as s:
        a, b = s.get(Unit, keep), s.get(Unit, other)
        if a is None or b is None:
            raise StaffError(f"没有编号为{keep if a is None else other}的单位。")
        merge_units(s, a, b, by)
        relink_units(s, {a.id})
        console.print(f"已合并为单位{keep}：{a.name}")
