"""Line joining, running headers, garbled-text detection and OCR clean-up."""
from __future__ import annotations

from extractors.text import (Line, fix_ocr, fold_tables, garbled, is_page_number, join_lines,
                             looks_like_page_number, pair_quotes, remove_running, tidy)

EM = 16.0
LEFT, RIGHT = 80.0, 512.0


def body(text: str, page: int, row: int, *, first: bool = False, end: float = RIGHT) -> Line:
    y = 80 + row * 28
    return Line(text, page, LEFT + (2 * EM if first else 0), end, y, y + EM)


def test_tidy_drops_spaces_around_chinese_only():
    assert tidy("巡 察 组 于 2024 年 3 月") == "巡察组于2024年3月"
    assert tidy("Word 文档 and PDF files") == "Word文档and PDF files"


def test_join_lines_wrapped_paragraphs_and_pages():
    lines = [
        body("一、巡察发现的主要问题", 1, 0, first=True, end=300),
        body("1.财务制度执行不严，存在白条入账、报销凭证不全等问题，部分支出", 1, 1, first=True),
        body("无审批手续即予报销。", 1, 2, end=240),
        body("2.办公室主任郑某某工作推诿扯皮、慢作为，群众反映较多，满意度不高", 1, 3, first=True),
        body("，需要加强管理。", 2, 0, end=220),  # the paragraph runs on to the next page
        body("3.独立成段。", 2, 1, first=True, end=200),
        body("4.又一段。", 2, 2, first=True, end=180),
    ]
    assert [(p.text, p.page) for p in join_lines(lines)] == [
        ("一、巡察发现的主要问题", 1),
        ("1.财务制度执行不严，存在白条入账、报销凭证不全等问题，部分支出无审批手续即予报销。", 1),
        ("2.办公室主任郑某某工作推诿扯皮、慢作为，群众反映较多，满意度不高，需要加强管理。", 1),
        ("3.独立成段。", 2),
        ("4.又一段。", 2),
    ]


def test_line_ending_a_sentence_near_the_edge_still_continues():
    lines = [body("第一行正好在句号处结束。", 1, 0, first=True), body("第二行接着写。", 1, 1, end=200)]
    assert [p.text for p in join_lines(lines)] == ["第一行正好在句号处结束。第二行接着写。"]


def test_centred_title_wraps_and_signature_stays_apart():
    title1 = Line("关于某市某局领导班子及其成员有关情况的巡察报告关于某市某局领导", 1, 90, 502, 60, 82)
    title2 = Line("班子的报告", 1, 256, 336, 90, 112)
    text = [body("正文第一段内容。" * 3, 1, 3, first=True, end=400)]
    sign = Line("中共某市委第二巡察组", 1, 352, 490, 400, 416)
    date = Line("2024年5月20日", 1, 372, 490, 428, 444)
    out = [p.text for p in join_lines([title1, title2, *text, sign, date])]
    assert out[0].endswith("班子的报告") and out[-2:] == ["中共某市委第二巡察组", "2024年5月20日"]


def test_ruled_table_folded_into_rows():
    lines = [
        Line("序号", 1, 90, 110, 100, 112), Line("问题描述", 1, 130, 190, 100, 112),
        Line("1", 1, 95, 100, 120, 132), Line("领导班子配备不齐，副主任", 1, 130, 300, 120, 132),
        Line("空缺近两年", 1, 130, 200, 134, 146),
    ]
    rules = [(85, 95, 305, 96), (85, 115, 305, 116), (85, 150, 305, 151),  # horizontal
             (85, 95, 86, 151), (120, 95, 121, 151), (304, 95, 305, 151)]  # vertical
    folded = fold_tables(lines, rules)
    assert len(folded) == 1 and folded[0].cells == [["序号", "问题描述"], ["1", "领导班子配备不齐，副主任空缺近两年"]]
    paras = join_lines([body("表前正文。", 1, 0, end=200)] + folded)
    assert paras[1].cells is not None


def test_running_headers_and_page_numbers_removed():
    lines = []
    for p in range(1, 5):
        lines.append(Line("某市某局文件", p, 250, 340, 30, 42))
        lines.append(body(f"第{p}页正文内容。", p, 1))
        lines.append(Line(f"— {p} —", p, 280, 310, 800, 812))
    kept, removed = remove_running(lines, {p: 842.0 for p in range(1, 5)})
    assert [ln.text for ln in kept] == [f"第{p}页正文内容。" for p in range(1, 5)]
    assert removed[0] == "某市某局文件" and "— 1 —" in removed


def test_dashed_page_number_set_higher_than_the_bottom_band_is_removed():
    """公文 put "— 1 —" a line under the text block, about 12 % above the page's foot (an OFD seen)."""
    page = 842.0
    lines = [body("正文最后一行。", 1, 0), Line("—1—", 1, 280, 300, 0.89 * page, 0.9 * page),
             Line("2025", 1, 280, 300, 0.89 * page, 0.9 * page)]  # a bare number that high is kept
    kept, removed = remove_running(lines, {1: page})
    assert [ln.text for ln in kept] == ["正文最后一行。", "2025"] and removed == ["—1—"]


def test_page_number_shapes():
    for t in ["— 3 —", "- 12 -", "第3页", "第 3 页 共 10 页", "3/10", "7", "Page 2 of 9"]:
        assert is_page_number(t), t
    for t in ["一、总体情况", "2024年", "（一）"]:
        assert not is_page_number(t) and not looks_like_page_number(t), t
    for t in ["一洒--", "_汗-", ".党--"]:  # Tesseract's readings of '— 3 —'
        assert looks_like_page_number(t), t


def test_garbled_text_detected():
    assert garbled("(cid:123)(cid:456)(cid:789) (cid:12)(cid:13)")
    assert garbled("\x01 \x01\x01 \x04\x05\x06\x07\x08\t\r\n\x0b\x0c \x01\x01")
    assert garbled("\ue000\ue001\ue002\ue003\ue004\ue005")
    assert garbled('?@AB 5C(\x08)*\x10 "FGHIJ K34LMN-O P\x10QR=S/TUVWXYZ[\\]K ^_`abcd\\]eP f\x10')
    assert garbled("XYxyz{|} ;<=>?@[]^_ !#$%&'()*+,-./:")
    assert garbled("根据市委统一部署，市委第二巡察组对某局党组开展了常规巡察。") is None
    assert garbled("The committee inspected the bureau and reported its findings in May.") is None
    assert garbled("第3页") is None  # too short to judge


def test_fix_ocr_punctuation():
    assert fix_ocr("(一) 落实 党中央 决策 部署 方面") == "（一）落实党中央决策部署方面"
    assert fix_ocr("XX 镇 党委 :") == "XX镇党委："
    assert fix_ocr("主要 有 以下 几 个 方 面 o") == "主要有以下几个方面。"
    assert fix_ocr("召开 村 〈社区) 干部 座谈会") == "召开村（社区）干部座谈会"
    assert fix_ocr("1 .贯彻 落实") == "1.贯彻落实"
    assert pair_quotes('对照"四个落实"要求，落实"两个责任"') == "对照“四个落实”要求，落实“两个责任”"
    assert pair_quotes('对照“四个落实"要求') == "对照“四个落实”要求"


def test_page_that_is_only_a_table():
    rules = [(85, 95, 305, 96), (85, 150, 305, 151), (85, 95, 86, 151), (304, 95, 305, 151)]
    folded = fold_tables([Line("只有表格", 1, 100, 160, 110, 122)], rules)
    paras = join_lines(folded)
    assert len(paras) == 1 and paras[0].cells == [["只有表格"]]
