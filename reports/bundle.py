"""Write one report in the formats asked for (HTML, Word, PDF, Excel ledger) into a folder.

All formats are rendered from the same ReportContext, so their numbers agree. A PDF needs
LibreOffice: when it is missing the other formats are still written and the reason is returned.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from reports.context import ReportContext

FORMATS = ("html", "docx", "pdf", "xlsx")
FILE_NAMES = {"html": "整改跟踪报告.html", "docx": "整改跟踪报告.docx", "pdf": "整改跟踪报告.pdf",
              "xlsx": "整改台账.xlsx"}


@dataclass
class Written:
    files: dict[str, Path] = field(default_factory=dict)  # format -> file written
    problems: dict[str, str] = field(default_factory=dict)  # format -> why not (Chinese)


def parse_formats(text: str) -> list[str]:
    """'html,pdf' -> ['html', 'pdf'] in FORMATS order; ValueError (Chinese) names a wrong one."""
    asked = [t.strip().lower() for t in text.replace("，", ",").split(",") if t.strip()]
    wrong = [t for t in asked if t not in FORMATS]
    if wrong or not asked:
        raise ValueError(f"报告格式“{text}”无效，可选：{'、'.join(FORMATS)}（用逗号分隔）。")
    return [f for f in FORMATS if f in asked]


def write_report(ctx: ReportContext, formats: list[str], out_dir: Path) -> Written:
    from reports.ledger_xlsx import write_ledger
    from reports.pdf import PdfUnavailable, docx_to_pdf
    from reports.render import render_html
    from reports.word import render_docx

    out_dir.mkdir(parents=True, exist_ok=True)
    done = Written()
    if "html" in formats:
        done.files["html"] = render_html(ctx, out_dir / FILE_NAMES["html"])
    if "docx" in formats:
        done.files["docx"] = render_docx(ctx, out_dir / FILE_NAMES["docx"])
    if "pdf" in formats:
        with tempfile.TemporaryDirectory(prefix="zhenggai-report-") as tmp:
            source = done.files.get("docx") or render_docx(ctx, Path(tmp) / "report.docx")
            try:
                done.files["pdf"] = docx_to_pdf(source, out_dir / FILE_NAMES["pdf"])
            except PdfUnavailable as exc:
                done.problems["pdf"] = str(exc)
    if "xlsx" in formats:
        done.files["xlsx"] = write_ledger(ctx, out_dir / FILE_NAMES["xlsx"])
    return done
