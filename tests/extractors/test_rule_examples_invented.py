"""Rule examples are our own invented sentences: none may share a long span with a dev set
text or a held-out document (a copied example would make the dev and held-out figures
measure memory, not rules). Run this file to list every offending example."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from extractors.clauses import normalise
from extractors.rules import RULES_DIR

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT.parent / "shared" / "devset"
HELDOUT = ROOT / "tests" / "data" / "heldout" / "src"
SPAN = 12  # characters in common that are no longer chance


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", normalise(text))


def _examples() -> list[tuple[str, str, str]]:
    """(file, rule id or counts key, example text) for every example in every rule file."""
    out = []
    for f in sorted(RULES_DIR.glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for r in data.get("rules", []):
            for side in ("positive", "negative"):
                out += [(f.name, r["id"], e) for e in r["examples"].get(side, [])]
        for c in data.get("counts", []):
            out += [(f.name, c["key"], e.rpartition("=>")[0].strip()) for e in c["examples"]]
        for k in data.get("kinds", []):
            out += [(f.name, k["kind"], e) for e in k["examples"]]
    return out


def _spans(texts: dict[str, str]) -> dict[str, str]:
    """Every SPAN-character window of the reference texts -> the text it comes from."""
    grams: dict[str, str] = {}
    for name, text in texts.items():
        for i in range(len(text) - SPAN + 1):
            grams.setdefault(text[i:i + SPAN], name)
    return grams


def _copied(texts: dict[str, str]) -> list[str]:
    grams = _spans(texts)
    bad = []
    for fname, rid, ex in _examples():
        flat = _flat(ex)
        for i in range(len(flat) - SPAN + 1):
            if flat[i:i + SPAN] in grams:
                bad.append(f"{fname} {rid}: {ex!r} shares {flat[i:i + SPAN]!r} with {grams[flat[i:i + SPAN]]}")
                break
    return bad


def _texts(folder: Path, label: str) -> dict[str, str]:
    return {f"{label}/{p.name}": _flat(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt"))}


def test_no_rule_example_is_copied_from_the_heldout_documents():
    texts = _texts(HELDOUT, "heldout")
    assert len(texts) >= 30
    assert _copied(texts) == []


def test_no_rule_example_is_copied_from_the_dev_set():
    texts = _texts(DEVSET, "devset")
    assert texts, f"dev set texts not found under {DEVSET} (symlink ../shared next to the repo)"
    assert _copied(texts) == []


def test_the_check_finds_a_copied_example():
    """The check itself works: a sentence lifted from a held-out document is caught."""
    texts = _texts(HELDOUT, "heldout")
    some = next(iter(texts.values()))
    lifted = some[40:40 + SPAN + 3]
    grams = _spans(texts)
    assert any(_flat(lifted)[i:i + SPAN] in grams for i in range(4))
    assert not any(_flat("这是一句为测试而写的全新句子，不会出现在任何文件里")[i:i + SPAN] in grams
                   for i in range(10))


if __name__ == "__main__":
    for line in _copied({**_texts(DEVSET, "devset"), **_texts(HELDOUT, "heldout")}):
        print(line)
