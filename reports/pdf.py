"""The Word report as PDF, converted by LibreOffice headless when it is installed.

The template names the fonts Chinese offices have (仿宋, 黑体, 楷体, 方正小标宋简体). A Linux server
usually has none of them, so the conversion runs with a fontconfig file that maps those names to
the Noto CJK fonts (fonts-noto-cjk): serif for 仿宋/楷体/宋体, sans for 黑体. Each conversion uses
its own LibreOffice profile, so two conversions (or two zhenggai) never block each other.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

SERIF = ("仿宋", "仿宋_GB2312", "FangSong", "楷体", "楷体_GB2312", "KaiTi", "宋体", "SimSun",
         "方正小标宋简体", "方正小标宋_GBK")
SANS = ("黑体", "SimHei", "微软雅黑", "Microsoft YaHei")
SYSTEM_FONTS_CONF = "/etc/fonts/fonts.conf"
CONVERT_TIMEOUT = 900  # seconds; generous: a first start on a busy machine is slow, a hang is not


class PdfUnavailable(RuntimeError):
    """No PDF could be made; the message is for staff (Chinese)."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def fonts_conf() -> str:
    """A fontconfig file: the system's configuration plus the office font names mapped to Noto CJK."""
    def alias(names, target):
        return "".join(f"<alias binding=\"same\"><family>{escape(n)}</family>"
                       f"<prefer><family>{target}</family></prefer></alias>" for n in names)

    system = os.environ.get("FONTCONFIG_FILE") or SYSTEM_FONTS_CONF
    return ("<?xml version=\"1.0\"?><!DOCTYPE fontconfig SYSTEM \"fonts.dtd\"><fontconfig>"
            f"<include ignore_missing=\"yes\">{escape(system)}</include>"
            + alias(SERIF, "Noto Serif CJK SC") + alias(SANS, "Noto Sans CJK SC") + "</fontconfig>")


def docx_to_pdf(docx: Path, out: Path) -> Path:
    """Convert one .docx to `out` (PDF). Raises PdfUnavailable with a sentence staff can act on."""
    exe = soffice()
    if exe is None:
        raise PdfUnavailable("未安装 LibreOffice，无法生成 PDF 报告。请安装 libreoffice-writer-nogui"
                             "（或运行 make sysdeps）后重试；Word 报告已生成，也可在 Word 中另存为 PDF。")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhenggai-pdf-") as tmp:
        work = Path(tmp)
        (work / "fonts.conf").write_text(fonts_conf(), encoding="utf-8")
        source = work / "report.docx"
        shutil.copyfile(docx, source)
        env = dict(os.environ, FONTCONFIG_FILE=str(work / "fonts.conf"))
        cmd = [exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
               "--nologo", "--convert-to", "pdf", "--outdir", str(work / "out"), str(source)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=CONVERT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"LibreOffice 转换 PDF 超过 {CONVERT_TIMEOUT} 秒未完成，"
                                 "PDF 报告未生成；Word 报告不受影响。") from None
        produced = work / "out" / "report.pdf"
        if not produced.exists():
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["无输出"]
            raise PdfUnavailable(f"LibreOffice 未能生成 PDF 报告（{detail[0]}）；Word 报告不受影响。")
        shutil.move(str(produced), out)
    return out
