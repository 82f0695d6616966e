"""Commands that bring reports in or run extraction: ingest, demo, eval, reextract."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from flows.cli.common import console, new_table, print_json, print_outcomes, run_ingest, setup
from flows.cli.reports import LABELS, write_reports
from models import vocabulary as V
from models.settings import get_settings

SAMPLES = Path(__file__).resolve().parent.parent.parent / "samples"


def ingest(paths: list[Path] = typer.Argument(..., help="文件或文件夹")) -> None:
    """导入报告文件（原文件保持不动，系统保存副本）。"""
    setup()
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    for p in missing:
        console.print(f"[red]找不到文件或文件夹：{p}[/red]")
    present = [p for p in paths if p not in missing]
    if present:
        print_outcomes(run_ingest(present))
    if missing:
        raise typer.Exit(1)


def reextract(all_docs: bool = typer.Option(False, "--all", help="全部文件，而不仅是规则更新后未处理的")) -> None:
    """用当前规则重新识别已导入文件中的问题（保留审核人员的修改）。"""
    from sqlmodel import select

    from extractors.pipeline import default_rules
    from models.db import session_scope
    from models.reextract import reextract_document, stale_ids
    from models.tables import Document

    settings = setup()
    rules = default_rules()
    if all_docs:
        with session_scope(settings.database_url) as s:
            ids = list(s.exec(select(Document.id).where(Document.status.in_(("ingested", "warning")))).all())
    else:
        ids = stale_ids(settings, rules)
    total = {"new": 0, "kept": 0, "vanished": 0, "carried": 0, "orphaned": 0}
    for doc_id in ids:
        for k, v in reextract_document(settings, doc_id, rules).items():
            total[k] = total.get(k, 0) + v
    console.print(f"规则版本 {rules.version}：重新识别文件 {len(ids)} 个，新增问题 {total['new']} 条，"
                  f"保留 {total['kept']} 条，不再识别（已标记，未删除）{total['vanished']} 条。")
    if total["carried"] or total["orphaned"]:
        console.print(f"原文范围变化、审核意见已随之保留 {total['carried']} 条；审核意见不再适用 {total['orphaned']} 条"
                      "（用 zhenggai review stale 查看）。")


def demo_files() -> list[Path]:
    """The sample reports the demo ingests, as listed in samples/demo.txt."""
    lines = (SAMPLES / "demo.txt").read_text(encoding="utf-8").splitlines()
    return [SAMPLES / ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def demo() -> None:
    """用内置样例报告演示全流程：导入、识别问题、分流、生成报告和台账。"""
    from sqlmodel import func, select

    from models.db import session_scope
    from models.tables import Document, Finding, Task

    settings = setup()
    files = demo_files()
    console.print(f"数据目录：{settings.home}")
    outcomes = run_ingest(files)
    print_outcomes(outcomes)
    written = write_reports(settings)
    with session_scope(settings.database_url) as s:
        rows = s.exec(select(Finding.subject, Finding.route, func.count())
                      .where(Finding.state == "active").group_by(Finding.subject, Finding.route)).all()
        n_docs = s.exec(select(func.count()).select_from(Document)).one()
        n_tasks = s.exec(select(func.count()).select_from(Task)).one()
    table = new_table("问题分布（主体 × 分流）", ("问题主体", "分流方式", "问题数"))
    for subject, route, n in rows:
        table.add_row(V.SUBJECTS.get(subject, subject), V.ROUTES.get(route, route), str(n))
    console.print(table)
    console.print(f"文件 {n_docs} 个，问题 {sum(r[2] for r in rows)} 条，整改任务 {n_tasks} 项")
    console.print(f"数据库：{settings.database_url}")
    for fmt, path in written.files.items():
        console.print(f"{LABELS[fmt]}：{path}", highlight=False)
    for fmt, why in written.problems.items():
        console.print(f"[yellow]{LABELS[fmt]}未生成：{why}[/yellow]", highlight=False)
    from flows.cli.users import demo_web_hint

    demo_web_hint(settings)


def eval_cmd(docs_dir: Path = typer.Argument(..., help="待评测的报告文件夹"),
             gold: Path = typer.Argument(..., help="标注文件 gold.jsonl"),
             as_json: bool = typer.Option(False, "--json", help="以JSON输出全部指标")) -> None:
    """评测问题识别效果：导入到临时数据库、导出、按评测格式打分。"""
    import tempfile

    from extractors.scoring import format_report, load_jsonl, score
    from flows.cli.common import StaffError
    from models.db import session_scope
    from reports.export import prediction_rows

    if not docs_dir.is_dir():
        raise StaffError(f"找不到待评测的文件夹：{docs_dir}")
    if not gold.is_file():
        raise StaffError(f"找不到标注文件：{gold}")
    files = sorted(p for p in docs_dir.iterdir() if p.suffix.lower() in (".pdf", ".docx", ".doc", ".wps"))
    with tempfile.TemporaryDirectory(prefix="zhenggai-eval-") as tmp:
        os.environ["ZHENGGAI_HOME"] = tmp
        os.environ["ZHENGGAI_DATABASE_URL"] = f"sqlite:///{tmp}/eval.db"
        settings = setup(get_settings())
        run_ingest(files)
        with session_scope(settings.database_url) as s:
            rows = prediction_rows(s)
        result = score(load_jsonl(gold), rows)
    if as_json:
        print_json(result)
    else:
        sys.stdout.write(format_report(result, result["per_document"]) + "\n")  # wide table: no wrapping
