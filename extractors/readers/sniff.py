"""Tell a file's real type from its bytes, never from its name."""
from __future__ import annotations

import zipfile
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# names of OLE streams, as they appear (UTF-16LE) in the compound file's directory
_OLE_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # a password-protected .docx/.xlsx
_OLE_OTHER = tuple(s.encode("utf-16-le") for s in ("Workbook", "PowerPoint Document", "Book"))
_OLE_WORD = tuple(s.encode("utf-16-le") for s in ("WordDocument",))

LABELS_ZH = {"pdf": "PDF", "docx": "Word文档（.docx）", "ole": "旧版Word/WPS文档", "text": "纯文本",
             "rtf": "RTF文档", "zip": "压缩包", "unknown": "未知格式", "image": "图片", "odt": "ODT文档",
             "ofd": "OFD版式文档"}
_IMAGES = {".png", ".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".bmp"}
EXPECTED = {".pdf": {"pdf"}, ".docx": {"docx"}, ".doc": {"ole", "rtf", "docx"}, ".wps": {"ole", "docx"},
            ".txt": {"text"}, ".rtf": {"rtf"}, ".wpt": {"ole"}, ".dot": {"ole"}, ".docm": {"docx"},
            ".odt": {"odt"}, ".ofd": {"ofd"}, **{ext: {"image"} for ext in _IMAGES}}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def sniff(path: Path) -> str:
    """One of: pdf, docx, odt, ofd, ole, ole-encrypted, ole-other, rtf, image, text, zip, zip-broken,
    empty, unknown."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not head:
        return "empty"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                mimetype = b""
                if "mimetype" in names:  # read a few bytes only: sniffing runs outside the sandbox
                    with zf.open("mimetype") as fh:
                        mimetype = fh.read(100).strip()
        except Exception:  # BadZipFile, NotImplementedError (odd zip versions), OSError…
            return "zip-broken"
        if "word/document.xml" in names:
            return "docx"
        if "OFD.xml" in names:  # GB/T 33190: the package's entry file at its root
            return "ofd"
        if mimetype in (ODT_MIMETYPE, ODT_MIMETYPE + b"-template") and "content.xml" in names:
            return "odt"
        return "zip"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if image_type(head):
        return "image"
    if _is_text(head):
        return "text"
    return "unknown"


def image_type(head: bytes) -> str | None:
    """png, jpg, tif or bmp from an image's first bytes (None: not one of the page images we read)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tif"
    if head.startswith(b"BM") and len(head) > 14 and head[6:10] == b"\x00\x00\x00\x00":
        return "bmp"
    return None


def stored_ext(path: Path) -> str:
    """The extension a stored copy gets: from the content, never from the name."""
    kind = sniff(path)
    if kind == "image":
        with open(path, "rb") as fh:
            return image_type(fh.read(64)) or "img"
    return {"pdf": "pdf", "docx": "docx", "ole": "doc", "ole-encrypted": "doc", "rtf": "rtf",
            "text": "txt", "odt": "odt", "ofd": "ofd"}.get(kind, "bin")


def _ole_kind(path: Path) -> str:
    # the directory sectors are small and usually early; 1 MiB is plenty to find stream names
    with open(path, "rb") as fh:
        data = fh.read(1 << 20)
    if _OLE_ENCRYPTED in data:
        return "ole-encrypted"
    if any(n in data for n in _OLE_WORD):
        return "ole"
    if any(n in data for n in _OLE_OTHER):
        return "ole-other"
    return "ole"  # WPS and others: let LibreOffice try


def _is_text(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multi-byte character cut at the end is fine
                continue
            text = head[: exc.start].decode(enc)
        printable = sum(1 for c in text if c.isprintable() or c in "\r\n\t")
        return printable / max(len(text), 1) > 0.95
    return False


def mismatch(name: str, kind: str) -> str | None:
    """A Chinese note when the file name's extension promises another type than the content."""
    ext = Path(name).suffix.lower()
    if ext in EXPECTED and kind not in EXPECTED[ext] and not kind.startswith(("ole-", "zip-")):
        return f"文件扩展名（{ext}）与实际内容（{LABELS_ZH.get(kind, kind)}）不符，已按实际内容读取。"
    return None
