"""Rectification reports matched back to their tasks, on real files: the hand-made links of the
dev set (dev01 → dev04, dev02 → dev08), both orders of ingestion, and an invented overstated report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from extractors.pipeline import analyse, default_rules
from extractors.report_items import item_status, status_cell
from models.db import session_scope
from models.figures import AGREE, BEYOND, DISAGREE, check_figures, overall, report_check, verdict
from models.followup import NOT_REPORTED, containment, relink_all
from models.intake import ingest_file
from models.tables import Document, Finding, ReportItem, Task
from tests.conftest import DEVSET

DATA = Path(__file__).resolve().parent.parent / "data" / "followup"
LINKS = DEVSET / "links.jsonl"


def _norm(text: str) -> str:
    return "".join((text or "").split()).replace("‘", "“").replace("’", "”")


def _covers(finding: Finding, gold_quote: str) -> bool:
    """The task's finding states the gold finding (the scorer's 60% cover), or is the one finding
    under the numbered heading that the gold quote is (2.意识形态工作责任制落实不到位)."""
    heading = finding.section[-1] if finding.section else ""
    return any(_norm(gold_quote) in _norm(text) or containment(gold_quote, text) >= 0.6
               for text in (finding.quote, heading))


def _ingest(settings, *names: str) -> None:
    for name in names:
        path = DEVSET / name if not Path(name).is_absolute() else Path(name)
        assert ingest_file(path, settings, analyse).status == "ingested"


def link_figures(settings, report: str) -> dict:
    """Compare the ledger with links.jsonl for one report; returns the counts the closing note gives."""
    gold = [json.loads(line) for line in LINKS.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = [g for g in gold if g["report"] == report]
    out = {"items": 0, "right": 0, "wrong": 0, "unlinked": 0, "status_right": 0, "proposals_right": 0,
           "not_mentioned": 0, "flagged": 0}
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.name.startswith(report))).one()
        items = s.exec(select(ReportItem).where(ReportItem.document_id == doc.id)).all()
        tasks = {t.id: (t, s.get(Finding, t.finding_id)) for t in s.exec(select(Task)).all()}
        answered = {i.task_id for i in items if i.task_id}
        for g in gold:
            if g["item"] is None:
                out["not_mentioned"] += 1
                own = [t for t, f in tasks.values() if _covers(f, g["finding_quote"])]
                assert own, f"no task for {g['finding_quote']}"
                if any(NOT_REPORTED in (t.flags or []) and t.id not in answered for t in own):
                    out["flagged"] += 1
                continue
            out["items"] += 1
            item = next(i for i in items if _norm(i.text) == _norm(g["item_text"]))
            if item.task_id is None:
                out["unlinked"] += 1
                continue
            task, finding = tasks[item.task_id]
            if _covers(finding, g["finding_quote"]):
                out["right"] += 1
            else:
                out["wrong"] += 1
            out["status_right"] += item.stated == g["status"]
            proposed = task.status == "待销号" and task.measure == item.measures
            out["proposals_right"] += proposed == (g["status"] == "done")
    return out


@pytest.mark.parametrize("order,report", [
    (("dev01.docx", "dev04.docx"), "dev04"),
    (("dev04.docx", "dev01.docx"), "dev04"),
    (("dev02.docx", "dev08.docx"), "dev08"),
    (("dev08.docx", "dev02.docx"), "dev08"),
])
def test_report_items_link_to_the_tasks_links_jsonl_names(settings, order, report):
    _ingest(settings, *order)
    fig = link_figures(settings, report)
    print(report, order, fig)
    assert fig["wrong"] == 0
    assert fig["right"] >= 0.9 * fig["items"]
    assert fig["status_right"] == fig["right"]
    assert fig["proposals_right"] == fig["right"]  # close-out proposed exactly for the done items
    # every finding the report never mentions has a task of its own, flagged 未报告
    assert fig["flagged"] == fig["not_mentioned"] > 0
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.name.startswith(report))).one()
        own_tasks = s.exec(select(Task).join(Finding, Finding.id == Task.finding_id)
                           .where(Finding.document_id == doc.id)).all()
        assert own_tasks == []  # a report opens no task


def test_linking_is_idempotent_and_keeps_the_persons_decisions(settings):
    _ingest(settings, "dev02.docx", "dev08.docx")
    with session_scope(settings.database_url) as s:
        before = {t.id: (t.status, tuple(t.flags or [])) for t in s.exec(select(Task)).all()}
        proposed = next(t for t in s.exec(select(Task)).all() if t.status == "待销号")
        from models import ledger
        ledger.approve(s, proposed, "李四")  # a person approves the report's close-out proposal
    with session_scope(settings.database_url) as s:
        relink_all(s)
        relink_all(s)
    with session_scope(settings.database_url) as s:
        after = {t.id: (t.status, tuple(t.flags or [])) for t in s.exec(select(Task)).all()}
    before[proposed.id] = ("已销号", before[proposed.id][1])
    assert after == before


def test_a_send_back_stands_when_the_unit_is_relinked(settings):
    _ingest(settings, "dev01.docx", "dev04.docx")
    from models import ledger

    with session_scope(settings.database_url) as s:
        proposed = next(t for t in s.exec(select(Task)).all() if t.status == "待销号")
        ledger.send_back(s, proposed, "李四", "佐证材料不足")
    with session_scope(settings.database_url) as s:
        relink_all(s)
    with session_scope(settings.database_url) as s:
        assert s.get(Task, proposed.id).status == "进行中"


@pytest.mark.parametrize("body,stated", [
    ("制定整改方案，逐项落实。该问题已完成整改。", "done"),
    ("已完成整改", "done"),
    ("相关问题已整改到位", "done"),
    ("该问题已整改。", "done"),
    ("副局长人选正在按程序考察。该问题正在整改中。", "in_progress"),
    ("已消化超配职数2名，剩余1名将于年底前消化到位。该问题正在整改中。", "in_progress"),
    ("正在开展专项检查。该问题已完成整改。", "done"),  # the last statement decides
    ("已基本完成，仍需长期坚持。", "in_progress"),  # in one sentence, a "still" word wins
    ("修订了管理办法，开展专项检查。", "unclear"),
    ("", "unclear"),
])
def test_stated_status(body, stated):
    assert item_status(body, default_rules()) == stated


@pytest.mark.parametrize("cell,stated", [
    ("完成", "done"), ("已完成。", "done"), ("办结", "done"),
    ("进行中", "in_progress"), ("未完成", "in_progress"), ("基本完成", "in_progress"),
    ("已追回资金12万元", "done"),  # not a bare word: read as any item's words
    ("见附件", "unclear"),
])
def test_a_status_column_cell_holds_a_bare_word(cell, stated):
    assert status_cell(cell, default_rules()) == stated


def test_overstated_report_is_shown_as_disagreeing(any_settings):
    settings = any_settings
    _ingest(settings, str(DATA / "overstated_report.txt"), str(DATA / "round1_feedback.txt"))
    with session_scope(settings.database_url) as s:
        report = s.exec(select(Document).where(Document.kind == "rectification")).one()
        figures = {f.key: f for f in check_figures(s, report)}
        assert (figures["problems_total"].stated, figures["problems_total"].ledger,
                figures["problems_total"].verdict) == (4, 4, AGREE)
        rectified = figures["problems_rectified"]
        assert (rectified.stated, rectified.ledger, rectified.verdict) == (4, 1, DISAGREE)
        assert rectified.sentence == "已完成整改：报告4，台账1，不一致"
        assert overall(list(figures.values())) == DISAGREE
        check = report_check(s, report)
        assert [i["text"] for i in check["unmatched"]] == ["食堂采购管理不规范"]  # listed, not guessed
        assert len(check["not_reported"]) == 2
        assert check["verdict"] == DISAGREE


PERSONS_REPORT = """中共某县市场监督管理局党组关于县委第四巡察组巡察反馈意见整改情况的通报
根据县委统一部署，2024年9月2日至10月25日，县委第四巡察组对某县市场监督管理局党组开展了常规巡察。现将整改情况通报如下。
一、整改工作总体情况
{stated}
二、具体问题整改情况
1.关于“登记注册窗口主任许某某工作推诿扯皮”问题的整改。局党组书记与许某某谈话，督促其逐件答复企业咨询。该问题已完成整改。
2.关于“稽查科科长邓某某不如实报告个人有关事项”问题的整改。按照干部管理权限对邓某某予以诫勉，责令其补报。该问题已完成整改。
3.关于“食品科副科长顾某某违规使用公务用车”问题的整改。对顾某某进行批评教育，责令其补缴相关费用。该问题{third}。
4.关于“执法装备管理混乱”问题的整改。对快检设备逐台清点造册，账实已核对一致。该问题已完成整改。
中共某县市场监督管理局党组
2025年1月10日
"""


@pytest.mark.parametrize("stated,third,want", [
    # 许某某's talk is a done 提醒谈话 task (its evidence names no other disposal); 邓某某's evidence
    # says 诫勉; 顾某某's 批评教育 counts only once the report calls that item done
    ("巡察反馈问题4个，已完成整改3个。整改中提醒谈话1人，诫勉1人。", "正在整改中",
     {"problems_total": (4, 4, AGREE), "problems_rectified": (3, 3, AGREE),
      "reminder_talk": (1, 1, AGREE), "admonishment": (1, 1, AGREE)}),
    ("巡察反馈问题4个，已完成整改4个。整改中提醒谈话3人，诫勉1人，批评教育1人。", "正在整改中",
     {"problems_total": (4, 4, AGREE), "problems_rectified": (4, 3, DISAGREE),
      "reminder_talk": (3, 1, BEYOND), "admonishment": (1, 1, AGREE), "criticism_education": (1, 0, BEYOND)}),
    ("巡察反馈问题4个，已完成整改4个。整改中提醒谈话1人，诫勉1人，批评教育1人。", "已完成整改",
     {"problems_total": (4, 4, AGREE), "problems_rectified": (4, 4, AGREE),
      "reminder_talk": (1, 1, AGREE), "admonishment": (1, 1, AGREE), "criticism_education": (1, 1, AGREE)}),
    ("巡察反馈问题4个，已完成整改4个。整改中提醒谈话2人，诫勉2人，批评教育1人。", "已完成整改",
     {"problems_total": (4, 4, AGREE), "problems_rectified": (4, 4, AGREE),
      "reminder_talk": (2, 1, BEYOND), "admonishment": (2, 1, BEYOND), "criticism_education": (1, 1, AGREE)}),
])
def test_person_counts_a_report_states_are_checked_against_the_ledger(settings, tmp_path, stated, third, want):
    report = tmp_path / "整改情况通报.txt"
    report.write_text(PERSONS_REPORT.format(stated=stated, third=third), encoding="utf-8")
    _ingest(settings, str(DATA / "persons_feedback.txt"), str(report))
    with session_scope(settings.database_url) as s:
        doc = s.exec(select(Document).where(Document.kind == "rectification")).one()
        assert doc.counts == {k: v[0] for k, v in want.items()}
        figures = check_figures(s, doc)
        assert {f.key: (f.stated, f.ledger, f.verdict) for f in figures} == want
        # talks to more people than the feedback named are shown, but contradict nothing
        assert overall(figures) == (DISAGREE if any(v[2] == DISAGREE for v in want.values()) else AGREE)


@pytest.mark.parametrize("said,have,tolerance,person_count,want", [
    (4, 4, 0, False, AGREE), (4, 3, 0, False, DISAGREE), (3, 4, 0, False, DISAGREE), (5, 4, 1, False, AGREE),
    (3, 1, 0, True, BEYOND),  # the unit talked to people the ledger does not hold
    (1, 2, 0, True, DISAGREE),  # fewer talks than the ledger shows held: the report contradicts it
    (2, 2, 0, True, AGREE),
])
def test_figure_verdicts(said, have, tolerance, person_count, want):
    assert verdict(said, have, tolerance, person_count) == want
