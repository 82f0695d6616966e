"""Extraction on a directory of reports: timing figures and dev-set quality.

    .venv/bin/python bench/bench_extract.py [DOCS_DIR] [--gold GOLD] [--pred OUT.jsonl]
        [--only dev01,dev02] [--ext docx|pdf|all] [--diff]

Prints reading and extraction time per document and the FORMAT.md metrics (own scorer);
--pred writes the prediction JSONL for shared/eval/score.py; --diff lists misses and
false positives per document for tuning; --scale N times one long document.

Cross-split check (tune on one half, check the other):
    bench/bench_extract.py --only dev01,dev02,dev03,dev04,dev05,dev06,dev07,dev08,dev09
    bench/bench_extract.py --only dev10,dev11,dev12,dev13,dev14,dev15,dev16,dev17,dev18
Independent check on the bundled samples (never tuned on until the last pass):
    bench/bench_extract.py samples --ext all
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.findings import extract  # noqa: E402
from extractors.readers import read  # noqa: E402
from extractors.rules import load_rules  # noqa: E402
from extractors.scoring import format_report, load_jsonl, predictions_for, score, unify  # noqa: E402

from tests.conftest import DEVSET as DEFAULT_DIR  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("docs", nargs="?", default=str(DEFAULT_DIR))
    ap.add_argument("--gold", default=None)
    ap.add_argument("--pred", default=None)
    ap.add_argument("--only", default="")
    ap.add_argument("--ext", default="docx", choices=["docx", "pdf", "all"])
    ap.add_argument("--diff", action="store_true")
    ap.add_argument("--full", default=None,
                    help="write every finding and rejected clause with offsets, rule hits and explanation "
                         "(JSONL) to compare two versions of the extraction code exactly")
    ap.add_argument("--scale", type=int, default=0,
                    help="also time one document made of every read document repeated N times")
    args = ap.parse_args()
    docs = Path(args.docs)
    gold_path = Path(args.gold) if args.gold else docs / "gold.jsonl"
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    exts = {"docx": (".docx",), "pdf": (".pdf",), "all": (".docx", ".pdf")}[args.ext]

    t0 = time.perf_counter()
    rules = load_rules()
    t_load = time.perf_counter() - t0
    rows, timing, docs_read, full = [], [], [], []
    for path in sorted(docs.iterdir()):
        if path.suffix.lower() not in exts or (only and path.stem not in only):
            continue
        t1 = time.perf_counter()
        try:
            doc = read(path)
        except Exception as exc:
            print(f"{path.name}: cannot read: {exc}")
            rows.append({"doc": path.name, "counts": {}})
            continue
        t2 = time.perf_counter()
        ex = extract(doc, rules)
        t3 = time.perf_counter()
        timing.append((path.name, len(doc.text), t2 - t1, t3 - t2, len(ex.findings)))
        docs_read.append(doc)
        rows += predictions_for(path.name, ex)
        full += _full_rows(path.name, ex)
    print(f"rules {rules.version}: load {t_load * 1000:.0f} ms")
    for name, n, tr, te, nf in timing:
        print(f"  {name:<22} {n:>6} chars  read {tr * 1000:7.0f} ms  extract {te * 1000:6.0f} ms  findings {nf}")
    if timing:
        tot = sum(t[3] for t in timing)
        chars = sum(t[1] for t in timing)
        print(f"extract total {tot * 1000:.0f} ms for {chars} chars ({chars / max(tot, 1e-9):,.0f} chars/s)")
    if args.scale and docs_read:
        _scale(docs_read, rules, args.scale)
    if args.pred:
        with open(args.pred, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    if args.full:
        with open(args.full, "w", encoding="utf-8") as fh:
            for r in full:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    if gold_path.exists():
        gold = load_jsonl(gold_path)
        stems = {Path(r["doc"]).stem for r in rows}
        gold = [g for g in gold if Path(g["doc"]).stem in stems]
        result = score(gold, rows)
        print(format_report(result, result["per_document"]))
        if args.diff:
            _diff(gold, rows)
    return 0


def _full_rows(name: str, ex) -> list[dict]:
    """Everything the extraction decided for one document, in a stable order."""
    out = [{"doc": name, "kind": ex.kind, "kind_cues": ex.kind_cues, "counts": ex.counts}]
    for label, drafts in (("finding", ex.findings), ("rejected", ex.rejected)):
        for f in drafts:
            out.append({"doc": name, "as": label, "start": f.start, "end": f.end, "quote": f.quote,
                        "subject": f.subject, "category": f.category, "severity": f.severity,
                        "person": f.person, "post": f.post, "score": f.score,
                        "hits": [[h.rule_id, h.kind, h.matched, h.weight] for h in f.hits],
                        "vetoes": [[h.rule_id, h.matched] for h in f.vetoes_considered],
                        "explanation": f.explanation})
    return out


def _scale(docs: list, rules, n: int) -> None:
    """Extraction time on one long document (all blocks of all documents, n times)."""
    from extractors.document import Document

    big = Document(name="scale", blocks=[b for _ in range(n) for d in docs for b in d.blocks])
    big.meta.kind = "feedback"
    big.renumber()
    t0 = time.perf_counter()
    ex = extract(big, rules)
    dt = time.perf_counter() - t0
    print(f"scale x{n}: {len(big.text)} chars, {len(big.blocks)} blocks -> {len(ex.findings)} findings "
          f"in {dt:.2f} s ({len(big.text) / dt:,.0f} chars/s)")


def _diff(gold: list[dict], rows: list[dict]) -> None:
    """Misses (gold not found by any prediction), false positives and field mismatches."""
    from extractors.scoring import _covered, _runs

    by = {Path(g["doc"]).stem: g for g in gold}
    preds: dict[str, list[dict]] = {}
    for r in rows:
        if "quote" in r:
            preds.setdefault(r["doc"], []).append(r)
        else:
            g = by.get(Path(r["doc"]).stem)
            if g and g.get("counts", {}) != {k: v for k, v in r["counts"].items() if k in g.get("counts", {})}:
                print(f"== {r['doc']} COUNTS gold {g.get('counts')} got {r['counts']}")
            elif g and set(r["counts"]) - set(g.get("counts", {})):
                print(f"== {r['doc']} COUNTS extra {set(r['counts']) - set(g.get('counts', {}))}")
    for doc, ps in sorted(preds.items()):
        g = by[Path(doc).stem]
        qs = [unify(p["quote"]) for p in ps]
        print(f"== {doc}")
        for f in g["findings"]:
            gq = unify(f["quote"])
            best, bp = 0.0, None
            for q, p in zip(qs, ps):
                c = _covered(len(gq), _runs(gq, q)[0])
                if c > best:
                    best, bp = c, p
            if best < 0.6:
                print(f"  MISS  {f['quote']}")
            elif bp and any(bp[k] != f[k] for k in ("subject", "severity", "category")):
                diffs = [f"{k}:{bp[k]}!={f[k]}" for k in ("subject", "severity", "category") if bp[k] != f[k]]
                print(f"  FIELD {' '.join(diffs)}  {f['quote']}")
        for q, p in zip(qs, ps):
            good = any(_covered(len(unify(f["quote"])), _runs(unify(f["quote"]), q)[0]) >= 0.6
                       or _covered(len(q), _runs(q, unify(f["quote"]))[0]) >= 0.6 for f in g["findings"])
            neg = any(_covered(len(unify(n)), _runs(unify(n), q)[0]) >= 0.6 for n in g.get("negatives", []))
            if not good or neg:
                print(f"  {'NEG ' if neg else 'FP  '}  {p['quote']}")


if __name__ == "__main__":
    sys.exit(main())
