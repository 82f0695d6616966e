"""Service commands: serve (the long-running service of one machine) and status."""
from __future__ import annotations

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import typer

from flows.cli.common import StaffError, console, setup_logging
from models.settings import get_settings

BEIJING = ZoneInfo("Asia/Shanghai")
STATE_WORDS = {"COMPLETED": "成功", "FAILED": "失败", "CRASHED": "异常中止", "CANCELLED": "已取消",
               "RUNNING": "正在运行", "SCHEDULED": "已排期"}
CHILD_WORDS = {"server": "流程编排服务（Prefect）", "runner": "部署执行（夜间任务、导入）",
               "executor": "导入执行（命令行导入）",
               "watch": "收件箱监视", "web": "网页"}


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="网页监听地址"),
    port: int = typer.Option(8000, "--port", help="网页端口"),
    no_web: bool = typer.Option(False, "--no-web", help="不启动网页"),
    no_watch: bool = typer.Option(False, "--no-watch", help="不监视收件箱"),
) -> None:
    """常驻服务：流程编排、每晚02:00（北京时间）的夜间任务、收件箱监视和网页，按 Ctrl+C 停止。"""
    from flows.service import Service, ServiceError

    settings = get_settings()
    settings.ensure_dirs()
    setup_logging(settings)
    service = Service(settings, host=host, port=port, web=not no_web, watch=not no_watch)

    def ready(s: Service) -> None:
        console.print(f"zhenggai 服务已启动（数据目录 {settings.home}）。", highlight=False)
        console.print(f"  流程编排服务：{s.api_url}", highlight=False)
        if s.web_url:
            console.print(f"  网页：{s.web_url}", highlight=False)
        if s.watch:
            console.print(f"  收件箱：{settings.inbox}", highlight=False)
        for note in s.notes:
            console.print(f"  {note}", highlight=False)
        console.print("  夜间任务：每天 02:00（北京时间）。按 Ctrl+C 停止服务。", highlight=False)

    try:
        service.run(on_ready=ready)
    except ServiceError as exc:
        raise StaffError(str(exc)) from None
    console.print("zhenggai 服务已停止。")


def _when(value: str | None) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def status(as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """服务状态：哪些部分在运行、地址、最近一次夜间任务及结果、收件箱积压文件数。"""
    from flows.service import status as service_status

    settings = get_settings()
    setup_logging(settings)
    s = service_status(settings)
    if as_json:
        typer.echo(json.dumps(s, ensure_ascii=False, indent=1))
        return
    if not s["running"]:
        console.print(f"zhenggai 服务未运行（数据目录 {settings.home}）。命令将各自临时启动流程编排服务；"
                      "启动常驻服务：zhenggai serve", highlight=False)
    else:
        info = s["service"]
        console.print(f"zhenggai 服务运行中：进程 {info['pid']}，自 {_when(info['started_at'])} 起"
                      f"（北京时间），数据目录 {settings.home}", highlight=False)
        console.print(f"  流程编排服务：{info['api_url']}", highlight=False)
        if info.get("web_url"):
            console.print(f"  网页：{info['web_url']}", highlight=False)
        for name, child in info["children"].items():
            state = "运行中" if child["alive"] else "已退出，等待重启"
            console.print(f"  {CHILD_WORDS.get(name, name)}：{state}（进程 {child['pid']}，"
                          f"重启 {child['restarts']} 次）", highlight=False)
        for note in info.get("notes", []):
            console.print(f"  {note}", highlight=False)
        nightly = s["nightly"]
        if nightly is None:
            logging.getLogger("zhenggai.cli").warning("nightly runs unavailable: %s", s["nightly_error"])
            console.print("  夜间任务：暂时无法查询", highlight=False)
        else:
            last, nxt = nightly["last"], nightly["next"]
            if last:
                word = STATE_WORDS.get(last["state_type"], last.get("state_name") or last["state_type"])
                console.print(f"  最近一次夜间任务：{_when(last.get('start_time') or last.get('expected_start_time'))}"
                              f"，{word}", highlight=False)
            else:
                console.print("  最近一次夜间任务：尚未运行", highlight=False)
            if nxt:
                console.print(f"  下一次夜间任务：{_when(nxt.get('expected_start_time'))}（北京时间）",
                              highlight=False)
    if s["last_digest"]:
        console.print(f"  最新每日摘要：{s['last_digest']}", highlight=False)
    console.print(f"  收件箱待处理文件：{s['inbox']} 个", highlight=False)
