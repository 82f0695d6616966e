"""Document -> findings: one finding per problem, with the evidence and the reasons.

Extraction runs in named stages, each recording its decision in the finding's explanation:
document kind (extractors/doc_kind.py) → zones (problem parts, problem tables, list lines,
whose findings are made by position) → items (rectification report items, or the blocks of
the document with their owner and basis) → clauses (extractors/clauses.py) → judge.

A clause becomes a finding when problem rules give it enough weight and no veto fires.
Each finding keeps the rules that fired with their matched words, the vetoes that were
checked, and a short explanation, so a reviewer can see why it was made. Clauses a veto
stopped are kept on the extraction as `rejected` for the same reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from extractors.clauses import Clause, head_end, normalise, normalise_span, numbered, split_block
from extractors.counts import extract_counts
from extractors.doc_kind import KindDecision, decide_kind
from extractors.document import BlockKind, Document, Extraction, FindingDraft, RuleHit
from extractors.report_items import ReportItem, report_items
from extractors.rules import RuleSet, iter_matches, match_at
from extractors.subjects import Subject, detect_severity, detect_subject
# Labels in explanations come from the one vocabulary, shared with the ledger and the reports.
from models.vocabulary import CATEGORIES as CATEGORY_LABEL
from models.vocabulary import SEVERITIES as SEVERITY_LABEL
from models.vocabulary import SUBJECTS as SUBJECT_LABEL

THRESHOLD = 1.0  # problem weight a clause needs to be a finding


@dataclass
class Judgement:
    score: float
    category: str
    hits: list[RuleHit]
    vetoes: list[RuleHit]  # vetoes that fired
    checked: list[RuleHit]  # every veto considered
    cat_words: dict[str, list[str]] = field(default_factory=dict)  # category -> the words that voted for it

    def category_note(self) -> str:
        """Why the category: the problem's own words first, the section heading only without them."""
        words = self.cat_words.get(self.category, [])
        return f"（依据：{'、'.join(words[:4])}）" if words else "（无主题词，按工作不力归类）"


def document_kind(doc: Document, rules: RuleSet) -> str:
    """The kind the extraction rules are applied for (see extractors/doc_kind.py)."""
    return decide_kind(doc, rules).judged_as


def _section_text(block) -> str:
    return normalise(" / ".join(block.section))


def _problem_or_category(r) -> bool:
    return r.role in ("problem", "category")


def _section_context(r) -> bool:
    return r.kind == "context" and r.scope == "section"


def _veto_rule(r) -> bool:
    return r.kind == "veto"


def judge(text: str, sentence: str, section: str, kind: str, rules: RuleSet,
          threshold: float = THRESHOLD, listed: bool = False) -> Judgement:
    """`_judge`, kept per rule set for recent inputs: the stages judge the same span again (a
    clause, then its list items; a repeated sentence in a long report). Each call gets its own
    copy, as callers change the lists."""
    key = (text, sentence, section, kind, threshold, listed)
    j = rules.judge_cache.get(key)
    if j is None:
        j = _judge(text, sentence, section, kind, rules, threshold, listed)
        rules.judge_cache.put(key, j)
    return Judgement(j.score, j.category, list(j.hits), list(j.vetoes), list(j.checked),
                     {c: list(w) for c, w in j.cat_words.items()})


_OWN_WORDS = "judge:own words"  # key of a clause's own problem and topic words on its scan


def _own_words(text: str, scan, rules: RuleSet) -> tuple[float, list[RuleHit], dict[str, float], dict[str, list[str]]]:
    """What the clause's own words say, whatever its place: problem weight, the problem and
    topic rules that fired, and the votes for each category (with the words that cast them).
    Kept on the clause's scan: the stages judge one clause under several thresholds."""
    got = scan.found.get(_OWN_WORDS)
    if got is not None:
        return got
    cands = scan.keywords
    head = head_end(text)
    hits: list[RuleHit] = []
    cat_score: dict[str, float] = {}
    cat_words: dict[str, list[str]] = {}
    score = 0.0
    matched = []
    for r in rules.candidates(rules.subset("problem_category", _problem_or_category), scan):
        if r.regex is None and r.id not in cands:
            continue
        found = r.matches(text, None, scan)
        if found:
            matched.append((r, found))
    # a topic word inside a longer topic word of another category (查处 in 查处偏软) does not vote
    spans = [(s0, e0, r.category) for r, found in matched if r.category for s0, e0, _ in found]
    for r, found in matched:
        words = list(dict.fromkeys(w for _, _, w in found))
        if r.role == "problem":
            score += r.weight
        hits.append(RuleHit(r.id, r.kind, "、".join(words), r.weight))
        if r.category:  # words in the head clause say what the problem is; later ones add detail
            first = {}
            for s0, e0, w in found:
                if any(c != r.category and s1 <= s0 and e0 <= e1 and e1 - s1 > e0 - s0 for s1, e1, c in spans):
                    continue
                first[w] = min(first.get(w, s0), s0)
            if not first:
                continue
            heavy = sum(2.0 if s0 < head else 1.0 for s0 in first.values())
            cat_score[r.category] = cat_score.get(r.category, 0.0) + r.weight * heavy
            cat_words.setdefault(r.category, []).extend(w for w in first if w not in cat_words[r.category])
    got = scan.found[_OWN_WORDS] = (score, hits, cat_score, cat_words)
    return got


