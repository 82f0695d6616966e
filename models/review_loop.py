"""Reviews feed the rules: each rule's precision from reviewers' decisions, reviewed documents as
gold, and a candidate rule set scored against every reviewed document before it is deployed.

A reviewed document is one with at least one reviewed item. Its gold (shared/eval/FORMAT.md): items
accepted or corrected are findings, rejected items are negatives, items still pending are
`ambiguous` (left out of the score: nobody has said yet whether they are right).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from extractors.findings import extract
from extractors.rules import RuleSet
from extractors.scoring import score, unify
from models.reextract import as_read_document
from models.routing import load_routing
from models.tables import Document, Finding

RIGHT = ("accepted", "corrected")
WRONG = ("rejected",)
MIN_OVERLAP = 0.6  # share of either span that makes an extracted item "the same" as a reviewed one


@dataclass
class Tally:
    """Reviewed items a rule fired on: right (accepted/corrected), wrong (rejected), not yet reviewed."""

    right: int = 0
    wrong: int = 0
    pending: int = 0

    def add(self, label: str) -> None:
        if label == "right":
            self.right += 1
        elif label == "wrong":
            self.wrong += 1
        else:
            self.pending += 1

    @property
    def precision(self) -> float | None:
        n = self.right + self.wrong
        return self.right / n if n else None

    def as_dict(self) -> dict:
        p = self.precision
        return {"right": self.right, "wrong": self.wrong, "pending": self.pending,
                "precision": None if p is None else round(p, 4)}


def label_of(review_state: str) -> str:
    return "right" if review_state in RIGHT else "wrong" if review_state in WRONG else ""


def fired_rules(hits: list[dict]) -> set[str]:
    """Rules that made the item (vetoes considered are stored apart and do not count)."""
    return {h.get("rule_id", "") for h in hits or [] if h.get("kind") != "veto" and h.get("rule_id")}


def rule_stats(session: Session) -> dict[str, Tally]:
    """Each rule's tally over the items the current extraction holds (vanished items no longer count)."""
    stats: dict[str, Tally] = {}
    rows = session.exec(select(Finding.hits, Finding.review_state)
                        .where(Finding.state.in_(("active", "rejected", "split")))).all()
    for hits, review_state in rows:
        for rule_id in fired_rules(hits):
            stats.setdefault(rule_id, Tally()).add(label_of(review_state))
    return dict(sorted(stats.items()))


def reviewed_documents(session: Session) -> list[Document]:
    ids = session.exec(select(Finding.document_id).where(Finding.review_state != "pending").distinct()).all()
    if not ids:
        return []
    return list(session.exec(select(Document).where(Document.id.in_(ids)).order_by(Document.id)).all())


def _gold_finding(f: Finding) -> dict:
    row = {"quote": f.quote, "subject": f.subject, "category": f.category, "severity": f.severity,
           "route": f.route}
    if f.person:
        row["person"] = f.person
    if f.post:
        row["post"] = f.post
    return row


def gold_rows(session: Session, documents: list[Document] | None = None) -> list[dict]:
    """Reviewed documents as gold lines (FORMAT.md). Counts are left out: no reviewer checked them."""
    rows = []
    for doc in documents if documents is not None else reviewed_documents(session):
        items = session.exec(select(Finding).where(Finding.document_id == doc.id)
                             .order_by(Finding.start, Finding.id)).all()
        rows.append({
            "doc": doc.name, "kind": doc.kind, "unit": doc.unit,
            "findings": [_gold_finding(f) for f in items
                         if f.review_state in RIGHT and f.state in ("active", "vanished")],
            "negatives": [f.quote for f in items if f.review_state in WRONG],
            "ambiguous": [f.quote for f in items if f.review_state == "pending" and f.state == "active"],
            "counts": {},
        })
    return rows


