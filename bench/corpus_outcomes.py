"""Figures for a corpus run: every file given an outcome, by status, reason, type and reader.

    ZHENGGAI_HOME=/tmp/corpus/home zhenggai ingest /tmp/corpus/in
    ZHENGGAI_HOME=/tmp/corpus/home zhenggai documents list --json > /tmp/corpus/docs.json
    .venv/bin/python bench/corpus_outcomes.py /tmp/corpus/docs.json /tmp/corpus/in

Files of the corpus are never committed; this only counts what the ledger recorded for them.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def main(argv: list[str]) -> int:
    rows = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    given = sorted(p.name for d in argv[1:] for p in Path(d).rglob("*") if p.is_file())
    recorded = Counter(r["name"] for r in rows)
    lost = [n for n in given if n not in recorded]
    print(f"files given {len(given)}, entries recorded {len(rows)}, files without an outcome {len(lost)}"
          + (f": {lost[:10]}" if lost else ""))
    print("by status and reason:")
    for (status, reason), n in sorted(Counter((r["status"], r["reason"] or "-") for r in rows).items()):
        print(f"  {status:10s} {reason:22s} {n}")
    print("by file type (name's extension) and status:")
    by_ext = Counter((Path(r["name"]).suffix.lower() or "-", r["status"]) for r in rows)
    for (ext, status), n in sorted(by_ext.items()):
        print(f"  {ext:6s} {status:10s} {n}")
    stored = [r for r in rows if r["status"] in ("ingested", "warning")]
    print("readers of stored documents:", dict(Counter(r["reader"] or "(none: not read)" for r in stored)))
    ocr = [r for r in stored if "ocr" in (r["reader"] or "")]
    print(f"OCR'd documents {len(ocr)}, of which showing an OCR note {sum(any('OCR' in w for w in r['warnings']) for r in ocr)}")
    print(f"stored documents with 0 pages: {sum(r['pages'] == 0 for r in stored)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
