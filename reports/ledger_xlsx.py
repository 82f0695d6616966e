"""The ledger (整改台账) as an Excel workbook: one row per problem, plus a summary sheet with a chart.

Document text is written as text, never as a formula (reports/xlsx_text.py).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from models import vocabulary as V
from reports.context import ReportContext
from reports.xlsx_text import keep_as_text

COLUMNS = ["序号", "来源文件", "页码", "章节", "被巡察单位", "问题描述", "问题主体", "涉及人员", "职务",
           "问题类别", "严重程度", "分流方式", "任务类型", "责任人/单位", "整改期限", "状态", "是否逾期",
           "任务编号", "巡察轮次", "期限来源", "预警", "升级自任务", "标记", "整改报告所述"]
WIDTHS = [6, 28, 6, 24, 20, 60, 10, 10, 14, 12, 12, 14, 12, 18, 12, 8, 8, 8, 24, 14, 8, 10, 10, 40]
FILLS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}
COLOUR_COLUMN = COLUMNS.index("预警") + 1


def ledger_frame(ctx: ReportContext) -> pd.DataFrame:
    overdue = {id(r) for r in ctx.overdue}
    rows = []
    for i, r in enumerate(ctx.rows, 1):
        f, t = r.finding, r.task
        rows.append([i, r.document.title or r.document.name, f.page, " › ".join(f.section),
                     f.unit, f.quote, V.SUBJECTS.get(f.subject, f.subject), f.person, f.post,
                     V.CATEGORIES.get(f.category, f.category), V.SEVERITIES.get(f.severity, f.severity),
                     V.ROUTES.get(t.route if t else f.route, f.route), V.TASK_KINDS.get(t.kind, "") if t else "",
                     t.owner if t else "",
                     t.deadline if t else None, t.status if t else "", "是" if id(r) in overdue else "",
                     t.id if t else None, r.view.get("round") or "",
                     V.DEADLINE_SOURCES.get(r.view.get("deadline_source", ""), "")
                     + (f"（{r.view['deadline_phrase']}）" if r.view.get("deadline_phrase") else ""),
                     V.COLOURS.get(r.colour, ""), r.view.get("escalated_from"), "、".join(r.view.get("flags", [])),
                     "\n".join(f"{i['text']}（{V.STATED[i['stated']]}）" for i in r.view.get("report_items", []))])
    return pd.DataFrame(rows, columns=COLUMNS)


def write_ledger(ctx: ReportContext, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = ledger_frame(ctx)
    summary = pd.DataFrame(ctx.by_route, columns=["分流方式", "问题数"])
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        frame.to_excel(xw, sheet_name="整改台账", index=False)
        summary.to_excel(xw, sheet_name="统计", index=False)
        ws = xw.sheets["整改台账"]
        keep_as_text(ws)
        keep_as_text(xw.sheets["统计"])
        for col, width in enumerate(WIDTHS, 1):
            ws.column_dimensions[ws.cell(1, col).column_letter].width = width
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDDDDD")
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row, data in zip(ws.iter_rows(min_row=2), ctx.rows):
            if data.colour in FILLS:  # the 预警 cell carries the task's colour
                row[COLOUR_COLUMN - 1].fill = PatternFill("solid", fgColor=FILLS[data.colour])
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        stats = xw.sheets["统计"]
        if len(summary):
            chart = BarChart()
            chart.title = "问题分流情况"
            chart.add_data(Reference(stats, min_col=2, min_row=1, max_row=len(summary) + 1), titles_from_data=True)
            chart.set_categories(Reference(stats, min_col=1, min_row=2, max_row=len(summary) + 1))
            stats.add_chart(chart, "D2")
    return out
