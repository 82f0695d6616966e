"""The follow-up report as a Word document: templates/followup.docx filled by Jinja2 (docxtpl)."""
from __future__ import annotations

import io
from pathlib import Path

from models import vocabulary as V
from reports.context import ReportContext, Row
from reports.word_template import TEMPLATE


def _row(r: Row) -> dict:
    f, t = r.finding, r.task
    return {"document": r.document.title or r.document.name, "page": f.page, "quote": f.quote,
            "unit": f.unit, "subject": V.SUBJECTS.get(f.subject, f.subject),
            "category": V.CATEGORIES.get(f.category, f.category), "route": V.ROUTES.get(f.route, f.route),
            "owner": t.owner if t else "", "deadline": t.deadline.isoformat() if t else "",
            "status": t.status if t else ""}


def word_context(ctx: ReportContext) -> dict:
    return {
        "generated": ctx.generated, "today": ctx.today.isoformat(),
        "n_documents": len(ctx.documents), "n_findings": len(ctx.rows), "n_overdue": len(ctx.overdue),
        "route_summary": "，".join(f"{label}{n}条" for label, n in ctx.by_route) or "无",
        "overdue": [_row(r) for r in ctx.overdue], "rows": [_row(r) for r in ctx.rows],
    }


def render_docx(ctx: ReportContext, out: Path, template: Path = TEMPLATE) -> Path:
    from docxtpl import DocxTemplate

    out.parent.mkdir(parents=True, exist_ok=True)
    from docx.shared import Cm
    from docxtpl import InlineImage

    from reports.charts import bar_chart

    doc = DocxTemplate(str(template))
    values = word_context(ctx)
    values["chart"] = None
    if ctx.by_route:
        values["chart"] = InlineImage(doc, io.BytesIO(bar_chart(ctx.by_route, "问题分流情况")), width=Cm(14))
    doc.render(values, autoescape=True)
    doc.save(str(out))
    return out