def match_label(start: int, end: int, reviewed: list[Finding]) -> str:
    """The review label of the reviewed item an extracted span overlaps most ("" if none)."""
    best, best_overlap = None, 0
    for f in reviewed:
        overlap = min(end, f.end) - max(start, f.start)
        if overlap > best_overlap:
            best, best_overlap = f, overlap
    if best is None:
        return ""
    shorter = max(1, min(end - start, best.end - best.start))
    return label_of(best.review_state) if best_overlap >= MIN_OVERLAP * shorter else ""


@dataclass
class Change:
    """An item one rule set extracts and the other does not, or extracts with other fields."""

    doc: str
    change: str  # added | dropped | changed
    quote: str
    label: str  # right | wrong | "" (not reviewed)
    detail: dict = field(default_factory=dict)


@dataclass
class RulesCheck:
    documents: int
    before_version: str
    after_version: str
    before: dict
    after: dict
    rules: dict[str, tuple[Tally, Tally]]
    changes: list[Change]

    def changed_rules(self) -> dict[str, tuple[Tally, Tally]]:
        return {r: (b, a) for r, (b, a) in self.rules.items() if b.as_dict() != a.as_dict()}


def _key(doc: Document) -> str:
    return f"{doc.id}-{doc.name}"


def _extract_rows(doc: Document, rules: RuleSet) -> list[tuple[dict, set[str], int, int]]:
    routing = load_routing()
    out = []
    for d in extract(as_read_document(doc), rules).findings:
        row = {"doc": _key(doc), "quote": d.quote, "subject": d.subject, "category": d.category,
               "severity": d.severity, "route": routing.decide(d.subject, d.severity, d.category).route}
        out.append((row, {h.rule_id for h in d.hits if h.kind != "veto"}, d.start, d.end))
    return out


def check_rules(session: Session, candidate: RuleSet, current: RuleSet) -> RulesCheck:
    """Run both rule sets over every reviewed document's stored blocks; score both against the
    reviewers' gold; tally each rule on the reviewed items; list the items that change."""
    docs = reviewed_documents(session)
    gold = gold_rows(session, docs)
    for line, doc in zip(gold, docs):  # scored by file stem: two files may share one, ids may not
        line["doc"] = _key(doc)
    preds: dict[str, list[dict]] = {"before": [], "after": []}
    tallies: dict[str, dict[str, Tally]] = {"before": {}, "after": {}}
    changes: list[Change] = []
    for doc in docs:
        reviewed = list(session.exec(select(Finding).where(Finding.document_id == doc.id,
                                                          Finding.review_state != "pending")).all())
        by_side = {}
        for side, rules in (("before", current), ("after", candidate)):
            rows = _extract_rows(doc, rules)
            by_side[side] = {unify(r["quote"]): (r, s, e) for r, _, s, e in rows}
            for row, fired, start, end in rows:
                preds[side].append(row)
                label = match_label(start, end, reviewed)
                for rule_id in fired:
                    tallies[side].setdefault(rule_id, Tally()).add(label)
        before, after = by_side["before"], by_side["after"]
        for key in sorted(set(before) | set(after), key=lambda k: (before.get(k) or after[k])[1]):
            if key in before and key in after:
                b, a = before[key][0], after[key][0]
                diff = {f: [b[f], a[f]] for f in ("subject", "category", "severity", "route") if b[f] != a[f]}
                if diff:
                    changes.append(Change(doc.name, "changed", a["quote"],
                                          match_label(after[key][1], after[key][2], reviewed), diff))
                continue
            row, start, end = before[key] if key in before else after[key]
            changes.append(Change(doc.name, "dropped" if key in before else "added", row["quote"],
                                  match_label(start, end, reviewed)))
    rule_ids = sorted(set(tallies["before"]) | set(tallies["after"]))
    return RulesCheck(
        documents=len(docs), before_version=current.version, after_version=candidate.version,
        before=score(gold, preds["before"]), after=score(gold, preds["after"]),
        rules={r: (tallies["before"].get(r, Tally()), tallies["after"].get(r, Tally())) for r in rule_ids},
        changes=changes)
