"""Reports from a real ledger: HTML (escaped, overdue flagged) and the Excel ledger with its chart."""
from datetime import date

import openpyxl

from extractors.document import Extraction, FindingDraft
from models.db import session_scope
from models.store import save_and_route
from models.tables import Document
from reports.context import build_context
from reports.ledger_xlsx import write_ledger
from reports.render import render_html


def fill(settings):
    drafts = [FindingDraft(quote=q, page=2, section=("一、问题", "（一）班子"), block_index=0, start=0,
                           end=len(q), subject=s, category=c, severity=v)
              for q, s, c, v in [("领导班子配备不齐", "team", "team", "structural"),
                                 ("办公室主任郑某某慢作为<script>alert(1)</script>", "individual", "duty", "minor"),
                                 ("财务制度执行不严", "unit", "finance", "structural")]]
    with session_scope(settings.database_url) as s:
        doc = Document(sha256="b" * 64, name="r.pdf", title="关于对某县某局党组巡察的反馈意见", unit="某县某局党组")
        save_and_route(s, doc, Extraction(drafts, {}, "v1"), today=date(2026, 1, 1))


def test_html_report(settings, tmp_path):
    fill(settings)
    with session_scope(settings.database_url) as s:
        ctx = build_context(s, today=date(2026, 6, 1))  # every deadline has passed
        out = render_html(ctx, tmp_path / "r.html")
    html = out.read_text(encoding="utf-8")
    assert "领导班子配备不齐" in html and "班子调整" in html and "提醒谈话" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert len(ctx.overdue) == 3 and 'class="overdue"' in html


def test_excel_ledger(settings, tmp_path):
    fill(settings)
    with session_scope(settings.database_url) as s:
        out = write_ledger(build_context(s, today=date(2026, 1, 2)), tmp_path / "l.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["整改台账"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    assert {r[11] for r in rows} == {"班子调整", "提醒谈话", "整改任务"}
    assert wb["统计"]._charts  # the summary sheet carries a bar chart


def test_word_report_with_chart(settings, tmp_path):
    import docx

    from reports.word import render_docx

    fill(settings)
    with session_scope(settings.database_url) as s:
        out = render_docx(build_context(s, today=date(2026, 6, 1)), tmp_path / "r.docx")
    d = docx.Document(str(out))
    text = "\n".join(p.text for p in d.paragraphs)
    cells = "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    assert "巡察发现问题整改跟踪报告" in text and "发现问题3条" in text
    assert "{{" not in text + cells and "{%" not in text + cells  # every tag was rendered
    assert "领导班子配备不齐" in cells and "<script>alert(1)</script>" in cells  # Word text, not markup
    assert len(d.inline_shapes) == 2  # by route and category; one month of progress is a sentence


def test_chart_png():
    from reports.charts import bar_chart

    png = bar_chart([("提醒谈话", 3), ("整改任务", 12)], "问题分流情况")
    assert png.startswith(b"\x89PNG") and len(png) > 2000


def test_excel_ledger_writes_formula_like_text_as_text(settings, tmp_path):
    """A quote or title starting with = + - @ (or tab/CR) is stored as a text cell, never a live formula."""
    hostile = ['=HYPERLINK("http://example.invalid/x","点此查看")', "+1+1 某单位账目不清", "-2+3 违规发放补贴",
               "@SUM(A1:A2) 会议记录缺失", "\t=1+1 档案管理混乱", "\r=2+2 台账登记不全"]
    drafts = [FindingDraft(quote=q, page=1, section=("一、问题",), block_index=0, start=i, end=i + len(q),
                           subject="unit", category="finance", severity="structural")
              for i, q in enumerate(hostile)]
    with session_scope(settings.database_url) as s:
        doc = Document(sha256="c" * 64, name="x.pdf", title="=1+2", unit="=cmd|' /C calc'!A0")
        save_and_route(s, doc, Extraction(drafts, {}, "v1"), today=date(2026, 1, 1))
    with session_scope(settings.database_url) as s:
        out = write_ledger(build_context(s, today=date(2026, 1, 2)), tmp_path / "l.xlsx")
    ws = openpyxl.load_workbook(out)["整改台账"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    risky = [c for c in cells if c.value[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert {c.value for c in risky} >= set(hostile) | {"=1+2", "=cmd|' /C calc'!A0"}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky), [(c.coordinate, c.data_type) for c in risky]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
