"""A feedback and its rectification report ingested in one batch from the command line: the
report's items land on the feedback's tasks, `tasks list --json` gives every task its fixed fields,
`tasks report` checks the report, and the workbook's rows are the ledger's tasks with colours."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl

from tests.conftest import DEVSET
from tests.flows.test_cli import run

DATA = Path(__file__).resolve().parent.parent / "data" / "followup"

FIELDS = {"id", "document", "quote", "round", "unit", "route", "owner", "deadline", "deadline_source",
          "status", "colour", "escalated_from", "report_items"}


def test_feedback_and_report_in_one_batch(tmp_path):
    home = tmp_path / "home"
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in ("dev08.docx", "dev02.docx"):  # the report first: order within the batch does not matter
        shutil.copy(DEVSET / name, batch / name)
    r = run(["ingest", str(batch)], home)
    assert r.returncode == 0, r.stdout + r.stderr

    tasks = json.loads(run(["tasks", "list", "--json"], home).stdout)
    assert tasks and all(FIELDS <= set(t) for t in tasks)
    assert {t["document"] for t in tasks} == {"dev02.docx"}  # the report opened no task
    assert {t["colour"] for t in tasks} <= {"green", "yellow", "red"}
    answered = [t for t in tasks if t["report_items"]]
    assert len(answered) == 14
    for t in answered:
        (item,) = t["report_items"]
        assert item["document"] == "dev08.docx" and item["stated"] in ("done", "in_progress")
        assert t["status"] == ("待销号" if item["stated"] == "done" else "进行中")
    assert all(t["round"] == "XX县委第一巡察组巡察（2024年）" for t in tasks)
    by_unit = json.loads(run(["tasks", "list", "--json", "--unit", "XX镇党委"], home).stdout)
    assert len(by_unit) == len(tasks)
    assert json.loads(run(["tasks", "list", "--json", "--unit", "某市某局"], home).stdout) == []

    docs = json.loads(run(["documents", "list", "--json"], home).stdout)
    report_id = next(d["document_id"] for d in docs if d["name"] == "dev08.docx")
    check = json.loads(run(["tasks", "report", str(report_id), "--json"], home).stdout)
    assert len(check["items"]) == 14 and check["unmatched"] == []
    assert check["verdict"] == "不一致"  # it claims 18 done; the ledger can confirm 11 proposals
    shown = run(["tasks", "report", str(report_id)], home).stdout.replace("\n", "")
    assert "已完成整改：报告18，台账11，不一致" in shown

    rounds = json.loads(run(["rounds", "list", "--json"], home).stdout)
    assert [r["name"] for r in rounds] == ["XX县委第一巡察组巡察（2024年）"]
    assert sorted(rounds[0]["documents"]) == ["dev02.docx", "dev08.docx"]
    edited = run(["rounds", "edit", str(rounds[0]["id"]), "--name", "县委2024年第一轮巡察", "--by", "张三"], home)
    assert edited.returncode == 0
    assert len(json.loads(run(["tasks", "list", "--json", "--round", "2024年第一轮"], home).stdout)) == len(tasks)
    assert run(["rounds", "edit", "99", "--by", "张三"], home).stdout.strip() == "没有编号为99的巡察轮次。"
    units = json.loads(run(["units", "list", "--json"], home).stdout)
    assert len(units) == 1 and {"XX县XX镇党委", "XX县XX镇委员会"} <= set(units[0]["aliases"])
    assert run(["units", "rename", str(units[0]["id"]), "XX镇", "--by", "张三"], home).returncode == 0
    assert {t["unit"] for t in json.loads(run(["tasks", "list", "--json"], home).stdout)} == {"XX镇"}

    out = tmp_path / "ledger.xlsx"
    assert run(["ledger", "export", "--xlsx", str(out)], home).returncode == 0
    ws = openpyxl.load_workbook(out)["整改台账"]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2))
    by_id = {t["id"]: t for t in tasks}
    assert sorted(r[header.index("任务编号")].value for r in rows) == sorted(by_id)  # rows = tasks
    fills = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}
    for r in rows:
        task = by_id[r[header.index("任务编号")].value]
        cell = r[header.index("预警")]
        assert cell.fill.fgColor.rgb.endswith(fills[task["colour"]])
        assert r[header.index("状态")].value == task["status"]


def test_a_report_in_an_unknown_shape_is_said_to_be_unread_item_by_item(tmp_path):
    """No item recognised: the check says so, rather than leave staff with a wall of 未报告."""
    home, batch = tmp_path / "home", tmp_path / "batch"
    batch.mkdir()
    shutil.copy(DATA / "table_feedback.txt", batch / "反馈意见.txt")
    (batch / "整改报告.txt").write_text(
        "中共某县农业农村局党组关于县委第二巡察组巡察反馈意见整改情况的报告\n"
        "根据县委统一部署，2024年3月4日至4月26日，县委第二巡察组对某县农业农村局党组开展了常规巡察。现将整改情况报告如下。\n"
        "局党组把抓好整改作为重要政治任务，召开专题会议研究部署，明确责任分工，建立工作台账。\n"
        "下一步，我们将持续巩固整改成果，推动建章立制，确保各项工作落到实处。\n"
        "中共某县农业农村局党组\n2024年8月20日\n", encoding="utf-8")
    assert run(["ingest", str(batch)], home).returncode == 0
    docs = json.loads(run(["documents", "list", "--json"], home).stdout)
    report_id = next(d["document_id"] for d in docs if d["name"] == "整改报告.txt")
    check = json.loads(run(["tasks", "report", str(report_id), "--json"], home).stdout)
    assert check["items"] == [] and check["unmatched"] == [] and check["not_reported"]
    shown = run(["tasks", "report", str(report_id)], home).stdout.replace("\n", "")
    assert "未能识别出本报告逐项的整改事项" in shown
