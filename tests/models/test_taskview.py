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
