"""Scoring extracted findings against hand-labelled gold, as FORMAT.md defines the metrics.

Written from the specification (shared/eval/FORMAT.md) so `zhenggai eval` needs nothing
outside the package; a test checks that it agrees with the reference scorer. Inputs are the
same prediction dicts the export writes: {"doc","quote","subject","category","severity",
"route"} per finding and one {"doc","counts"} per document.
"""
from __future__ import annotations

import json
from collections import defaultdict
from difflib import SequenceMatcher
from pathlib import Path, PurePath

from extractors.document import Extraction

COVER = 0.6  # share of a text that counts as "most of it"
RUN = 4  # shortest aligned run that is not chance
STRETCH, SLACK = 3.0, 60  # a prediction longer than STRETCH * gold + SLACK is a paragraph, not a finding
FIELDS = ("subject", "category", "severity", "route")
_UNIFY = str.maketrans("，。；：（）“”", ",.;:()\"\"")
_EMPTY = " (nothing extracted)"


def route_for(subject: str, severity: str) -> str:
    """The default decision table (the lead's models/ holds the configurable one)."""
    if severity == "serious":
        return "discipline_referral"
    return {"individual": "reminder_talk", "team": "team_adjustment"}.get(subject, "rectification")


def predictions_for(doc_name: str, extraction: Extraction) -> list[dict]:
    """Prediction lines for one document: one per finding plus one counts line."""
    rows = [{"doc": doc_name, "quote": f.quote, "subject": f.subject, "category": f.category,
             "severity": f.severity, "route": route_for(f.subject, f.severity)} for f in extraction.findings]
    rows.append({"doc": doc_name, "counts": dict(extraction.counts)})
    return rows


def unify(text: str) -> str:
    """Drop white space and unify the full-width punctuation PDF extraction varies."""
    return "".join((text or "").split()).translate(_UNIFY)


def _runs(a: str, b: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Spans of a and of b that align in runs long enough not to be chance."""
    if not a or not b:
        return [], []
    floor = min(RUN, len(a), len(b))
    got = [blk for blk in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
           if blk.size and blk.size >= floor]
    return [(x.a, x.a + x.size) for x in got], [(x.b, x.b + x.size) for x in got]


def _covered(n: int, spans) -> float:
    if n == 0:
        return 0.0
    hit = [False] * n
    for s, e in spans:
        for i in range(s, e):
            hit[i] = True
    return sum(hit) / n


def _longest_share(gold: str, pred: str) -> float:
    if not gold or not pred:
        return 0.0
    return SequenceMatcher(None, gold, pred, autojunk=False).find_longest_match(
        0, len(gold), 0, len(pred)).size / len(gold)


def _not_paragraph(gold: str, pred: str) -> bool:
    return len(pred) <= STRETCH * len(gold) + SLACK


def score_document(gold: dict, preds: list[dict], acc: dict) -> dict:
    """Score one document's predictions into the running totals `acc`; return its row."""
    golds = [unify(f["quote"]) for f in gold.get("findings", [])]
    ambiguous = [unify(a) for a in gold.get("ambiguous", [])]
    kept = []
    for p in preds:
        q = unify(p.get("quote", ""))
        amb_spans = [sp for a in ambiguous for sp in _runs(q, a)[0]]
        if _covered(len(q), amb_spans) < COVER:
            kept.append((q, p))
    quotes = [q for q, _ in kept]

    speaks: dict[int, list[tuple[int, list]]] = defaultdict(list)  # gold -> [(pred, gold spans)]
    pred_gold_spans: list[list] = [[] for _ in quotes]
    right: set[int] = set()
    for gi, g in enumerate(golds):
        for pi, q in enumerate(quotes):
            g_sp, q_sp = _runs(g, q)
            if not g_sp:
                continue
            if _covered(len(g), g_sp) >= COVER / 2 or _covered(len(q), q_sp) >= COVER:
                speaks[gi].append((pi, g_sp))
                pred_gold_spans[pi] += q_sp
                if _covered(len(g), g_sp) >= COVER and _not_paragraph(g, q):
                    right.add(pi)
    for pi, q in enumerate(quotes):
        if _covered(len(q), pred_gold_spans[pi]) >= COVER:
            right.add(pi)

    found = 0
    for gi, g in enumerate(golds):
        mine = [(pi, sp) for pi, sp in speaks[gi] if pi in right]
        if _covered(len(g), [s for _, sp in mine for s in sp]) < COVER:
            continue
        found += 1
        per_pred: dict[int, list] = defaultdict(list)
        for pi, sp in mine:
            per_pred[pi] += sp
        best = max(per_pred, key=lambda pi: _covered(len(g), per_pred[pi]))
        want = gold["findings"][gi]
        for f in FIELDS:
            if f in want:
                acc["field_n"][f] += 1
                acc["field_ok"][f] += kept[best][1].get(f) == want[f]

    candidates = sorted(((_longest_share(g, q), gi, pi) for gi, g in enumerate(golds)
                         for pi, q in enumerate(quotes)
                         if _not_paragraph(g, q) and _longest_share(g, q) >= COVER), reverse=True)
    used_g, used_p = set(), set()
    for _, gi, pi in candidates:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)

    neg_hit = sum(1 for n in gold.get("negatives", [])
                  if any(_covered(len(unify(n)), _runs(unify(n), q)[0]) >= COVER for q in quotes))
    acc["neg_n"] += len(gold.get("negatives", []))
    acc["neg_hit"] += neg_hit
    for k, v in (("gold", len(golds)), ("pred", len(quotes)), ("right", len(right)), ("found", found),
                 ("strict", len(used_g))):
        acc[k] += v
    return {"gold": len(golds), "pred": len(quotes), "right": len(right), "found": found,
            "strict_matched": len(used_g), "negatives_hit": neg_hit}


