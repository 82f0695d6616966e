"""Commands that write files for supervisors: report, ledger export."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import console, output_path, setup
from models.settings import Settings, get_settings


def write_reports(settings: Settings) -> tuple[Path, Path, Path]:
    """HTML and Word follow-up reports and the Excel ledger under reports/."""
    from models.db import session_scope
    from reports.context import build_context
    from reports.ledger_xlsx import write_ledger
    from reports.render import render_html
    from reports.word import render_docx

    with session_scope(settings.database_url) as s:
        ctx = build_context(s)
        html = render_html(ctx, settings.reports / "整改跟踪报告.html")
        docx = render_docx(ctx, settings.reports / "整改跟踪报告.docx")
        xlsx = write_ledger(ctx, settings.reports / "整改台账.xlsx")
    return html, docx, xlsx


def report(out: Optional[Path] = typer.Option(None, "--out", help="HTML报告输出路径")) -> None:
    """生成整改跟踪报告（HTML、Word）和整改台账（Excel）。"""
    if out:
        output_path(out)
    settings = setup()
    html, docx, xlsx = write_reports(settings)
    if out:
        out.write_bytes(html.read_bytes())
        html = out
    console.print(f"报告：{html}\nWord报告：{docx}\n台账：{xlsx}")


def ledger_export(xlsx: Path = typer.Option(..., "--xlsx", help="输出的Excel文件")) -> None:
    """导出整改台账（Excel）。"""
    from models.db import session_scope
    from reports.context import build_context
    from reports.ledger_xlsx import write_ledger

    output_path(xlsx)
    with session_scope(get_settings().database_url) as s:
        write_ledger(build_context(s), xlsx)
    console.print(f"台账：{xlsx}")
