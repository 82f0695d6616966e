"""OCR of PDF pages: pypdfium2 renders, Tesseract (chi_sim) reads, via a subprocess.

Scans and PDFs whose fonts lack a Unicode map have no usable text layer; their
pages are rendered to images and read by the `tesseract` command line, which
gives word boxes (TSV) so the lines can be rejoined by layout like PDF text.
Nothing is downloaded: without tesseract or its chi_sim data, `available()`
says why and the reader reports NEEDS_OCR.
"""
from __future__ import annotations

import csv
import functools
import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable

from extractors.text import Line, Rule, fix_ocr, fold_tables

DPI = 200  # measured on dev02-scan: 200 dpi reads better than 300 or 400 (body text ~44 px high)
LANG = "chi_sim"
PAGE_TIMEOUT_S = 120
LOW_CONFIDENCE = 60  # mean word confidence below this: check the page's orientation
MAX_PIXELS = 40_000_000  # per rendered page (an A4 page at 200 dpi is 3.9 M)
log = logging.getLogger(__name__)
# called after each OCR'd page (the sandbox counts it as progress, so long scans are not cut off)
on_page: Callable[[], None] | None = None


@functools.lru_cache(maxsize=1)
def missing() -> str | None:
    """None when OCR can run here, else what is missing (for logs)."""
    exe = shutil.which("tesseract")
    if not exe:
        return "tesseract not installed"
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"tesseract not runnable: {exc}"
    langs = {ln.strip() for ln in (out.stdout + out.stderr).splitlines()}
    if LANG not in langs:
        return f"tesseract language data {LANG} not installed"
    return None


def workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def ocr_pdf_pages(pdf, pages: list[int], dpi: int = DPI) -> dict[int, list[Line] | None]:
    """OCR the given 0-based pages of an open pypdfium2 document; returns lines per page
    (None for a page Tesseract failed on)."""
    from PIL import Image

    def rendered():
        for i in pages:
            page = pdf[i]
            try:
                # a huge page (a poster, a hostile MediaBox) is rendered smaller, not at any cost
                scale = min(dpi / 72, (MAX_PIXELS / max(page.get_width() * page.get_height(), 1.0)) ** 0.5)
                bitmap = page.render(scale=scale, grayscale=True)
                img = bitmap.to_pil()
                angle = skew_angle(img)
                if abs(angle) >= 0.3:  # a page scanned crooked: level it (same size, so page geometry holds)
                    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
                yield i, img, scale
                bitmap.close()
            finally:
                page.close()

    return ocr_page_images(rendered())


def ocr_page_images(images) -> dict[int, list[Line] | None]:
    """Tesseract on (0-based page, image, pixels per point) as they come, in parallel, one
    thread each; only a few images wait on disk at once. None for a page Tesseract failed on."""
    result: dict[int, list[Line] | None] = {}
    with tempfile.TemporaryDirectory(prefix="zg-ocr-") as tmp, ThreadPoolExecutor(workers()) as pool:
        futures = {}
        for i, img, scale in images:
            img_path = Path(tmp) / f"p{i:05d}.png"
            img.save(img_path)
            futures[i] = pool.submit(_tesseract, img_path, i + 1, scale, image_rules(img, 1 / scale))
            futures[i].add_done_callback(_progress)
            pending = [f for f in futures.values() if not f.done()]
            if len(pending) > 2 * workers():
                wait(pending, return_when=FIRST_COMPLETED)
        for i, fut in futures.items():
            try:
                result[i] = fut.result()
            except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
                log.warning("OCR failed on page %d: %r", i + 1, exc)
                result[i] = None  # the reader reports the page; the other pages still count
    return result


def _progress(_future) -> None:
    if on_page is not None:
        try:
            on_page()
        except OSError:
            pass


def _tesseract(img: Path, page_no: int, scale: float, rules: list[Rule]) -> list[Line]:
    """OCR one page image rendered at `scale` pixels per point.

    A page read with no words or low confidence may be a scan turned sideways or
    upside down: Tesseract's orientation detection is asked, and the page read
    again upright when it says so.
    """
    dpi = str(round(scale * 72))
    try:
        tsv = _run(["tesseract", str(img), "stdout", "-l", LANG, "--psm", "4", "--dpi", dpi, "tsv"], page_no)
        words, conf = _confidence(tsv)
        if words < 5 or conf < LOW_CONFIDENCE:
            turn = _orientation(img, dpi)
            if turn:
                from PIL import Image

                with Image.open(img) as im:
                    upright = im.rotate(-turn, expand=True)
                upright.save(img)
                rules = image_rules(upright, 1 / scale)
                tsv2 = _run(["tesseract", str(img), "stdout", "-l", LANG, "--psm", "4", "--dpi", dpi, "tsv"], page_no)
                words2, conf2 = _confidence(tsv2)
                if words2 >= 5 and conf2 > conf:
                    tsv = tsv2
    finally:
        try:
            img.unlink()
        except OSError:
            pass
    lines = parse_tsv(tsv, page_no, 1 / scale, [r for r in rules if r[2] - r[0] <= 2.5])
    for ln in lines:
        ln.text = fix_ocr(ln.text)
    return fold_tables(lines, rules) if lines else lines


