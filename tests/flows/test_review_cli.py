"""`zhenggai rules stats|check` and `zhenggai review export|stale` as staff use them."""
import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from extractors.pipeline import analyse
from flows.cli import app
from flows.cli.common import StaffError
from models import review
from models.db import session_scope
from models.intake import ingest_file
from models.tables import Finding
from tests.conftest import DEVSET
from tests.models.test_review_loop import candidate_with_veto

runner = CliRunner()


@pytest.fixture
def rejected(settings):
    ingest_file(DEVSET / "dev01.docx", settings, analyse)
    with session_scope(settings.database_url) as s:
        items = s.exec(select(Finding).order_by(Finding.start)).all()
        review.accept(s, "审核员甲", items[0])
        for f in items[-2:]:
            review.reject(s, "审核员甲", f)
        return [f.quote for f in items[-2:]]


def test_rules_stats(settings, rejected):
    r = runner.invoke(app, ["rules", "stats", "--json"])
    assert r.exit_code == 0, r.output
    stats = json.loads(r.output)
    worst = [rule for rule, t in stats.items() if t["wrong"]]
    assert worst and all(stats[rule]["precision"] < 1 for rule in worst)
    r = runner.invoke(app, ["rules", "stats"])
    assert r.exit_code == 0 and "精确率" in r.output and worst[0] in r.output


def test_rules_check_prints_before_after_and_changes(settings, rejected, tmp_path):
    candidate_with_veto(tmp_path, rejected)
    r = runner.invoke(app, ["rules", "check", str(tmp_path / "candidate")], terminal_width=200)
    assert r.exit_code == 0, r.output
    assert "当前规则" in r.output and "候选规则" in r.output and "精确率有变化的规则" in r.output
    dropped = [line for line in r.output.splitlines() if line.strip().startswith("- [已驳回]")]
    assert len(dropped) == 2 and rejected[0] in "".join(dropped)
    r = runner.invoke(app, ["rules", "check", str(tmp_path / "candidate"), "--json"])
    data = json.loads(r.output)
    assert data["before"]["negatives"]["wrongly_extracted"] == 2
    assert data["after"]["negatives"]["wrongly_extracted"] == 0


def test_rules_check_refuses_a_missing_or_broken_rule_set(settings, rejected, tmp_path):
    r = runner.invoke(app, ["rules", "check", str(tmp_path / "nope")])
    assert isinstance(r.exception, StaffError) and "找不到规则文件夹" in str(r.exception)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("rules:\n  - id: Bad Id\n    kind: keyword\n", encoding="utf-8")
    r = runner.invoke(app, ["rules", "check", str(broken)])
    assert isinstance(r.exception, StaffError) and "候选规则有误" in str(r.exception)


def test_review_export_and_stale(settings, rejected, tmp_path):
    out = tmp_path / "gold.jsonl"
    r = runner.invoke(app, ["review", "export", "--gold", str(out)])
    assert r.exit_code == 0, r.output
    (line,) = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert line["doc"] == "dev01.docx" and line["negatives"] == rejected and len(line["findings"]) == 1
    r = runner.invoke(app, ["review", "stale"])
    assert r.exit_code == 0 and "没有暂不适用的审核意见" in r.output
