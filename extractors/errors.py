"""Why a file could not be read: a machine-readable code and one Chinese sentence for staff."""
from __future__ import annotations

from enum import Enum


class Reason(str, Enum):
    EMPTY_FILE = "EMPTY_FILE"
    CORRUPT_OR_TRUNCATED = "CORRUPT_OR_TRUNCATED"
    PASSWORD_PROTECTED = "PASSWORD_PROTECTED"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    UNSUPPORTED_TYPE = "UNSUPPORTED_TYPE"
    RESOURCE_LIMIT = "RESOURCE_LIMIT"
    TOO_LARGE = "TOO_LARGE"
    DUPLICATE = "DUPLICATE"
    NO_TEXT = "NO_TEXT"
    NEEDS_OCR = "NEEDS_OCR"
    CONVERTER_MISSING = "CONVERTER_MISSING"
    NOT_REGULAR_FILE = "NOT_REGULAR_FILE"
    STILL_WRITING = "STILL_WRITING"  # a temporary-looking name changed too recently: taken later
    INTERNAL_ERROR = "INTERNAL_ERROR"
    UNSAFE_CONTENT = "UNSAFE_CONTENT"  # zip bomb, XML entity expansion, absurd structure
    OCR_USED = "OCR_USED"  # warning only: text came from OCR
    PARTLY_READ = "PARTLY_READ"  # warning only: some content read by a fallback or skipped, with a note
    FALLBACK_READER = "FALLBACK_READER"  # warning only: the usual reader refused the file, a second one read it


MESSAGES_ZH: dict[Reason, str] = {
    Reason.EMPTY_FILE: "文件为空（0字节），请确认是否复制完整后重新放入。",
    Reason.CORRUPT_OR_TRUNCATED: "文件已损坏或不完整，无法打开，请重新获取原件。",
    Reason.PASSWORD_PROTECTED: "文件设有密码保护，请去除密码后重新放入。",
    Reason.TYPE_MISMATCH: "文件扩展名与实际内容不符，请确认文件格式。",
    Reason.UNSUPPORTED_TYPE: "不支持此文件类型，请提供PDF、OFD、Word（.docx/.doc）、WPS、ODT、RTF文件或"
                             "报告页面的图片（PNG、JPEG、TIFF、BMP）。",
    Reason.RESOURCE_LIMIT: "文件处理超出时间或内存限制，已转入隔离区，请联系管理员。",
    Reason.TOO_LARGE: "文件过大，超出处理上限，请拆分后重新放入。",
    Reason.DUPLICATE: "该文件与已处理的文件内容完全相同，未重复处理。",
    Reason.NO_TEXT: "未能从文件中读出文字，请确认文件内容。",
    Reason.NEEDS_OCR: "该文件为扫描件，需要文字识别（OCR），但本机未安装识别组件。",
    Reason.CONVERTER_MISSING: "处理旧版Word/WPS文件需要LibreOffice，本机未安装。",
    Reason.NOT_REGULAR_FILE: "不是普通文件（链接、目录或管道），未处理。",
    Reason.STILL_WRITING: "文件名像是正在写入的临时文件，且最近仍有改动，暂不处理；稳定后将自动处理。",
    Reason.INTERNAL_ERROR: "处理该文件时发生内部错误，已转入隔离区，请联系管理员。",
    Reason.UNSAFE_CONTENT: "文件结构异常（疑似恶意构造，如压缩炸弹或实体扩展），已拒绝处理并转入隔离区。",
    Reason.OCR_USED: "文件经文字识别（OCR）读取，引文可能有个别错字，请对照原件核对。",
    Reason.PARTLY_READ: "文件部分内容结构异常，已尽量读取并在提示中说明，请对照原件核对。",
    Reason.FALLBACK_READER: "文件结构有损坏，常规读取失败，已改用备用方式读取，请对照原件核对。",
}


class ReadError(Exception):
    """A file that cannot be read. Carries the reason code; the message is for the log."""

    def __reduce__(self):  # picklable across processes
        return (ReadError, (self.reason, self.detail, self.pages))

    def __init__(self, reason: Reason, detail: str = "", pages: int = 0) -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail
        self.pages = pages  # pages counted before the reader gave up (0: not known)

    @property
    def message_zh(self) -> str:
        return MESSAGES_ZH[self.reason]
