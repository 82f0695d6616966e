"""Deadlines and owners from the text, table-driven; the routing table's escalation and owners."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.assign import DocumentContext, plan_task
from models.deadlines import add_months, document_terms, lead_body, parse_term, table_columns
from models.routing import load_routing
from models.tables import Finding

START = date(2024, 5, 20)
TERMS = {"immediate_days": 7, "long_term_review_days": 180}


@pytest.mark.parametrize("text,cell,deadline,source", [
    ("对该问题立行立改", False, date(2024, 5, 27), "stated"),
    ("立即整改", False, date(2024, 5, 27), "stated"),
    ("限期3个月整改到位", False, date(2024, 8, 20), "stated"),
    ("限期两个月完成", False, date(2024, 7, 20), "stated"),
    ("在收到反馈意见后2个月内整改完毕", False, date(2024, 7, 20), "stated"),
    ("六个月内完成清理", False, date(2024, 11, 20), "stated"),
    ("限期15天", False, date(2024, 6, 4), "stated"),
    ("30日内报送", False, date(2024, 6, 19), "stated"),
    ("于9月30日前完成", False, date(2024, 9, 30), "stated"),
    ("于3月1日前完成", False, date(2025, 3, 1), "stated"),  # no year and already past: next year
    ("2024年10月底前完成", False, date(2024, 10, 31), "stated"),
    ("年底前消化到位", False, date(2024, 12, 31), "stated"),
    ("2024年12月底", True, date(2024, 12, 31), "stated"),  # a table's deadline cell
    ("2024年9月30日", True, date(2024, 9, 30), "stated"),
    ("长期坚持", False, date(2024, 11, 16), "long_term"),
    ("长期坚持，每季度复查一次", False, date(2024, 8, 19), "long_term"),
])
def test_deadline_phrases(text, cell, deadline, source):
    term = parse_term(text, START, TERMS, cell=cell)
    assert term is not None and (term.deadline, term.source) == (deadline, source)
    assert term.phrase and term.phrase.split("（")[0] in text  # the words it came from


@pytest.mark.parametrize("text", [
    "2024年3月11日至4月30日，市委第二巡察组开展了巡察",  # history, not a deadline
    "党委副书记空缺8个月",
    "财务制度执行不严",
    "",
])
def test_no_deadline_in_plain_statements(text):
    assert parse_term(text, START, TERMS) is None


def test_month_arithmetic_keeps_to_the_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)


def test_document_term_is_the_report_not_the_plan():
    paras = ["请局党组认真研究，在收到反馈意见后30日内报送整改方案，2个月内报送整改情况报告。",
             "对问题清单中明确为“立行立改”的事项，要在10日内整改到位。"]
    term, terms = document_terms(paras, START, TERMS)
    assert (term.deadline, term.source, term.phrase) == (date(2024, 7, 20), "document", "2个月内")
    assert terms["immediate_days"] == 10


def test_owner_columns_and_lead_body():
    cols = table_columns(["序号", "问题描述", "责任单位", "责任领导", "整改时限"],
                         ["1", "财务报销把关不严", "财务科", "副局长刘某", "2024年9月底"])
    assert cols == {"owner": "财务科", "leader": "副局长刘某", "deadline": "2024年9月底"}
    assert lead_body("由镇纪委牵头对各村财务公开情况进行季度检查") == "镇纪委"


def _finding(subject, route, person="", quote="问题", start=0, end=2):
    return Finding(fingerprint="f", document_id=1, quote=quote, subject=subject, category="duty",
                   severity="minor", route=route, person=person, start=start, end=end)


ROW_BLOCKS = [
    {"text": "序号｜问题描述｜责任主体｜整改时限", "kind": "table_row", "table": 0, "row": 0, "offset": 0},
    {"text": "1｜科长陈某某推诿扯皮｜陈某某｜立行立改", "kind": "table_row", "table": 0, "row": 1, "offset": 19},
    {"text": "2｜档案管理混乱｜办公室｜2024年9月底", "kind": "table_row", "table": 0, "row": 2, "offset": 41},
]


@pytest.mark.parametrize("finding,route,owner,source", [
    # a reminder talk is held by the unit's principal leader, never by the person in the finding
    (_finding("individual", "reminder_talk", "陈某某", "科长陈某某推诿扯皮", 21, 30), "reminder_talk",
     "某县某局主要负责人", "stated"),
    (_finding("unit", "rectification", "", "档案管理混乱", 43, 49), "rectification", "办公室", "stated"),
    (_finding("individual", "discipline_referral", "陈某某", "科长陈某某推诿扯皮", 21, 30),
     "discipline_referral", "某县纪委监委", "stated"),
    (_finding("team", "team_adjustment"), "team_adjustment", "某县委组织部", "routing"),
    (_finding("team", "rectification"), "rectification", "某县某局领导班子", "routing"),
    (_finding("unit", "admonishment_talk"), "admonishment_talk", "某县委组织部", "routing"),
])
def test_who_acts(finding, route, owner, source):
    ctx = DocumentContext(START, None, dict(TERMS), "某县委", ROW_BLOCKS)
    plan = plan_task(finding, route, "某县某局", ctx, load_routing())
    assert (plan.owner, plan.deadline_source) == (owner, source)


@pytest.mark.parametrize("subject,quote,route", [
    ("team", "领导班子配备不齐，副局长空缺", "team_adjustment"),
    ("team", "班子成员之间不团结", "team_adjustment"),
    # how a team is run is 班子调整 too (FORMAT.md: "a leadership team's composition or operation")
    ("team", "党组议事规则不健全，决策程序不规范", "team_adjustment"),
    ("team", "“三重一大”事项集体决策不规范", "team_adjustment"),
    ("unit", "议事规则不健全", "rectification"),
])
def test_team_composition_versus_procedure(subject, quote, route):
    assert load_routing().decide(subject, "structural", "team", quote).route == route


@pytest.mark.parametrize("subject,earlier,route,reopen", [
    ("individual", "reminder_talk", "admonishment_talk", False),
    ("individual", "admonishment_talk", "discipline_referral", False),
    ("team", "team_adjustment", "supervised_rectification", False),
    ("team", "rectification", "supervised_rectification", False),
    ("unit", "rectification", "rectification", True),
])
def test_escalation_table(subject, earlier, route, reopen):
    step = load_routing().escalate(subject, earlier)
    assert (step.route, step.reopen) == (route, reopen) and step.reason
    if subject == "team":
        assert step.supervisor


@pytest.mark.parametrize("quote,kind,owner,days", [
    # a team's own rules and procedure: still 班子调整, but the team's own rectification task
    ("党组议事规则不健全，决策程序不规范", "team_own", "某县某局领导班子", 60),
    ("“三重一大”事项未经集体研究即作决定", "team_own", "某县某局领导班子", 60),
    ("民主集中制执行不到位，站务会上由站长一人说了算", "team_own", "某县某局领导班子", 60),
    ("支委会工作规则长期未修订", "team_own", "某县某局领导班子", 60),
    # its composition stays with the organisation department, with the 班子调整 term
    ("领导班子配备不齐，副局长空缺", "", "某县委组织部", 90),
    ("班子年龄结构不合理", "", "某县委组织部", 90),
    ("班子成员之间不团结", "", "某县委组织部", 90),
    ("班子成员分工调整未经集体研究", "", "某县委组织部", 90),
])
def test_a_teams_own_rules_and_procedure_are_its_own_task(quote, kind, owner, days):
    routing = load_routing()
    decision = routing.decide("team", "structural", "team", quote)
    assert decision.route == "team_adjustment"  # the route the evaluation format wants stays
    finding = _finding("team", decision.route, quote=quote, end=len(quote))
    plan = plan_task(finding, decision.route, "某县某局", DocumentContext(START, None, dict(TERMS), "某县委", []), routing)
    assert (plan.kind, plan.owner, plan.deadline, plan.deadline_source) == (
        kind, owner, START + timedelta(days=days), "routing")


def test_a_unit_problem_with_the_same_words_is_no_team_task():
    routing = load_routing()
    assert routing.decide("unit", "structural", "team", "议事规则不健全").route == "rectification"
    assert routing.task_kind("rectification", "unit", "议事规则不健全") is None