def _judge(text: str, sentence: str, section: str, kind: str, rules: RuleSet,
           threshold: float = THRESHOLD, listed: bool = False) -> Judgement:
    """Weigh the problem rules and check every veto for one clause (all normalised text).

    `listed`: the clause is an item of a list of problems, which states a problem by its place.
    There a modal word (要, 必须) that only turns up after the head clause belongs to the
    description (…不在岗，群众找人要打电话), not to a requirement; one in the head still vetoes."""
    scan = rules.scan(text)  # one automaton pass: only rules with a keyword or anchor here are run
    score, own_hits, own_score, own_cat_words = _own_words(text, scan, rules)
    hits = list(own_hits)
    cat_score = dict(own_score)
    cat_words = {c: list(w) for c, w in own_cat_words.items()}
    own_words = bool(cat_score)  # the problem's own words decide its category before the heading does
    if score > 0 or threshold <= 0:  # the section only sharpens category and ranking, never makes a finding
        sec_scan = rules.scan(section)
        for r in rules.candidates(rules.subset("section_context", _section_context), sec_scan):
            if r.matches(section, None, sec_scan):
                hits.append(RuleHit(r.id, r.kind, section, r.weight))
                if r.category and not own_words:
                    cat_score[r.category] = cat_score.get(r.category, 0.0) + r.weight
                    cat_words.setdefault(r.category, []).append(f"标题“{section[-20:]}”")
    # no topic word at all: a work shortfall (推进缓慢, 跟进不够) is a matter of 担当作为
    category = max(cat_score, key=lambda c: cat_score[c]) if cat_score else "duty"
    if score < threshold:  # not a candidate: no need to weigh the vetoes
        return Judgement(score, category, hits, [], [], cat_words)
    vetoes, checked = _vetoes(text, scan, sentence, section, kind, rules, listed)
    return Judgement(score, category, hits, vetoes, checked, cat_words)


def _vetoes(text: str, scan, sentence: str, section: str, kind: str, rules: RuleSet,
            listed: bool) -> tuple[list[RuleHit], list[RuleHit]]:
    """Check every veto for one clause: (the vetoes that fired, every veto considered)."""
    vetoes: list[RuleHit] = []
    checked: list[RuleHit] = []
    head = head_end(text)
    scans = {"clause": scan, "sentence": rules.scan(sentence), "section": rules.scan(section),
             "kind": rules.scan(kind)}
    targets = {"clause": text, "sentence": sentence, "section": section, "kind": kind}
    for r, silent in _vetoes_for(kind, rules):
        target_scan = scans[r.scope]
        if not rules.may_fire(r, target_scan):
            checked.append(silent)  # none of its words or anchors: it cannot fire
            continue
        found = r.matches(targets[r.scope], None, target_scan)
        if found and listed and r.klass == "requirement" and r.scope == "clause" and head < len(text):
            if all(s0 > head for s0, _, _ in found):
                found = []
        if found:
            hit = RuleHit(r.id, "veto", found[0][2], r.weight)
            checked.append(hit)
            vetoes.append(hit)
        else:
            checked.append(silent)
    return vetoes, checked


def _problem_weight(text: str, rules: RuleSet) -> float:
    """The weight of the problem rules that fire on a clause (normalised text): what `judge`
    gives as its score, summed in the same order, without the topic words, the section and the
    vetoes. The stages that only ask whether a piece states a problem need no more."""
    scan = rules.scan(text)
    got = scan.found.get(_WEIGHT)
    if got is None:
        got = 0.0
        for r in rules.candidates(rules.subset("problem", _problem_rule), scan):
            if (r.regex is not None or r.id in scan.keywords) and r.matches(text, None, scan):
                got += r.weight
        scan.found[_WEIGHT] = got
    return got


def _standing(text: str, sentence: str, section: str, kind: str, rules: RuleSet) -> bool:
    """Does a piece state a problem in its own words that no veto stops (what `judge` says with
    a score of THRESHOLD or more and no vetoes)?"""
    if _problem_weight(text, rules) < THRESHOLD:
        return False
    return not _vetoes(text, rules.scan(text), sentence, section, kind, rules, False)[0]


_WEIGHT = "judge:problem weight"  # key of a clause's problem weight on its scan


def _problem_rule(r) -> bool:
    return r.role == "problem"


def _vetoes_for(kind: str, rules: RuleSet) -> list[tuple]:
    """The vetoes that apply to a kind of document, in file order, each with the hit it leaves
    when it does not fire (one shared record per rule set: hits are never changed)."""
    return rules.once("vetoes:" + kind, lambda: [
        (r, RuleHit(r.id, "veto", "", r.weight)) for r in rules.subset("veto", _veto_rule)
        if not r.only_kinds or kind in r.only_kinds])


def _tail_noise(rules: RuleSet):
    """A trailing comma part that only reports what was done about the problem."""
    rule = rules.one("disposition_tail")
    return lambda part: bool(rule.matches(part))


