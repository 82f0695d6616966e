"""Follow-up reports for a scope: every format shows the database's numbers, hostile text stays text,
renders are reproducible, charts use a CJK font, and the PDF's first page is rendered for a look.

The ledger is built through the real store and lifecycle (save_and_route, start/submit/approve,
withdraw); the expected numbers are counted here with plain SQL, not with reports/queries.py.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import openpyxl
import pytest
from sqlmodel import func, select

from extractors.document import Extraction, FindingDraft
from models import ledger
from models.db import session_scope
from models.store import save_and_route
from models.tables import Document, Finding, Task
from reports.context import build_context
from reports.queries import Scope
from tests.conftest import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"
TODAY = date(2026, 9, 1)
GENERATED = datetime(2026, 9, 1, 8, 30)
HOSTILE = "办公室主任王某某推诿扯皮<script>alert('x')</script>{{ 7*7 }}{%p if 1 %}&amp;"
UNIT_A, UNIT_B = "某县某局党组", "某镇党委"
ROUND_1 = "2026年第一轮"

# (quote, subject, category, severity, person, post)
DOC_A = [("领导班子配备不齐，副局长职位长期空缺。", "team", "team", "structural", "", ""),
         (HOSTILE, "individual", "duty", "minor", "王某某", "办公室主任"),
         ("财务制度执行不严，存在白条入账问题。", "unit", "finance", "structural", "", ""),
         ("公务接待超出标准，台账记录不全。", "unit", "conduct", "minor", "", "")]
DOC_B = [("三会一课制度落实不到位，组织生活流于形式。", "unit", "party_building", "structural", "", ""),
         ("班子成员之间沟通不够，工作配合不够默契。", "team", "team", "structural", "", ""),
         ("村务公开不及时，群众反映强烈。", "unit", "supervision", "minor", "", "")]


def _drafts(items):
    return [FindingDraft(quote=q, page=i + 2, section=("一、主要问题", f"（{i + 1}）"), block_index=i,
                         start=i * 100, end=i * 100 + len(q), subject=s, category=c, severity=v,
                         person=p, post=post)
            for i, (q, s, c, v, p, post) in enumerate(items)]


def fill(settings) -> None:
    """Two reports from two rounds and units; one task closed, one withdrawn, the rest open."""
    with session_scope(settings.database_url) as s:
        a = Document(sha256="a" * 64, name="a.docx", title=f"关于县委{ROUND_1}巡察{UNIT_A}的反馈意见",
                     unit=UNIT_A, created_at=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
        save_and_route(s, a, Extraction(_drafts(DOC_A), {"problems_total": 4}, "v1"), today=date(2026, 3, 2))
        b = Document(sha256="b" * 64, name="b.docx", title=f"关于县委2026年第二轮巡察{UNIT_B}的反馈意见",
                     unit=UNIT_B, created_at=datetime(2026, 5, 10, 2, 0, tzinfo=timezone.utc))
        save_and_route(s, b, Extraction(_drafts(DOC_B), {"problems_total": 5}, "v1"), today=date(2026, 7, 1))
    with session_scope(settings.database_url) as s:
        pairs = s.exec(select(Finding, Task).join(Task, Task.finding_id == Finding.id)).all()
        tasks = {f.quote: t for f, t in pairs}
        ledger.withdraw(s, tasks[DOC_A[3][0]], "李某", "经核实不属于本轮问题")
        done = tasks[DOC_B[0][0]]
        ledger.start(s, done, "张某")
        ledger.submit(s, done, "张某", "已制定组织生活制度并逐月检查")
        ledger.approve(s, done, "赵某")
        done.closed_at = datetime(2026, 7, 20, 3, 0, tzinfo=timezone.utc)
        for t in tasks.values():
            t.created_at = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
            s.add(t)


def expected(settings, unit=None, round_text=None) -> dict[str, int]:
    """The database's own counts for a scope, with plain SQL."""
    with session_scope(settings.database_url) as s:
        q = (select(func.count()).select_from(Finding).join(Document, Document.id == Finding.document_id)
             .join(Task, Task.finding_id == Finding.id)
             .where(Finding.state == "active", Task.status != "撤销"))
        if unit:
            q = q.where(Finding.unit == unit)
        if round_text:
            q = q.where(Document.title.contains(round_text))
        return {"findings": s.exec(q).one(),
                "overdue": s.exec(q.where(Task.status.in_(("待办", "进行中", "延期")),
                                          Task.deadline < TODAY)).one(),
                "closed": s.exec(q.where(Task.status == "已销号")).one()}


