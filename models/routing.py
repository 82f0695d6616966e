"""Routing: an ordered decision table (routing.yaml) → route, reason and deadline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from models import vocabulary as V

TABLE = Path(__file__).with_name("routing.yaml")
ROUTES = tuple(V.ROUTES)
SUBJECTS = tuple(V.SUBJECTS)
SEVERITIES = tuple(V.SEVERITIES)


@dataclass(frozen=True)
class Decision:
    route: str
    reason: str
    rule_id: str


@dataclass(frozen=True)
class RoutingTable:
    rules: tuple[dict, ...]
    deadline_days: dict[str, int]

    def decide(self, subject: str, severity: str, category: str = "") -> Decision:
        facts = {"subject": subject, "severity": severity, "category": category}
        for rule in self.rules:
            if all(facts.get(k) in (v if isinstance(v, list) else [v]) for k, v in rule["when"].items()):
                return Decision(rule["route"], rule["reason"], rule["id"])
        raise ValueError("routing table has no default rule")  # validated at load, cannot happen

    def deadline(self, route: str, start: date) -> date:
        return start + timedelta(days=self.deadline_days[route])

    def label(self, route: str) -> str:
        return V.ROUTES.get(route, route)


@lru_cache(maxsize=4)
def load_routing(path: Path = TABLE) -> RoutingTable:
    """Load and validate the table: known routes, a catch-all last rule, a deadline per route."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules = tuple(data["rules"])
    for r in rules:
        if r["route"] not in ROUTES:
            raise ValueError(f"routing rule {r['id']}: unknown route {r['route']}")
        unknown = set(r["when"]) - {"subject", "severity", "category"}
        if unknown:
            raise ValueError(f"routing rule {r['id']}: unknown condition {sorted(unknown)}")
    if not rules or rules[-1]["when"]:
        raise ValueError("routing table must end with a catch-all rule (when: {})")
    missing = set(ROUTES) - set(data["deadline_days"])
    if missing:
        raise ValueError(f"routing table lacks deadlines for {sorted(missing)}")
    return RoutingTable(rules, dict(data["deadline_days"]))