def _draft(doc: Document, bi: int, start: int, end: int, j: Judgement, rules: RuleSet,
           kind_note: str = "", owner: Subject | None = None, basis: str = "") -> FindingDraft:
    """A finding for block bi's text[start:end]. `kind_note` is the document-kind decision,
    `basis` the place that makes the span a finding when its words alone do not."""
    block = doc.blocks[bi]
    text = block.text[start:end]
    norm = normalise_span(block.text, start, end)
    subj = detect_subject(text, norm, j.category, rules)
    if owner is not None and subj.subject != "individual" and subj.reason != "unit actor":
        subj = replace(owner, reason="paragraph about one official", hits=list(owner.hits))
    j = _category_past_post(norm, subj, j, _section_text(block), rules)
    severity, sev_hits = detect_severity(norm, subj.subject, rules)
    hits = j.hits + subj.hits + sev_hits
    words = "、".join(dict.fromkeys(h.matched for h in j.hits if h.kind != "context"))
    problem_hits = [h for h in j.hits if h.kind != "context"]
    if basis and j.score < THRESHOLD:  # made by its place: say so instead of "0 rules"
        why = f"{basis}；用词命中 {len(problem_hits)} 条{('（' + words + '）') if words else ''}，权重 {j.score:.1f}"
    else:
        why = f"命中规则 {len(j.hits)} 条（{words}），权重 {j.score:.1f}" + (f"；{basis}" if basis else "")
    explanation = (f"{kind_note + '；' if kind_note else ''}{why}；"
                   f"类别：{CATEGORY_LABEL.get(j.category, j.category)}{j.category_note()}；"
                   f"主体：{SUBJECT_LABEL[subj.subject]}{('（' + subj.person + '）') if subj.person else ''}；"
                   f"严重程度：{SEVERITY_LABEL[severity]}；已检查否决规则 {len(j.checked)} 条，"
                   f"{'均未触发' if not j.vetoes else '触发：' + '、'.join(v.rule_id for v in j.vetoes)}")
    return FindingDraft(quote=text, page=block.page, section=block.section, block_index=bi,
                        start=block.offset + start, end=block.offset + end, subject=subj.subject,
                        category=j.category, severity=severity, person=subj.person, post=subj.post,
                        score=j.score, hits=hits, vetoes_considered=j.checked, explanation=explanation)


def _category_past_post(norm: str, subj: Subject, j: Judgement, section: str, rules: RuleSet) -> Judgement:
    """An official's post names no topic (党支部 in 某村党支部书记刘某某长期不在村): when the
    post held the words that decided the category, decide it again from the rest."""
    post = normalise(subj.post) if subj.subject == "individual" else ""
    at = norm.find(post) if post else -1
    if at < 0 or not any(w in post for w in j.cat_words.get(j.category, [])):
        return j
    rest = norm[:at] + "　" * len(post) + norm[at + len(post):]
    again = judge(rest, rest, section, "feedback", rules, threshold=0.0)
    if not again.cat_words:
        return j
    return replace(j, category=again.category, cat_words=again.cat_words)


def _rectification_items(doc: Document, rules: RuleSet, decision: KindDecision) -> list[FindingDraft]:
    """Stage "items" of a rectification report: the problem each item names (the measures
    are not findings), one pattern set shared with the ledger (extractors/report_items.py)."""
    out = []
    status_label = {"done": "已完成", "in_progress": "整改中", "unclear": "未说明"}
    for item in report_items(doc, rules):
        block = doc.blocks[item.block_index]
        s, e = item.start, item.end
        norm = normalise_span(block.text, s, e)
        j = judge(norm, norm, _section_text(block), "rectification", rules, threshold=0.0)
        j.vetoes = []  # the report itself names it as a problem under rectification
        rule = rules.get(item.rule_id)
        j.hits.insert(0, RuleHit(rule.id, rule.kind, norm, rule.weight))
        out.append(_draft(doc, item.block_index, s, e, j, rules, kind_note=decision.note(),
                          basis=f"整改报告所列问题（{status_label[item.status]}）"))
    return out


_LABEL = re.compile(r"^[^，。；：“”]{2,24}：")
_ANNOUNCE_IN_BLOCK = re.compile(r"(?:存在|发现|有|出现)[^。：；]{0,12}(?:问题|不足|差距|短板|薄弱环节)[^。：；，]{0,6}：")


def _member_label(text: str, rules: RuleSet) -> Subject | None:
    """A paragraph that opens with one official's post and masked name and a colon
    (副院长吴某某：…) assesses that official: praise and problems alike are about them."""
    norm = normalise(text)
    m = _LABEL.match(norm)
    if not m:
        return None
    label = text[:m.end() - 1]
    critic = _CRITIC_LABEL.match(normalise(label))  # 班子成员对副局长孙某：… is criticism of that official
    if critic:
        label = label[critic.start("who"):critic.end("who")]
    return _label_owner(label, rules)


_HEADING_MARK = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．]|[（(]\d+[）)])")
_CRITIC_LABEL = re.compile(r"^[^，。；：]{0,12}?对(?P<who>[^，。；：]{2,20}?)(?:提出了?|进行了?)(?:批评|批评意见|意见)$")


def _label_owner(label: str, rules: RuleSet) -> Subject | None:
    """The official a label names, if the label is just a post and masked name (副局长吴某某)."""
    subj = detect_subject(label, normalise(label), "other", rules)
    if subj.subject != "individual" or not subj.person or not label.rstrip().endswith(subj.person):
        return None
    return subj


