"""Build the Word template (templates/followup.docx) that reports/word.py fills with Jinja2.

The layout follows the manner of a 公文 (GB/T 9704): A4, title, 主送, sections numbered 一、（一）1.,
body in 仿宋 and headings in 黑体/楷体 (digits in the same fonts, not a Latin serif), page numbers
"— 1 —" in the footer. Fonts are set on named styles (正文/Normal, 标题 1, 标题 2, 表格文字, 表头),
so an administrator restyles the whole report by changing a style in Word. The Jinja2 tags
(docxtpl: {{ }}, {%p %} paragraphs, {%tr %} table rows, {{r }} coloured text) must be kept.
Run: python -m reports.word_template
"""
from __future__ import annotations

from pathlib import Path

TEMPLATE = Path(__file__).parent / "templates" / "followup.docx"

BODY_FONT = "仿宋"  # 仿宋-style serif CJK
HEADING_FONT = "黑体"  # 黑体-style sans CJK
SUBHEADING_FONT = "楷体"
TITLE_FONT = "方正小标宋简体"
PAGE_NUMBER_FONT = "宋体"
RED = "C00000"


def _set_fonts(rpr_owner, font: str) -> None:
    """One font for Latin, digits and CJK alike (w:rFonts ascii/hAnsi/eastAsia/cs)."""
    from docx.oxml.ns import qn

    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)  # a theme font would win over the named one
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def _style(doc, name: str, font: str, size: float, *, base=None, bold=False, indent=True,
           center=False, left=False, keep=False, line=28.0, before=0.0, after=0.0):
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    styles = doc.styles
    try:
        st = styles[name]
    except KeyError:
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base is not None:
        st.base_style = base
    st.font.size = Pt(size)
    st.font.bold = bold
    st.font.color.rgb = None
    _set_fonts(st.element, font)
    ppr = st.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):  # the stock Title style is underlined by a border
        ppr.remove(border)
    pf = st.paragraph_format
    pf.alignment = (WD_ALIGN_PARAGRAPH.CENTER if center else
                    WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.JUSTIFY)
    pf.first_line_indent = Pt(size * 2) if indent else Pt(0)
    if line:  # exact spacing, as 公文 use; None (pictures) must not clip an inline image
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.keep_with_next = keep
    return st


def _row_flags(row, header: bool) -> None:
    """Rows never split across pages; the header row repeats on every page."""
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:cantSplit"), {}))
    if header:
        trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))


