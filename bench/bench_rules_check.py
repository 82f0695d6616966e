"""The review loop on the dev set: how long `rules stats` and `rules check` take, and what they show.

    .venv/bin/python bench/bench_rules_check.py [DOCS_DIR] [--gold GOLD] [--limit N]

Ingests the dev set's .docx files into a throwaway SQLite ledger, plays a reviewer who decides
each extracted item from the hand labels (accept when most of it is gold text, else reject), then
times rule_stats and check_rules (candidate: the packaged rules without one rule) and prints
the rules with the lowest precision and what the candidate changes.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEVSET = ROOT.parent / "shared" / "devset"


def mostly_gold(quote: str, gold: list[str]) -> bool:
    from extractors.scoring import unify

    q = unify(quote)
    for g in gold:
        blocks = SequenceMatcher(None, q, unify(g), autojunk=False).get_matching_blocks()
        if sum(n for _, _, n in blocks if n >= 4) >= 0.6 * len(q):
            return True
    return False


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("docs", nargs="?", default=str(DEVSET))
    ap.add_argument("--gold", default=None)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--drop", default="problem.generic.omission", help="the candidate: the rules without this one")
    args = ap.parse_args()
    docs = sorted(Path(args.docs).glob("*.docx"))[: args.limit or None]
    gold_path = Path(args.gold or Path(args.docs) / "gold.jsonl")
    home = Path(tempfile.mkdtemp(prefix="zg-bench-review-"))
    os.environ["ZHENGGAI_HOME"] = str(home)
    os.environ["ZHENGGAI_DATABASE_URL"] = f"sqlite:///{home}/bench.db"
    import yaml
    from sqlmodel import select

    from extractors.pipeline import analyse
    from extractors.rules import RULES_DIR, load_rules
    from extractors.scoring import load_jsonl
    from models import review
    from models.db import session_scope
    from models.intake import ingest_file
    from models.review_loop import check_rules, rule_stats
    from models.settings import get_settings
    from models.tables import Document, Finding

    settings = get_settings()
    gold = {Path(g["doc"]).stem: [f["quote"] for f in g["findings"]] for g in load_jsonl(gold_path)}
    t = time.perf_counter()
    for path in docs:
        ingest_file(path, settings, analyse)
    print(f"ingested {len(docs)} documents in {time.perf_counter() - t:.1f} s")
    with session_scope(settings.database_url) as s:
        decided = {"accepted": 0, "rejected": 0}
        for doc in s.exec(select(Document)).all():
            for f in s.exec(select(Finding).where(Finding.document_id == doc.id)).all():
                if mostly_gold(f.quote, gold.get(Path(doc.name).stem, [])):
                    review.accept(s, "bench", f)
                    decided["accepted"] += 1
                else:
                    review.reject(s, "bench", f, "bench")
                    decided["rejected"] += 1
    print(f"reviewer decisions: {decided}")
    cand = home / "candidate"
    shutil.copytree(RULES_DIR, cand)
    problems = yaml.safe_load((cand / "problems.yaml").read_text(encoding="utf-8"))
    problems["rules"] = [r for r in problems["rules"] if r["id"] != args.drop]
    (cand / "problems.yaml").write_text(yaml.safe_dump(problems, allow_unicode=True), encoding="utf-8")
    current, candidate = load_rules(), load_rules(cand)
    with session_scope(settings.database_url) as s:
        t = time.perf_counter()
        stats = rule_stats(s)
        t_stats = time.perf_counter() - t
        t = time.perf_counter()
        result = check_rules(s, candidate, current)
        t_check = time.perf_counter() - t
    print(f"rules stats: {len(stats)} rules in {t_stats * 1000:.0f} ms")
    print(f"rules check: {result.documents} reviewed documents, both rule sets, in {t_check:.2f} s")
    worst = sorted((t for t in stats.items() if t[1].precision is not None), key=lambda kv: kv[1].precision)[:8]
    for rule_id, tally in worst:
        print(f"  {rule_id:<42} right {tally.right:>3} wrong {tally.wrong:>3} precision {tally.precision:.2f}")
    for name, r in (("current", result.before), ("candidate", result.after)):
        f = r["findings"]
        print(f"{name:<10} precision {f['precision']} recall {f['recall']} f1 {f['f1']} "
              f"rejected items extracted {r['negatives']['wrongly_extracted']}/{r['negatives']['total']}")
    print(f"items that change: {len(result.changes)}; rules whose precision changes: {len(result.changed_rules())}")
    by_kind: dict[tuple[str, str], int] = {}
    for c in result.changes:
        by_kind[(c.change, c.label or "unreviewed")] = by_kind.get((c.change, c.label or "unreviewed"), 0) + 1
    print("  " + ", ".join(f"{k[0]} {k[1]}: {n}" for k, n in sorted(by_kind.items())))
    for rule_id, (b, a) in list(result.changed_rules().items())[:8]:
        print(f"  {rule_id:<42} {b.right}/{b.right + b.wrong} -> {a.right}/{a.right + a.wrong}")
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
