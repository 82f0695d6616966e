"""What every `zhenggai` command shares: the console, logging to the data home, Prefect's local
state, staff-facing error sentences, and the ingest progress bar."""
from __future__ import annotations

import json
import logging
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Iterable

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from models import vocabulary as V
from models.settings import Settings, get_settings

console = Console()


class StaffError(Exception):
    """A user mistake or refused step: printed as one Chinese sentence, exit code 1."""


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one red sentence and return the Exit to raise."""
    console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def setup_logging(settings: Settings) -> None:
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


def setup(settings: Settings | None = None, flows: bool = False) -> Settings:
    """Data home folders; Prefect keeps its own local state there too unless configured.
    Must run before Prefect is imported: Prefect reads its settings once.

    flows=True for commands that run a flow: they report to the running `zhenggai serve` of this
    home when there is one, else to a temporary Prefect server started here (slow on a busy
    machine, so staff are told what avoids the wait)."""
    from flows.prefect_api import OrchestrationUnavailable, ensure_api, prefect_defaults, use_running_service

    settings = settings or get_settings()
    settings.ensure_dirs()
    setup_logging(settings)
    prefect_defaults(settings.home / "prefect")
    use_running_service(settings.home)
    if flows:
        try:
            ensure_api(settings.home, on_slow=lambda: console.print(
                "[yellow]流程编排服务（Prefect）正在启动，机器繁忙时需要较长时间，请稍候……"
                "由管理员常驻运行 `zhenggai serve` 后，命令无需每次等待启动。[/yellow]", highlight=False))
        except OrchestrationUnavailable:
            logging.getLogger("zhenggai.cli").exception("orchestration did not start")
            raise StaffError("流程编排服务（Prefect）两次都未能在限定时间内启动，本次没有处理任何文件，文件保持原样。"
                             "请稍后重试；建议由管理员常驻运行 `zhenggai serve`（见 README“Running it as a "
                             "service”），之后命令无需每次启动编排服务。") from None
    return settings


def parse_id(value: str, what: str = "编号") -> int:
    """Ids typed by staff: a clear sentence instead of click's English for 'abc' or '-1'."""
    text = value.strip().lstrip("#")
    if not text.isdigit() or int(text) <= 0:
        raise StaffError(f"{what}应为正整数，例如 12；收到的是“{value}”。")
    return int(text)


def output_path(path: Path) -> Path:
    """An output file whose folder must already exist (we never create folders staff did not ask for)."""
    parent = path.expanduser().resolve().parent
    if not parent.is_dir():
        raise StaffError(f"输出目录不存在：{parent}。请先创建该目录，或换一个输出路径。")
    if path.is_dir():
        raise StaffError(f"输出路径是一个文件夹，请给出文件名：{path}")
    return path


def check_choice(value: str | None, allowed: Iterable[str], what: str) -> str | None:
    """A filter value must be one of the allowed ones; the refusal lists them."""
    allowed = list(allowed)
    if value is not None and value not in allowed:
        raise StaffError(f"{what}“{value}”无效，可选：{'、'.join(allowed)}。")
    return value


def print_json(data) -> None:
    """Machine-readable output: UTF-8 JSON on stdout, Chinese kept as is."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def new_table(title: str, columns: Iterable[str], **options) -> Table:
    """A rich table with these column headings (options apply to every column)."""
    table = Table(title=title)
    for col in columns:
        table.add_column(col, **options)
    return table


def get_or_fail(session, model, ident: int, message: str):
    """The record with this id, or the staff sentence saying there is none."""
    record = session.get(model, ident)
    if record is None:
        raise StaffError(message)
    return record


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


def _intake_count(url: str, after_id: int, source: str) -> int:
    from sqlmodel import func, select

    from models.db import session_scope
    from models.tables import Intake

    with session_scope(url) as s:
        return s.exec(select(func.count()).select_from(Intake)
                      .where(Intake.id > after_id, Intake.source == source)).one()


def _last_intake_id(url: str) -> int:
    from sqlmodel import func, select

    from models.db import session_scope
    from models.tables import Intake

    with session_scope(url) as s:
        return s.exec(select(func.max(Intake.id))).one() or 0


def live_executor(home: Path) -> str | None:
    """The socket of the running service's ingest executor, when this command reports to that
    service (an explicit PREFECT_API_URL elsewhere wins) and the executor answers."""
    import os

    from flows.executor import reachable
    from flows.prefect_api import running_service

    info = running_service(home)
    if not info or not info.get("executor_socket") or os.environ.get("PREFECT_API_URL") != info["api_url"]:
        return None
    return info["executor_socket"] if reachable(info["executor_socket"]) else None


def ingest_rows(paths: list[Path], source: str, move: bool, sock: str | None) -> list[dict]:
    """The ingest flow's outcome rows: from the running service's executor at sock when there is
    one (this process then never imports Prefect), else from a flow run in this process."""
    import os

    from flows.executor import ExecutorFailed, ExecutorUnreachable, submit

    log = logging.getLogger("zhenggai.cli")
    if sock is not None:
        try:
            answer = submit(sock, [os.path.abspath(p) for p in paths], source)
        except ExecutorUnreachable:
            log.warning("ingest executor %s did not take the work; running it here", sock, exc_info=True)
        except ExecutorFailed as exc:
            log.error("ingest executor failed: %s", exc)
            raise StaffError(str(exc)) from None
        else:
            log.info("ingested %d path(s) through the executor: flow run %s", len(paths),
                     answer.get("flow_run_id"))
            return answer["rows"]
    setup(flows=True)  # before Prefect is imported
    from flows import ingest

    return ingest.ingest_flow([str(p) for p in paths], source=source, move=move)


def run_ingest(paths: list[Path], source: str = "cli", move: bool = False) -> list:
    """Run the ingest flow with a progress bar; returns the outcomes.

    Progress is read from the ledger (one Intake row per finished entry), not from a hook inside
    the flow, so the bar works the same whether the flow runs here or in the service."""
    from models.intake import Outcome, iter_entries

    settings = setup()
    sock = None if move else live_executor(settings.home)  # move: only the inbox owner moves files
    if sock is None:
        setup(flows=True)  # orchestration first: if it cannot start, nothing (not even the ledger) is made
    total = len(iter_entries(paths))
    start_id = _last_intake_id(settings.database_url)
    done = threading.Event()
    with Progress(TextColumn("[bold]导入文件"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        job = bar.add_task("ingest", total=total)

        def follow() -> None:
            while not done.wait(0.5):
                try:
                    bar.update(job, completed=min(total, _intake_count(settings.database_url, start_id,
                                                                       source)))
                except Exception:  # the bar is a courtesy: never fail an ingest over it
                    logging.getLogger("zhenggai.cli").debug("progress poll failed", exc_info=True)

        poller = threading.Thread(target=follow, daemon=True)
        if console.is_terminal:
            poller.start()
        try:
            rows = ingest_rows(paths, source, move, sock)
        finally:
            done.set()
    return [Outcome(**r) for r in rows]
