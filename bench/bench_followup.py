"""The follow-up ledger as it grows: storing feedbacks and their rectification reports (each store
relinks its unit) and relinking the whole ledger after a batch.

    .venv/bin/python bench/bench_followup.py [--units 50] [--problems 15]

Each unit gets one invented feedback (its problems) and one report answering most of them; the
documents are stored straight from drafts (no reading), in a throwaway SQLite ledger.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.document import Extraction, FindingDraft  # noqa: E402
from models.db import session_scope  # noqa: E402
from models.followup import relink_all  # noqa: E402
from models.store import save_and_route  # noqa: E402
from models.tables import Document, ReportItem  # noqa: E402

TOPICS = ["公务接待", "公务用车", "财务报销", "政府采购", "档案管理", "项目验收", "合同管理", "资产登记", "信访办理",
          "安全生产", "干部考核", "党费收缴", "会议记录", "制度修订", "专项资金", "执法检查", "培训经费", "网站管理"]
FAULTS = ["管理不规范", "审核把关不严", "执行不到位", "台账不健全", "监督缺位", "推进迟缓"]


def problems(n: int, unit: int) -> list[str]:
    return [f"{TOPICS[(i + unit) % len(TOPICS)]}{FAULTS[(i * 5 + unit) % len(FAULTS)]}，第{unit}单位抽查发现{i + 2}处问题"
            for i in range(n)]


def drafts(quotes: list[str]) -> list[FindingDraft]:
    out, pos = [], 0
    for q in quotes:
        out.append(FindingDraft(quote=q, page=1, section=("一、主要问题",), block_index=0, start=pos,
                                end=pos + len(q), subject="unit", category="finance", severity="structural"))
        pos += len(q) + 1
    return out


def store(url: str, name: str, kind: str, unit: str, quotes: list[str], day: str, blocks: list[dict]) -> float:
    t0 = time.perf_counter()
    with session_scope(url) as s:
        doc = Document(sha256=f"{abs(hash(name)):064d}"[-64:], name=name, kind=kind, unit=unit, doc_date=day,
                       title=f"关于对{unit}开展巡察的反馈意见" if kind == "feedback" else f"{unit}整改情况的通报",
                       blocks=blocks)
        save_and_route(s, doc, Extraction(drafts(quotes), {}, "bench"), today=date(2025, 1, 1))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=50)
    ap.add_argument("--problems", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        os.environ["ZHENGGAI_DATABASE_URL"] = url
        feedback_s, report_s = [], []
        for u in range(args.units):
            unit = f"某市第{u}局党组"
            quotes = problems(args.problems, u)
            feedback_s.append(store(url, f"fb{u}.docx", "feedback", unit, quotes, "2024-05-20", []))
            answered = quotes[: args.problems * 4 // 5]
            items = [q.split("，")[0] for q in answered]
            body = "\n".join(f"{i + 1}.关于“{t}”问题的整改。已制定整改措施。该问题已完成整改。" for i, t in enumerate(items))
            blocks, pos = [], 0
            for line in body.split("\n"):
                blocks.append({"text": line, "kind": "paragraph", "section": [line[:20]], "offset": pos})
                pos += len(line) + 1
            item_drafts = []
            for b, t in zip(blocks, items):
                start = b["offset"] + b["text"].index(t)
                item_drafts.append((t, start))
            t0 = time.perf_counter()
            with session_scope(url) as s:
                doc = Document(sha256=f"r{u:063d}", name=f"rp{u}.docx", kind="rectification", unit=unit,
                               doc_date="2024-09-10", title=f"{unit}关于巡察反馈意见整改情况的通报", blocks=blocks)
                ds = [FindingDraft(quote=t, page=1, section=(t[:20],), block_index=0, start=st, end=st + len(t),
                                   subject="unit", category="finance", severity="structural") for t, st in item_drafts]
                save_and_route(s, doc, Extraction(ds, {}, "bench"), today=date(2025, 1, 1))
            report_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with session_scope(url) as s:
            relink_all(s)
            linked = sum(1 for r in s.exec(__import__("sqlmodel").select(ReportItem)).all() if r.task_id)
        relink = time.perf_counter() - t0
    n = args.units
    tasks = n * args.problems
    expect = n * (args.problems * 4 // 5)
    print(f"units {n}, tasks {tasks}, report items {expect}, linked {linked}")
    print(f"store feedback: median {statistics.median(feedback_s) * 1000:.0f} ms "
          f"(first 5 {statistics.mean(feedback_s[:5]) * 1000:.0f} ms, last 5 {statistics.mean(feedback_s[-5:]) * 1000:.0f} ms)")
    print(f"store report (links its unit): median {statistics.median(report_s) * 1000:.0f} ms "
          f"(first 5 {statistics.mean(report_s[:5]) * 1000:.0f} ms, last 5 {statistics.mean(report_s[-5:]) * 1000:.0f} ms)")
    print(f"relink the whole ledger: {relink:.2f} s")


if __name__ == "__main__":
    main()