def context(settings, scope: Scope):
    with session_scope(settings.database_url) as s:
        return build_context(s, today=TODAY, scope=scope, generated=GENERATED)


def docx_text(path) -> tuple[str, list[list[str]]]:
    import docx

    d = docx.Document(str(path))
    return "\n".join(p.text for p in d.paragraphs), [[c.text for c in row.cells] for t in d.tables
                                                      for row in t.rows]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


SCOPES = [(Scope(), None, None), (Scope(unit=UNIT_A), UNIT_A, None), (Scope(round=ROUND_1), None, ROUND_1)]


@pytest.mark.parametrize("scope,unit,round_text", SCOPES, ids=["all", "unit", "round"])
def test_html_word_excel_numbers_equal_the_database(settings, tmp_path, scope, unit, round_text):
    from reports.ledger_xlsx import COLUMNS, write_ledger
    from reports.render import render_html
    from reports.word import render_docx

    fill(settings)
    want = expected(settings, unit, round_text)
    ctx = context(settings, scope)
    assert (ctx.figures.n_findings, ctx.figures.n_overdue) == (want["findings"], want["overdue"])

    html = render_html(ctx, tmp_path / "r.html").read_text(encoding="utf-8")
    cards = dict(re.findall(r'<div class="card[^"]*">(\S+?)<b>(\d+)</b>', html))
    assert int(cards["发现问题"]) == want["findings"] and int(cards["逾期未办结"]) == want["overdue"]
    assert int(cards["已销号"]) == want["closed"]
    appendix = html.split('class="appendix"')[1]
    assert appendix.count("<tr data-n=") == want["findings"]

    text, rows = docx_text(render_docx(ctx, tmp_path / "r.docx"))
    assert f"发现问题{want['findings']}条" in text and f"逾期未办结{want['overdue']}项" in text
    assert sum(1 for r in rows if r[0].isdigit() and len(r) == 7 and r[4] in ("班子调整", "提醒谈话", "整改任务",
                                                               "移交纪检监察机关")) == want["findings"]

    ws = openpyxl.load_workbook(write_ledger(ctx, tmp_path / "l.xlsx"))["整改台账"]
    values = list(ws.iter_rows(min_row=2, values_only=True))
    late = COLUMNS.index("是否逾期")
    assert len(values) == want["findings"] and sum(1 for v in values if v[late] == "是") == want["overdue"]


def test_scope_and_withdrawn_tasks(any_settings):
    settings = any_settings  # SQLite and PostgreSQL
    fill(settings)
    everything = context(settings, Scope()).figures
    assert everything.n_withdrawn == 1 and everything.n_findings == 6  # 7 findings, 1 withdrawn
    assert "公务接待超出标准" not in {r.finding.quote[:8] for r in everything.rows}
    assert [m.label for m in everything.mismatches] == ["问题总数"]  # doc B states 5, the ledger has 3
    unit_b = context(settings, Scope(unit=UNIT_B)).figures
    assert {r.finding.unit for r in unit_b.rows} == {UNIT_B} and unit_b.n_documents == 1
    march = context(settings, Scope(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))).figures
    assert {r.document.unit for r in march.rows} == {UNIT_A} and march.n_closed == 0
    july = context(settings, Scope(date_from=date(2026, 5, 1), date_to=date(2026, 7, 31))).figures
    assert july.n_closed == 1 and july.closed[0].finding.quote == DOC_B[0][0]
    assert everything.progress[-1] == ("2026-07", 1, 6)
    talks = everything.reminder_talks
    assert [r.finding.person for r in talks] == ["王某某"]  # masked names stay masked


