"""Readers: one per file type, chosen by sniffed content (magic bytes), not by extension.

`read()` runs in this process; `extractors.sandbox.read_isolated()` runs it in a
child with time and memory limits, which is what ingestion of untrusted files uses.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from extractors.document import Document
from extractors.errors import Reason, ReadError
from extractors.readers.sniff import mismatch, sniff
from extractors.text import join_surrogates

MAX_BYTES = 200 << 20  # larger files are refused before parsing


class Reader(Protocol):
    """One file type's reader: a path in, a Document out (or ReadError)."""

    def __call__(self, path: Path) -> Document: ...


# sniffed kind -> (module, function); imported on first use (pypdfium2, python-docx are heavy)
READERS: dict[str, tuple[str, str]] = {
    "pdf": ("extractors.readers.pdf", "read_pdf"),
    "docx": ("extractors.readers.docx", "read_docx"),
    "ole": ("extractors.readers.legacy", "read_legacy"),  # .doc, .wps
    "rtf": ("extractors.readers.legacy", "read_legacy"),
    "text": ("extractors.readers.plain", "read_text"),
    "odt": ("extractors.readers.legacy", "read_legacy"),
    "image": ("extractors.readers.image", "read_image"),
    "ofd": ("extractors.readers.ofd", "read_ofd"),
}
REFUSED: dict[str, tuple[Reason, str]] = {
    "ole-encrypted": (Reason.PASSWORD_PROTECTED, "encrypted OOXML package"),
    "zip-broken": (Reason.CORRUPT_OR_TRUNCATED, "zip directory unreadable"),
}


def reader_for(kind: str) -> Reader:
    module, func = READERS[kind]
    return getattr(importlib.import_module(module), func)


def read(path: str | Path, name: str | None = None) -> Document:
    """Read any supported file into a Document. Raises ReadError with a reason code."""
    path = Path(path)
    name = name or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(Reason.NOT_REGULAR_FILE, repr(exc)) from exc
    if not path.is_file():
        raise ReadError(Reason.NOT_REGULAR_FILE, "not a regular file")
    if size > MAX_BYTES:
        raise ReadError(Reason.TOO_LARGE, f"{size} bytes")
    kind = sniff(path)
    if kind == "empty":
        raise ReadError(Reason.EMPTY_FILE)
    if kind in REFUSED:
        raise ReadError(*REFUSED[kind])
    if kind not in READERS:
        raise ReadError(Reason.UNSUPPORTED_TYPE, kind)
    doc = reader_for(kind)(path)
    doc.name = name
    for b in doc.blocks:  # whatever a reader let through, the text must be valid Unicode to be stored
        b.text = join_surrogates(b.text)
    doc.headers = [join_surrogates(h) for h in doc.headers]
    note = mismatch(name, kind)
    if note:
        doc.warnings.insert(0, note)
        doc.warning_codes.append(Reason.TYPE_MISMATCH.value)
    if "ocr" in doc.reader and Reason.OCR_USED.value not in doc.warning_codes:
        doc.warning_codes.append(Reason.OCR_USED.value)
    from extractors.meta import describe
    from extractors.sections import assign_sections

    assign_sections(doc)
    doc.renumber()
    given = doc.meta  # what the file's own metadata said (OFD's DocInfo), used where the text is silent
    doc.meta = describe(doc)
    if not doc.meta.date and given.date:
        doc.meta.date = given.date
    return doc
