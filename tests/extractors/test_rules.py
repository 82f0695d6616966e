"""The rule set: every rule's own examples, validation at load, versioning, time limits."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import regex

from extractors.counts import first_count
from extractors.rules import RULES_DIR, RuleError, load_rules, search_all

RULES = load_rules()


def _examples(positive: bool):
    for rule in RULES.rules:
        for ex in rule.positive if positive else rule.negative:
            yield pytest.param(rule.id, ex, id=f"{rule.id}:{ex[:12]}")


@pytest.mark.parametrize("rule_id,text", list(_examples(True)))
def test_rule_fires_on_its_positive_examples(rule_id, text):
    assert RULES.get(rule_id).fires(text), f"{rule_id} should fire on {text!r}"


@pytest.mark.parametrize("rule_id,text", list(_examples(False)))
def test_rule_stays_silent_on_its_negative_examples(rule_id, text):
    assert not RULES.get(rule_id).fires(text), f"{rule_id} should not fire on {text!r}"


def test_every_rule_has_examples_of_both_sides_or_is_a_context_rule():
    for rule in RULES.rules:
        assert rule.positive, rule.id
        assert rule.negative, f"{rule.id} needs a negative example"


@pytest.mark.parametrize("key,text,want", [
    pytest.param(c.key, text, want, id=f"{c.key}:{text[:10]}") for c in RULES.counts for text, want in c.examples])
def test_count_rule_examples(key, text, want):
    from extractors.clauses import normalise

    rule = next(c for c in RULES.counts if c.key == key)
    assert first_count(rule, normalise(text)) == want


@pytest.mark.parametrize("kind,title", [pytest.param(k, t, id=k) for k, _, exs in RULES.kinds for t in exs])
def test_kind_examples(kind, title):
    from extractors.clauses import normalise

    got = next(k for k, pat, _ in RULES.kinds if pat.search(normalise(title)))
    assert got == kind


def test_version_is_a_content_hash(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    assert load_rules(copy).version == RULES.version
    f = copy / "severity.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert load_rules(copy).version != RULES.version
    assert len(RULES.version) == 12


def _one_rule_dir(tmp_path: Path, body: str) -> Path:
    d = tmp_path / "bad"
    d.mkdir()
    (d / "r.yaml").write_text(body, encoding="utf-8")
    return d


def test_bad_regex_is_rejected_at_load(tmp_path):
    d = _one_rule_dir(tmp_path, """rules:
  - id: problem.x.y
    kind: pattern
    role: problem
    pattern: '(unclosed'
    examples: {positive: [a], negative: [b]}
""")
    with pytest.raises(RuleError, match="problem.x.y"):
        load_rules(d)


def test_unknown_category_and_duplicate_ids_are_rejected(tmp_path):
    d = _one_rule_dir(tmp_path, """rules:
  - id: problem.x.y
    kind: keyword
    role: problem
    category: gossip
    words: [闲话]
    examples: {positive: [闲话], negative: [b]}
""")
    with pytest.raises(RuleError, match="gossip"):
        load_rules(d)
    (d / "r.yaml").write_text("""rules:
  - id: problem.x.y
    kind: keyword
    role: problem
    words: [闲话]
    examples: {positive: [闲话]}
  - id: problem.x.y
    kind: keyword
    role: problem
    words: [传言]
    examples: {positive: [传言]}
""", encoding="utf-8")
    with pytest.raises(RuleError, match="duplicate"):
        load_rules(d)


def test_rule_without_examples_is_rejected(tmp_path):
    d = _one_rule_dir(tmp_path, """rules:
  - id: problem.x.y
    kind: keyword
    role: problem
    words: [闲话]
    examples: {positive: []}
""")
    with pytest.raises(RuleError):
        load_rules(d)


def test_regex_search_is_time_limited():
    """A pattern that backtracks without end is stopped (after its one retry) and recorded; the
    bound is on this process's CPU time, which other processes on the machine do not inflate."""
    from extractors.rules import regex_timeouts

    evil = regex.compile(r"(a|aa)+$")
    t0 = time.process_time()
    assert search_all(evil, "a" * 40 + "b") == []
    assert time.process_time() - t0 < 5
    assert regex_timeouts["final:" + evil.pattern] >= 1


def test_keyword_needs_token_boundaries_not_substrings():
    rule = RULES.get("problem.duty.inaction")
    assert not rule.fires("将考核结果不作为评优依据")
    assert rule.fires("个别干部对群众诉求不作为、慢作为")
    modal = RULES.get("veto.requirement.modal")
    assert not modal.fires("主要负责人履职不到位")  # 要 inside 主要 is not the word 要
    assert modal.fires("主要负责人要履职尽责")


def test_automaton_finds_candidates_in_one_pass():
    cands = RULES.keyword_candidates("超职数配备干部，公车私用")
    found = {w for spans in cands.values() for _, _, w in spans}
    assert {"超职数配备", "公车私用"} <= found


def test_version_includes_the_extraction_code(tmp_path, monkeypatch):
    """A release whose extraction code changed gets another version, so stored documents
    are extracted again even when no rule file changed."""
    import extractors.rules as rules_module

    code = tmp_path / "code"
    code.mkdir()
    for name in rules_module.EXTRACTION_CODE:
        src = Path(rules_module.__file__).parent / name
        if src.exists():
            shutil.copy(src, code / name)
    assert rules_module.code_version(code) == rules_module.code_version()
    (code / "findings.py").write_text((code / "findings.py").read_text(encoding="utf-8") + "\n# changed\n",
                                      encoding="utf-8")
    assert rules_module.code_version(code) != rules_module.code_version()
    monkeypatch.setattr(rules_module, "code_version", lambda directory=None: "another-release")
    assert load_rules().version != RULES.version


def test_a_mistyped_role_fails_at_load_with_the_rule_id(tmp_path):
    d = _one_rule_dir(tmp_path, """rules:
  - id: problem.x.typo
    kind: pattern
    role: problme
    pattern: 'a'
    examples: {positive: [a], negative: [b]}
""")
    with pytest.raises(RuleError, match="problem.x.typo"):
        load_rules(d)


def test_a_mistyped_veto_class_fails_at_load(tmp_path):
    d = _one_rule_dir(tmp_path, """rules:
  - id: veto.x.typo
    kind: veto
    class: requirment
    pattern: 'a'
    examples: {positive: [a], negative: [b]}
""")
    with pytest.raises(RuleError, match="veto.x.typo"):
        load_rules(d)


@pytest.mark.parametrize("role", ["problem_title", "disposition_tail", "earlier_finding", "referral_body"])
def test_a_rule_the_code_relies_on_is_checked_at_load(tmp_path, role):
    """Removing (or doubling) the rule of a role the code needs stops loading with the role,
    not with a StopIteration in the middle of an extraction."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    held = RULES.one(role)
    for f in copy.glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        if f"id: {held.id}\n" in text:
            f.write_text(text.replace(f"role: {role}", "role: context", 1), encoding="utf-8")
    with pytest.raises(RuleError, match=role):
        load_rules(copy)


def test_unknown_rule_id_raises_a_clear_error():
    with pytest.raises(KeyError, match="veto.no_such_rule"):
        RULES.get("veto.no_such_rule")
