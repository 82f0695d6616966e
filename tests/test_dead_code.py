"""No dead code in the product: every module-level constant, function and class is used somewhere
(product, tests, benches, templates, configuration) besides its own definition."""
from __future__ import annotations

import ast
import re
from collections import Counter

from tests.conftest import ROOT

PRODUCT = ("extractors", "models", "reports", "flows", "web")
SOURCES = PRODUCT + ("tests", "bench", "scripts")
ENTRY_POINTS = {"main", "app"}  # console scripts and Typer apps are reached from pyproject.toml


def _defined(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not node.decorator_list:  # decorated ones are registered (CLI commands, flows, tasks)
                names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return [n for n in names if not n.startswith("_") and n not in ENTRY_POINTS]


def test_every_public_name_is_used():
    texts = {}
    for top in SOURCES:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in (".py", ".j2", ".html", ".yaml", ".toml", ".sh") and ".venv" not in path.parts:
                texts[path] = path.read_text(encoding="utf-8", errors="replace")
    texts[ROOT / "pyproject.toml"] = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    words = Counter(w for t in texts.values() for w in re.findall(r"\w+", t))
    unused = []
    for path, text in texts.items():
        if path.suffix != ".py" or not path.relative_to(ROOT).parts[0] in PRODUCT:
            continue
        for name in _defined(ast.parse(text)):
            if words[name] < 2:
                unused.append(f"{path.relative_to(ROOT)}: {name}")
    assert unused == [], "\n".join(unused)
