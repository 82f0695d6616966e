"""What the code imports is declared, and what constraints.txt pins is something we install."""
from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PRODUCT = ("extractors", "models", "reports", "flows", "web")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _declared() -> list[Requirement]:
    project = _project()
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        reqs += [Requirement(r) for r in extra]
    return reqs


def _imported_modules() -> set[str]:
    mods = set()
    for top in PRODUCT:
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    mods |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mods.add(node.module.split(".")[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m not in PRODUCT and m != "__future__"}


def test_every_imported_package_is_declared():
    declared = {canonicalize_name(r.name) for r in _declared()}
    dists = metadata.packages_distributions()
    undeclared = {m: dists.get(m) for m in _imported_modules()
                  if not any(canonicalize_name(d) in declared for d in dists.get(m, []))}
    assert undeclared == {}


def test_every_pin_is_installed_by_a_declared_dependency():
    """constraints.txt pins the closure of our dependencies, nothing else (a stale pin misleads)."""
    closure: set[str] = set()
    todo = [(r, frozenset(r.extras)) for r in _declared()]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if (name, extras) in closure:
            continue
        closure.add((name, extras))
        try:
            requires = metadata.requires(req.name) or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            sub = Requirement(line)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras | {""}):
                todo.append((sub, frozenset(sub.extras)))
    installed = {n for n, _ in closure}
    pins = [line.split("==")[0].strip() for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert sorted(p for p in pins if canonicalize_name(p) not in installed) == []
    declared = [r for r in _declared()]
    assert all(canonicalize_name(r.name) in {canonicalize_name(p) for p in pins} for r in declared)
