"""Plain text (.txt pasted from a web page or exported): one paragraph per line."""
from __future__ import annotations

from pathlib import Path

from extractors.document import Block, BlockKind, Document
from extractors.errors import Reason, ReadError

MAX_TEXT_BYTES = 50 << 20


def read_text(path: Path) -> Document:
    data = path.read_bytes()[: MAX_TEXT_BYTES + 1]
    if len(data) > MAX_TEXT_BYTES:
        raise ReadError(Reason.TOO_LARGE, f"text over {MAX_TEXT_BYTES} bytes")
    text = _decode(data)
    doc = Document(name=path.name, reader="text", pages=1)
    table, row, in_table = -1, 0, False
    for line in text.splitlines():
        line = line.strip().replace("\u3000", " ").strip()
        if not line:
            in_table = False
            continue
        if line.startswith("|") and line.count("|") >= 2:  # a Markdown-like table row
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue  # the |---| separator row
            if not in_table:
                table, row, in_table = table + 1, 0, True
            doc.blocks.append(Block(text="｜".join(cells), kind=BlockKind.TABLE_ROW, table=table, row=row))
            row += 1
            continue
        in_table = False
        doc.blocks.append(Block(text=line))
    if not doc.blocks:
        raise ReadError(Reason.NO_TEXT)
    return doc


def _decode(data: bytes) -> str:
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")
