"""Colours under a frozen clock, and the task records `tasks list --json` prints."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.tables import Task
from models.taskview import colour

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize("status,days_left,expected", [
    ("待办", 30, "green"),
    ("待办", 15, "green"),
    ("待办", 14, "yellow"),  # due within due_soon_days (14 in routing.yaml)
    ("进行中", 0, "yellow"),  # due today
    ("延期", -1, "red"),  # overdue
    ("待办", -40, "red"),
    ("待销号", -5, "green"),  # the unit has done its part; waiting for approval is not its delay
    ("已销号", -5, "green"),
    ("撤销", -5, "green"),
])
def test_colours_under_a_frozen_clock(status, days_left, expected):
    task = Task(finding_id=1, route="rectification", deadline=TODAY + timedelta(days=days_left), status=status)
    assert colour(task, TODAY) == expected


def test_due_soon_days_is_configurable():
    task = Task(finding_id=1, route="rectification", deadline=TODAY + timedelta(days=20), status="待办")
    assert colour(task, TODAY, due_soon_days=30) == "yellow"
    assert colour(task, TODAY, due_soon_days=7) == "green"


def test_a_teams_own_rules_task_is_labelled_in_the_json_records_and_the_workbook(settings, tmp_path):
    """The invented feedback's 议事规则 problem stays 班子调整 but is the team's own task (team_own,
    owned by the team); its 配备不齐 problem is the organisation department's."""
    import openpyxl

    from extractors.pipeline import analyse
    from models import vocabulary as V
    from models.db import session_scope
    from models.intake import ingest_file
    from models.taskview import task_views
    from reports.context import build_context
    from reports.ledger_xlsx import write_ledger
    from tests.conftest import ROOT

    feedback = ROOT / "tests" / "data" / "followup" / "table_feedback.txt"
    assert ingest_file(feedback, settings, analyse).status == "ingested"
    with session_scope(settings.database_url) as s:
        views = {v["quote"][:8]: v for v in task_views(s, TODAY)}
        ctx = build_context(s, today=TODAY)
    own, composition = views["党组会议议事规则"], views["领导班子配备不齐"]
    assert (own["route"], own["task_kind"], own["owner"]) == ("team_adjustment", "team_own", "某县农业农村局党组领导班子")
    assert (composition["route"], composition["task_kind"], composition["owner"]) == (
        "team_adjustment", None, "某县委组织部")
    assert {v["task_kind"] for q, v in views.items() if q not in ("党组会议议事规则",)} == {None}
    ws = openpyxl.load_workbook(write_ledger(ctx, tmp_path / "l.xlsx"))["整改台账"]
    header = [c.value for c in ws[1]]
    kinds = {r[header.index("问题描述")][:8]: r[header.index("任务类型")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert kinds["党组会议议事规则"] == V.TASK_KINDS["team_own"] and kinds["领导班子配备不齐"] in ("", None)
