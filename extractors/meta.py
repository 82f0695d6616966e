"""What a document is: title, issuing body, inspected unit, date and kind.

Heuristics over the first blocks (title, addressee, web "来源" line) and the
signature at the end. Kinds: feedback (巡视/巡察反馈意见, 巡察报告, 反馈问题公示),
rectification (整改情况通报), speech (讲话), news (web news of a feedback meeting or
of talks), other.
"""
from __future__ import annotations

import re

from extractors.document import BlockKind, Document, DocumentMeta

_ORG_END = (r"(?:巡[视察视視][组組]|委[员員]会|委員會|[党黨][组組]|[党黨]委|[党黨]工委|[党黨]支部|[总總]支|[组組]织部|組織部"
            r"|纪委监委|紀委監委|纪委|紀委|监委|監委|巡察办|巡察辦|巡视办|領導小組|领导小组|办公室|辦公室|政府|局|中心"
            r"|公司|学院|學院|大学|大學|医院|醫院)")
_ABOUT = r"(?:关于|關於)"
_TITLE_WORDS = re.compile(r"关于|關於|意见|意見|报告|報告|通报|通報|讲话|講話|公示|情况|情況|反馈|反饋|整改|谈话|談話"
                          r"|巡察|巡视|巡視|清单|決定|决定|通知")
_DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_WEB_LINE = re.compile(r"(?:发布时间|发布日期|来源|时间)[:：]")


def describe(doc: Document) -> DocumentMeta:
    paras = [b.text.strip() for b in doc.blocks if b.kind != BlockKind.TABLE_ROW and b.text.strip()]
    if not paras:
        return DocumentMeta()
    head = paras[:6]
    title_i = _title_index(head)
    title = head[title_i] if title_i is not None else head[0][:80]
    before = head[:title_i] if title_i else []
    meta = DocumentMeta(title=title)
    meta.issuer = _issuer(title, before, paras)
    meta.unit = _unit(title, head, meta.issuer)
    meta.date = _date(paras)
    meta.kind = _kind(title, head, paras)
    if meta.kind == "rectification" and not meta.unit:
        meta.unit = meta.issuer  # a rectification report comes from the inspected unit itself
    return meta


def _title_index(head: list[str]) -> int | None:
    for i, t in enumerate(head[:4]):
        if len(t) <= 90 and "。" not in t and not _WEB_LINE.match(t) and _TITLE_WORDS.search(t) \
                and not t.endswith(("：", ":")) and not _is_org(t):
            return i
    return None


def _is_org(text: str) -> bool:
    return len(text) <= 30 and bool(re.fullmatch(rf"[^，。；：:]*{_ORG_END}", text))


def _issuer(title: str, before: list[str], paras: list[str]) -> str:
    for t in before:
        if _is_org(t):
            return t
    m = re.match(rf"^(.{{2,40}}?{_ORG_END})(?:{_ABOUT}|向|对|對|在)", title)
    if m:
        return m.group(1)
    for t in paras[-4:]:  # signature above the closing date
        if _is_org(t) and not _DATE_CN.search(t):
            return t
    for t in paras[1:4]:
        m = re.search(r"(?:来源|來源)[:：]\s*(\S+)", t)
        if m:
            return re.sub(r"[（(][^）)]*$", "", m.group(1))
    return ""


def _unit(title: str, head: list[str], issuer: str) -> str:
    pats = [
        rf"{_ABOUT}[对對](.+?{_ORG_END})(?=开展|開展|进行|進行|巡察|巡视|巡視|选人|選人|专项|專項|的|$)",
        rf"向(.+?{_ORG_END})(?:反馈|反饋|通报|通報)",
        rf"{_ABOUT}(.+?{_ORG_END})(?:领导班子|領導班子|巡察|巡视|巡視|有关|有關)",
        rf"[对對](.+?{_ORG_END})(?=开展|開展|进行|進行)",
    ]
    for p in pats:
        m = re.search(p, title)
        if m and 2 <= len(m.group(1)) <= 40 and not re.match(r"[县市区省縣區]委(?:第|巡)", m.group(1)):
            return m.group(1)
    for t in head[1:5]:  # the addressee line "某市某局党组："
        if t.endswith(("：", ":")) and len(t) <= 40 and not re.search(r"同志们|领导小组|各位", t):
            return t.rstrip("：:")
    m = re.match(rf"^(.{{2,40}}?{_ORG_END}){_ABOUT}", title)
    if m and "整改" in title:
        return m.group(1)
    return ""


def _date(paras: list[str]) -> str:
    cands = [t for t in paras[:4] + paras[-4:] if len(t) <= 30]
    for t in reversed(cands):  # a date line of its own: the signature date, or under the title
        m = _DATE_CN.fullmatch(t.strip("（）() ")) or _DATE_ISO.fullmatch(t.strip("（）() "))
        if m:
            return _iso(m)
    for t in paras[:4]:
        if _WEB_LINE.search(t):
            m = _DATE_ISO.search(t) or _DATE_CN.search(t)
            if m:
                return _iso(m)
        m = re.match(r"^(\d{4}-\d{1,2}-\d{1,2})\s", t)
        if m:
            return _iso(_DATE_ISO.match(m.group(1)))
    return ""


def _iso(m: re.Match) -> str:
    y, mo, d = (int(x) for x in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return ""
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _kind(title: str, head: list[str], paras: list[str]) -> str:
    t = title
    if re.search(r"讲话|講話|发言|發言|致辞|致辭", t) or any(p.startswith(("同志们", "同志們")) for p in head):
        return "speech"
    if "整改" in t and not re.search(r"反[馈饋]意[见見]$", t):
        return "rectification"  # 整改情况的通报/报告, 整改进展, 整改方案, 整改清单…
    if re.search(r"(?:巡察|巡视|巡視)[组組].{0,6}向.+(?:反馈|反饋)", t) or \
            re.search(r"谈话|談話|约谈|見面會|见面会|动员会$|会召开|會召開|召开$", t):
        return "news"
    if re.search(r"反[馈饋](?:意[见見]|(?:主要)?[问問]题)|(?:巡察|巡视|巡視)(?:情[况況]的)?[报報]告|有[关關]情[况況]的[报報]告", t):
        return "feedback"
    if any(_WEB_LINE.search(p) for p in head[1:3]):
        return "news"
    return "other"