def test_hostile_text_escaped_in_html_and_literal_in_word(settings, tmp_path):
    from reports.render import render_html
    from reports.word import render_docx

    fill(settings)
    ctx = context(settings, Scope())
    html = render_html(ctx, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "&amp;amp;" in html
    text, rows = docx_text(render_docx(ctx, tmp_path / "r.docx"))
    cells = "\n".join("\t".join(r) for r in rows)
    assert HOSTILE in cells and "49" not in cells
    assert "{{" not in text and "{%" not in text


def test_two_renders_are_identical(settings, tmp_path):
    from reports.render import render_html
    from reports.word import render_docx

    fill(settings)
    one, two = context(settings, Scope()), context(settings, Scope())
    html = [render_html(c, tmp_path / f"{n}.html").read_bytes() for n, c in ((1, one), (2, two))]
    assert html[0] == html[1]
    words = [docx_text(render_docx(c, tmp_path / f"{n}.docx")) for n, c in ((1, one), (2, two))]
    assert words[0] == words[1]


def test_empty_sections_have_no_table_header(settings, tmp_path):
    from reports.render import render_html
    from reports.word import render_docx

    fill(settings)
    with session_scope(settings.database_url) as s:
        ctx = build_context(s, today=date(2026, 3, 3), scope=Scope(unit=UNIT_A), generated=GENERATED)
    assert ctx.figures.n_overdue == 0
    text, rows = docx_text(render_docx(ctx, tmp_path / "r.docx"))
    assert "无逾期事项。" in text and not any("逾期天数" in r for r in rows)
    html = render_html(ctx, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "无逾期事项。" in html and "逾期天数" not in html


def test_word_template_is_a_gongwen(tmp_path):
    """A4 portrait, fonts named on styles (仿宋 body, 黑体 headings, digits too), page number field,
    repeated table headers and fixed column widths."""
    import docx
    from docx.oxml.ns import qn

    from reports.word_template import TEMPLATE

    d = docx.Document(str(TEMPLATE))
    sec = d.sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (21.0, 29.7)

    def fonts(style):
        rf = style.element.rPr.find(qn("w:rFonts"))
        return {rf.get(qn(a)) for a in ("w:ascii", "w:hAnsi", "w:eastAsia")}

    assert fonts(d.styles["Normal"]) == {"仿宋"} and fonts(d.styles["Heading 1"]) == {"黑体"}
    assert "PAGE" in sec.footer._element.xml
    assert all(t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for t in d.tables)
    widths = [[c.width for c in t.rows[0].cells] for t in d.tables]
    assert all(len(set(w)) > 1 for w in widths)  # not equal-width columns


def test_chart_labels_use_a_cjk_font():
    from matplotlib.ft2font import FT2Font

    from reports.charts import bar_figure, cjk_font, to_png

    fig = bar_figure([("提醒谈话", 3), ("班子调整", 1), ("整改任务", 12)], "问题分流情况")
    texts = [t for t in fig.findobj(lambda o: hasattr(o, "get_text") and hasattr(o, "get_fontproperties"))
             if t.get_text() and t.get_visible()]
    chinese = [t for t in texts if re.search(r"[\u4e00-\u9fff]", t.get_text())]
    assert sorted(t.get_text() for t in chinese) == sorted(["提醒谈话", "班子调整", "整改任务", "问题分流情况"])
    font = FT2Font(cjk_font())
    for t in chinese:
        assert t.get_fontproperties().get_file() == cjk_font()
        assert all(font.get_char_index(ord(ch)) for ch in t.get_text())  # a glyph, not a box
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = to_png(fig)
    (ARTIFACTS / "chart-routes.png").write_bytes(png)
    assert png.startswith(b"\x89PNG")


def test_missing_cjk_font_fails_loudly(monkeypatch):
    from matplotlib import font_manager

    from reports import charts

    charts.cjk_font.cache_clear()
    monkeypatch.setattr(charts.shutil, "which", lambda name: None)
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    try:
        with pytest.raises(charts.FontMissing, match="fonts-noto-cjk"):
            charts.bar_chart([("提醒谈话", 1)], "问题分流情况")
    finally:
        charts.cjk_font.cache_clear()


def test_pdf_without_libreoffice_says_so(tmp_path, monkeypatch):
    from reports import pdf

    monkeypatch.setattr(pdf, "soffice", lambda: None)
    with pytest.raises(pdf.PdfUnavailable, match="LibreOffice"):
        pdf.docx_to_pdf(tmp_path / "r.docx", tmp_path / "r.pdf")


def test_pdf_numbers_text_fonts_and_first_page(settings, tmp_path):
    import pypdfium2 as pdfium

    from reports import pdf
    from reports.word import render_docx

    if pdf.soffice() is None:
        pytest.skip("LibreOffice not installed (scripts/sysdeps.sh installs it)")
    fill(settings)
    want = expected(settings, UNIT_A)
    texts = []
    for n in (1, 2):
        out = pdf.docx_to_pdf(render_docx(context(settings, Scope(unit=UNIT_A)), tmp_path / f"{n}.docx"),
                              tmp_path / f"{n}.pdf")
        doc = pdfium.PdfDocument(str(out))
        texts.append("\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))))
        if n == 1:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            doc[0].render(scale=1.5).to_pil().save(ARTIFACTS / "report-page1.png")
            size = doc[0].get_size()
            assert (round(size[0]), round(size[1])) == (595, 842)  # A4 in points
        doc.close()
    assert texts[0] == texts[1]
    body = flat(texts[0])
    assert f"发现问题{want['findings']}条" in body and f"逾期未办结{want['overdue']}项" in body
    assert "王某某" in body and "<script>alert('x')</script>" in body
    raw = (tmp_path / "1.pdf").read_bytes()
    fonts = set(re.findall(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([A-Za-z0-9-]+)", raw))
    assert any(b"NotoSerifCJK" in f for f in fonts), fonts  # 仿宋 mapped to a CJK serif
    assert not any(b"Times" in f or b"LiberationSerif" in f for f in fonts), fonts  # no Latin serif digits


def test_html_report_prints_on_a4_with_repeated_headers(settings, tmp_path):
    """Printed by headless Chromium as a reader would: A4 pages, and every page of the long
    appendix starts its table with the header row again."""
    import shutil
    import subprocess

    import pypdfium2 as pdfium

    from reports.render import render_html

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no headless Chromium here (the web page's tests install one)")
    many = [(f"第{i}项问题：制度执行不到位，台账记录不全，群众反映较多的事项需要逐一整改。", "unit", "finance",
             "minor", "", "") for i in range(60)]
    with session_scope(settings.database_url) as s:
        doc = Document(sha256="c" * 64, name="c.docx", title="关于某单位的反馈意见", unit=UNIT_A)
        save_and_route(s, doc, Extraction(_drafts(many), {}, "v1"), today=date(2026, 3, 2))
    html = render_html(context(settings, Scope()), tmp_path / "r.html")
    pdf = tmp_path / "printed.pdf"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--user-data-dir={tmp_path / 'b'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", html.as_uri()],
                   capture_output=True, timeout=600, check=True)
    doc = pdfium.PdfDocument(str(pdf))
    pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    sizes = {tuple(round(v) for v in doc[i].get_size()) for i in range(len(doc))}
    doc.close()
    assert sizes == {(595, 842)}  # A4, not Letter
    first = next(i for i, t in enumerate(pages) if "附件：问题清单" in t)
    assert len(pages) - first >= 2  # the appendix runs over several pages
    assert all("问题（原文）" in t for t in pages[first:])  # its header repeated on each


def test_digest_covers_what_happened_since_the_last_one(settings):
    from reports.digest import build_digest, digest_html, digest_markdown, record_digest

    fill(settings)
    with session_scope(settings.database_url) as s:
        first = build_digest(s, TODAY)
        record_digest(s, first)
    assert first.since is None and len(first.fell_due) == expected(settings)["overdue"]
    assert dict(first.change_counts)["审批销号"] == 1
    md = digest_markdown(first)
    assert "&lt;script&gt;" in md and "<script>" not in md  # markdown shown in the Prefect UI
    assert "<script>alert" not in digest_html(first)

    with session_scope(settings.database_url) as s:
        task = s.exec(select(Task).join(Finding, Finding.id == Task.finding_id)
                      .where(Finding.quote == DOC_B[1][0])).one()
        ledger.start(s, task, "张某")
    with session_scope(settings.database_url) as s:  # a month later: one more deadline has passed
        second = build_digest(s, date(2026, 10, 1))
    assert second.since is not None and second.change_counts == [("开始整改", 1)]
    assert [r.finding.quote for r in second.fell_due] == [DOC_B[1][0]]  # due 2026-09-29


def test_a_rectification_reports_contradicted_figures_reach_the_supervisors_report(settings):
    """The report's 数据核对 uses the ledger check (models.figures), not the report's own items."""
    from extractors.pipeline import analyse
    from models.intake import ingest_file

    data = ROOT / "tests" / "data" / "followup"
    for name in ("round1_feedback.txt", "overstated_report.txt"):
        assert ingest_file(data / name, settings, analyse).status == "ingested"
    mismatches = context(settings, Scope()).figures.mismatches
    assert [(m.label, m.stated, m.in_ledger) for m in mismatches] == [("已完成整改", 4, 1)]
