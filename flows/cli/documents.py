"""Documents received and what became of each entry."""
from __future__ import annotations

import json
import sys

import typer
from rich.table import Table

from flows.cli.common import console
from models import vocabulary as V
from models.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="报告文件")


@app.command("list")
def documents_list(as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """列出所有收到的文件及处理结果。"""
    from sqlmodel import select

    from models.db import session_scope
    from models.tables import Document, Intake

    with session_scope(get_settings().database_url) as s:
        docs = {d.id: d for d in s.exec(select(Document)).all()}
        rows = []
        for i in s.exec(select(Intake).order_by(Intake.id)).all():
            d = docs.get(i.document_id)
            rows.append({"name": i.name, "sha256": i.sha256, "status": i.status, "reason": i.reason,
                         "message": i.message, "source": i.source, "document_id": i.document_id,
                         "pages": d.pages if d else 0, "kind": d.kind if d else "",
                         "title": d.title if d else "", "stored_as": d.stored_as if d else "",
                         "warnings": list(d.warnings or []) if d else []})
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table(title="报告文件")
    for col in ("文件", "结果", "原因", "页数", "类型"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], V.DOC_STATUS.get(r["status"], r["status"]), r["reason"], str(r["pages"]),
                      V.KINDS.get(r["kind"], r["kind"]))
    console.print(table)
