"""Routing: an ordered decision table (routing.yaml) → route, reason and deadline."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from extractors.rules import COUNT_KEYS
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
class TaskKind:
    """A kind of task beside its route (team_own: the team's own rectification), who owns it and
    whose default deadline it takes."""

    kind: str
    owner: str  # template: {unit}
    deadline_route: str
    rule_id: str


@dataclass(frozen=True)
class Escalation:
    route: str
    reason: str
    rule_id: str
    reopen: bool = False
    supervisor: str = ""


def _holds(when: dict, facts: dict, text: str = "") -> bool:
    for key, value in when.items():
        allowed = value if isinstance(value, list) else [value]
        if key == "words":
            if not any(w in text for w in allowed):
                return False
        elif facts.get(key) not in allowed:
            return False
    return True


@dataclass(frozen=True)
class RoutingTable:
    rules: tuple[dict, ...]
    deadline_days: dict[str, int]
    escalation: tuple[dict, ...] = ()
    owners: dict[str, str] = field(default_factory=dict)
    terms: dict[str, int] = field(default_factory=dict)
    due_soon_days: int = 14
    figures_tolerance: int = 0
    person_counts: dict[str, dict] = field(default_factory=dict)  # count key → {words, routes}
    task_kinds: tuple[dict, ...] = ()

    def decide(self, subject: str, severity: str, category: str = "", text: str = "") -> Decision:
        facts = {"subject": subject, "severity": severity, "category": category}
        for rule in self.rules:
            if _holds(rule["when"], facts, text):
                return Decision(rule["route"], rule["reason"], rule["id"])
        raise ValueError("routing table has no default rule")  # validated at load, cannot happen

    def escalate(self, subject: str, earlier_route: str) -> Escalation | None:
        """The next step for a problem that repeats an earlier round's task (None: no entry)."""
        facts = {"subject": subject, "route": earlier_route}
        for e in self.escalation:
            if _holds(e["when"], facts):
                return Escalation(e["to"], e["reason"], e["id"], bool(e.get("reopen")), e.get("supervisor", ""))
        return None

    def task_kind(self, route: str, subject: str, text: str) -> TaskKind | None:
        """The kind of task a finding of this route opens (None: the route's ordinary task)."""
        facts = {"subject": subject, "route": route}
        for k in self.task_kinds:
            if _holds(k["when"], facts, text) and not any(w in text for w in k.get("unless", [])):
                return TaskKind(k["kind"], k["owner"], k.get("deadline_route", route), k["id"])
        return None

    def owner(self, route: str, unit: str, body: str = "") -> str:
        """Who must act on a task of this route, from the owners templates."""
        org_dept = f"{body}组织部" if body else "组织部门"
        discipline = f"{body[:-1]}纪委监委" if body.endswith("委") else "纪检监察机关"
        template = self.owners.get(route, "{unit}")
        return template.format(unit=unit or "被巡察单位", org_dept=org_dept, discipline=discipline)

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
        unknown = set(r["when"]) - {"subject", "severity", "category", "words"}
        if unknown:
            raise ValueError(f"routing rule {r['id']}: unknown condition {sorted(unknown)}")
    if not rules or rules[-1]["when"]:
        raise ValueError("routing table must end with a catch-all rule (when: {})")
    escalation = tuple(data.get("escalation", []))
    for e in escalation:
        if e["to"] not in ROUTES:
            raise ValueError(f"escalation {e['id']}: unknown route {e['to']}")
        unknown = set(e["when"]) - {"subject", "route"}
        if unknown:
            raise ValueError(f"escalation {e['id']}: unknown condition {sorted(unknown)}")
    missing = set(ROUTES) - set(data["deadline_days"]) - (set() if escalation else set(ROUTES[4:]))
    if missing:
        raise ValueError(f"routing table lacks deadlines for {sorted(missing)}")
    persons = {k: {"words": list(v.get("words", [])), "routes": list(v.get("routes", []))}
               for k, v in (data.get("person_counts") or {}).items()}
    for key, spec in persons.items():
        if key not in COUNT_KEYS:
            raise ValueError(f"person_counts: unknown count key {key}")
        if set(spec["routes"]) - set(ROUTES):
            raise ValueError(f"person_counts {key}: unknown route {sorted(set(spec['routes']) - set(ROUTES))}")
    kinds = tuple(data.get("task_kinds", []))
    for k in kinds:
        if k["kind"] not in V.TASK_KINDS:
            raise ValueError(f"task kind {k['id']}: unknown kind {k['kind']}")
        unknown = set(k["when"]) - {"subject", "route", "words"}
        if unknown:
            raise ValueError(f"task kind {k['id']}: unknown condition {sorted(unknown)}")
        if k.get("deadline_route", "rectification") not in data["deadline_days"]:
            raise ValueError(f"task kind {k['id']}: no deadline for {k['deadline_route']}")
    return RoutingTable(rules, dict(data["deadline_days"]), escalation,
                        dict(data.get("owners", {})), dict(data.get("terms", {})),
                        int(data.get("colours", {}).get("due_soon_days", 14)),
                        int(data.get("figures_tolerance", 0)), persons, kinds)
