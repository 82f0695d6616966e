"""The zhenggai command as staff use it: demo, ingest, export, report, ledger, documents."""
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from flows.cli.ingest import demo_files
from tests.conftest import ROOT

ZHENGGAI = Path(sys.executable).with_name("zhenggai")


@pytest.fixture(autouse=True)
def _one_prefect_api(prefect_api_url):
    """Commands report to the session's Prefect API (run() passes os.environ on)."""


def run(args, home, **kw):
    env = dict(os.environ, ZHENGGAI_HOME=str(home), ZHENGGAI_DATABASE_URL=f"sqlite:///{home}/zhenggai.db")
    return subprocess.run([str(ZHENGGAI), *args], env=env, capture_output=True, text=True, timeout=300,
                          cwd=kw.get("cwd", ROOT))


def test_demo_then_exports(tmp_path):
    home = tmp_path / "home"
    r = run(["demo"], home)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "整改任务" in r.stdout and "报告" in r.stdout
    assert (home / "reports" / "整改跟踪报告.docx").exists()
    html = home / "reports" / "整改跟踪报告.html"
    xlsx = home / "reports" / "整改台账.xlsx"
    assert html.exists() and xlsx.exists()
    assert "巡察发现问题整改跟踪报告" in html.read_text(encoding="utf-8")

    pred = tmp_path / "pred.jsonl"
    r = run(["findings", "export", "--jsonl", str(pred)], home)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [json.loads(line) for line in pred.read_text(encoding="utf-8").splitlines()]
    finds = [x for x in rows if "quote" in x]
    assert finds and all({"doc", "quote", "subject", "category", "severity", "route"} <= set(x) for x in finds)
    demo = demo_files()
    assert len(demo) >= 3 and {f.suffix for f in demo} >= {".pdf", ".docx"}
    assert {x["doc"] for x in rows if "counts" in x} == {f.name for f in demo}

    out = tmp_path / "台账.xlsx"
    r = run(["ledger", "export", "--xlsx", str(out)], home)
    assert r.returncode == 0, r.stderr[-2000:]
    ws = openpyxl.load_workbook(out)["整改台账"]
    tasks = json.loads(run(["tasks", "list", "--json"], home).stdout)
    assert ws.max_row - 1 == len(tasks)  # one row per task; a rectification report's items open none
    assert len(tasks) < len(finds) and all(t["document"] != "国企整改情况通报.pdf" for t in tasks)
    assert [c.value for c in ws[1]][:6] == ["序号", "来源文件", "页码", "章节", "被巡察单位", "问题描述"]

    r = run(["documents", "list", "--json"], home)
    docs = json.loads(r.stdout)
    assert len(docs) == len(demo) and all(d["sha256"] and d["status"] == "ingested" for d in docs)
    assert all(d["title"] and d["kind"] != "other" for d in docs)


def test_ingest_reports_missing_path_in_chinese(tmp_path):
    r = run(["ingest", str(tmp_path / "nope.pdf")], tmp_path / "home")
    assert r.returncode == 1
    assert "找不到文件" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_task_lifecycle_from_the_command_line(tmp_path):
    """Close-out needs a second person; each refused step is one Chinese sentence."""
    home = tmp_path / "home"
    docs = tmp_path / "in"
    docs.mkdir()
    from tests.conftest import REPORT_PARAGRAPHS, make_docx

    make_docx(docs / "r.docx", REPORT_PARAGRAPHS)
    assert run(["ingest", str(docs)], home).returncode == 0
    listed = run(["tasks", "list"], home)
    assert listed.returncode == 0 and "待办" in listed.stdout
    assert run(["tasks", "start", "1", "--by", "张三"], home).returncode == 0
    assert run(["tasks", "submit", "1", "--by", "张三", "--measure", "已完成整改"], home).returncode == 0
    refused = run(["tasks", "approve", "1", "--by", "张三"], home)
    assert refused.returncode == 1 and "不能审批本人" in refused.stdout
    ok = run(["tasks", "approve", "1", "--by", "李四"], home)
    assert ok.returncode == 0 and "已销号" in ok.stdout
    bad = run(["tasks", "extend", "2", "--by", "张三", "--until", "明天", "--reason", "x"], home)
    assert bad.returncode == 1 and "日期格式" in bad.stdout
    assert run(["tasks", "list", "--status", "已销号"], home).stdout.count("已销号") >= 1


def test_staff_mistakes_get_a_specific_chinese_sentence(tmp_path):
    """Wrong ids, statuses, output folders and database URLs are named, never 系统发生错误."""
    home = tmp_path / "home"
    cases = [
        (["tasks", "show", "abc"], 1, "任务编号应为正整数"),
        (["tasks", "start", "x1", "--by", "张三"], 1, "任务编号应为正整数"),
        (["findings", "show", "-"], 1, "问题编号应为正整数"),
        (["tasks", "list", "--status", "完成"], 1, "可选：待办、进行中、待销号、已销号、延期、撤销"),
        (["findings", "list", "--route", "talk"], 1, "reminder_talk"),
        (["findings", "export", "--jsonl", str(tmp_path / "no" / "such" / "x.jsonl")], 1, "输出目录不存在"),
        (["ledger", "export", "--xlsx", str(tmp_path / "missing" / "l.xlsx")], 1, "输出目录不存在"),
        (["tasks", "show", "7"], 1, "没有编号为7的整改任务"),
        (["no-such-command"], 2, "没有这个命令"),
    ]
    for args, code, words in cases:
        r = run(args, home)
        out = r.stdout + r.stderr
        assert r.returncode == code, (args, out)
        assert words in out.replace("\n", ""), (args, out)
        assert "系统发生错误" not in out and "Traceback" not in out, (args, out)

    env_home = tmp_path / "pg"
    env = dict(os.environ, ZHENGGAI_HOME=str(env_home),
               ZHENGGAI_DATABASE_URL="postgresql://zg:topsecret@127.0.0.1:1/none")
    r = subprocess.run([str(ZHENGGAI), "tasks", "list"], env=env, capture_output=True, text=True, timeout=120)
    out = (r.stdout + r.stderr).replace("\n", "")
    assert r.returncode == 2 and "无法连接台账数据库" in out and "topsecret" not in out, out


def test_findings_and_tasks_for_terminal_users(tmp_path):
    """findings list/show give the evidence; tasks show gives the history of every step."""
    from tests.conftest import REPORT_PARAGRAPHS, make_docx

    home = tmp_path / "home"
    docs = tmp_path / "in"
    docs.mkdir()
    make_docx(docs / "r.docx", REPORT_PARAGRAPHS)
    assert run(["ingest", str(docs)], home).returncode == 0
    listed = json.loads(run(["findings", "list", "--json"], home).stdout)
    assert listed and all(f["document"] == "r.docx" for f in listed)
    quotes = " ".join(f["quote"] for f in listed)
    assert "白条入账" in quotes and "带病提拔" not in quotes  # the exhortation is not a finding
    shown = run(["findings", "show", str(listed[0]["id"])], home)
    assert shown.returncode == 0
    flat = shown.stdout.replace("\n", "")
    assert "r.docx" in flat and "命中规则" in flat and listed[0]["quote"][:10] in flat

    tasks = json.loads(run(["tasks", "list", "--json"], home).stdout)
    tid = str(tasks[0]["id"])
    assert run(["tasks", "start", tid, "--by", "张三"], home).returncode == 0
    history = run(["tasks", "show", tid], home)
    assert history.returncode == 0
    assert "task.created" in history.stdout and "task.started" in history.stdout and "张三" in history.stdout