def _prf(tp_p: int, n_p: int, tp_g: int, n_g: int) -> dict:
    p = tp_p / n_p if n_p else 0.0
    r = tp_g / n_g if n_g else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score(gold_rows: list[dict], pred_rows: list[dict]) -> dict:
    """All FORMAT.md metrics over many documents; documents match by file stem."""
    by_stem = {PurePath(g["doc"]).stem: g for g in gold_rows}
    preds: dict[str, list[dict]] = defaultdict(list)
    counts: dict[str, dict] = {}
    for p in pred_rows:
        if PurePath(p.get("doc", "")).stem not in by_stem:
            continue
        if "counts" in p and "quote" not in p:
            counts[p["doc"]] = p["counts"]
        else:
            preds[p["doc"]].append(p)
    docs = sorted(set(preds) | set(counts))
    done = {PurePath(d).stem for d in docs}
    docs += sorted(s + _EMPTY for s in by_stem if s not in done)
    acc = {"field_n": defaultdict(int), "field_ok": defaultdict(int), "neg_n": 0, "neg_hit": 0,
           "gold": 0, "pred": 0, "right": 0, "found": 0, "strict": 0}
    c_ok = c_n = 0
    rows = []
    for d in docs:
        g = by_stem[PurePath(d.removesuffix(_EMPTY)).stem]
        row = score_document(g, preds.get(d, []), acc)
        stated = counts.get(d, {})
        doc_c_ok = sum(stated.get(k) == v for k, v in g.get("counts", {}).items())
        c_ok += doc_c_ok
        c_n += len(g.get("counts", {}))
        rows.append({"doc": d, **row, "counts_exact": doc_c_ok, "counts_total": len(g.get("counts", {}))})
    return {
        "documents_scored": len(docs), "gold_documents": len(gold_rows),
        "findings": {"gold": acc["gold"], "predicted": acc["pred"], "right": acc["right"], "found": acc["found"],
                     **_prf(acc["right"], acc["pred"], acc["found"], acc["gold"]),
                     "predictions_per_found": round(acc["right"] / acc["found"], 3) if acc["found"] else None},
        "strict": {"matched": acc["strict"], **_prf(acc["strict"], acc["pred"], acc["strict"], acc["gold"])},
        "field_accuracy": {f: round(acc["field_ok"][f] / acc["field_n"][f], 4) if acc["field_n"][f] else None
                           for f in FIELDS},
        "negatives": {"total": acc["neg_n"], "wrongly_extracted": acc["neg_hit"]},
        "counts": {"total": c_n, "exact": c_ok, "accuracy": round(c_ok / c_n, 4) if c_n else None},
        "per_document": rows,
    }


def load_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def predict_dir(docs_dir: str | Path, rules=None, only: set[str] | None = None) -> list[dict]:
    """Read every .pdf/.docx in a directory, extract, and return prediction rows."""
    from extractors.findings import extract
    from extractors.readers import read
    from extractors.rules import load_rules

    rules = rules or load_rules()
    rows: list[dict] = []
    for path in sorted(Path(docs_dir).iterdir()):
        if path.suffix.lower() not in (".pdf", ".docx") or (only and path.stem not in only):
            continue
        try:
            doc = read(path)
        except Exception as exc:  # a file that cannot be read scores as "nothing extracted"
            rows.append({"doc": path.name, "counts": {}, "error": str(exc)})
            continue
        rows += predictions_for(path.name, extract(doc, rules))
    return rows


def evaluate_dir(docs_dir: str | Path, gold_path: str | Path, rules=None,
                 only: set[str] | None = None) -> tuple[dict, list[dict]]:
    """Extract every document of a directory and score it: (metrics, per-document rows)."""
    gold = load_jsonl(gold_path)
    if only:
        gold = [g for g in gold if PurePath(g["doc"]).stem in only]
    result = score(gold, predict_dir(docs_dir, rules, only))
    return result, result["per_document"]


def format_report(result: dict, rows: list[dict]) -> str:
    """The metrics as score.py prints them, then a per-document table."""
    f, s, n, c = result["findings"], result["strict"], result["negatives"], result["counts"]
    lines = [
        f"documents scored: {result['documents_scored']} (gold has {result['gold_documents']})",
        f"findings: gold {f['gold']}  predicted {f['predicted']}  right {f['right']}  found {f['found']}"
        f"  (predictions per found finding {f['predictions_per_found']})",
        f"strict, one prediction per gold finding: matched {s['matched']}  precision {s['precision']}"
        f"  recall {s['recall']}  f1 {s['f1']}",
        "field accuracy on found findings: " + ", ".join(f"{k} {v}" for k, v in result["field_accuracy"].items()),
        f"negatives wrongly extracted: {n['wrongly_extracted']} of {n['total']}",
        f"counts exact: {c['exact']} of {c['total']}",
        f"precision {f['precision']}  recall {f['recall']}  f1 {f['f1']}",
        "",
        f"{'document':<34}{'gold':>5}{'pred':>5}{'right':>6}{'found':>6}{'strict':>7}{'neg':>5}{'counts':>8}",
    ]
    for r in rows:
        lines.append(f"{r['doc']:<34}{r['gold']:>5}{r['pred']:>5}{r['right']:>6}{r['found']:>6}"
                     f"{r['strict_matched']:>7}{r['negatives_hit']:>5}{r['counts_exact']:>4}/{r['counts_total']:<3}")
    return "\n".join(lines)
