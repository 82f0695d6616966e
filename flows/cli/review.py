"""Reviews feed the rules: `rules stats`, `rules check`, `review export --gold`, `review stale`.
The logic lives in models/review_loop.py; these commands only print it."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from flows.cli.common import StaffError, console, new_table, output_path, print_json
from models import vocabulary as V
from models.settings import get_settings

rules_app = typer.Typer(no_args_is_help=True, help="识别规则")
review_app = typer.Typer(no_args_is_help=True, help="审核结果")
LABELS = {"right": "已确认", "wrong": "已驳回", "": "未审核"}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _tally(t) -> str:
    return f"{t.right}/{t.right + t.wrong} {_pct(t.precision)}"


@rules_app.command("stats")
def rules_stats(as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """按审核结果统计每条规则的精确率（确认或修改的为对，驳回的为错）。"""
    from models.db import session_scope
    from models.review_loop import rule_stats

    with session_scope(get_settings().database_url) as s:
        stats = rule_stats(s)
    if as_json:
        sys.stdout.write(json.dumps({r: t.as_dict() for r, t in stats.items()}, ensure_ascii=False, indent=1)
                         + "\n")
        return
    table = new_table("规则精确率（按审核结果）", ("规则", "确认/修改", "驳回", "待审核", "精确率"))
    ordered = sorted(stats.items(), key=lambda kv: (kv[1].precision is None, kv[1].precision or 0, kv[0]))
    for rule_id, t in ordered:
        table.add_row(rule_id, str(t.right), str(t.wrong), str(t.pending), _pct(t.precision))
    console.print(table)
    if not any(t.right + t.wrong for t in stats.values()):
        console.print("尚无审核结果：审核人员确认或驳回问题后，这里会显示每条规则的精确率。")


@rules_app.command("check")
def rules_check(rules_dir: Path = typer.Argument(..., help="候选规则文件夹"),
                as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """用已审核的文件检验候选规则：对比当前规则与候选规则的得分，列出结果有变化的问题。"""
    from extractors.pipeline import default_rules
    from extractors.rules import RuleError, load_rules
    from models.db import session_scope
    from models.review_loop import check_rules

    if not rules_dir.is_dir():
        raise StaffError(f"找不到规则文件夹：{rules_dir}")
    try:
        candidate = load_rules(rules_dir)
    except (RuleError, ValueError) as exc:
        raise StaffError(f"候选规则有误，未能加载：{exc}") from exc
    with session_scope(get_settings().database_url) as s:
        result = check_rules(s, candidate, default_rules())
    if as_json:
        out = {"documents": result.documents, "before_version": result.before_version,
               "after_version": result.after_version,
               "before": {k: result.before[k] for k in ("findings", "strict", "negatives")},
               "after": {k: result.after[k] for k in ("findings", "strict", "negatives")},
               "rules": {r: {"before": b.as_dict(), "after": a.as_dict()} for r, (b, a) in result.rules.items()},
               "changes": [vars(c) for c in result.changes]}
        print_json(out)
        return
    if not result.documents:
        console.print("尚无已审核的文件：请先在审核页面确认或驳回问题，再检验候选规则。")
        return
    console.print(f"已审核文件 {result.documents} 个；当前规则 {result.before_version}，"
                  f"候选规则 {result.after_version}。", highlight=False)
    table = new_table("得分（以审核结果为标准）", ("", "精确率", "召回率", "F1", "逐条精确率", "逐条召回率", "误识别的驳回项"))
    for name, r in (("当前规则", result.before), ("候选规则", result.after)):
        f, st, n = r["findings"], r["strict"], r["negatives"]
        table.add_row(name, _pct(f["precision"]), _pct(f["recall"]), _pct(f["f1"]), _pct(st["precision"]),
                      _pct(st["recall"]), f"{n['wrongly_extracted']}/{n['total']}")
    console.print(table)
    changed = result.changed_rules()
    if changed:
        rt = Table(title="精确率有变化的规则（对/已审核 精确率）")
        for col in ("规则", "当前规则", "候选规则"):
            rt.add_column(col)
        for rule_id, (b, a) in changed.items():
            rt.add_row(rule_id, _tally(b), _tally(a))
        console.print(rt)
    if not result.changes:
        console.print("候选规则对已审核文件的识别结果没有变化。")
        return
    console.print(f"结果有变化的问题 {len(result.changes)} 条（+ 新识别，- 不再识别，~ 字段变化）：")
    marks = {"added": "+", "dropped": "-", "changed": "~"}
    for c in result.changes:
        detail = "；".join(f"{k} {old}→{new}" for k, (old, new) in c.detail.items())
        console.print(f"  {marks[c.change]} [{LABELS[c.label]}] {c.doc}：{c.quote}"
                      + (f"（{detail}）" if detail else ""), highlight=False, markup=False, soft_wrap=True)


@review_app.command("export")
def review_export(gold: Path = typer.Option(..., "--gold", help="输出的标注文件（JSONL）")) -> None:
    """把已审核的文件导出为评测标注格式（确认/修改的为问题，驳回的为反例，待审核的为存疑）。"""
    from models.db import session_scope
    from models.review_loop import gold_rows
    from reports.export import write_jsonl

    output_path(gold)
    with session_scope(get_settings().database_url) as s:
        rows = gold_rows(s)
    write_jsonl(rows, gold)
    console.print(f"已导出已审核文件 {len(rows)} 个，问题 {sum(len(r['findings']) for r in rows)} 条，"
                  f"反例 {sum(len(r['negatives']) for r in rows)} 条：{gold}", highlight=False)


@review_app.command("stale")
def review_stale(as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """列出因规则更新、原问题不再识别而暂不适用的审核意见（保留，未删除）。"""
    from models.db import session_scope
    from models.store import stale_corrections

    with session_scope(get_settings().database_url) as s:
        rows = [{"finding": f.id, "document": f.document_id, "quote": f.quote, "field": c.field, "old": c.old,
                 "new": c.new, "actor": c.actor, "at": c.at.isoformat(), "reason": c.reason}
                for c, f in stale_corrections(s)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("没有暂不适用的审核意见。")
        return
    table = new_table("暂不适用的审核意见（原问题规则更新后未再识别）", ("问题", "原文", "字段", "修改为", "审核人", "理由"))
    for r in rows:
        table.add_row(str(r["finding"]), r["quote"], r["field"], _value(r["field"], r["new"]), r["actor"],
                      r["reason"])
    console.print(table)


def _value(field: str, code: str) -> str:
    words = {"subject": V.SUBJECTS, "category": V.CATEGORIES, "severity": V.SEVERITIES, "route": V.ROUTES,
             "state": V.FINDING_STATES, "review_state": V.REVIEW_STATES}.get(field, {})
    return words.get(code, code)