def _member_heading(block, rules: RuleSet) -> Subject | None:
    """A part headed by one official's post and masked name only (（二）某乡党委书记罗某某):
    the assessment under it, praise and problems alike, is about that official."""
    if not block.section or block.kind == BlockKind.TABLE_ROW:
        return None
    label = _HEADING_MARK.sub("", block.section[-1].strip()).strip().rstrip("：:")
    if not label or len(label) > 30:
        return None
    return _label_owner(label, rules)


def _author(doc: Document, rules: RuleSet) -> Subject | None:
    """The official whose own self-check the document is: a personal title (个人对照检查材料)
    and, in the next lines, a byline of one post and masked name."""
    texts = [b.text.strip() for b in doc.blocks[:4] if b.text.strip()]
    if not texts or not any(r.matches(normalise(texts[0])) for r in rules.by_role("personal_title")):
        return None
    for t in texts[1:]:
        line = re.sub(r"\s+", "", t)
        if len(line) <= 30 and line[-1:] not in "。；：":
            who = _label_owner(line, rules)
            if who:
                return who
    return None


def _announced_at(text: str) -> int:
    """Where a paragraph turns from an overview to its problems (…但也存在一些不足：), or -1."""
    m = _ANNOUNCE_IN_BLOCK.search(normalise(text))
    return m.end() if m and m.end() < len(text) else -1


_PROBLEM_COLUMN = re.compile(r"^(?:存在的?|主要|具体|反馈的?|发现的?|巡察发现的?)?问题(?:描述|表现|清单|内容|事项|情况)?$")


def _problem_columns(doc: Document) -> dict[int, int]:
    """For each table row: the index of the column its table's header names as the problems
    (问题 / 问题描述 / 存在问题 …), -1 for the header row itself. Tables without such a header
    are left out and read as before. In a problem table the other columns (measures, owners,
    deadlines, status or type labels) hold no findings, and every statement in the problem
    column is one, whatever its wording."""
    out: dict[int, int] = {}
    col = None
    for i, b in enumerate(doc.blocks):
        if b.kind != BlockKind.TABLE_ROW:
            col = None
            continue
        cells = [normalise(c).strip() for c in normalise(b.text).split("｜")]
        if col is None:  # the first row of a table: its header
            col = next((k for k, c in enumerate(cells) if _PROBLEM_COLUMN.match(c)), -2)
            if col >= 0:
                out[i] = -1
            continue
        if col >= 0:
            out[i] = col
    return out


def _referral_rows(doc: Document, rules: RuleSet) -> set[int]:
    """Table rows whose 移交去向-type column names a discipline body (县纪委监委): the row
    describes a clue handed over for discipline review, so its problem is serious."""
    header, body = rules.one("referral_column"), rules.one("referral_body")
    out: set[int] = set()
    col = None
    for i, b in enumerate(doc.blocks):
        if b.kind != BlockKind.TABLE_ROW:
            col = None
            continue
        cells = [c.strip() for c in normalise(b.text).split("｜")]
        if col is None:
            col = next((k for k, c in enumerate(cells) if header.matches(c)), -1)
            continue
        if 0 <= col < len(cells) and body.matches(cells[col]):
            out.add(i)
    return out


_NAME_LABEL = re.compile(r"(?:某某|某|XX|××|\*{1,2})[。：]?$")


def _column_of(norm: str, pos: int) -> int:
    return norm.count("｜", 0, pos)


def _bare(block) -> bool:
    """A short paragraph line without closing punctuation (a title line, or one item of a list)."""
    t = block.text.strip()
    return (block.kind == BlockKind.PARAGRAPH and 0 < len(t) <= 40
            and t[-1] not in "。；;！!？?：:”\"")


def _unmarked_titles(doc: Document) -> set[int]:
    """Title lines the reader could not mark as headings (no number, no bold): a bare line
    right before a body paragraph, not inside a run of bare lines (a list of problems)."""
    blocks = doc.blocks
    out = set()
    for i, b in enumerate(blocks):
        if not _bare(b) or i + 1 >= len(blocks) or numbered(b.text):
            continue  # a numbered line is an item of a list (numbered titles are the reader's)
        nxt, prev = blocks[i + 1], blocks[i - 1] if i > 0 else None
        body_next = nxt.kind == BlockKind.PARAGRAPH and not _bare(nxt)
        in_list = prev is not None and i > 1 and _bare(prev) and prev.kind == BlockKind.PARAGRAPH
        if body_next and not in_list:
            out.add(i)
    return out


def _announces_problems(text: str, rules: RuleSet) -> bool:
    """A short paragraph ending in a colon that names problems (班子存在的主要问题：)."""
    norm = normalise(text).strip()
    if not norm.endswith("：") or len(norm) > 40:
        return False
    return any(r.matches(norm) for r in rules.rules if r.kind == "context" and r.scope == "section"
               and r.category is None)


def _sentence_heading(doc: Document, bi: int) -> bool:
    """A heading may be a whole finding the reader set in bold (a numbered sentence); it is a
    title when it is a bare phrase or when the blocks after it sit under it as children."""
    text = normalise(doc.blocks[bi].text).strip()
    if not (text.endswith(("。", "；")) or any(ch in text for ch in "，；")):
        return False
    nxt = doc.blocks[bi + 1] if bi + 1 < len(doc.blocks) else None
    bare = text.rstrip("。；：")
    parent = nxt is not None and nxt.text != doc.blocks[bi].text and any(
        normalise(e).strip().rstrip("。；：") == bare for e in nxt.section)
    return not (parent and len(text) <= 36 and not any(ch in text for ch in "，；"))


