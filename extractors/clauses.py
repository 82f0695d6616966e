"""Block text -> clauses: the candidate spans that may each state one problem.

Real reports join problems with 。；; or 一是…二是…, put a lead-in before a colon, open
numbered items with a headline, and mix full-width and ASCII punctuation. Splitting works
on a normalised copy of the text (simplified characters, full-width punctuation) that has
exactly the same length as the original, so every span maps back to the original
characters and the quote stays as published.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_WIDE = {chr(0xFF10 + i): str(i) for i in range(10)}  # full-width digits, e.g. １２个
_PUNCT_MAP = str.maketrans({**_WIDE, ",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！", "?": "？",
                            '"': "“", "﹔": "；", "﹐": "，", "︰": "：", "﹕": "：", "｜": "｜", "|": "｜"})


@lru_cache(maxsize=1)
def _t2s() -> dict[int, str]:
    """Traditional -> simplified, one character to one character (lengths must not change)."""
    table: dict[int, str] = {}
    try:
        import opencc

        path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        for line in path.read_text(encoding="utf-8").splitlines():
            trad, _, simp = line.partition("\t")
            simp = simp.split(" ")[0]
            if len(trad) == 1 and len(simp) == 1 and trad != simp:
                table[ord(trad)] = simp
    except (ImportError, OSError):  # matching then works on simplified text only
        pass
    return table


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    """One translation table doing both steps: traditional -> simplified, then punctuation."""
    table = {k: v.translate(_PUNCT_MAP) for k, v in _t2s().items()}
    for k, v in _PUNCT_MAP.items():
        table.setdefault(k, v)
    return table


_CACHED_MAX = 2000  # longer texts (a whole document) are not kept: memory stays bounded


def normalise(text: str) -> str:
    """Same-length copy for matching: simplified characters and full-width punctuation
    (kept for recent short texts: every stage normalises the same block text again)."""
    if len(text) > _CACHED_MAX:
        return text.translate(_table())
    return _normalise_short(text)


def normalise_span(text: str, start: int, end: int) -> str:
    """normalise(text[start:end]): a slice of the whole text's normalised copy, which is kept
    (each character is normalised on its own, so both are the same)."""
    return _normalise_short(text)[start:end] if len(text) <= _CACHED_MAX else normalise(text[start:end])


@lru_cache(maxsize=8192)
def _normalise_short(text: str) -> str:
    return text.translate(_table())


SENT_END = "。！？"
_ENUM = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十]{1,3}[）)、．.]|[（(]\d{1,2}[）)]|\d{1,2}[、．.](?!\d)|\d{1,2}[）)]|[①-⑳]"
    r"|[一二三四五六七八九十]是|第[一二三四五六七八九十]{1,3}[，、]?|其[一二三四五六七八九十][，、]"
    r"|[▲△●■◆◇★☆•])\s*")  # bullets mark items too
_INNER_ENUM = re.compile(r"(?<=[，；：。])[一二三四五六七八九十]是")
# a run-on paragraph chains problems with ，同时， / ，此外， / ，另外，: each starts a new item
_TRANSITION = re.compile(r"(?<=，)(?:同时|此外|另外|与此同时|除此之外)(?=，)")
_LEAD_PART = re.compile(
    r"^(?:同时|此外|另外|其中|但|但是|而且|并且|另|还有|经查|经查实|具体(?:表现)?(?:为|是)|主要(?:表现)?(?:为|是|有)"
    r"|突出表现(?:为|在)|[^，。；]{0,14}(?:指出|通报|发现|反映)|(?:巡[察视]|检查|督查|调研|谈话)(?:中|期间)"
    r"|(?:在)?[^，。；]{0,8}(?:反馈会|见面会|通报会|座谈会|会议)上"
    r"|(?:在|从|关于|针对)[^，。；]{1,16}(?:方面|领域|环节)(?:看|来看)?)$")
_CONCRETE = re.compile(r"\d|[^\W\d_](?:某某|某)(?![市县区镇乡村局科站所院校中心公司单位部门企业])")  # figures, a masked name
_FAULT_CHARS = re.compile(r"[不未没无缺差弱偏违漏乱滞缓虚假难]|问题|存在")
_TURN = re.compile(r"\s*(?:但是|但|然而|不过|只是)(?![是])")
_LEAD_PREFIX = re.compile(r"^(?:同时|此外|另外|其中|但是|但|而且|并且)?(?:巡[察视]组?(?:中|期间)?(?:还|也)?发现|经查实?|调查发现|检查发现"
                          r"|(?:据|有)?(?:群众|干部|职工|居民|村民)(?:来信)?反映(?:称)?(?![的了]))[，：]?")


@dataclass
class Clause:
    """A candidate span. Offsets are into the block's text (add block.offset for doc.text)."""

    block_index: int
    start: int
    end: int
    text: str  # original characters
    norm: str  # normalised, same length
    sentence: str  # normalised sentence around it
    headline: bool = False  # the short headline phrase of a numbered item
    numbered: bool = False  # opens with its own enumeration marker (一是 / 第二， / 3.), not a label before a colon


