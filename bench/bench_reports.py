"""Report rendering: time and peak memory to compute the figures and write each format for a
ledger of N findings (SQLite, throw-away home). Target: the whole report for 1,000 findings in
under 60 s on one core, PDF included.

    .venv/bin/python bench/bench_reports.py [--findings 1000] [--no-pdf]
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_S = 60.0
UNITS = ["某县财政局党组", "某县教育局党组", "某镇党委", "某县医院党委", "某公司党委"]
CATEGORIES = ["finance", "duty", "conduct", "team", "selection", "party_building"]


def fill(url: str, n: int) -> None:
    """N invented findings over ten reports, routed and tasked by the real store."""
    from extractors.document import Extraction, FindingDraft
    from models.db import session_scope
    from models.store import save_and_route
    from models.tables import Document

    per_doc = max(1, n // 10)
    for d in range(10):
        unit = UNITS[d % len(UNITS)]
        drafts = [FindingDraft(quote=f"第{d}-{i}项：{unit}制度执行不到位，相关台账记录不全，群众反映较多。",
                               page=1 + i // 8, section=("一、主要问题",), block_index=i, start=i * 80,
                               end=i * 80 + 30, subject=("unit", "team", "individual")[i % 3],
                               category=CATEGORIES[i % len(CATEGORIES)],
                               severity=("minor", "structural")[i % 2],
                               person="某某某" if i % 3 == 2 else "", post="科长" if i % 3 == 2 else "")
                  for i in range(per_doc)]
        with session_scope(url) as s:
            doc = Document(sha256=f"{d:064d}", name=f"r{d}.docx", title=f"关于2026年第一轮巡察{unit}的反馈意见",
                           unit=unit)
            save_and_route(s, doc, Extraction(drafts, {"problems_total": per_doc}, "bench"),
                           today=date(2026, 3, 1))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=1000)
    ap.add_argument("--no-pdf", action="store_true")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="zg-bench-reports-"))
    os.environ["ZHENGGAI_HOME"] = str(home)
    os.environ["ZHENGGAI_DATABASE_URL"] = url = f"sqlite:///{home / 'zhenggai.db'}"
    from models.settings import get_settings

    get_settings().ensure_dirs()
    fill(url, args.findings)

    from models.db import session_scope
    from reports import pdf
    from reports.context import build_context
    from reports.ledger_xlsx import write_ledger
    from reports.render import render_html
    from reports.word import render_docx

    out = home / "out"
    times: dict[str, float] = {}
    with session_scope(url) as s:
        t = time.perf_counter()
        ctx = build_context(s, today=date(2026, 9, 1), generated=datetime(2026, 9, 1, 8, 0))
        times["figures"] = time.perf_counter() - t
    for name, step in [("html", lambda: render_html(ctx, out / "r.html")),
                       ("docx", lambda: render_docx(ctx, out / "r.docx")),
                       ("xlsx", lambda: write_ledger(ctx, out / "l.xlsx"))]:
        t = time.perf_counter()
        step()
        times[name] = time.perf_counter() - t
    if not args.no_pdf and pdf.soffice():
        t = time.perf_counter()
        pdf.docx_to_pdf(out / "r.docx", out / "r.pdf")
        times["pdf (LibreOffice)"] = time.perf_counter() - t
    total = sum(times.values())
    print(f"findings: {ctx.figures.n_findings}")
    for name, secs in times.items():
        print(f"  {name:18s} {secs:7.2f} s")
    print(f"  {'total':18s} {total:7.2f} s   (target < {TARGET_S:.0f} s)   peak RSS of this process "
          f"{peak_mb():.0f} MB (LibreOffice runs in its own process)")
    if total > TARGET_S:
        print("ABOVE TARGET")


if __name__ == "__main__":
    main()
