"""A PDF page as a PNG with the quote's characters highlighted (pypdfium2, no external tools).

The stored text was normalised by the reader (line breaks joined, running headers removed), so
the quote is found again on the page by comparing text with all whitespace removed, then each
matching character's box is painted. A scanned page without a text layer is shown without marks.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

SCALE = 1.6  # 115 dpi: readable on screen, about 200 KB per A4 page
_SPACE = re.compile(r"\s+")


def quote_boxes(textpage: pdfium.PdfTextPage, quote: str) -> list[tuple[float, float, float, float]]:
    """The boxes (left, bottom, right, top in PDF points) of the quote's characters on this page."""
    target = _SPACE.sub("", quote)
    if not target:
        return []
    chars: list[int] = []  # page char index of each non-space character
    text: list[str] = []
    for i in range(textpage.count_chars()):
        ch = textpage.get_text_range(i, 1)
        if ch and not ch.isspace():
            chars.append(i)
            text.append(ch[0])
    joined = "".join(text)
    pos = joined.find(target)
    length = len(target)
    if pos < 0:  # the quote crosses onto the next page: mark the part that is here
        for cut in range(len(target) - 1, 7, -1):
            pos = joined.find(target[:cut])
            if pos >= 0:
                length = cut
                break
        else:
            return []
    return [textpage.get_charbox(chars[k]) for k in range(pos, pos + length)]


def render_page(pdf_path: Path, page_no: int, quote: str) -> tuple[bytes, int]:
    """PNG bytes of page `page_no` (1-based) with the quote highlighted; and how many chars were marked."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        index = min(max(page_no, 1), len(pdf)) - 1
        page = pdf[index]
        textpage = page.get_textpage()
        boxes = quote_boxes(textpage, quote)
        image = page.render(scale=SCALE).to_pil().convert("RGB")
        height = page.get_height()
        textpage.close()
        page.close()
    finally:
        pdf.close()
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for left, bottom, right, top in boxes:
        draw.rectangle([left * SCALE - 1, (height - top) * SCALE - 2, right * SCALE + 1,
                        (height - bottom) * SCALE + 2], fill=(255, 200, 0, 110), outline=(220, 80, 0, 200))
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue(), len(boxes)
