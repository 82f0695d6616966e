"""Commands that write files for supervisors: report, ledger export."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import StaffError, console, output_path, setup
from models.settings import Settings, get_settings

LABELS = {"html": "报告（HTML）", "docx": "Word报告", "pdf": "PDF报告", "xlsx": "台账（Excel）"}


def write_reports(settings: Settings, scope=None, formats: list[str] | None = None,
                  out_dir: Path | None = None):
    """The follow-up report for a scope in the given formats (default: all) under reports/."""
    from models.db import session_scope
    from reports.bundle import FORMATS, write_report
    from reports.charts import FontMissing
    from reports.context import build_context

    with session_scope(settings.database_url) as s:
        ctx = build_context(s, scope=scope)
        try:
            return write_report(ctx, list(formats or FORMATS), out_dir or settings.reports)
        except FontMissing as exc:  # the administrator's to fix, in one sentence naming the package
            raise StaffError(str(exc)) from None


def _day(text: Optional[str], what: str) -> Optional[date]:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise StaffError(f"{what}格式应为 YYYY-MM-DD，例如 2026-03-01；收到的是“{text}”。") from None


def _check_scope(settings: Settings, scope) -> None:
    """An unknown unit or round is a typing mistake far more often than an empty report."""
    from sqlmodel import select

    from models.db import session_scope
    from models.tables import Document, Finding
    from reports.queries import in_round

    with session_scope(settings.database_url) as s:
        if scope.unit is not None:
            units = sorted({u for u in s.exec(select(Finding.unit).distinct()).all() if u}
                           | {u for u in s.exec(select(Document.unit).distinct()).all() if u})
            if scope.unit not in units:
                shown = "、".join(units[:10]) + ("等" if len(units) > 10 else "")
                raise StaffError(f"台账中没有被巡察单位“{scope.unit}”。现有单位：{shown or '（无）'}。")
        if scope.round and not any(in_round(d, scope.round) for d in s.exec(select(Document)).all()):
            raise StaffError(f"没有标题或发文机关中含“{scope.round}”的报告文件，请检查巡察轮次。")


def report(
    round_: Optional[str] = typer.Option(None, "--round", help="巡察轮次（按报告标题或发文机关匹配）"),
    unit: Optional[str] = typer.Option(None, "--unit", help="被巡察单位"),
    date_from: Optional[str] = typer.Option(None, "--from", help="收文起始日期 YYYY-MM-DD"),
    date_to: Optional[str] = typer.Option(None, "--to", help="收文截止日期 YYYY-MM-DD"),
    formats: Optional[str] = typer.Option(None, "--format",
                                          help="输出格式，逗号分隔：html,docx,pdf,xlsx（默认全部）"),
    out: Optional[Path] = typer.Option(None, "--out", help="输出文件夹（默认为数据目录下的 reports/）"),
) -> None:
    """生成整改跟踪报告（HTML、Word、PDF）和整改台账（Excel），可按轮次、单位、期间筛选。"""
    from reports.bundle import FORMATS, parse_formats
    from reports.queries import Scope

    try:
        wanted = parse_formats(formats or ",".join(FORMATS))
    except ValueError as exc:
        raise StaffError(str(exc)) from None
    scope = Scope(round=round_ or None, unit=unit or None, date_from=_day(date_from, "起始日期"),
                  date_to=_day(date_to, "截止日期"))
    if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
        raise StaffError(f"起始日期 {scope.date_from} 晚于截止日期 {scope.date_to}。")
    if out is not None:  # the folder may be new, but not its parent (no folders staff did not ask for)
        parent = out.expanduser().resolve().parent
        if not parent.is_dir():
            raise StaffError(f"输出目录不存在：{parent}。请先创建该目录，或换一个输出文件夹。")
        if out.exists() and not out.is_dir():
            raise StaffError(f"输出路径应为文件夹，不能是文件：{out}")
    settings = setup()
    _check_scope(settings, scope)
    written = write_reports(settings, scope, wanted, out)
    console.print(f"统计范围：{scope.describe()}")
    for fmt, path in written.files.items():
        console.print(f"{LABELS[fmt]}：{path}", highlight=False)
    colour = "red" if formats else "yellow"  # named with --format: not doing it is a failure
    for fmt, why in written.problems.items():
        console.print(f"[{colour}]{LABELS[fmt]}未生成：{why}[/{colour}]", highlight=False)
    if written.problems and formats:
        raise typer.Exit(1)


def ledger_export(xlsx: Path = typer.Option(..., "--xlsx", help="输出的Excel文件")) -> None:
    """导出整改台账（Excel）。"""
    from models.db import session_scope
    from reports.context import build_context
    from reports.ledger_xlsx import write_ledger

    output_path(xlsx)
    with session_scope(get_settings().database_url) as s:
        write_ledger(build_context(s), xlsx)
    console.print(f"台账：{xlsx}")
