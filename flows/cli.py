"""The `zhenggai` command. Staff see one clear Chinese sentence per problem; details go to the log."""
from __future__ import annotations

import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from models import vocabulary as V
from models.settings import Settings, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="zhenggai 巡察整改跟踪")
findings_app = typer.Typer(no_args_is_help=True, help="问题清单")
ledger_app = typer.Typer(no_args_is_help=True, help="整改台账")
documents_app = typer.Typer(no_args_is_help=True, help="报告文件")
app.add_typer(findings_app, name="findings")
app.add_typer(ledger_app, name="ledger")
app.add_typer(documents_app, name="documents")
tasks_app = typer.Typer(no_args_is_help=True, help="整改任务（台账）：办理、销号、延期、撤销")
app.add_typer(tasks_app, name="tasks")
console = Console()
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _setup_logging(settings: Settings) -> None:
    """Log to a file under the data home: staff never see log lines, they read summary tables."""
    root = logging.getLogger("zhenggai")
    if root.handlers:
        return
    try:
        (settings.home / "logs").mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(settings.home / "logs" / "zhenggai.log",
                                                       encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


def _setup(settings: Settings) -> None:
    """Data home folders; Prefect keeps its own local state there too unless configured."""
    settings.ensure_dirs()
    _setup_logging(settings)
    os.environ.setdefault("PREFECT_HOME", str(settings.home / "prefect"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def run_ingest(paths: list[Path], source: str = "cli", move: bool = False) -> list:
    """Run the ingest flow with a progress bar; returns the outcomes."""
    from flows import ingest
    from models.intake import iter_entries

    total = len(iter_entries(paths))
    with Progress(TextColumn("[bold]导入文件"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        job = bar.add_task("ingest", total=total)
        ingest.progress_hook = lambda _row: bar.advance(job)
        try:
            rows = ingest.ingest_flow([str(p) for p in paths], source=source, move=move)
        finally:
            ingest.progress_hook = None
    return ingest.outcomes(rows)


def print_outcomes(outcomes: list) -> None:
    table = Table(title="导入结果", show_lines=False)
    for col in ("文件", "结果", "问题数"):
        table.add_column(col, overflow="fold")
    table.add_column("说明", overflow="fold", ratio=1)  # the whole sentence for staff, never cut
    for o in sorted(outcomes, key=lambda o: o.name):
        note = o.message if o.status != "ingested" else ""
        if o.unchanged:
            note = (note + " " if note else "") + "（此前已处理，无变化）"
        table.add_row(o.name, V.DOC_STATUS.get(o.status, o.status), str(o.findings), note)
    console.print(table)
    c = Counter(o.status for o in outcomes)
    console.print("合计：" + "，".join(f"{V.DOC_STATUS.get(k, k)} {n} 个" for k, n in c.items()))


@app.command()
def ingest(paths: list[Path] = typer.Argument(..., help="文件或文件夹")) -> None:
    """导入报告文件（原文件保持不动，系统保存副本）。"""
    settings = get_settings()
    _setup(settings)
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    for p in missing:
        console.print(f"[red]找不到文件或文件夹：{p}[/red]")
    present = [p for p in paths if p not in missing]
    if present:
        print_outcomes(run_ingest(present))
    if missing:
        raise typer.Exit(1)


@findings_app.command("export")
def findings_export(jsonl: Path = typer.Option(..., "--jsonl", help="输出的JSONL文件")) -> None:
    """按评测格式导出问题清单。"""
    from models.db import session_scope
    from reports.export import prediction_rows, write_jsonl

    settings = get_settings()
    with session_scope(settings.database_url) as s:
        rows = prediction_rows(s)
    write_jsonl(rows, jsonl)
    console.print(f"已导出 {sum(1 for r in rows if 'quote' in r)} 条问题：{jsonl}")


def _write_reports(settings: Settings) -> tuple[Path, Path, Path]:
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


@app.command()
def report(out: Optional[Path] = typer.Option(None, "--out", help="HTML报告输出路径")) -> None:
    """生成整改跟踪报告（HTML、Word）和整改台账（Excel）。"""
    settings = get_settings()
    _setup(settings)
    html, docx, xlsx = _write_reports(settings)
    if out:
        out.write_bytes(html.read_bytes())
        html = out
    console.print(f"报告：{html}\nWord报告：{docx}\n台账：{xlsx}")


@ledger_app.command("export")
def ledger_export(xlsx: Path = typer.Option(..., "--xlsx", help="输出的Excel文件")) -> None:
    """导出整改台账（Excel）。"""
    from models.db import session_scope
    from reports.context import build_context
    from reports.ledger_xlsx import write_ledger

    with session_scope(get_settings().database_url) as s:
        write_ledger(build_context(s), xlsx)
    console.print(f"台账：{xlsx}")


@documents_app.command("list")
def documents_list(as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """列出所有收到的文件及处理结果。"""
    from models.db import session_scope
    from models.documents import document_rows, notes_text

    with session_scope(get_settings().database_url) as s:
        rows = document_rows(s)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table(title="报告文件")
    for col in ("文件", "结果", "原因", "页数", "类型", "提示"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], V.DOC_STATUS.get(r["status"], r["status"]), r["reason"], str(r["pages"]),
                      V.KINDS.get(r["kind"], r["kind"]), notes_text(r))
    console.print(table)


@tasks_app.command("list")
def tasks_list(status: Optional[str] = typer.Option(None, help="只列出该状态，如 待办、待销号"),
               overdue: bool = typer.Option(False, "--overdue", help="只列出逾期任务")) -> None:
    """列出整改任务。"""
    from datetime import date

    from sqlmodel import select

    from models.db import session_scope
    from models.tables import Finding, Task

    with session_scope(get_settings().database_url) as s:
        q = select(Task, Finding).join(Finding, Finding.id == Task.finding_id).order_by(Task.deadline, Task.id)
        if status:
            q = q.where(Task.status == status)
        rows = s.exec(q).all()
    if overdue:
        rows = [(t, f) for t, f in rows if t.overdue_level > 0 or
                (t.status in ("待办", "进行中", "延期") and t.deadline < date.today())]
    table = Table(title=f"整改任务（{len(rows)}项）")
    for col in ("编号", "问题", "分流", "责任人/单位", "期限", "状态"):
        table.add_column(col)
    for t, f in rows:
        mark = {1: "（逾期）", 2: "（逾期升级）"}.get(t.overdue_level, "")
        table.add_row(str(t.id), f.quote[:60], V.ROUTES.get(t.route, t.route), t.owner,
                      t.deadline.isoformat(), t.status + mark)
    console.print(table)


def _task_action(task_id: int, action) -> None:
    """Run one lifecycle change; a refused change is one Chinese sentence and exit code 1."""
    from models.db import session_scope
    from models.ledger import LedgerError
    from models.tables import Task

    try:
        with session_scope(get_settings().database_url) as s:
            task = s.get(Task, task_id)
            if task is None:
                raise LedgerError(f"没有编号为{task_id}的整改任务。")
            action(s, task)
            console.print(f"任务{task_id}：{task.status}")
    except LedgerError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)


BY = typer.Option(..., "--by", help="操作人")


@tasks_app.command("start")
def tasks_start(task_id: int, by: str = BY) -> None:
    """开始办理（待办 → 进行中）。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.start(s, t, by))


@tasks_app.command("submit")
def tasks_submit(task_id: int, by: str = BY,
                 measure: str = typer.Option(..., "--measure", help="整改措施及成效")) -> None:
    """申请销号（→ 待销号）。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.submit(s, t, by, measure))


@tasks_app.command("approve")
def tasks_approve(task_id: int, by: str = BY) -> None:
    """审批销号（待销号 → 已销号）；申请人不能审批本人的申请。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.approve(s, t, by))


@tasks_app.command("send-back")
def tasks_send_back(task_id: int, by: str = BY, reason: str = typer.Option(..., "--reason")) -> None:
    """退回销号申请（待销号 → 进行中）。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.send_back(s, t, by, reason))


@tasks_app.command("extend")
def tasks_extend(task_id: int, by: str = BY, until: str = typer.Option(..., "--until", help="新期限 YYYY-MM-DD"),
                 reason: str = typer.Option(..., "--reason")) -> None:
    """延期（→ 延期），新期限须晚于原期限。"""
    from datetime import date

    from models import ledger

    try:
        new = date.fromisoformat(until)
    except ValueError:
        console.print("[red]日期格式应为 YYYY-MM-DD，例如 2026-12-31。[/red]")
        raise typer.Exit(1)
    _task_action(task_id, lambda s, t: ledger.extend(s, t, by, new, reason))


@tasks_app.command("withdraw")
def tasks_withdraw(task_id: int, by: str = BY, reason: str = typer.Option(..., "--reason")) -> None:
    """撤销任务（→ 撤销）。"""
    from models import ledger

    _task_action(task_id, lambda s, t: ledger.withdraw(s, t, by, reason))


@app.command()
def reextract(all_docs: bool = typer.Option(False, "--all", help="全部文件，而不仅是规则更新后未处理的")) -> None:
    """用当前规则重新识别已导入文件中的问题（保留审核人员的修改）。"""
    from sqlmodel import select

    from extractors.pipeline import default_rules
    from models.db import session_scope
    from models.reextract import reextract_document, stale_ids
    from models.tables import Document

    settings = get_settings()
    _setup(settings)
    rules = default_rules()
    if all_docs:
        with session_scope(settings.database_url) as s:
            ids = list(s.exec(select(Document.id).where(Document.status.in_(("ingested", "warning")))).all())
    else:
        ids = stale_ids(settings, rules)
    total = {"new": 0, "kept": 0, "vanished": 0}
    for doc_id in ids:
        for k, v in reextract_document(settings, doc_id, rules).items():
            total[k] += v
    console.print(f"规则版本 {rules.version}：重新识别文件 {len(ids)} 个，新增问题 {total['new']} 条，"
                  f"保留 {total['kept']} 条，不再识别（已标记，未删除）{total['vanished']} 条。")


def demo_files() -> list[Path]:
    """The sample reports the demo ingests, as listed in samples/demo.txt."""
    lines = (SAMPLES / "demo.txt").read_text(encoding="utf-8").splitlines()
    return [SAMPLES / ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


@app.command()
def demo() -> None:
    """用内置样例报告演示全流程：导入、识别问题、分流、生成报告和台账。"""
    from sqlmodel import func, select

    from models.db import session_scope
    from models.tables import Document, Finding, Task

    settings = get_settings()
    _setup(settings)
    files = demo_files()
    console.print(f"数据目录：{settings.home}")
    outcomes = run_ingest(files)
    print_outcomes(outcomes)
    html, docx, xlsx = _write_reports(settings)
    with session_scope(settings.database_url) as s:
        rows = s.exec(select(Finding.subject, Finding.route, func.count())
                      .where(Finding.state == "active").group_by(Finding.subject, Finding.route)).all()
        n_docs = s.exec(select(func.count()).select_from(Document)).one()
        n_tasks = s.exec(select(func.count()).select_from(Task)).one()
    table = Table(title="问题分布（主体 × 分流）")
    for col in ("问题主体", "分流方式", "问题数"):
        table.add_column(col)
    for subject, route, n in rows:
        table.add_row(V.SUBJECTS.get(subject, subject), V.ROUTES.get(route, route), str(n))
    console.print(table)
    console.print(f"文件 {n_docs} 个，问题 {sum(r[2] for r in rows)} 条，整改任务 {n_tasks} 项")
    console.print(f"数据库：{settings.database_url}\n报告：{html}\nWord报告：{docx}\n台账：{xlsx}")


@app.command("eval")
def eval_cmd(docs_dir: Path = typer.Argument(..., help="待评测的报告文件夹"),
             gold: Path = typer.Argument(..., help="标注文件 gold.jsonl"),
             as_json: bool = typer.Option(False, "--json", help="以JSON输出全部指标")) -> None:
    """评测问题识别效果：导入到临时数据库、导出、按评测格式打分。"""
    import tempfile

    from extractors.scoring import format_report, load_jsonl, score
    from models.db import session_scope
    from reports.export import prediction_rows

    files = sorted(p for p in docs_dir.iterdir() if p.suffix.lower() in (".pdf", ".docx", ".doc", ".wps"))
    with tempfile.TemporaryDirectory(prefix="zhenggai-eval-") as tmp:
        os.environ["ZHENGGAI_HOME"] = tmp
        os.environ["ZHENGGAI_DATABASE_URL"] = f"sqlite:///{tmp}/eval.db"
        settings = get_settings()
        _setup(settings)
        run_ingest(files)
        with session_scope(settings.database_url) as s:
            rows = prediction_rows(s)
        result = score(load_jsonl(gold), rows)
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(format_report(result, result["per_document"]) + "\n")  # wide table: no wrapping


def main() -> None:
    settings = get_settings()
    _setup_logging(settings)
    try:
        app()
    except KeyboardInterrupt:
        console.print("已中断。")
        sys.exit(130)
    except Exception:  # staff get one sentence; the traceback goes to the log
        logging.getLogger("zhenggai.cli").exception("command failed")
        console.print(f"[red]操作未能完成，系统发生错误。详细信息已记录在 {settings.home / 'logs' / 'zhenggai.log'}，"
                      "请联系管理员。[/red]")
        sys.exit(2)


if __name__ == "__main__":
    main()


from flows import cli_ops  # noqa: E402,F401  (registers watch, nightly, backup, restore)
