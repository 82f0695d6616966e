"""Charts as PNG bytes (matplotlib, headless), with a CJK font so Chinese labels render."""
from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Path of an installed CJK font (fonts-noto-cjk), or None to fall back to the default."""
    if shutil.which("fc-match"):
        for family in ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimSun"):
            out = subprocess.run(["fc-match", "-f", "%{file}", f"{family}:lang=zh-cn"],
                                 capture_output=True, text=True, timeout=10).stdout
            if out and ("CJK" in out or "wqy" in out.lower() or "sim" in out.lower()):
                return out
    return None


def bar_chart(items: list[tuple[str, int]], title: str, width: float = 6.0) -> bytes:
    """Horizontal bar chart of (label, count) pairs."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = cjk_font()
    props = font_manager.FontProperties(fname=font) if font else None
    labels = [label for label, _ in items][::-1]
    values = [n for _, n in items][::-1]
    fig, ax = plt.subplots(figsize=(width, 0.45 * max(len(items), 1) + 0.9), dpi=150)
    try:
        bars = ax.barh(range(len(values)), values, color="#b22222")
        ax.set_yticks(range(len(labels)), labels, fontproperties=props)
        ax.set_title(title, fontproperties=props)
        ax.bar_label(bars, padding=3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(0, max(values + [1]) * 1.15)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)
