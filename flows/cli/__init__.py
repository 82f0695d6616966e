"""The `zhenggai` command. One module per area; this one assembles them and turns every failure
into one Chinese sentence for staff (the traceback goes to the log file)."""
from __future__ import annotations

import logging
import sys

import typer

try:  # typer vendors its own click from 0.2x on; its exceptions are what a command raises
    from typer._click import exceptions as cx
except ImportError:  # pragma: no cover - older typer on plain click
    from click import exceptions as cx

from flows.cli import documents, findings, ingest, ops, reports, review, tasks
from flows.cli.common import StaffError, console, setup_logging
from flows.cli.ingest import demo_files  # noqa: F401  (tests and the bench name the demo's files)
from models.settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="zhenggai 巡察整改跟踪")
ledger_app = typer.Typer(no_args_is_help=True, help="整改台账")
ledger_app.command("export")(reports.ledger_export)

app.command("ingest")(ingest.ingest)
app.command("demo")(ingest.demo)
app.command("eval")(ingest.eval_cmd)
app.command("reextract")(ingest.reextract)
app.command("report")(reports.report)
app.command("watch")(ops.watch)
app.command("nightly")(ops.nightly)
app.command("backup")(ops.backup)
app.command("restore")(ops.restore)
app.add_typer(findings.app, name="findings")
app.add_typer(documents.app, name="documents")
app.add_typer(tasks.app, name="tasks")
app.add_typer(ledger_app, name="ledger")
app.add_typer(review.rules_app, name="rules")
app.add_typer(review.review_app, name="review")

_CLICK_WORDS = {  # click's own messages, for the few staff are likely to meet
    "No such command": "没有这个命令",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "No such option": "没有这个选项",
    "Invalid value": "参数值无效",
}


def _usage_error(exc: Exception) -> int:
    """click's English usage errors as one Chinese sentence plus the command's help hint."""
    text = exc.format_message()
    for en, zh in _CLICK_WORDS.items():
        text = text.replace(en, zh)
    command = exc.ctx.command_path if exc.ctx else "zhenggai"
    console.print(f"[red]命令用法有误：{text}[/red]\n查看用法：{command} --help", highlight=False)
    return 2


def _database_error(exc: Exception, settings) -> bool:
    """An unreachable or unusable ledger database is the admin's to fix: say which, hide the password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    try:
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
    except Exception:
        shown = "（地址无法解析）"
    console.print(f"[red]无法连接台账数据库：{shown}。请检查 ZHENGGAI_DATABASE_URL 或数据库服务是否运行，"
                  f"或联系管理员。[/red]", highlight=False)
    return True


def main() -> None:
    settings = get_settings()
    setup_logging(settings)
    log = logging.getLogger("zhenggai.cli")
    try:
        code = app(standalone_mode=False)
    except StaffError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        console.print("已中断。")
        sys.exit(130)
    except cx.NoArgsIsHelpError as exc:  # `zhenggai` or `zhenggai tasks` alone: show the help
        exc.show()
        sys.exit(0)
    except cx.UsageError as exc:
        sys.exit(_usage_error(exc))
    except KeyboardInterrupt:
        console.print("已中断。")
        sys.exit(130)
    except Exception as exc:  # staff get one sentence; the traceback goes to the log
        log.exception("command failed")
        if _database_error(exc, settings):
            sys.exit(2)
        console.print(f"[red]操作未能完成，系统发生错误。详细信息已记录在 {settings.home / 'logs' / 'zhenggai.log'}，"
                      "请联系管理员。[/red]")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
