"""Who a finding is about (individual / team / unit) and how serious it is.

The route follows from these (serious -> referral, individual -> reminder talk, team ->
team adjustment, unit -> rectification), so the rules here decide what happens to a
person or a leadership team; each decision names the rule that made it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from extractors.clauses import head_end
from extractors.document import RuleHit
from extractors.rules import RuleSet

_POST_LEAD = ("其中", "巡察发现", "此外", "同时", "经查", "对", "在", "由", "另外", "还有")


@dataclass
class Subject:
    subject: str  # individual | team | unit
    person: str = ""
    post: str = ""
    reason: str = ""
    hits: list[RuleHit] = field(default_factory=list)


def _post_before(text: str, norm: str, name_start: int, posts: tuple[str, ...]) -> str:
    """The post written right before a name: 副局长王某某 -> 副局长, 党组书记、局长刘某某 -> 党组书记、局长."""
    i = name_start
    while i > 0 and norm[i - 1] not in "，。；：（）“”":
        i -= 1
    post = text[i:name_start]
    for lead in _POST_LEAD:
        if post.startswith(lead):
            post = post[len(lead):]
    post = post.strip("、 ")
    return post if post and post.endswith(posts) else ""


def detect_subject(text: str, norm: str, category: str, rules: RuleSet) -> Subject:
    """Decide the subject of one clause (original `text`, same-length normalised `norm`)."""
    individual = [(r, r.pattern_matches(norm) if r.regex is not None else [])
                  for r in rules.by_role("subject_individual")]
    for r, found in individual:  # a masked name anywhere identifies the official
        for m in found:
            if m.groupdict().get("name"):
                s, e = m.span("name")
                return Subject("individual", person=text[s:e], post=_post_before(text, norm, s, rules.posts),
                               reason="masked name", hits=[RuleHit(r.id, r.kind, text[s:e], r.weight)])
    actor = [(r, h) for r in rules.by_role("subject_unit_actor") for h in r.matches(norm)]
    if actor:  # 有的下属单位…, 个别股室负责人…: unnamed, so the unit's practice, whatever the topic
        r, h = actor[0]
        return Subject("unit", reason="unit actor", hits=[RuleHit(r.id, r.kind, h[2], r.weight)])
    for r, found in individual:  # a post without a name at the head of the clause (分管…的副总经理)
        for m in found:
            if m.groupdict().get("post"):
                s, e = m.span("post")
                return Subject("individual", post=text[s:e].strip(), reason="post without name",
                               hits=[RuleHit(r.id, r.kind, text[s:e], r.weight)])
    head = norm[:head_end(norm)]
    override = [h for r in rules.by_role("subject_unit_override") for h in r.matches(head)]
    for r in rules.by_role("subject_team"):
        hit = r.matches(norm)
        if hit:
            return Subject("team", reason="team as actor", hits=[RuleHit(r.id, r.kind, hit[0][2], r.weight)])
    if category == "team":
        return Subject("team", reason="team category")
    topic = [(r, h) for r in rules.by_role("subject_team_topic") for h in r.matches(head)]
    if topic and not override:
        r, h = topic[0]
        return Subject("team", reason="team topic", hits=[RuleHit(r.id, r.kind, h[2], r.weight)])
    for r in rules.by_role("subject_team_org"):
        hit = r.matches(norm)
        if hit and category in ("team", "selection"):  # its own decisions, even under 主体责任
            return Subject("team", reason="team decision", hits=[RuleHit(r.id, r.kind, hit[0][2], r.weight)])
    return Subject("unit", reason="unit work or practice")


def detect_severity(norm: str, subject: str, rules: RuleSet) -> tuple[str, list[RuleHit]]:
    """serious for clues of violations; otherwise minor (individual) or structural."""
    head = norm[:head_end(norm)]
    for r in rules.by_role("serious"):
        hit = r.matches(head if r.scope == "head" else norm)
        if hit:
            return "serious", [RuleHit(r.id, r.kind, hit[0][2], r.weight)]
    return ("minor" if subject == "individual" else "structural"), []
