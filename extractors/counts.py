"""Statistics a document states (反馈问题25个, 诫勉3人, 移交问题线索两件) -> FORMAT.md counts keys.

Only what the text says literally is reported; the first statement of each key in reading
order wins, since reports give the totals before breaking them down.
"""
from __future__ import annotations

from extractors.clauses import normalise
from extractors.document import Document
from extractors.rules import CountRule, RuleSet, first_match

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def parse_number(text: str) -> int | None:
    """Arabic or Chinese numerals: 25, 二十五, 十二, 一百零三, 两."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def first_count(rule: CountRule, norm: str) -> int | None:
    """Earliest match of any of the rule's patterns in normalised text."""
    best: tuple[int, int] | None = None
    for pat, needs in zip(rule.patterns, rule.needs):
        if needs and not any(a in norm for a in needs):
            continue  # none of the literals every match holds is in the text
        m = first_match(pat, norm)  # only a pattern's first match counts
        if m is not None:
            value = parse_number(m.group("n"))
            if value is not None and (best is None or m.start() < best[0]):
                best = (m.start(), value)
    return None if best is None else best[1]


def extract_counts(doc: Document, rules: RuleSet) -> dict[str, int]:
    # the document's text without white space, from the blocks' normalised copies (which the other
    # stages keep): each character is normalised on its own and the joining newlines are dropped
    norm = "".join(w for b in doc.blocks for w in normalise(b.text).split())
    out: dict[str, int] = {}
    for rule in rules.counts:
        value = first_count(rule, norm)
        if value is not None:
            out[rule.key] = value
    return out
