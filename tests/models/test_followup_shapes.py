"""Rectification reports in the other shapes the shared recognition knows, against an invented
feedback (tests/data/followup/table_feedback.txt): a .docx with a 反馈问题 / 整改措施 / 完成情况
table, and a text report of 问题：/ 整改情况： pairs. Each is ingested before and after its
feedback: every item goes to the task it answers with the status it states, close-out is proposed
exactly for the done items with the report's measures as evidence, the tasks it never mentions
are flagged 未报告, and an item that answers no task is listed, not guessed."""
from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document as Docx
from sqlmodel import select

from extractors.pipeline import analyse
from models.db import session_scope
from models.figures import report_check
from models.followup import NOT_REPORTED
from models.intake import ingest_file
from models.tables import Document, Finding, ReportItem, Task

DATA = Path(__file__).resolve().parent.parent / "data" / "followup"
FEEDBACK = DATA / "table_feedback.txt"

TABLE = [
    ("序号", "反馈问题", "整改措施", "完成情况", "责任科室"),
    ("1", "农机购置补贴审核把关不严", "对2023年以来的补贴申报逐台复核，追回重复申报的补贴资金", "已完成", "农机股"),
    ("2", "高标准农田建设项目验收走过场", "委托第三方对已验收项目重新抽检，督促施工单位返工", "正在整改", "农田建设股"),
    ("3", "执法大队大队长韩某某推诿扯皮", "局党组书记对韩某某进行提醒谈话，养殖户投诉已逐件答复", "已完成", "人事股"),
    ("4", "领导班子配备不齐", "已向县委组织部专题报告班子配备情况", "", "办公室"),
    ("5", "乡镇农技站人员长期不在岗", "开展在岗情况暗访，通报批评3人", "完成", "农技推广中心")  # a bare word,
]


def table_report(path: Path) -> Path:
    """A rectification report whose items are the rows of a table (built with python-docx)."""
    d = Docx()
    d.add_paragraph("中共某县农业农村局党组关于县委第二巡察组巡察反馈意见整改情况的报告")
    d.add_paragraph("根据县委统一部署，2024年3月4日至4月26日，县委第二巡察组对某县农业农村局党组开展了常规巡察。"
                    "现将整改情况报告如下。")
    d.add_paragraph("一、整改工作总体情况")
    d.add_paragraph("巡察反馈问题6个，截至2024年7月31日，已完成整改4个，正在整改2个。")
    d.add_paragraph("二、问题整改清单")
    t = d.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    for r, row in enumerate(TABLE):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    d.add_paragraph("中共某县农业农村局党组")
    d.add_paragraph("2024年8月20日")
    d.save(path)
    return path


# (item as the report words it, the feedback finding it answers (start of its quote) or None,
#  stated status, the task's status afterwards)
SHAPES = {
    "table": ([
        ("农机购置补贴审核把关不严", "农机购置补贴", "done", "待销号"),
        ("高标准农田建设项目验收走过场", "高标准农田", "in_progress", "进行中"),
        ("执法大队大队长韩某某推诿扯皮", "执法大队大队长韩某某", "done", "待销号"),
        ("领导班子配备不齐", "领导班子配备不齐", "unclear", "待办"),  # no status stated: nothing proposed
        ("乡镇农技站人员长期不在岗", None, "done", None),
    ], ["机关食堂物资采购", "党组会议议事规则"]),
    "pairs": ([
        ("农机购置补贴审核把关不严，存在重复申报补贴", "农机购置补贴", "done", "待销号"),
        ("机关食堂物资采购未执行询价制度", "机关食堂物资采购", "done", "待销号"),
        ("党组会议议事规则不健全", "党组会议议事规则", "in_progress", "进行中"),
        ("分管畜牧业务的副局长职位空缺", "领导班子配备不齐", "unclear", "待办"),
        ("乡镇农技站人员长期不在岗", None, "done", None),
    ], ["高标准农田", "执法大队大队长韩某某"]),
}


def _report(shape: str, tmp_path: Path) -> Path:
    return table_report(tmp_path / "整改情况报告.docx") if shape == "table" else DATA / "paired_report.txt"


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("report_first", [False, True])
def test_items_of_a_table_and_of_labelled_pairs_link_to_their_tasks(settings, tmp_path, shape, report_first):
    report = _report(shape, tmp_path)
    for path in ([report, FEEDBACK] if report_first else [FEEDBACK, report]):
        assert ingest_file(path, settings, analyse).status == "ingested"
    want, unreported = SHAPES[shape]
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.kind == "rectification")).one()
        rows = s.exec(select(ReportItem).where(ReportItem.document_id == doc.id).order_by(ReportItem.id)).all()
        assert len(rows) == len(want)
        got = []
        for r in rows:
            task = s.get(Task, r.task_id) if r.task_id else None
            quote = s.get(Finding, task.finding_id).quote if task else None
            got.append((r.text, quote, r.stated, task.status if task else None))
            if task is not None and r.stated == "done":  # the report's measures are the close-out evidence
                assert task.measure == r.measures and r.measures
        # the linked task's quote, cut to the length of the expected start (None: linked to nothing)
        assert [(t, q[:len(w)] if q and w else q, st, ts) for (t, q, st, ts), (_, w, _, _) in zip(got, want)] == want
        flagged = sorted(s.get(Finding, t.finding_id).quote for t in s.exec(select(Task)).all()
                         if NOT_REPORTED in (t.flags or []))
        assert sorted(next((w for w in unreported if q.startswith(w)), q) for q in flagged) == sorted(unreported)
        check = report_check(s, doc)
        assert [i["text"] for i in check["unmatched"]] == ["乡镇农技站人员长期不在岗"]  # listed, not guessed
        own = s.exec(select(Task).join(Finding, Finding.id == Task.finding_id)
                     .where(Finding.document_id == doc.id, Task.status != "撤销")).all()
        assert own == []  # a report opens no task
