"""Page images (PNG, JPEG, TIFF with several pages, BMP): a photographed or scanned
report, read through the same OCR path as scanned PDF pages.

Each frame is turned upright (EXIF, then Tesseract's orientation check when a page
reads badly), deskewed by a cheap projection-profile search, OCR'd, and its lines
rebuilt into paragraphs and table rows as PDF pages are. Pillow's decoders run
inside the sandbox; a frame with absurd dimensions is refused before decoding.
"""
from __future__ import annotations

from pathlib import Path

from extractors import ocr
from extractors.document import Document
from extractors.errors import Reason, ReadError
from extractors.readers.pdf import MAX_PAGES, _page_list, add_blocks

MAX_FRAME_PIXELS = 4 * ocr.MAX_PIXELS  # a real page photo is far below (a 50-megapixel photo is 50 M)


def read_image(path: Path) -> Document:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_FRAME_PIXELS  # Pillow refuses bigger frames itself (DecompressionBombError)
    try:
        im = Image.open(path)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ReadError(Reason.CORRUPT_OR_TRUNCATED, repr(exc)) from exc
    except Image.DecompressionBombError as exc:
        raise ReadError(Reason.UNSAFE_CONTENT, str(exc)) from exc
    with im:
        n = getattr(im, "n_frames", 1) or 1
        if n > MAX_PAGES:
            raise ReadError(Reason.TOO_LARGE, f"{n} frames", pages=n)
        if im.width * im.height > MAX_FRAME_PIXELS:
            raise ReadError(Reason.UNSAFE_CONTENT, f"{im.width}x{im.height} pixels", pages=n)
        missing = ocr.missing()
        if missing:
            raise ReadError(Reason.NEEDS_OCR, missing, pages=n)
        dpi = im.info.get("dpi")
        dpi = float(dpi[0]) if isinstance(dpi, tuple) and dpi and dpi[0] else None

        def frames():
            for frame in ImageSequence.Iterator(im):
                if frame.width * frame.height > MAX_FRAME_PIXELS:
                    raise ReadError(Reason.UNSAFE_CONTENT, f"frame {frame.width}x{frame.height}", pages=n)
                try:
                    yield frame.copy()
                except (OSError, SyntaxError, ValueError) as exc:  # a truncated or damaged frame
                    raise ReadError(Reason.CORRUPT_OR_TRUNCATED, repr(exc), pages=n) from exc

        pages = ocr.ocr_images(frames(), dpi)
    doc = Document(name=path.name, reader="image:ocr", pages=len(pages))
    lines = {i + 1: got for i, (got, _, _) in pages.items() if got}
    heights = {i + 1: h for i, (_, h, _) in pages.items()}
    failed = [i for i, (got, _, _) in pages.items() if got is None]
    add_blocks(doc, lines, heights, set(lines))
    read_ok = [i for i in pages if i not in failed]
    doc.warnings.append(f"图片文件，第{_page_list(read_ok) or '—'}页经文字识别（OCR）读取，"
                        "引文可能有个别错字，请对照原件核对。")
    doc.warning_codes.append(Reason.OCR_USED.value)
    if failed:
        doc.warnings.append(f"第{_page_list(failed)}页文字识别失败，这些页未读取，请对照原件。")
        doc.warning_codes.append(Reason.PARTLY_READ.value)
    empty = [i for i, (got, _, _) in pages.items() if got is not None and not got]
    if empty and doc.blocks:
        doc.warnings.append(f"第{_page_list(empty)}页没有识别出文字。")
    if not doc.blocks:
        raise ReadError(Reason.NO_TEXT, "no text recognised in the image", pages=len(pages))
    return doc
