"""Review queue speed at scale: 100,000 findings, p95 of the /findings page on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_review_list.py [--findings 100000] [--runs 40] [--sqlite-only]

Fills a throwaway ledger (SQLite in a temporary folder; PostgreSQL in a temporary database on
ZHENGGAI_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres, dropped afterwards),
then times whole requests through the real app (session check, scope filter, queue query, count,
rendering) for a reviewer whose scope is 5 of 20 units: the first page, a filtered page (category +
route), and the next page (keyset cursor, pages 2 and 20). Target: p95 <= 150 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from models import vocabulary as V  # noqa: E402
from models.accounts import add_user  # noqa: E402
from models.db import get_engine, session_scope  # noqa: E402
from models.settings import Settings  # noqa: E402
from models.tables import Document, Finding, FindingRule  # noqa: E402

UNITS = [f"某县第{i}局党组" for i in range(1, 21)]
PASSWORD = "bench-password-1"
TARGET_MS = 150.0


def fill(url: str, n: int) -> None:
    rng = random.Random(7)
    engine = get_engine(url)
    docs_n = max(1, n // 1000)
    with engine.begin() as conn:
        conn.execute(insert(Document), [{"sha256": f"{i:064x}", "name": f"巡察反馈意见{i}.pdf", "unit": UNITS[i % 20],
                                         "size": 1, "file_type": "pdf", "stored_as": "", "status": "ingested",
                                         "reason": "", "message": "", "kind": "feedback", "title": "", "issuer": "",
                                         "doc_date": "", "reader": "", "warnings": [], "blocks": [], "counts": {},
                                         "rules_version": "bench", "pages": 10}
                                        for i in range(docs_n)])
        doc_ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM document ORDER BY id")]
        categories, routes = list(V.CATEGORIES), list(V.ROUTES)
        states = ["pending"] * 6 + ["accepted", "corrected", "rejected"]
        batch = []
        for i in range(n):
            d = i // 1000 % docs_n
            batch.append({"fingerprint": uuid.UUID(int=rng.getrandbits(128)).hex + f"{i:032x}"[:32],
                          "document_id": doc_ids[d], "quote": f"某单位在第{i}项工作中存在落实不到位、推诿扯皮问题，群众反映较多。",
                          "page": 1 + i % 10, "section": ["一、巡察发现的主要问题"], "start": i, "end": i + 30,
                          "subject": "unit", "category": rng.choice(categories), "severity": "structural",
                          "person": "", "post": "", "unit": UNITS[d % 20], "route": rng.choice(routes),
                          "route_reason": "", "hits": [{"rule_id": f"rule_{rng.randrange(60)}", "kind": "keyword",
                                                        "matched": "推诿扯皮", "weight": 1.0}],
                          "vetoes": [], "explanation": "", "score": round(rng.uniform(1, 6), 1),
                          "rules_version": "bench", "origin": "extracted", "state": "active", "corrected": False,
                          "review_state": rng.choice(states), "reviewed_by": ""})
            if len(batch) == 5000:
                conn.execute(insert(Finding), batch)
                batch = []
        if batch:
            conn.execute(insert(Finding), batch)
        rules = [{"finding_id": fid, "rule_id": (json.loads(h) if isinstance(h, str) else h)[0]["rule_id"]}
                 for fid, h in conn.exec_driver_sql("SELECT id, hits FROM finding")]
        for i in range(0, len(rules), 5000):
            conn.execute(insert(FindingRule), rules[i:i + 5000])
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
    if engine.dialect.name == "postgresql":  # what autovacuum does to a table this size soon after loading
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE finding")
    with session_scope(url) as s:
        add_user(s, "bench", "reviewer", PASSWORD, UNITS[:5])


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def measure(settings: Settings, runs: int) -> dict[str, tuple[float, float]]:
    from fastapi.testclient import TestClient

    from web.app import create_app

    client = TestClient(create_app(settings))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]

    def timed(url: str) -> tuple[float, str]:
        t = time.perf_counter()
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        return (time.perf_counter() - t) * 1000, r.text

    def next_url(html: str) -> str:
        return re.search(r'id="next-page" href="([^"]+)"', html).group(1).replace("&amp;", "&")

    cases = {"first page": lambda: "/findings",
             "filtered": lambda: "/findings?category=conduct&route=rectification&review=pending",
             "rule filter": lambda: "/findings?rule=rule_7&review=all"}
    out: dict[str, list[float]] = {k: [] for k in (*cases, "next page (2)", "next page (20)")}
    _, first = timed("/findings")  # warm-up
    page2 = next_url(first)
    html = first
    for _ in range(19):
        html = timed(next_url(html))[1]
    page20 = next_url(html) if 'id="next-page"' in html else page2
    for _ in range(runs):
        for name, url in cases.items():
            out[name].append(timed(url())[0])
        out["next page (2)"].append(timed(page2)[0])
        out["next page (20)"].append(timed(page20)[0])
    client.close()
    return {k: (statistics.median(v), p95(v)) for k, v in out.items()}


def report(label: str, fill_s: float, results: dict[str, tuple[float, float]]) -> None:
    print(f"\n{label}: filled in {fill_s:.1f} s")
    print(f"  {'request':<18}{'median ms':>10}{'p95 ms':>10}  target <= {TARGET_MS:.0f} ms")
    for name, (med, p) in results.items():
        print(f"  {name:<18}{med:>10.1f}{p:>10.1f}  {'ok' if p <= TARGET_MS else 'OVER'}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--sqlite-only", action="store_true")
    args = ap.parse_args()
    print(f"Review queue: {args.findings:,} findings in {max(1, args.findings // 1000)} documents, "
          f"reviewer scoped to 5 of 20 units, {args.runs} runs per request")
    with tempfile.TemporaryDirectory(prefix="zg-bench-review-") as tmp:
        home = Path(tmp) / "home"
        settings = Settings(home=home, database_url=f"sqlite:///{home / 'zhenggai.db'}")
        settings.ensure_dirs()
        t = time.perf_counter()
        fill(settings.database_url, args.findings)
        report("SQLite", time.perf_counter() - t, measure(settings, args.runs))
        if args.sqlite_only:
            return 0
        import psycopg

        admin = os.environ.get("ZHENGGAI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"zg_bench_{uuid.uuid4().hex[:10]}"
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=5) as c:
                c.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as exc:
            print(f"\nPostgreSQL not reachable ({exc.__class__.__name__}); skipped")
            return 0
        url = admin.rsplit("/", 1)[0] + "/" + name
        try:
            pg = Settings(home=home, database_url=url)
            t = time.perf_counter()
            fill(url, args.findings)
            report("PostgreSQL", time.perf_counter() - t, measure(pg, args.runs))
        finally:
            from models.db import _engine

            _engine.cache_clear()
            get_engine  # noqa: B018  (engines are rebuilt on demand; the old pool is released below)
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
