"""Documents received and what became of each entry."""
from __future__ import annotations


import typer

from flows.cli.common import console, new_table, print_json
from models import vocabulary as V
from models.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="报告文件")


@app.command("list")
def documents_list(as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """列出所有收到的文件及处理结果。"""
    from models.db import session_scope
    from models.documents import document_rows, notes_text

    with session_scope(get_settings().database_url) as s:
        rows = document_rows(s)
    if as_json:
        print_json(rows)
        return
    table = new_table("报告文件", ("文件", "结果", "原因", "页数", "类型", "提示"))
    for r in rows:
        table.add_row(r["name"], V.DOC_STATUS.get(r["status"], r["status"]), r["reason"], str(r["pages"]),
                      V.KINDS.get(r["kind"], r["kind"]), notes_text(r))
    console.print(table)
