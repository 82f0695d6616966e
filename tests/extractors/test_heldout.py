"""Floor on the held-out set (tests/data/heldout): invented reports in styles unlike the devset.

The documents, their gold labels and the figures behind these floors are described in
tests/data/heldout/README.md. The floors sit a few points below what the rules scored when
they were set, so a change that makes the rules generalise worse fails here even when the
devset score holds. The .docx files are read with the production reader.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.findings import extract
from extractors.readers import read
from extractors.rules import load_rules
from extractors.scoring import predictions_for, score

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"
GOLD = [json.loads(line) for line in (HELDOUT / "gold.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()]

# Measured when set (34 documents, h01-h34): findings P 1.0 R 0.996 F1 0.998, negatives
# wrongly extracted 0 of 128, subject accuracy 0.95, counts 53 of 53 (h01-h18 alone: 1.0).
# Round four (44 documents): F1 0.997 (P 1.0, R 0.995), negatives 0 of 163, subject 0.956,
# category 0.738; h35-h44 alone F1 0.994, subject 0.976, category 0.928.
# Every document has been looked at while improving the rules, so these floors guard against
# regressions; they are not an estimate for unseen reports (README.md gives the blind figures:
# 0.50-0.88 for the pairs written in the second round, 0.85-0.95 in the third, 0.94 and 0.975
# for the two sets of the fourth).
MIN_F1 = 0.96
MIN_PRECISION = 0.95
MIN_RECALL = 0.95
MAX_NEGATIVES_HIT = 2
MIN_SUBJECT_ACCURACY = 0.92
MIN_COUNTS_ACCURACY = 0.94


@pytest.fixture(scope="module")
def predictions() -> dict[str, list[dict]]:
    rules = load_rules()
    out = {}
    for g in GOLD:
        path = HELDOUT / g["doc"]
        out[path.stem] = predictions_for(path.name, extract(read(path), rules))
    return out


def _score(predictions: dict[str, list[dict]], stems: set[str] | None = None) -> dict:
    gold = [g for g in GOLD if stems is None or Path(g["doc"]).stem in stems]
    rows = [r for s, rs in predictions.items() if stems is None or s in stems for r in rs]
    return score(gold, rows)


def test_every_gold_document_is_present():
    assert len(GOLD) >= 44
    for g in GOLD:
        assert (HELDOUT / g["doc"]).exists(), g["doc"]


def test_findings_floor_on_the_whole_set(predictions):
    result = _score(predictions)
    f = result["findings"]
    assert f["f1"] >= MIN_F1, f
    assert f["precision"] >= MIN_PRECISION, f
    assert f["recall"] >= MIN_RECALL, f


def test_negatives_are_not_extracted(predictions):
    result = _score(predictions)
    assert result["negatives"]["wrongly_extracted"] <= MAX_NEGATIVES_HIT, result["negatives"]


def test_subject_and_counts_floor(predictions):
    result = _score(predictions)
    assert result["field_accuracy"]["subject"] >= MIN_SUBJECT_ACCURACY, result["field_accuracy"]
    assert result["counts"]["accuracy"] >= MIN_COUNTS_ACCURACY, result["counts"]


@pytest.mark.parametrize("stems", [
    pytest.param({"h01", "h03", "h05", "h07"}, id="tuning-half"),
    pytest.param({"h02", "h04", "h06", "h08"}, id="check-half"),
    pytest.param({"h09", "h10", "h11", "h12", "h13", "h14", "h15", "h16", "h17", "h18"}, id="later-pairs"),
    pytest.param({"h19", "h20", "h21", "h22", "h23", "h24", "h25", "h26", "h27", "h28"}, id="round-two"),
    pytest.param({"h29", "h30", "h31", "h32", "h33", "h34"}, id="round-three"),
    pytest.param({"h35", "h36", "h37", "h38", "h39", "h40", "h41", "h42", "h43", "h44"}, id="round-four"),
])
def test_each_half_keeps_its_floor(predictions, stems):
    assert _score(predictions, stems)["findings"]["f1"] >= MIN_F1 - 0.03


def test_a_speech_yields_no_findings(predictions):
    speeches = [Path(g["doc"]).stem for g in GOLD if g["kind"] == "speech"]
    assert speeches
    for s in speeches:
        assert not [r for r in predictions[s] if "quote" in r], s


def test_referred_clues_are_serious_and_a_self_check_names_its_author(predictions):
    """h30's clue table (移交去向 = 纪委监委) and h34's personal self-check material."""
    h30 = [r for r in predictions["h30"] if "quote" in r]
    assert any("套取资金" in r["quote"] and r["severity"] == "serious" for r in h30)
    assert not any("突击提拔" in r["quote"] and r["severity"] == "serious" for r in h30)  # sent to 组织部
    h34 = [r for r in predictions["h34"] if "quote" in r]
    assert h34 and sum(r["subject"] == "individual" for r in h34) >= len(h34) - 1


def test_round_four_classes_coverage_and_concise_phrases(predictions):
    """h35/h40 press coverage: only reported findings (no measures, quotes, definitions,
    statistics of the whole round); h36/h41 short evaluations one per phrase; h37/h42 prose
    rectification reports give the embedded problems."""
    h35 = " ".join(r["quote"] for r in predictions["h35"] if "quote" in r)
    for commentary in ("坦言", "何为", "随即督促", "据统计", "采取约谈"):
        assert commentary not in h35, commentary
    h36 = [r["quote"] for r in predictions["h36"] if "quote" in r]
    assert "理论学习浮于表面" in h36 and "内部控制制度形同虚设" in h36
    h37 = [r["quote"] for r in predictions["h37"] if "quote" in r]
    assert "建筑工地扬尘督查走过场" in h37 and not any("修订了议事规则" in q for q in h37)
