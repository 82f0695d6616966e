"""Render reports with Jinja2 (autoescaped HTML) from a ReportContext."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from reports.context import ReportContext

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True)


def render_html(ctx: ReportContext, out: Path, template: str = "followup.html.j2") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(environment().get_template(template).render(ctx=ctx), encoding="utf-8")
    return out