_ZONE_TITLE_MAX = 24  # a title that announces problems is a short phrase, not a finding


def _problem_zone(doc: Document, rules: RuleSet) -> set[int]:
    """Blocks that sit under a title announcing the problems found (二、存在的主要问题,
    审计发现的问题, a bare 发现的问题 line, 问题清单：). Inside such a part, the items of a numbered
    list state problems by their place, whatever their words. The part ends at the next title
    that does not announce problems (三、整改意见, a bare 其他情况 line)."""
    rule = rules.one("problem_title")

    def announces(text: str) -> bool:
        t = normalise(text).strip().rstrip("：")
        return 0 < len(t) <= _ZONE_TITLE_MAX and bool(rule.matches(t))

    zone: set[int] = set()
    state = False
    for i, b in enumerate(doc.blocks):
        t = normalise(b.text).strip()
        if b.kind == BlockKind.HEADING and not _sentence_heading(doc, i):
            state = False  # a titled part: its own heading (in b.section) decides
        elif b.kind == BlockKind.PARAGRAPH and not numbered(b.text) and (
                _bare(b) or (t.endswith("：") and len(t) <= 40)):
            state = announces(t)  # an untitled line opens (or closes) a part
        titled = any(announces(e) for e in b.section)
        if state or titled:
            zone.add(i)
    return zone


_LINE_MAX = 60  # a one-sentence line of a list, not a paragraph of prose


def _list_lines(doc: Document, zone: set[int], rules: RuleSet) -> set[int]:
    """Unnumbered lines that form a list right under a title announcing problems: a run of
    short paragraphs of one sentence each (食堂账目未公示。 / 车辆登记不全。). Like numbered
    items, each states a problem by its place. A longer paragraph or a title ends the run."""
    rule = rules.one("problem_title")
    out: set[int] = set()
    run = False
    for i, b in enumerate(doc.blocks):
        t = normalise(b.text).strip()
        body = t[:-1] if t else ""
        one_line = (i in zone and b.kind == BlockKind.PARAGRAPH and 8 <= len(t) <= _LINE_MAX
                    and t[-1] in "。；" and not any(ch in body for ch in "。；！？："))
        if run and one_line:
            out.add(i)
            continue
        title = (b.kind == BlockKind.HEADING and not _sentence_heading(doc, i)) or (
            b.kind == BlockKind.PARAGRAPH and (_bare(b) or t.endswith("：")) and len(t) <= 40)
        run = title and bool(rule.matches(t.rstrip("：")))
    return out


def _above_paragraph_runs(doc: Document) -> list[int]:
    """For each block, the nearest block above it that is not a paragraph of its own section
    (-1 if none): worked out once per document, as a long section would make a walk back from
    every paragraph quadratic."""
    out: list[int] = []
    blocks = doc.blocks
    for i, b in enumerate(blocks):
        prev = blocks[i - 1] if i else None
        same_run = prev is not None and prev.kind == BlockKind.PARAGRAPH and prev.section == b.section
        out.append(out[i - 1] if same_run else i - 1)
    return out


def _under_problem_title(doc: Document, bi: int, rules: RuleSet, k: int) -> bool:
    """Is block bi a body paragraph whose nearest title heading states a problem of its own
    (a bare phrase such as 资金安全管理存在隐患, not a topic such as 财务管理方面)? `k`: the block
    above bi's run of paragraphs (_above_paragraph_runs): the heading must be the block right
    above, or above earlier paragraphs under it."""
    block = doc.blocks[bi]
    if block.kind != BlockKind.PARAGRAPH or not block.section or _bare(block):
        return False  # a bare line (a signature, a date) is no body paragraph
    if k < 0 or doc.blocks[k].kind != BlockKind.HEADING or _sentence_heading(doc, k):
        return False
    title = normalise(doc.blocks[k].text).strip()
    if normalise(block.section[-1]).strip() != title:
        return False
    m = _ENUM_TITLE.match(title)
    phrase = title[m.end():] if m else title
    if not phrase or len(phrase) > _ZONE_TITLE_MAX or any(ch in phrase for ch in "，。；："):
        return False
    return _standing(phrase, phrase, "", "feedback", rules)


# under a problem title a clause still needs a hint of a fault (a negation, 存在, 较多, 长期 …):
# a sentence reporting what was done (开展检查6次, 逐一发言) does not spell the problem out
_LAST_TURN = re.compile(r"，(?:但是|但|然而|不过)(?=[^，。；]{6,})")


def _background_end(norm: str, j: Judgement, rules: RuleSet) -> int:
    """Where the judged part starts when a vetoed clause only opens with background: after the
    first comma of an earlier round's finding, or after the last turn (，但…) of a clause vetoed
    as praise or a cleared matter; 0 when the veto stands for the whole clause."""
    if not j.vetoes:
        return 0
    earlier = rules.one("earlier_finding").id
    if all(v.rule_id == earlier for v in j.vetoes):
        cut = norm.find("，")
        return cut + 1 if 0 < cut < len(norm) - 5 else 0
    if all(rules.get(v.rule_id).klass in ("praise", "negation") for v in j.vetoes):
        turns = list(_LAST_TURN.finditer(norm))
        if turns:
            return turns[-1].start() + 1
    return 0
