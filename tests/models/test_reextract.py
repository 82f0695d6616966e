"""New rules over stored documents: reviewer corrections survive, nothing is deleted."""
import shutil

import pytest
from sqlmodel import select

from extractors.pipeline import analyse
from extractors.rules import RULES_DIR, load_rules
from models.db import session_scope
from models.intake import ingest_file
from models.reextract import as_read_document, reextract_document, stale_ids
from models.tables import AuditEvent, Correction, Document, Finding
from tests.conftest import SAMPLES


@pytest.fixture
def new_rules(tmp_path):
    """The same rules with an edited file: another version, the same behaviour."""
    d = tmp_path / "rules"
    shutil.copytree(RULES_DIR, d)
    first = sorted(d.glob("*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n# edited by the administrator\n", encoding="utf-8")
    return load_rules(d)


def test_reextract_keeps_corrections(settings, new_rules):
    out = ingest_file(SAMPLES / "县局巡察反馈意见.pdf", settings, analyse)
    with session_scope(settings.database_url) as s:
        record = s.get(Document, out.document_id)
        doc = as_read_document(record)
        assert doc.text and doc.blocks[0].page == 1
        findings = s.exec(select(Finding).where(Finding.document_id == record.id)).all()
        target = findings[0]
        s.add(Correction(fingerprint=target.fingerprint, field="severity", old=target.severity,
                         new="serious", actor="审核员甲"))
        n_before = len(findings)
    assert stale_ids(settings, new_rules) == [out.document_id]
    stats = reextract_document(settings, out.document_id, new_rules)
    assert stats == {"new": 0, "kept": n_before, "vanished": 0, "carried": 0, "orphaned": 0}
    with session_scope(settings.database_url) as s:
        f = s.get(Finding, target.id)
        assert f.severity == "serious" and f.route == "discipline_referral" and f.corrected
        assert f.rules_version == new_rules.version
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "document.reextracted")).first()
    assert stale_ids(settings, new_rules) == []
