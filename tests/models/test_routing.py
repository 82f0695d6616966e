from datetime import date

import pytest

from models.routing import load_routing


@pytest.mark.parametrize("subject,severity,route", [
    ("individual", "minor", "reminder_talk"),
    ("individual", "serious", "discipline_referral"),
    ("unit", "serious", "discipline_referral"),
    ("team", "structural", "team_adjustment"),
    ("unit", "structural", "rectification"),
])
def test_decision_table_defaults(subject, severity, route):
    d = load_routing().decide(subject, severity)
    assert d.route == route
    assert d.reason  # every decision says why, in Chinese


def test_every_route_has_a_deadline():
    table = load_routing()
    start = date(2026, 1, 1)
    for route in ("reminder_talk", "team_adjustment", "discipline_referral", "rectification"):
        assert table.deadline(route, start) > start


def test_table_without_catch_all_is_rejected(tmp_path):
    bad = tmp_path / "r.yaml"
    bad.write_text("rules:\n  - {id: a, when: {subject: team}, route: team_adjustment, reason: x}\n"
                   "deadline_days: {reminder_talk: 1, team_adjustment: 1, discipline_referral: 1,"
                   " rectification: 1}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="catch-all"):
        load_routing(bad)