def _run(cmd: list[str], page_no: int) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PAGE_TIMEOUT_S,
                          env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract failed on page {page_no}: {proc.stderr[-300:]}")
    return proc.stdout


def _confidence(tsv: str) -> tuple[int, float]:
    """Number of words and their mean confidence (0–100) in Tesseract TSV."""
    confs = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") == "5" and (row.get("text") or "").strip():
            try:
                confs.append(float(row["conf"]))
            except (KeyError, ValueError):
                pass
    return len(confs), (sum(confs) / len(confs) if confs else 0.0)


def _orientation(img: Path, dpi: str) -> int:
    """Degrees to turn the image clockwise to make it upright (0 when unsure or no OSD data)."""
    try:
        proc = subprocess.run(["tesseract", str(img), "stdout", "--psm", "0", "--dpi", dpi], capture_output=True,
                              text=True, timeout=PAGE_TIMEOUT_S, env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    except (OSError, subprocess.SubprocessError):
        return 0
    m = re.search(r"Rotate:\s*(\d+)", proc.stdout)
    conf = re.search(r"Orientation confidence:\s*([\d.]+)", proc.stdout)
    if not m or (conf and float(conf.group(1)) < 1.0):
        return 0
    turn = int(m.group(1)) % 360
    return turn if turn in (90, 180, 270) else 0


def image_rules(img, scale: float, dark: int = 160) -> list[Rule]:
    """Table borders in a page image: long dark horizontal and vertical runs, in points.

    A vertical run counts only when both its ends meet a horizontal one, so the
    strokes of characters are not taken for borders.
    """
    import numpy as np

    a = np.asarray(img.convert("L")) < dark
    h_min = max(int(54 / scale), 40)  # ~54 pt: longer than a dash (——) of body text
    horiz = _runs(a, h_min)  # (row, start, end) in pixels
    vert = _runs(a.T, max(int(20 / scale), 20))  # (column, start, end)
    if len(horiz) < 2 or not vert:
        return []
    rows = {}
    for y, x0, x1 in horiz:
        rows.setdefault(y, []).append((x0, x1))

    def meets(x: int, y: int) -> bool:
        for yy in range(y - 4, y + 5):
            for x0, x1 in rows.get(yy, ()):
                if x0 - 4 <= x <= x1 + 4:
                    return True
        return False

    out: list[Rule] = [(x0 * scale, y * scale, x1 * scale, (y + 1) * scale) for y, x0, x1 in horiz]
    for x, y0, y1 in vert:
        if meets(x, y0) and meets(x, y1 - 1):
            out.append((x * scale, y0 * scale, (x + 1) * scale, y1 * scale))
    return out


def _runs(mask, min_len: int) -> list[tuple[int, int, int]]:
    """Runs of True at least min_len long in each row of a 2-D boolean array."""
    import numpy as np

    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    sr, sc = np.nonzero(d == 1)
    _, ec = np.nonzero(d == -1)
    keep = (ec - sc) >= min_len
    return list(zip(sr[keep].tolist(), sc[keep].tolist(), ec[keep].tolist()))


def parse_tsv(tsv: str, page_no: int, scale: float, verticals: list[Rule] = ()) -> list[Line]:
    """Tesseract TSV words → lines with boxes in points; a line is cut where a table's
    vertical border runs between two of its words."""
    words: dict[tuple[int, int, int], list[tuple[int, int, int, int, str]]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        x, y, w, h = (int(row[k]) for k in ("left", "top", "width", "height"))
        words[key].append((x, y, w, h, row["text"]))
    lines = []
    for ws in words.values():
        ws.sort(key=lambda w: w[0])
        for part in _cut(ws, verticals, scale):
            lines.append(_line(part, page_no, scale))
    return lines  # Tesseract's block order is its reading order


def _split_words(ws: list[tuple], verticals: list[Rule], scale: float) -> list[tuple]:
    """A word read across a border ('数据|局党组') is split where the border runs."""
    out = []
    for x, y, w, h, text in ws:
        mid = (y + h / 2) * scale
        xs = [(v[0] + v[2]) / 2 / scale for v in verticals if x * scale < (v[0] + v[2]) / 2 < (x + w) * scale
              and v[1] <= mid <= v[3]]
        if not xs or len(text) < 2:
            out.append((x, y, w, h, text))
            continue
        cut_x = int(xs[0])
        if "|" in text:
            left, right = text.split("|", 1)
        else:  # no bar read: split in proportion to the widths
            k = max(1, min(len(text) - 1, round(len(text) * (cut_x - x) / max(w, 1))))
            left, right = text[:k], text[k:]
        if left:
            out.append((x, y, max(cut_x - x - 1, 1), h, left))
        if right:
            out.append((cut_x + 1, y, max(x + w - cut_x - 1, 1), h, right))
    return out


def _cut(ws: list[tuple], verticals: list[Rule], scale: float) -> list[list[tuple]]:
    if verticals:
        ws = _split_words(ws, verticals, scale)
    parts: list[list[tuple]] = [[]]
    prev_end = None
    for w in ws:
        mid = (w[1] + w[3] / 2) * scale
        if w[4].strip("|｜[]“”\"'‘’") == "" and (verticals or "|" in w[4]):  # a border read as a bar
            if verticals and parts[-1]:
                parts.append([])
            continue
        if prev_end is not None and parts[-1] and any(
                prev_end * scale - 1 <= (v[0] + v[2]) / 2 <= w[0] * scale + 1 and v[1] <= mid <= v[3]
                for v in verticals):
            parts.append([])
        parts[-1].append(w)
        prev_end = w[0] + w[2]
    return [p for p in parts if p]


def _line(ws: list[tuple], page_no: int, scale: float) -> Line:
    text = " ".join(w[4] for w in ws)
    x0 = min(w[0] for w in ws)
    x1 = max(w[0] + w[2] for w in ws)
    # median word top/bottom: a tall bracket or quote should not stretch the line
    tops = sorted(w[1] for w in ws)
    bots = sorted(w[1] + w[3] for w in ws)
    y0, y1 = tops[len(tops) // 2], bots[len(bots) // 2]
    return Line(text, page_no, x0 * scale, x1 * scale, y0 * scale, y1 * scale)


# ---------------------------------------------------------------- images (photos, scans as PNG/JPEG/TIFF/BMP)
MAX_SKEW = 5.0  # degrees: a page photographed or fed crooked; beyond this Tesseract's OSD decides
SKEW_STEP = 0.25


def skew_angle(img, max_angle: float = MAX_SKEW, step: float = SKEW_STEP) -> float:
    """Degrees to rotate `img` counter-clockwise so its text lines run level (0.0 when level).

    Cheap projection-profile search on a small copy: text rows rotated level give the
    sharpest row-sum profile (largest variance of the differences between rows).
    """
    import numpy as np
    from PIL import Image

    small = img.convert("L")
    w, h = small.size  # the middle of the page: a photo's desk or a scanner's dark edge is left out
    small = small.crop((int(w * 0.15), int(h * 0.12), int(w * 0.85), int(h * 0.88)))
    factor = max(small.width, small.height) / 800
    if factor > 1:
        small = small.resize((max(1, int(small.width / factor)), max(1, int(small.height / factor))),
                             Image.Resampling.BILINEAR)
    grey = np.asarray(small)
    ink = Image.fromarray(((grey < min(160, 0.5 * float(np.median(grey)))) * 255).astype("uint8"))
    def sharpness(angle: float) -> float:
        a = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=False, fillcolor=0),
                       dtype=np.float32)
        return float(np.square(np.diff(a.sum(axis=1))).sum())

    def best_of(angles: list[float]) -> float:
        scored = [(sharpness(a), -abs(a), a) for a in angles]  # ties: the smaller turn
        return max(scored)[2]

    coarse = best_of([float(k) for k in range(-int(max_angle), int(max_angle) + 1)])  # whole degrees first
    n = int(round(1.0 / step))
    fine = [coarse + k * step for k in range(-n + 1, n) if abs(coarse + k * step) <= max_angle]
    return best_of(fine)


def prepare_image(img, dpi: float | None) -> tuple["object", float, float]:
    """A page image made ready for Tesseract: upright per EXIF, grey, contrast stretched,
    deskewed, at about DPI. Returns (image, pixels per point, skew corrected in degrees)."""
    from PIL import Image, ImageOps

    img = ImageOps.exif_transpose(img)
    img = ImageOps.autocontrast(img.convert("L"), cutoff=1)
    if dpi and 72 <= dpi <= 2400:
        scale = dpi / 72
    else:  # no resolution recorded (photos): assume the page is A4 wide
        scale = img.width / (595.0 if img.width <= img.height else 842.0)
    if scale > 1.5 * DPI / 72:  # a large photo: Tesseract reads best near DPI (see above)
        f = (DPI / 72) / scale
        img = img.resize((max(1, int(img.width * f)), max(1, int(img.height * f))), Image.Resampling.LANCZOS)
        scale = DPI / 72
    angle = skew_angle(img)
    if abs(angle) >= 0.3:
        img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return img, scale, angle


def ocr_images(frames, dpi: float | None = None) -> dict[int, tuple[list[Line] | None, float, float]]:
    """OCR page images (an iterable of PIL images, 0-based page order); returns per page
    (lines or None when Tesseract failed, page height in points, skew corrected)."""
    meta: dict[int, tuple[float, float]] = {}

    def prepared():
        for i, frame in enumerate(frames):
            img, scale, angle = prepare_image(frame, dpi)
            meta[i] = (img.height / scale, angle)
            yield i, img, scale

    return {i: (lines, *meta[i]) for i, lines in ocr_page_images(prepared()).items()}