_FAULT_HINT = re.compile(r"[不未没无缺差弱偏违漏乱滞缓虚假难仍]|问题|存在|较多|过多|偏多|较少|过少|经常|长期|多次|频繁|反复")
_ENUM_TITLE = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．]|[（(]\d+[）)])")


def _split_actors(c: Clause, section: str, kind: str, rules: RuleSet) -> list[tuple[int, int]]:
    """Split a clause before a comma part that opens with a newly named official, or with a
    subject of its own followed by a named malpractice (…程序不规范，部分采购事项由站长一人说了算),
    when every piece states a problem of its own (…管理混乱，副所长钱某某违规报销 is two findings)."""
    scan = rules.scan(c.norm)  # a pattern whose anchors the clause lacks matches after no comma
    actor = [r for r in rules.by_role("actor_start") + rules.by_role("statement_start")
             if r.regex is not None and (not r.anchored or r.id in scan.anchors)]
    cuts = []
    i = c.norm.find("，") if actor else -1
    while i >= 0:
        if any(match_at(r.regex, c.norm, i + 1) for r in actor):
            cuts.append(i)
        i = c.norm.find("，", i + 1)
    if not cuts:
        return [(c.start, c.end)]
    bounds = [0] + cuts + [len(c.norm)]
    pieces = []
    for a, b in zip(bounds, bounds[1:]):
        a = a + 1 if c.norm[a:a + 1] == "，" else a
        pieces.append((a, b))
    if all(_problem_weight(c.norm[a:b], rules) >= THRESHOLD for a, b in pieces):
        return [(c.start + a, c.start + b) for a, b in pieces]
    return [(c.start, c.end)]


def _split_list(norm: str, start: int, end: int, sentence: str, section: str, kind: str,
                rules: RuleSet, min_item: int = 8) -> list[tuple[int, int]]:
    """A 、-list of complete problem statements (财经纪律执行不严格、工程资料管理不规范) gives one
    finding per item; a list that only names instances of one problem stays whole."""
    text = norm[start:end]
    if "，" in text or "、" not in text:
        return [(start, end)]
    items, pos = [], 0
    for part in text.split("、"):
        items.append((pos, pos + len(part)))
        pos += len(part) + 1
    if len(items) < 2 or any(b - a < min_item for a, b in items):
        return [(start, end)]
    if all(_problem_weight(text[a:b], rules) >= THRESHOLD for a, b in items):
        return [(start + a, start + b) for a, b in items]
    return [(start, end)]


_EVAL_PART_MAX = 20  # a short evaluation, not a sentence with its own detail
_STATEMENT_PART_MAX = 30  # a chained statement of its own (…，部分专项资金滞留在下属单位账户长达一年，…)
_EVAL_CHAIN_MIN = 3  # a summary sentence listing problems, not a problem and its detail


def _split_evaluations(norm: str, start: int, end: int, sentence: str, section: str, kind: str,
                       rules: RuleSet) -> list[tuple[int, int]]:
    """A comma chain of short evaluations of a body's work (理论学习浮于表面，意识形态工作责任制
    落实不力，…) gives one finding per phrase; each phrase must close with a negative evaluation
    after its own topic and be a problem on its own, so detail after a comma keeps the clause whole.
    A pair (…落实有差距，对村级组织监督不力) is usually one problem and its detail: it needs
    _EVAL_CHAIN_MIN phrases, and a phrase that continues the first one's actor (对…, 在…) keeps it whole."""
    text = norm[start:end]
    if "，" not in text:
        return [(start, end)]
    rule = rules.one("evaluation")
    parts, pos = [], 0
    for part in text.split("，"):
        parts.append((pos, pos + len(part)))
        pos += len(part) + 1
    if len(parts) < _EVAL_CHAIN_MIN:
        return [(start, end)]
    for a, b in parts:
        p = text[a:b]
        if p.startswith(("对", "在", "从", "并", "且", "还", "也")):
            return [(start, end)]
        if not 5 <= len(p) <= _STATEMENT_PART_MAX or any(ch.isdigit() for ch in p):
            return [(start, end)]
        if len(p) > _EVAL_PART_MAX and len(p) <= _STATEMENT_PART_MAX:
            pass  # a full statement (…未经公开招标直接确定施工单位): judged as a problem below
        elif not any(e == len(p) and s0 >= 2 for s0, e, _ in rule.matches(p)):
            return [(start, end)]
        if not _standing(p, sentence, section, kind, rules):
            return [(start, end)]
    return [(start + a, start + b) for a, b in parts]


def _childless_problem_heading(doc: Document, bi: int, zones: Zones, kind: str, rules: RuleSet) -> bool:
    """A title heading with nothing under it that itself states a problem (（一）项目管理粗放
    followed by the next item): a list of problems set as headings. With paragraphs under it,
    it stays a title (its paragraphs state the problems)."""
    block = doc.blocks[bi]
    if kind in ("speech", "news", "rectification") or not (kind == "feedback" or bi in zones.problem):
        return False
    nxt = doc.blocks[bi + 1] if bi + 1 < len(doc.blocks) else None
    own = tuple(block.section)
    if nxt is not None and own and tuple(nxt.section[:len(own)]) == own:
        return False  # a paragraph or sub-heading sits under it
    m = _ENUM_TITLE.match(normalise(block.text).strip())
    phrase = normalise(block.text).strip()[m.end() if m else 0:].rstrip("。；")
    if not 5 <= len(phrase) <= 30 or any(ch in phrase for ch in "。；："):
        return False
    return _standing(phrase, phrase, "", "feedback", rules)


