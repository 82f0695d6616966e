"""Findings in the prediction format of shared/eval/FORMAT.md (one line per finding + counts)."""
from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, select

from models.tables import Document, Finding


def prediction_rows(session: Session) -> list[dict]:
    rows: list[dict] = []
    docs = session.exec(select(Document).order_by(Document.id)).all()
    for d in docs:
        for f in session.exec(select(Finding).where(Finding.document_id == d.id, Finding.state == "active")
                              .order_by(Finding.start)).all():
            row = {"doc": d.name, "quote": f.quote, "subject": f.subject, "category": f.category,
                   "severity": f.severity, "route": f.route, "page": f.page, "section": f.section}
            if f.person:
                row["person"] = f.person
            if f.post:
                row["post"] = f.post
            rows.append(row)
        if d.status != "rejected":
            rows.append({"doc": d.name, "counts": d.counts or {}})
    return rows


def write_jsonl(rows: list[dict], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return out
