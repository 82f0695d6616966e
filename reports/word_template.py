"""Build the Word template (templates/followup.docx) that reports/word.py fills with Jinja2.

The template is committed so an administrator can restyle it in Word; Jinja2 tags in it
(docxtpl syntax: {{ }}, {%p %} for paragraphs, {%tr %} for table rows) must be kept.
Run: python -m reports.word_template
"""
from __future__ import annotations

from pathlib import Path

TEMPLATE = Path(__file__).parent / "templates" / "followup.docx"


def _font(run, east: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "Times New Roman"
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east)


def build(out: Path = TEMPLATE) -> Path:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    d = docx.Document()
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(2.0))

    def para(text: str, east="仿宋", size=14.0, bold=False, center=False):
        p = d.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(text), east, size, bold)
        return p

    para("巡察发现问题整改跟踪报告", "宋体", 22, True, True)
    para("生成时间：{{ generated }}　统计截止：{{ today }}", center=True, size=12)
    para("一、总体情况", "黑体", 16)
    para("共收到报告文件{{ n_documents }}个，识别问题{{ n_findings }}条，其中：{{ route_summary }}。"
         "逾期未办结{{ n_overdue }}项。")
    para("二、问题分流情况", "黑体", 16)
    para("{% if chart %}{{ chart }}{% endif %}", size=12)
    para("三、逾期未办结事项", "黑体", 16)
    para("{% if not overdue %}无逾期事项。{% endif %}")

    def table(headers: list[str], loop: str, cells: list[str]):
        t = d.add_table(rows=4, cols=len(headers))
        t.style = "Table Grid"
        for i, h in enumerate(headers):
            t.cell(0, i).text = ""
            _font(t.cell(0, i).paragraphs[0].add_run(h), "黑体", 11, True)
        t.cell(1, 0).text = "{%tr for r in " + loop + " %}"
        for i, c in enumerate(cells):
            _font(t.cell(2, i).paragraphs[0].add_run(c), "仿宋", 10.5)
        t.cell(3, 0).text = "{%tr endfor %}"

    table(["序号", "单位", "问题", "分流", "责任人/单位", "期限", "状态"], "overdue",
          ["{{ loop.index }}", "{{ r.unit }}", "{{ r.quote }}", "{{ r.route }}", "{{ r.owner }}",
           "{{ r.deadline }}", "{{ r.status }}"])
    para("四、问题清单", "黑体", 16)
    table(["序号", "来源文件", "页", "问题", "主体", "类别", "分流", "期限", "状态"], "rows",
          ["{{ loop.index }}", "{{ r.document }}", "{{ r.page }}", "{{ r.quote }}", "{{ r.subject }}",
           "{{ r.category }}", "{{ r.route }}", "{{ r.deadline }}", "{{ r.status }}"])
    out.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(out))
    return out


if __name__ == "__main__":
    print(build())