def _page_number(section) -> None:
    """Footer "— N —" centred, the PAGE field between the dashes."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("— ")
    fld = p._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): "PAGE"})
    r = fld.makeelement(qn("w:r"), {})
    t = r.makeelement(qn("w:t"), {})
    t.text = "1"
    r.append(t)
    fld.append(r)
    p._p.append(fld)
    p.add_run(" —")
    for run in p.runs:
        run.font.size = Pt(14)
        _set_fonts(run._element, PAGE_NUMBER_FONT)


def build(out: Path = TEMPLATE) -> Path:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    d = docx.Document()
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    sec.footer_distance = Cm(2.0)
    _page_number(sec)

    normal = _style(d, "Normal", BODY_FONT, 16)
    lang = normal.element.get_or_add_rPr()  # Chinese text: Simplified Chinese glyph forms
    lang.append(lang.makeelement(qn("w:lang"), {qn("w:val"): "zh-CN", qn("w:eastAsia"): "zh-CN"}))
    _style(d, "Title", TITLE_FONT, 22, base=normal, indent=False, center=True, line=36, after=16)
    _style(d, "Heading 1", HEADING_FONT, 16, base=normal, keep=True)
    _style(d, "Heading 2", SUBHEADING_FONT, 16, base=normal, keep=True)
    _style(d, "主送", BODY_FONT, 16, base=normal, indent=False)
    _style(d, "图片", BODY_FONT, 10.5, base=normal, indent=False, center=True, line=None)
    _style(d, "表格文字", BODY_FONT, 10.5, base=normal, indent=False, left=True, line=15)
    _style(d, "表头", HEADING_FONT, 10.5, base=normal, indent=False, center=True, line=15, keep=True)
    _style(d, "附件标题", TITLE_FONT, 18, base=normal, indent=False, center=True, line=30, after=12)

    def para(text: str, style: str = "Normal"):
        return d.add_paragraph(text, style=style)

    def table(headers: list[str], widths_cm: list[float], loop: str, cells: list[str],
              empty: str) -> None:
        """A table shown only when `loop` has rows; otherwise one sentence and no header."""
        para("{%p if " + loop + " %}")
        t = d.add_table(rows=4, cols=len(headers))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        for i, w in enumerate(widths_cm):
            t.columns[i].width = Cm(w)
            for row in t.rows:
                row.cells[i].width = Cm(w)
        for i, h in enumerate(headers):
            t.cell(0, i).paragraphs[0].text = h
            t.cell(0, i).paragraphs[0].style = d.styles["表头"]
        _row_flags(t.rows[0], header=True)
        t.cell(1, 0).paragraphs[0].text = "{%tr for r in " + loop + " %}"
        for i, c in enumerate(cells):
            t.cell(2, i).paragraphs[0].text = c
            t.cell(2, i).paragraphs[0].style = d.styles["表格文字"]
        _row_flags(t.rows[2], header=False)
        t.cell(3, 0).paragraphs[0].text = "{%tr endfor %}"
        para("{%p else %}")
        para(empty)
        para("{%p endif %}")

    para("{{ title }}", "Title")
    para("{{ recipient }}：", "主送")
    para("根据整改台账，现将巡察发现问题整改情况报告如下。统计范围为{{ scope }}，统计截至{{ today_cn }}。")

    para("一、总体情况", "Heading 1")
    para("共收到报告文件{{ n_documents }}个，发现问题{{ n_findings }}条，形成整改任务{{ n_tasks }}项。"
         "其中已销号{{ n_closed_total }}项，未完成{{ n_open }}项，逾期未办结{{ n_overdue }}项。"
         "{% if has_period %}本期销号{{ n_closed }}项。{% endif %}{% if n_withdrawn %}另有已撤销任务{{ n_withdrawn }}项，不计入以上数字。{% endif %}")
    para("（一）问题分布", "Heading 2")
    para("1.分流情况。{{ route_summary }}。")
    para("{%p if chart_route %}")
    para("{{ chart_route }}", "图片")
    para("{%p endif %}")
    para("2.类别分布。{{ category_summary }}。")
    para("{%p if chart_category %}")
    para("{{ chart_category }}", "图片")
    para("{%p endif %}")
    para("（二）整改销号进度", "Heading 2")
    para("{{ progress_summary }}")
    para("{%p if chart_progress %}")
    para("{{ chart_progress }}", "图片")
    para("{%p endif %}")

    para("二、需重点推进的事项", "Heading 1")
    para("（一）应开展的提醒谈话", "Heading 2")
    table(["序号", "谈话对象", "事由及依据", "完成期限", "状态"], [1.3, 3.0, 6.9, 2.3, 2.1],
          "talks", ["{{ loop.index }}", "{{ r.who }}", "{{ r.quote }}（{{ r.source }}）",
                    "{{ r.deadline }}", "{{r r.status }}"], "无待开展的提醒谈话。")
    para("（二）班子调整事项", "Heading 2")
    table(["序号", "单位", "问题及依据", "完成期限", "状态"], [1.3, 3.0, 6.9, 2.3, 2.1],
          "adjustments", ["{{ loop.index }}", "{{ r.unit }}", "{{ r.quote }}（{{ r.source }}）",
                          "{{ r.deadline }}", "{{r r.status }}"], "无班子调整事项。")
    para("（三）逾期未办结事项", "Heading 2")
    table(["序号", "单位", "问题", "责任人/单位", "完成期限", "逾期天数"], [1.3, 2.5, 5.2, 2.4, 2.3, 1.9],
          "overdue", ["{{ loop.index }}", "{{r r.unit_red }}", "{{r r.quote_red }}", "{{r r.owner_red }}",
                      "{{r r.deadline_red }}", "{{r r.late_red }}"], "无逾期事项。")

    para("三、{{ closed_heading }}", "Heading 1")
    table(["序号", "单位", "问题", "整改措施及成效", "销号日期"], [1.3, 2.5, 4.8, 4.7, 2.3],
          "closed", ["{{ loop.index }}", "{{ r.unit }}", "{{ r.quote }}", "{{ r.measure }}",
                     "{{ r.closed_on }}"], "{{ no_closed }}")

    para("四、报告数据核对", "Heading 1")
    para("{%p if mismatches %}")
    para("下列报告载明的数字与台账不一致，请核实：")
    para("{%p for m in mismatches %}")
    para("{{ loop.index }}.{{ m.document }}载明{{ m.label }}{{ m.stated }}，台账中为{{ m.in_ledger }}。")
    para("{%p endfor %}")
    para("{%p else %}")
    para("各报告载明的问题总数与台账一致。")
    para("{%p endif %}")

    para("附件：问题清单")
    para("{{ generated_line }}")
    appendix = para("附件", "Heading 1")
    appendix.paragraph_format.first_line_indent = Pt(0)
    appendix.paragraph_format.page_break_before = True
    para("问题清单", "附件标题")
    para("{%p if groups %}")
    para("{%p for g in groups %}")
    para("{{ g.heading }}", "Heading 2")
    table(["序号", "页码", "问题（原文）", "类别/主体", "分流", "完成期限", "状态"],
          [1.3, 1.2, 4.6, 2.3, 1.9, 2.3, 2.0],
          "g.rows", ["{{ r.n }}", "{{ r.page }}", "{{ r.quote }}{{ r.person_line }}",
                     "{{r r.category_subject }}", "{{ r.route }}", "{{ r.deadline }}",
                     "{{r r.status }}"], "无问题。")
    para("{%p endfor %}")
    para("{%p else %}")
    para("无问题。")
    para("{%p endif %}")
    out.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(out))
    return out


if __name__ == "__main__":
    print(build())