@dataclass
class Zones:
    """Stage "zones": the parts of a document whose place alone says they state problems."""

    titles: set[int]  # bare title lines the reader could not mark as headings
    columns: dict[int, int]  # table row -> its problem column (-1: the header row)
    referred: set[int]  # table rows handed to a discipline body
    problem: set[int]  # blocks under a title announcing the problems found
    lines: set[int]  # one-sentence lines listed right under such a title
    author: Subject | None  # the official whose own self-check the document is
    items: dict[int, list[ReportItem]] = field(default_factory=dict)  # block -> rectification items it names
    quoted: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # block -> interviewees' quotes


@dataclass
class Candidate:
    """Stage "clauses": one span to judge, with what its place says about it."""

    bi: int
    start: int
    end: int
    norm: str
    sentence: str
    section: str
    need: float  # problem weight the span needs (0 when its place makes it a finding)
    listed: bool  # an item of a list of problems (a later modal word is description)
    owner: Subject | None
    basis: str  # the place that makes it a finding, for the explanation ("" if none)


def find_zones(doc: Document, rules: RuleSet, kind: str) -> Zones:
    """Stage "zones" (after the document kind): problem parts, problem tables, list lines."""
    problem = _problem_zone(doc, rules) if kind != "speech" else set()
    items: dict[int, list[ReportItem]] = {}
    if kind in _ITEM_KINDS:  # coverage of rectification names problems the way the report does
        for item in report_items(doc, rules):
            items.setdefault(item.block_index, []).append(item)
    return Zones(titles=_unmarked_titles(doc) | _document_title(doc), columns=_problem_columns(doc), referred=_referral_rows(doc, rules),
                 problem=problem, lines=_list_lines(doc, problem, rules), author=_author(doc, rules), items=items,
                 quoted=_interviewee_quotes(doc, rules, kind))


def _document_title(doc: Document) -> set[int]:
    """The document's own title line (a headline names the story, a title the document): never a
    finding, however many problem words it has (聚焦…不规范问题 …)."""
    title = normalise(doc.meta.title).strip()
    for i, b in enumerate(doc.blocks[:4]):
        t = normalise(b.text).strip()
        if not t or numbered(b.text):  # a numbered line is an item of a list, not the title
            continue
        if (title and t == title) or (i == next(k for k, x in enumerate(doc.blocks) if x.text.strip()) and _bare(b)):
            return {i}
    return set()


def _interviewee_quotes(doc: Document, rules: RuleSet, kind: str) -> dict[int, list[tuple[int, int]]]:
    """Spans of what interviewees said in quotation marks (press coverage only): not findings."""
    rule = rules.one("quote_attribution")
    if rule.only_kinds and kind not in rule.only_kinds:
        return {}
    out: dict[int, list[tuple[int, int]]] = {}
    for bi, block in enumerate(doc.blocks):
        for m in iter_matches(rule.regex, normalise(block.text)):
            out.setdefault(bi, []).append((m.start(), m.end("q") + 1))
    return out


_ITEM_KINDS = ("news", "other")  # kinds whose paragraphs may embed rectification items


def _zone_title(doc: Document, bi: int) -> str:
    """The title of the problem part block bi sits in, as a reviewer reads it."""
    block = doc.blocks[bi]
    if block.section:
        return block.section[-1].strip()
    for k in range(bi - 1, -1, -1):
        if _bare(doc.blocks[k]) or normalise(doc.blocks[k].text).strip().endswith("："):
            return doc.blocks[k].text.strip()
    return ""


