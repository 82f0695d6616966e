"""`zhenggai report` as staff run it: a scope, chosen formats, an output folder, Chinese refusals."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl

from tests.conftest import ROOT
from tests.reports.test_followup import UNIT_A, UNIT_B, expected, fill

ZHENGGAI = Path(sys.executable).with_name("zhenggai")


def run(args):
    return subprocess.run([str(ZHENGGAI), *args], env=dict(os.environ), capture_output=True, text=True,
                          timeout=900, cwd=ROOT)


def test_report_for_a_unit_in_chosen_formats(settings, tmp_path):
    fill(settings)
    out = tmp_path / "督查报告"
    r = run(["report", "--unit", UNIT_B, "--format", "html,xlsx", "--out", str(out)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["整改台账.xlsx", "整改跟踪报告.html"]
    assert f"被巡察单位“{UNIT_B}”" in r.stdout
    rows = list(openpyxl.load_workbook(out / "整改台账.xlsx")["整改台账"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == expected(settings, UNIT_B)["findings"] and {r[4] for r in rows} == {UNIT_B}
    assert UNIT_A not in (out / "整改跟踪报告.html").read_text(encoding="utf-8")


def test_report_refusals_are_chinese_sentences(settings, tmp_path):
    fill(settings)
    cases = [(["--unit", "不存在的单位"], "台账中没有被巡察单位“不存在的单位”"),
             (["--round", "第九轮"], "没有标题或发文机关中含“第九轮”的报告文件"),
             (["--format", "html,doc"], "报告格式“html,doc”无效"),
             (["--from", "2026-13-01"], "起始日期格式应为 YYYY-MM-DD"),
             (["--from", "2026-05-01", "--to", "2026-04-01"], "起始日期 2026-05-01 晚于截止日期 2026-04-01"),
             (["--out", str(tmp_path / "无此目录" / "子目录")], "输出目录不存在")]
    for args, sentence in cases:
        r = run(["report", *args])
        assert r.returncode == 1 and sentence in r.stdout, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stdout + r.stderr


def test_pdf_asked_for_without_libreoffice(settings, tmp_path):
    """No LibreOffice on PATH: the Word report is still written and the command says why no PDF."""
    fill(settings)
    out = tmp_path / "报告"
    env = dict(os.environ, PATH=str(ZHENGGAI.parent))  # only the virtualenv: no soffice
    r = subprocess.run([str(ZHENGGAI), "report", "--format", "docx,pdf", "--out", str(out)], env=env,
                       capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "PDF报告未生成" in r.stdout and "未安装 LibreOffice" in r.stdout
    assert sorted(p.name for p in out.iterdir()) == ["整改跟踪报告.docx"]
