"""Old .doc and WPS files go through LibreOffice; without it they get CONVERTER_MISSING."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from extractors.errors import Reason
from extractors.readers import read
from extractors.readers.sniff import sniff
from extractors.sandbox import read_isolated
from tests.fixtures.docs import make_report_docx, soffice_convert

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not shutil.which("soffice"), reason="soffice not installed")]
ROOT = Path(__file__).resolve().parents[2]
PARAS = ["关于对某县某局党组开展巡察的反馈意见", "一、巡察发现的主要问题",
         "1.财务制度执行不严，存在白条入账问题。", "2.办公室主任郑某某工作推诿扯皮、慢作为。"]


@pytest.fixture(scope="module")
def legacy_doc(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("legacy")
    src = make_report_docx(d / "report.docx", PARAS, table=[["序号", "问题"], ["1", "班子配备不齐"]])
    return soffice_convert(src, "doc:MS Word 97", d / "out")


def test_doc_read_through_libreoffice(legacy_doc):
    assert sniff(legacy_doc) == "ole"
    doc = read(legacy_doc)
    assert doc.reader == "legacy:soffice+docx"
    assert [b.text for b in doc.blocks if b.kind.value != "table_row"] == PARAS
    assert any(b.kind.value == "table_row" and b.text == "1｜班子配备不齐" for b in doc.blocks)
    assert doc.meta.kind == "feedback"


def test_wps_named_file_takes_the_same_path(legacy_doc, tmp_path):
    wps = tmp_path / "报告 (1).wps"
    shutil.copyfile(legacy_doc, wps)
    doc = read_isolated(wps, timeout_s=120)
    assert doc.name == "报告 (1).wps" and doc.warnings == []
    assert "郑某某" in doc.text


def test_without_libreoffice_converter_missing(legacy_doc):
    code = ("import sys\nfrom extractors.readers import read\nfrom extractors.errors import ReadError\n"
            "try:\n    read(sys.argv[1])\nexcept ReadError as e:\n    print(e.reason.value)\n")
    env = dict(os.environ, PATH="/nonexistent", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(legacy_doc)], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.stdout.strip() == Reason.CONVERTER_MISSING.value, out.stderr[-500:]


def test_rtf_read_through_libreoffice(tmp_path):
    src = make_report_docx(tmp_path / "r.docx", PARAS)
    rtf = soffice_convert(src, "rtf", tmp_path / "out")
    assert sniff(rtf) == "rtf"
    assert [b.text for b in read(rtf).blocks] == PARAS