def candidates(doc: Document, zones: Zones, rules: RuleSet, kind: str):
    """Stages "items" and "clauses": every span of every block that may state a problem,
    with the threshold and the basis its place gives it."""
    noise = _tail_noise(rules)
    announced = False  # a paragraph like 存在的主要问题： opens a list under a neutral heading
    above = _above_paragraph_runs(doc)
    for bi, block in enumerate(doc.blocks):
        column = zones.columns.get(bi)
        if column == -1:
            continue  # the header row of a problem table
        heading_item = False
        if block.kind == BlockKind.HEADING and not _sentence_heading(doc, bi):
            announced = False  # a new titled part begins
            if not _childless_problem_heading(doc, bi, zones, kind, rules):
                continue
            heading_item = True
        if bi in zones.titles:
            continue
        section = _section_text(block)
        if bi in zones.items:  # 针对巡察指出的“…”问题，…: the problem named, not the measure
            bnorm = normalise(block.text)
            for item in zones.items[bi]:
                for s, e in _split_list(bnorm, item.start, item.end, bnorm[item.start:item.end], section, kind, rules,
                                        min_item=5):
                    yield Candidate(bi, s, e, bnorm[s:e], bnorm[s:e], section, 0.0, False, None,
                                    "所述整改针对的问题")
            continue
        if announced:  # the advice/overview heading above no longer applies
            section = "（问题）"
        elif _announces_problems(block.text, rules):
            announced = True
        owner = ((_member_label(block.text, rules) if block.kind != BlockKind.TABLE_ROW else None)
                 or _member_heading(block, rules) or zones.author)
        turn = _announced_at(block.text)
        bnorm = normalise(block.text)
        clauses = split_block(bi, block.text, block.kind == BlockKind.TABLE_ROW, noise)
        # an item of a list of problems: its own clauses state problems; after a headline
        # (存货管理方面。…) every clause does, after a concrete first sentence the rest is detail
        item_block = bi in zones.problem and (numbered(block.text) or bi in zones.lines)
        headed = item_block and any(c.headline for c in clauses)
        # a paragraph right under a title that itself states a problem (（三）班子作用发挥不够)
        # spells that problem out: its clauses are findings, whatever their words
        under_problem = kind not in ("speech", "news") and _under_problem_title(doc, bi, rules, above[bi])
        for c in clauses:
            if c.headline or any(q0 <= c.start and c.end <= q1 for q0, q1 in zones.quoted.get(bi, ())):
                continue  # a headline, or words of an interviewee
            in_problem_cell = column is not None and _column_of(bnorm, c.start) == column
            if column is not None and not in_problem_cell:
                continue  # measures, owners, deadlines and labels of a problem table
            if 0 <= turn <= c.start:  # the overview heading above no longer applies
                section = "（问题）"
            pieces = [q for s0, e0 in _split_actors(c, section, kind, rules)
                      for p0, p1 in _split_list(bnorm, s0, e0, c.sentence, section, kind, rules)
                      for q in _split_evaluations(bnorm, p0, p1, c.sentence, section, kind, rules)]
            for s, e in pieces:
                norm = bnorm[s:e]  # normalising maps each character on its own: the block's, sliced
                # an item of a list of problems states a problem by its place, whatever its
                # words: a numbered item in a feedback report, or under a title or lead-in that
                # announces problems in any report but a speech (vetoes still apply)
                own_item = c.numbered or bi in zones.lines
                item = ((own_item and (kind == "feedback" or bi in zones.problem or 0 <= turn <= c.start))
                        or (item_block and headed))
                listed = bool((item or (under_problem and _FAULT_HINT.search(norm)))
                              and len(norm) >= 8 and not _NAME_LABEL.search(norm))  # （二）副局长陈某。 is a label
                cell = in_problem_cell and len(norm) >= 6
                basis = ""
                if heading_item:
                    basis = "标题即问题（其下无正文）"
                elif cell:
                    basis = "问题表格的问题列"
                elif listed and item:
                    where = _zone_title(doc, bi) if bi in zones.problem else ""
                    basis = (f"列表项，位于问题段落“{where[:20]}”" if where
                             else "列表项，位于引出问题的句子之后" if 0 <= turn <= c.start else "反馈意见中的编号列表项")
                elif listed:
                    basis = f"位于陈述问题的标题“{(block.section[-1].strip() if block.section else '')[:20]}”之下"
                yield Candidate(bi, s, e, norm, c.sentence, section, 0.0 if (cell or listed) else THRESHOLD,
                                listed and item, owner, basis)


def judge_candidate(doc: Document, cand: Candidate, rules: RuleSet, kind: str,
                    decision: KindDecision, zones: Zones) -> tuple[FindingDraft, bool] | None:
    """Stage "judge": weigh and veto one span: (draft, vetoed) or None when it states no problem."""
    s, norm = cand.start, cand.norm
    if _problem_weight(norm, rules) < cand.need:
        return None  # too little weight: no vetoes weighed, no background cut, no finding
    j = judge(norm, cand.sentence, cand.section, kind, rules, threshold=cand.need, listed=cand.listed)
    cut = _background_end(norm, j, rules)
    if cut > 0:
        # 2023年巡察指出…，该站只… / 能够遵守…，没有…，但对…做得不够: the part before is
        # background or praise, the rest is judged alone
        s += cut
        norm = norm[cut:]
        j = judge(norm, cand.sentence, cand.section, kind, rules, threshold=cand.need, listed=cand.listed)
    if j.score < cand.need:
        return None
    draft = _draft(doc, cand.bi, s, cand.end, j, rules, kind_note=decision.note(), owner=cand.owner,
                   basis=cand.basis)
    if cand.bi in zones.referred and draft.severity != "serious":
        body = rules.one("referral_body")
        draft.severity = "serious"
        draft.hits.append(RuleHit(body.id, body.kind, "移交纪检监察机关", body.weight))
    return draft, bool(j.vetoes)


def extract(doc: Document, rules: RuleSet) -> Extraction:
    """Findings and stated statistics of one read document, stage by stage."""
    decision = decide_kind(doc, rules)  # stage "document kind"
    kind = decision.judged_as
    counts = extract_counts(doc, rules)
    if kind == "rectification":  # stage "items" of a rectification report
        items = _rectification_items(doc, rules, decision)
        if items:
            return Extraction(findings=items, counts=counts, rules_version=rules.version,
                              kind=decision.kind, kind_cues=list(decision.cues))
    zones = find_zones(doc, rules, kind)
    findings: list[FindingDraft] = []
    rejected: list[FindingDraft] = []
    for cand in candidates(doc, zones, rules, kind):
        judged = judge_candidate(doc, cand, rules, kind, decision, zones)
        if judged is not None:
            draft, vetoed = judged
            (rejected if vetoed else findings).append(draft)
    return Extraction(findings=findings, counts=counts, rules_version=rules.version, rejected=rejected,
                      kind=decision.kind, kind_cues=list(decision.cues))
