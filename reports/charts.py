"""Charts as PNG bytes (matplotlib, headless). Chinese labels need a CJK font: without one this
module refuses to draw (FontMissing names the package) instead of printing boxes."""
from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache

# Families tried in order; the first is what fonts-noto-cjk installs.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "SimSun")
FONT_PACKAGE = "fonts-noto-cjk"
BAR_COLOUR = "#b22222"


class FontMissing(RuntimeError):
    """No CJK font is installed; the message says what to install (Chinese, for the administrator)."""


def _looks_cjk(path: str) -> bool:
    low = path.lower()
    return any(k in low for k in ("cjk", "wqy", "wenquanyi", "simhei", "simsun", "msyh", "sourcehan"))


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Path of an installed CJK font; raises FontMissing rather than let charts draw boxes."""
    if shutil.which("fc-match"):
        for family in CJK_FAMILIES:
            out = subprocess.run(["fc-match", "-f", "%{file}", f"{family}:lang=zh-cn"],
                                 capture_output=True, text=True, timeout=30).stdout
            if out and _looks_cjk(out):
                return out
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name in CJK_FAMILIES:
            return entry.fname
    raise FontMissing(f"未找到中文字体，图表中的中文会显示为方框。请安装 {FONT_PACKAGE}"
                      f"（Debian/Ubuntu：sudo apt-get install {FONT_PACKAGE}，或运行 make sysdeps）后重试。")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def _props():
    from matplotlib import font_manager

    return font_manager.FontProperties(fname=cjk_font())


def bar_figure(items: list[tuple[str, int]], title: str, width: float = 6.0):
    """Horizontal bars of (label, count) pairs, first item on top. Caller closes the figure."""
    plt, props = _pyplot(), _props()
    labels = [label for label, _ in items][::-1]
    values = [n for _, n in items][::-1]
    fig, ax = plt.subplots(figsize=(width, 0.45 * max(len(items), 1) + 0.9), dpi=150)
    bars = ax.barh(range(len(values)), values, color=BAR_COLOUR)
    ax.set_yticks(range(len(labels)), labels, fontproperties=props)
    ax.set_title(title, fontproperties=props)
    for text in ax.bar_label(bars, padding=3):
        text.set_fontproperties(props)
    for text in ax.get_xticklabels():
        text.set_fontproperties(props)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(values + [1]) * 1.15)
    fig.tight_layout()
    return fig


def progress_figure(progress: list[tuple[str, int, int]], title: str = "整改销号进度",
                    width: float = 6.0):
    """Tasks opened and closed so far, month by month (from reports.queries.closeout_progress)."""
    plt, props = _pyplot(), _props()
    months = [m for m, _, _ in progress]
    fig, ax = plt.subplots(figsize=(width, 2.8), dpi=150)
    x = range(len(months))
    ax.plot(x, [t for _, _, t in progress], marker="o", color="#555555", label="整改任务累计")
    ax.plot(x, [c for _, c, _ in progress], marker="o", color=BAR_COLOUR, label="已销号累计")
    ax.set_xticks(list(x), [f"{m[:4]}年{int(m[5:])}月" for m in months], fontproperties=props)
    for text in ax.get_yticklabels():
        text.set_fontproperties(props)
    ax.set_ylim(0, max([t for _, _, t in progress] + [1]) * 1.15)
    ax.set_title(title, fontproperties=props)
    ax.legend(prop=props, frameon=False, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def to_png(fig) -> bytes:
    """PNG bytes of a figure, which is then closed. No timestamp in the file: same data, same bytes."""
    plt = _pyplot()
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)


def bar_chart(items: list[tuple[str, int]], title: str, width: float = 6.0) -> bytes:
    return to_png(bar_figure(items, title, width))


def progress_chart(progress: list[tuple[str, int, int]], title: str = "整改销号进度") -> bytes:
    return to_png(progress_figure(progress, title))
