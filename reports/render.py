"""Render the follow-up report as HTML with Jinja2 (autoescaped) from a ReportContext."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from reports.context import ReportContext, Row
from reports.queries import is_overdue
from reports.word import TITLE, by_document, closed_heading, cn_date, cn_number, source_of

TEMPLATES = Path(__file__).parent / "templates"


def who(r: Row) -> str:
    return " ".join(x for x in (r.finding.post, r.finding.person) if x) or r.finding.unit


def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def html_text(ctx: ReportContext, template: str = "followup.html.j2") -> str:
    """The report as one HTML string; same data and dates give the same string."""
    today = ctx.today
    return environment().get_template(template).render(
        ctx=ctx, fg=ctx.figures, title=TITLE, scope=ctx.scope.describe(), today_cn=cn_date(today),
        who=who, source=source_of, groups=by_document(ctx.figures.rows), cn_number=cn_number,
        closed_heading=closed_heading(ctx),
        overdue_attr=lambda r: Markup(' class="overdue"') if is_overdue(r.task, today) else "")


def render_html(ctx: ReportContext, out: Path, template: str = "followup.html.j2") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_text(ctx, template), encoding="utf-8")
    return out
