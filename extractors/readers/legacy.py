"""Old Word .doc, WPS, RTF and OpenDocument .odt files: converted to .docx by LibreOffice headless, then read.

The conversion runs as its own process group with a time limit and a private
LibreOffice profile (parallel conversions would otherwise fight over one), and
is killed whole when it overruns.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from extractors.document import Document
from extractors.errors import Reason, ReadError
from extractors.sandbox import kill_group

CONVERT_TIMEOUT_S = 90


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _suffix(path: Path) -> str:
    """A suffix LibreOffice recognises, from the content (stored copies have internal names)."""
    from extractors.readers.sniff import sniff

    kind = sniff(path)
    if kind in ("odt", "rtf"):
        return "." + kind
    ext = path.suffix.lower()
    return ext if ext in (".doc", ".wps", ".wpt", ".dot") else ".doc"


def read_legacy(path: Path, timeout_s: float = CONVERT_TIMEOUT_S) -> Document:
    exe = soffice()
    if not exe:
        raise ReadError(Reason.CONVERTER_MISSING, "soffice not found")
    if _suffix(path) == ".odt":  # a zip of XML like .docx: the same bomb and entity guards first
        from extractors.readers.docx import check_package

        check_package(path)
    with tempfile.TemporaryDirectory(prefix="zg-soffice-") as tmp:
        src = Path(tmp) / ("input" + _suffix(path))
        shutil.copyfile(path, src)  # a plain name: the original may hold odd characters
        out_dir = Path(tmp) / "out"
        profile = Path(tmp) / "profile"
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nologo",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(src)]
        env = dict(os.environ, HOME=tmp)
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                process_group=0, env=env, cwd=tmp)  # same session: a sandbox kill reaches it
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            raise ReadError(Reason.RESOURCE_LIMIT, f"LibreOffice conversion over {timeout_s}s")
        finally:
            kill_group(proc)
        produced = list(out_dir.glob("*.docx")) if out_dir.exists() else []
        if not produced:
            detail = (err or out or b"").decode("utf-8", "replace")[-300:]
            if "password" in detail.lower():
                raise ReadError(Reason.PASSWORD_PROTECTED, detail)
            raise ReadError(Reason.CORRUPT_OR_TRUNCATED, f"LibreOffice could not convert: {detail}")
        from extractors.readers.docx import read_docx

        doc = read_docx(produced[0])
    doc.reader = "legacy:soffice+docx"
    doc.name = path.name
    return doc

