"""Reviews feed the rules: on a dev-set report, rejecting items lowers their rules' precision, and a
candidate rule set that stops them is seen to do so before it is deployed."""
import shutil

import pytest
import regex
import yaml
from sqlmodel import select

from extractors.pipeline import analyse
from extractors.rules import RULES_DIR, load_rules
from extractors.scoring import score
from models import review
from models.db import session_scope
from models.intake import ingest_file
from models.review_loop import check_rules, fired_rules, gold_rows, rule_stats
from models.tables import Finding
from tests.conftest import DEVSET


@pytest.fixture
def settings(any_settings):
    """On SQLite and on PostgreSQL."""
    return any_settings


@pytest.fixture
def reviewed(settings):
    """dev01.docx ingested; its two last items rejected, the first accepted, one corrected, rest pending."""
    out = ingest_file(DEVSET / "dev01.docx", settings, analyse)
    assert out.document_id
    with session_scope(settings.database_url) as s:
        items = s.exec(select(Finding).order_by(Finding.start)).all()
        assert len(items) >= 6
        before = rule_stats(s)
        review.accept(s, "审核员甲", items[0])
        review.correct(s, "审核员甲", items[1], {"severity": "minor"})
        rejected = items[-2:]
        for f in rejected:
            review.reject(s, "审核员甲", f, "不是本次巡察发现的问题")
        return {"before": before, "rejected": [(f.quote, f.start, fired_rules(f.hits)) for f in rejected],
                "accepted": items[0].quote, "corrected": items[1].quote, "n": len(items)}


def candidate_with_veto(tmp_path, quotes):
    """The packaged rules plus a veto aimed at the rejected wording (a rule edit a reviewer might ask for)."""
    d = tmp_path / "candidate"
    shutil.copytree(RULES_DIR, d)
    words = [q[2:10] for q in quotes]
    veto = {"id": "veto.review.rejected", "kind": "veto", "scope": "sentence", "class": "generic",
            "pattern": "|".join(regex.escape(w) for w in words), "examples": {"positive": words}}
    (d / "review_vetoes.yaml").write_text(yaml.safe_dump({"rules": [veto]}, allow_unicode=True),
                                          encoding="utf-8")
    return load_rules(d)


def test_rejections_lower_the_rules_precision(settings, reviewed):
    with session_scope(settings.database_url) as s:
        after = rule_stats(s)
    hit = set.union(*(rules for _, _, rules in reviewed["rejected"]))
    assert hit
    for rule_id in hit:
        assert reviewed["before"][rule_id].precision is None  # nothing reviewed yet
        assert after[rule_id].wrong >= 1 and after[rule_id].precision < 1
    assert sum(t.right + t.wrong + t.pending for t in after.values()) >= reviewed["n"]


def test_reviewed_document_as_gold(settings, reviewed):
    with session_scope(settings.database_url) as s:
        (line,) = gold_rows(s)
    assert line["doc"] == "dev01.docx" and line["counts"] == {}
    assert [f["quote"] for f in line["findings"]] == [reviewed["accepted"], reviewed["corrected"]]
    assert line["findings"][1]["severity"] == "minor"
    assert line["negatives"] == [q for q, _, _ in reviewed["rejected"]]
    assert len(line["ambiguous"]) == reviewed["n"] - 4
    # the stored findings scored against it: the rejected ones are the only mistakes
    preds = [{"doc": "dev01.docx", "quote": f["quote"]} for f in line["findings"]]
    preds += [{"doc": "dev01.docx", "quote": q} for q in line["negatives"] + line["ambiguous"]]
    result = score([line], preds)
    assert result["negatives"] == {"total": 2, "wrongly_extracted": 2}
    assert result["findings"]["found"] == 2


def test_rules_check_shows_the_candidate_fixing_the_rejected_items(settings, reviewed, tmp_path):
    candidate = candidate_with_veto(tmp_path, [q for q, _, _ in reviewed["rejected"]])
    with session_scope(settings.database_url) as s:
        result = check_rules(s, candidate, load_rules())
    assert result.documents == 1 and result.after_version != result.before_version
    assert result.before["negatives"] == {"total": 2, "wrongly_extracted": 2}
    assert result.after["negatives"] == {"total": 2, "wrongly_extracted": 0}
    assert result.after["findings"]["precision"] > result.before["findings"]["precision"]
    assert result.after["findings"]["found"] == result.before["findings"]["found"] == 2
    dropped = [c for c in result.changes if c.change == "dropped"]
    assert sorted(c.quote for c in dropped) == sorted(q for q, _, _ in reviewed["rejected"])
    assert all(c.label == "wrong" for c in dropped) and all(c.change != "added" for c in result.changes)
    changed = result.changed_rules()
    for _, _, rules in reviewed["rejected"]:
        for rule_id in rules:
            before, after = result.rules[rule_id]
            assert before.wrong >= 1 and after.wrong < before.wrong and rule_id in changed
    # the same rules as deployed: nothing changes
    with session_scope(settings.database_url) as s:
        same = check_rules(s, load_rules(), load_rules())
    assert same.changes == [] and same.changed_rules() == {}
