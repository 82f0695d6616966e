"""Stage 1 of extraction: what kind of document this is, and which cues decided it.

The kind changes what counts as a finding: a speech or a plan states no findings of its
own, press coverage reports findings among measures, quotes and background, a
rectification report embeds each problem in its measure. The decision is kept with the
cues that made it, so the document record and every finding can say why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.clauses import normalise
from extractors.document import BlockKind, Document
from extractors.rules import RuleSet, first_match
from models.vocabulary import KINDS as KIND_LABEL  # one vocabulary of labels shown to people

# how each kind is read by the later stages (a case bulletin is coverage, a plan speaks in
# general like a speech)
JUDGED_AS = {"case_bulletin": "news", "plan": "speech"}

_GENERAL_MEETING = re.compile(
    r"(?:全省|全市|全县|全区|全州|全旗|全盟|全系统|全行业)[^，。；]{0,20}?"
    r"(?:推进会|部署会|动员会|座谈会|培训班|工作会|会议)(?:召开|举行|上的|$)")
# a press item's own lines: a dateline, a byline, a source or publishing-time line
_PRESS_LINE = re.compile(r"^(?:本报讯|本网讯|[（(]?记者|通讯员|来源[：:]|发布时间|发布日期|责任编辑|编辑[：:])")
# a document's own title names its genre (关于…的报告/通报/意见, …清单, …台账); a press headline does not
_DOCUMENT_TITLE = re.compile(r"关于|报告|通报|公告|公示|意见|方案|清单|台账|讲话|决定|通知|纪要|材料")


@dataclass
class KindDecision:
    kind: str  # feedback | rectification | news | speech | case_bulletin | plan | other
    cues: list[str] = field(default_factory=list)  # in Chinese, for reviewers

    @property
    def judged_as(self) -> str:
        """The kind the later stages apply their rules for."""
        return JUDGED_AS.get(self.kind, self.kind)

    def note(self) -> str:
        """The decision as one clause of a finding's explanation."""
        why = "；".join(self.cues) if self.cues else "无明显特征"
        return f"文件类型：{KIND_LABEL.get(self.kind, self.kind)}（{why}）"


def _head_lines(doc: Document, n: int = 6) -> list[str]:
    return [normalise(b.text).strip() for b in doc.blocks[:12]
            if b.kind != BlockKind.TABLE_ROW and b.text.strip()][:n]


def _by_rules(lines: list[str], rules: RuleSet, kinds: set[str]) -> tuple[str, str] | None:
    """The first kind rule of kinds.yaml (in file order) that matches a title line."""
    for kind, pattern, _examples in rules.kinds:
        if kind not in kinds:
            continue
        for line in lines:
            m = first_match(pattern, line)
            if m:
                return kind, m.group()
    return None


def decide_kind(doc: Document, rules: RuleSet) -> KindDecision:
    """Kind from the title lines, the reader's guess and the text's shape, with the cues."""
    lines = _head_lines(doc)
    title = normalise(doc.meta.title).strip() or (lines[0] if lines else "")
    titles = [title] + [t for t in lines[:3] if t != title]
    # kinds the reader does not know, named by their title (典型问题的通报, 工作方案)
    special = _by_rules(titles, rules, {"case_bulletin", "plan"})
    if special:
        return KindDecision(special[0], [f"标题含“{special[1]}”"])
    kind, cues = "other", []
    if doc.meta.kind and doc.meta.kind != "other":
        kind = doc.meta.kind
        cues.append(f"标题“{title[:24]}{'…' if len(title) > 24 else ''}”")
    else:
        found = _by_rules(["".join(lines[:5])], rules, {k for k, _, _ in rules.kinds})
        if found:
            kind = found[0]
            cues.append(f"开头含“{found[1]}”")
    press = [t for t in lines[1:4] if _PRESS_LINE.match(t)]
    if press and (kind == "other" or (kind != "news" and not _DOCUMENT_TITLE.search(title))):
        # a source or byline line under a headline: press coverage, whatever words the headline uses
        if kind != "other":
            cues.append(f"标题不是公文标题（非{KIND_LABEL.get(kind, kind)}）")
        kind = "news"
        cues.append(f"报道格式（“{press[0][:12]}”）")
    if kind != "feedback" and any(_GENERAL_MEETING.search(t) for t in lines[:2]):
        # a meeting of a whole city or sector speaks of many units in general
        cues.append("全域性会议，所述情况为一般性讲评")
        kind = "speech"
    return KindDecision(kind, cues)
