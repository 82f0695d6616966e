"""The follow-up report as a Word document: templates/followup.docx filled by Jinja2 (docxtpl).

Every number comes from the report's Figures (reports/queries.py); the template decides the layout.
"""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from models import vocabulary as V
from models.tables import Document
from reports.context import ReportContext, Row
from reports.queries import is_overdue
from reports.word_template import RED, TEMPLATE

TITLE = "巡察发现问题整改跟踪报告"
DEFAULT_RECIPIENT = "巡察工作领导小组"


def cn_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def month_cn(month: str) -> str:
    """'2026-03' -> '2026年3月'."""
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals, for headings （一）（二）…"""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def by_document(rows: list[Row]) -> list[tuple[Document, list[tuple[int, Row]]]]:
    """Rows grouped by their report, numbered straight through (rows come ordered by document)."""
    groups: list[tuple[Document, list[tuple[int, Row]]]] = []
    for n, r in enumerate(rows, 1):
        if not groups or groups[-1][0].id != r.document.id:
            groups.append((r.document, []))
        groups[-1][1].append((n, r))
    return groups


def source_of(r: Row) -> str:
    """Where the evidence is: document title and page."""
    return f"{r.document.title or r.document.name}第{r.finding.page}页"


def summary(items: list[tuple[str, int]]) -> str:
    return "，".join(f"{label}{n}条" for label, n in items) or "无"


def _row(r: Row, today: date) -> dict:
    from docxtpl import RichText

    f, t = r.finding, r.task
    late = is_overdue(t, today)
    status = (t.status if t else "") + ("\n（逾期）" if late else "")  # RichText: \n is a line break
    who = " ".join(x for x in (f.post, f.person) if x) or f.unit
    plain = {
        "source": source_of(r), "quote": f.quote, "unit": f.unit, "who": who,
        "person_line": f"（涉及：{who}）" if f.person else "",
        "subject": V.SUBJECTS.get(f.subject, f.subject), "category": V.CATEGORIES.get(f.category, f.category),
        "route": V.ROUTES.get(f.route, f.route), "owner": t.owner if t else "",
        "deadline": t.deadline.isoformat() if t else "", "measure": t.measure if t else "",
        "closed_on": t.closed_at.date().isoformat() if t and t.closed_at else "",
        "late": str((today - t.deadline).days) if late else "",
    }
    plain["status"] = RichText(status, color=RED if late else None)
    plain["category_subject"] = RichText(f"{plain['category']}\n{plain['subject']}")
    for key in ("unit", "quote", "owner", "deadline", "late"):
        plain[f"{key}_red"] = RichText(plain[key], color=RED)
    return plain


def closed_heading(ctx: ReportContext) -> str:
    return "本期整改销号情况" if ctx.scope.has_period else "整改销号情况"


def word_context(ctx: ReportContext, recipient: str = DEFAULT_RECIPIENT) -> dict:
    fg, today = ctx.figures, ctx.today
    progress = fg.progress[-1] if fg.progress else None
    return {
        "title": TITLE, "recipient": recipient, "scope": ctx.scope.describe(),
        "today_cn": cn_date(today), "today": today.isoformat(), "generated": ctx.generated,
        "generated_line": f"（系统生成于{ctx.generated}）",
        "n_documents": fg.n_documents, "n_findings": fg.n_findings, "n_tasks": fg.n_tasks,
        "n_open": fg.n_open, "n_closed_total": fg.n_closed_total, "n_overdue": fg.n_overdue,
        "n_closed": fg.n_closed, "n_withdrawn": fg.n_withdrawn, "has_period": ctx.scope.has_period,
        "closed_heading": closed_heading(ctx), "no_closed": "本期无销号事项。" if ctx.scope.has_period
        else "尚无销号事项。",
        "route_summary": summary(fg.by_route), "category_summary": summary(fg.by_category),
        "progress_summary": (f"截至{month_cn(progress[0])}，累计形成整改任务{progress[2]}项，"
                             f"已销号{progress[1]}项。") if progress else "暂无整改任务。",
        "talks": [_row(r, today) for r in fg.reminder_talks],
        "adjustments": [_row(r, today) for r in fg.team_adjustments],
        "overdue": [_row(r, today) for r in fg.overdue],
        "closed": [_row(r, today) for r in fg.closed],
        "rows": [_row(r, today) for r in fg.rows],
        "groups": [{"heading": f"（{cn_number(i)}）{doc.title or doc.name}",
                    "rows": [{**_row(r, today), "n": n, "page": r.finding.page} for n, r in items]}
                   for i, (doc, items) in enumerate(by_document(fg.rows), 1)],
        "mismatches": [{"document": m.document.title or m.document.name, "label": m.label,
                        "stated": m.stated, "in_ledger": m.in_ledger} for m in fg.mismatches],
    }


def render_docx(ctx: ReportContext, out: Path, template: Path = TEMPLATE,
                recipient: str = DEFAULT_RECIPIENT) -> Path:
    from docx.shared import Cm
    from docxtpl import DocxTemplate, InlineImage

    from reports.charts import bar_chart, progress_chart

    out.parent.mkdir(parents=True, exist_ok=True)
    doc = DocxTemplate(str(template))
    values = word_context(ctx, recipient)
    fg = ctx.figures

    def image(png: bytes, width: float = 14.0):
        return InlineImage(doc, io.BytesIO(png), width=Cm(width))

    values["chart_route"] = image(bar_chart(fg.by_route, "问题分流情况")) if fg.by_route else None
    values["chart_category"] = image(bar_chart(fg.by_category, "问题类别分布")) if fg.by_category else None
    # one month is a sentence, not a chart
    values["chart_progress"] = image(progress_chart(fg.progress)) if len(fg.progress) > 1 else None
    doc.render(values, autoescape=True)
    doc.save(str(out))
    return out
