"""Operations commands: watch, nightly, backup, restore."""
from __future__ import annotations

import signal
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import StaffError, console, print_outcomes, setup
from models.settings import get_settings


def watch(
    folder: Optional[Path] = typer.Argument(None, help="监视的文件夹（默认为数据目录下的 inbox）"),
    poll: bool = typer.Option(False, "--poll", help="定时扫描代替文件系统通知（网络共享目录用）"),
    settle: float = typer.Option(2.0, "--settle", help="文件多少秒内不再变化才视为复制完成"),
    rescan: float = typer.Option(30.0, "--rescan", help="每隔多少秒全量扫描一次"),
    deployment: str = typer.Option("ingest/ingest", "--deployment",
                                   help="配置了 Prefect 服务器时调用的部署名称"),
) -> None:
    """监视文件夹：文件复制完成后自动导入，处理完的文件移入 processed/ 或 quarantine/。"""
    settings = setup()  # before Prefect is imported: it reads its settings once
    from flows.ingest import outcomes
    from flows.watch import Watcher, in_process, server_configured, via_deployment, warm_up

    folder = (folder or settings.inbox).resolve()
    if server_configured():
        submit = via_deployment(deployment)
        mode = f"提交到 Prefect 服务器（部署 {deployment}）"
    else:
        submit = in_process(lambda rows: print_outcomes(outcomes(rows)))
        mode = "在本进程中导入"
        with console.status("正在启动……"):
            warm_up()
    watcher = Watcher(folder, submit, settle=settle, poll=poll, rescan=rescan)
    signal.signal(signal.SIGTERM, lambda *_: watcher.stop())
    console.print(f"正在监视：{folder}（{mode}{'，定时扫描' if poll else ''}）。按 Ctrl+C 停止。")
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop()
    console.print("已停止监视。")


def nightly(today: Optional[str] = typer.Option(None, "--today", help="按此日期（YYYY-MM-DD）判断逾期")) -> None:
    """夜间任务：导入收件箱、重试暂时失败的文件、标记逾期任务、生成每日摘要。"""
    settings = setup()  # before Prefect is imported: it reads its settings once
    from flows.nightly import nightly_flow

    if today:
        try:
            date.fromisoformat(today)
        except ValueError:
            raise StaffError(f"日期格式应为 YYYY-MM-DD：{today}") from None
    state = nightly_flow(today=today, return_state=True)
    if not state.is_completed():
        console.print(f"[red]夜间任务未全部完成，详见日志：{settings.home / 'logs'}[/red]")
        raise typer.Exit(1)
    s = state.result()
    o = s["overdue"]
    console.print(f"导入 {len(s['ingested'])} 个文件；重试 {len(s['retried'])} 个文件；"
                  f"新逾期 {o['overdue']} 项，升级督办 {o['escalated']} 项；每日摘要：{s['digest']['html']}")


def backup(dest: Path = typer.Argument(..., help="备份目录（新建或为空）")) -> None:
    """备份台账数据库和所有原始文件（系统运行中也可执行）。"""
    from models.backup import BackupError, backup as do_backup

    try:
        m = do_backup(get_settings(), dest)
    except BackupError as exc:
        raise StaffError(str(exc)) from None
    c = m["counts"]
    console.print(f"已备份到 {dest}：文件记录 {c['document']} 个，问题 {c['finding']} 条，"
                  f"整改任务 {c['task']} 项，审计记录 {c['auditevent']} 条，原始文件 {len(m['files'])} 个。")
    if m["missing"]:
        console.print(f"[yellow]有 {len(m['missing'])} 个原始文件未找到，见 {dest / 'manifest.json'}[/yellow]")


def restore(src: Path = typer.Argument(..., help="备份目录"),
            force: bool = typer.Option(False, "--force", help="覆盖当前已有数据")) -> None:
    """从备份恢复台账数据库和原始文件。"""
    from models.backup import BackupError, restore as do_restore

    settings = get_settings()
    try:
        c = do_restore(settings, src, force=force)
    except BackupError as exc:
        raise StaffError(str(exc)) from None
    console.print(f"已恢复到 {settings.home}：文件记录 {c['document']} 个，问题 {c['finding']} 条，"
                  f"整改任务 {c['task']} 项，审计记录 {c['auditevent']} 条。")
