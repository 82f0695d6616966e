"""The zhenggai command as staff use it: demo, ingest, export, report, ledger, documents."""
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from flows.cli import demo_files
from tests.conftest import ROOT

ZHENGGAI = Path(sys.executable).with_name("zhenggai")


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
    assert ws.max_row - 1 == len(finds)
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
