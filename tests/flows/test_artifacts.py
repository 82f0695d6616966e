"""What a flow run leaves in the Prefect UI: the ingest table and the nightly digest (real runs)."""
from __future__ import annotations

import json
from datetime import date, timedelta

from tests.conftest import REPORT_PARAGRAPHS, make_docx


def artifacts_of(state) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))


def test_ingest_run_publishes_a_table(settings, prefect_harness, tmp_path):
    from flows.ingest import ingest_flow

    good = make_docx(tmp_path / "巡察反馈意见.docx", REPORT_PARAGRAPHS)
    bad = tmp_path / "损坏的文件.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    state = ingest_flow([str(good), str(bad)], return_state=True)
    rows = state.result()
    [artifact] = [a for a in artifacts_of(state) if a.key == "ingest-outcomes"]
    assert artifact.type == "table"
    table = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    by_name = {r["文件"]: r for r in table}
    ok = next(r for r in rows if r["status"] == "ingested")
    assert by_name[good.name]["结果"] == "已处理" and by_name[good.name]["问题数"] == ok["findings"] > 0
    assert by_name[good.name]["整改任务数"] == ok["findings"]  # one task per finding
    assert by_name[bad.name]["结果"] == "已隔离" and by_name[bad.name]["说明"]


def test_nightly_digest_covers_only_what_happened_since_the_last_one(settings, prefect_harness, tmp_path):
    from flows.nightly import nightly_flow

    make_docx(settings.inbox / "巡察反馈意见.docx", REPORT_PARAGRAPHS)
    later = date.today() + timedelta(days=400)  # every deadline has passed by then
    first = nightly_flow(today=later.isoformat(), min_age=0.0, return_state=True)
    summary = first.result()
    assert summary["digest"]["arrived"] == 1 and summary["digest"]["fell_due"] > 0
    [artifact] = [a for a in artifacts_of(first) if a.key == "nightly-digest"]
    assert artifact.type == "markdown" and "巡察反馈意见.docx" in artifact.data
    assert "新到期未办结" in artifact.data
    html = open(summary["digest"]["html"], encoding="utf-8").read()
    assert "巡察反馈意见.docx" in html and "首次生成" in html
    assert summary["digest"]["html"] != summary["reports"].get("html")  # the digest is not the report

    again = nightly_flow(today=later.isoformat(), min_age=0.0)  # nothing new since the first run
    assert again["digest"] == {**again["digest"], "arrived": 0, "fell_due": 0, "changes": 0}
    text = open(again["digest"]["html"], encoding="utf-8").read()
    assert "自上次摘要" in text and "巡察反馈意见.docx" not in text