def _spans(text: str, sep: str) -> list[tuple[int, int]]:
    """Non-empty spans of `text` between the separator character `sep`."""
    out, start = [], 0
    for piece in text.split(sep):
        end = start + len(piece)
        if end > start:
            out.append((start, end))
        start = end + 1
    return out


def _strip(norm: str, s: int, e: int) -> tuple[int, int]:
    """Trim white space, enumeration markers, brackets and punctuation at both ends."""
    while s < e and norm[s] in " \t\u3000，、；：”’）】":
        s += 1
    m = _ENUM.match(norm[s:e])
    if m and m.end() < e - s:
        s += m.end()
    while e > s and norm[e - 1] in " \t\u3000，、；：“‘（【":
        e -= 1
    return s, e


_SENT_MARK = re.compile(f"[{SENT_END}.]")


def _sentences(norm: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Sentence spans in norm[lo:hi], ending at 。！？ (and ASCII full stops between words)."""
    out, start = [], lo
    for m in _SENT_MARK.finditer(norm, lo, hi):
        i = m.start()
        if norm[i] == "." and not (i + 1 < hi and not norm[i + 1].isdigit() and i > lo and not norm[i - 1].isdigit()):
            continue
        out.append((start, i))
        start = i + 1
    out.append((start, hi))
    return [(s, e) for s, e in out if norm[s:e].strip()]


_RATIO = re.compile(r"\d：\d")  # 1:520 or 10:30 is a ratio or a time, not a colon before a list
_ITEM_MARK = re.compile(r"[；：]")


def _items(norm: str, s: int, e: int) -> list[tuple[int, int]]:
    """Split a sentence at ；, at a colon (lead-in : list) and before inner 一是/二是 markers."""
    cuts = [i for i in (m.start() for m in _ITEM_MARK.finditer(norm, s, e))
            if norm[i] == "；" or not _RATIO.match(norm, i - 1)]
    cuts += [m.start() - 1 for m in _INNER_ENUM.finditer(norm, s, e)]
    cuts += [m.start() - 1 for m in _TRANSITION.finditer(norm, s, e)]
    cuts = sorted(set(c for c in cuts if s <= c < e))
    out, start = [], s
    for c in cuts:
        if norm[c] in "；：":
            out.append((start, c))
            start = c + 1
        else:
            out.append((start, c + 1))
            start = c + 1
    out.append((start, e))
    return [(a, b) for a, b in out if b > a]


def trim_parts(norm: str, s: int, e: int, is_tail_noise) -> tuple[int, int]:
    """Drop comma parts that only lead in (同时，巡察发现，…) or trail off (…已按规定移交)."""
    parts = [(a + s, b + s) for a, b in _spans(norm[s:e], "，")]
    while len(parts) > 1 and _LEAD_PART.match(norm[parts[0][0]:parts[0][1]].strip()):
        parts.pop(0)
    for i in range(len(parts) - 1, 0, -1):  # 工作积极主动，但…: a short plain remark before the turn is praise
        if _TURN.match(norm, parts[i][0]):
            before = norm[parts[0][0]:parts[i - 1][1]]
            if len(before) <= 24 and not _FAULT_CHARS.search(before):
                parts = parts[i:]
            break
    for i in range(1, len(parts)):  # what follows a disposition remark belongs to it
        if is_tail_noise(norm[parts[i][0]:parts[i][1]]):
            parts = parts[:i]
            break
    if not parts:
        return s, s
    s, e = parts[0][0], parts[-1][1]
    s, e = _strip(norm, s, e)
    m = _LEAD_PREFIX.match(norm[s:e])
    if m and m.end() < e - s:
        s += m.end()
    m = _TURN.match(norm, s)
    if m and e - m.end() >= 4:
        s = m.end()
    return _strip(norm, s, e)


def numbered(text: str) -> bool:
    """Does the text open with an enumeration marker (1、 （二） ③ 三是 …)?"""
    return bool(_ENUM.match(normalise(text)))


def head_end(norm: str) -> int:
    """End of the head clause (up to the first comma): it names the actor and the problem."""
    i = norm.find("，")
    return len(norm) if i < 0 else i


def split_block(block_index: int, text: str, table_row: bool, is_tail_noise) -> list[Clause]:
    """All clauses of one block, in order."""
    norm = normalise(text)
    segments = _spans(norm, "｜") if table_row else [(0, len(norm))]
    out: list[Clause] = []
    for lo, hi in segments:
        sents = _sentences(norm, lo, hi)
        headline = _headline(norm, sents, lo)
        for si, (ss, se) in enumerate(sents):
            sentence = norm[ss:se]
            for a0, b0 in _items(norm, ss, se):
                a, b = trim_parts(norm, a0, b0, is_tail_noise)
                if b - a < 4:
                    continue
                lead = _leads_list(norm, a, b0, lo, hi)
                out.append(Clause(block_index, a, b, text[a:b], norm[a:b], sentence,
                                  headline=(headline and si == 0) or lead,
                                  numbered=bool(_ENUM.match(norm[a0:b0])) and not (b0 < hi and norm[b0] == "：")))
    return out


_LIST_START = re.compile(r"\s*(?:一是|[（(][一1][）)]|1[、．.）)](?!\d)|①"
                         r"|(?:主要|具体|突出)?表现(?:为|在)?[：]|主要(?:问题|情况)(?:是|有)?[：])")  # the first item only


def _leads_list(norm: str, a: int, b: int, lo: int, hi: int) -> bool:
    """A short phrase that opens an enumerated list right after it (…不够规范。一是…； …：一是…)
    is the list's title, not a problem of its own: the items that follow state the problems."""
    if b >= hi or norm[b] not in "。：；，！":
        return False
    body = norm[a:b].rstrip("。：；，！ ")
    if len(body) > 36 or "；" in body:
        return False
    if _LIST_START.match(norm, b + 1):
        return True
    # 3.台账管理有短板：… — the phrase between an item's number and its colon titles the item
    prefix = norm[lo:a]
    m = _ENUM.match(prefix)
    return norm[b] == "：" and "，" not in body and bool(m) and m.end() == len(prefix) and bool(prefix.strip())


def _headline(norm: str, sents: list[tuple[int, int]], lo: int) -> bool:
    """A numbered item whose first sentence is a short phrase followed by more sentences
    (not by the next numbered item: 1.甲不规范。2.乙不到位。 is two findings)."""
    if len(sents) < 2 or not _ENUM.match(norm[lo:sents[0][1]]) or _ENUM.match(norm[sents[1][0]:sents[1][1]]):
        return False
    s, e = sents[0]
    body = norm[s:e]
    m = _ENUM.match(body)
    body = body[m.end():] if m else body
    # a headline is an abstract phrase: one that names an official or gives figures is concrete
    return len(body) <= 32 and not any(ch in body for ch in "，；：") and not _CONCRETE.search(body)
