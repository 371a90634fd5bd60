"""Loading scans as grey pages: a PDF rendered with pypdfium2, TIFF/PNG/JPEG pages with Pillow, under a pixel limit."""
from __future__ import annotations

import io
import os
from typing import Iterator

__all__ = ["DPI", "MAX_PIXELS", "MAX_PAGES", "ScanRefused", "is_scan_image", "is_printable", "pages"]

DPI = 200  # a 6 mm box is ~47 pixels: plenty for its ink, and ~50 ms per page to render
MAX_PIXELS = int(os.environ.get("FORMGEN_SCAN_MAX_PIXELS", "80000000"))  # A4 at 600 dpi is 35 MP; a bomb is far more
MAX_PAGES = 500  # pages per scanned file
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


class ScanRefused(Exception):
    """A scan that is not read at all: what is wrong with it (too large, damaged, not a picture)."""


def is_scan_image(data: bytes) -> bool:
    """Whether the bytes are a PNG, JPEG or TIFF picture."""
    return data.startswith(_MAGIC)


def is_printable(data: bytes) -> bool:
    """Whether a PDF is formgen's printable paper form itself (as generated, not a scan of it)."""
    import pypdfium2 as pdfium

    from formgen.formats.paper.render import CREATOR

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return False
    try:
        return doc.get_metadata_dict().get("Creator", "") == CREATOR
    finally:
        doc.close()


def pages(data: bytes) -> Iterator["object"]:
    """Every page as a 2-D uint8 numpy array (grey, white = 255); ScanRefused for a file that cannot be read."""
    if data.startswith(b"%PDF"):
        yield from _pdf_pages(data)
    elif is_scan_image(data):
        yield from _image_pages(data)
    else:
        raise ScanRefused("not a PDF, PNG, JPEG or TIFF file")


def _pdf_pages(data: bytes) -> Iterator["object"]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ScanRefused(f"the PDF cannot be opened ({exc})") from None
    try:
        if len(doc) > MAX_PAGES:
            raise ScanRefused(f"the PDF has {len(doc)} pages, more than {MAX_PAGES}")
        for i in range(len(doc)):
            page = doc[i]
            w, h = page.get_size()
            scale = DPI / 72
            if w * h * scale * scale > MAX_PIXELS:  # an absurd page size: rendered smaller, not refused
                scale = (MAX_PIXELS / (w * h)) ** 0.5
            img = page.render(scale=scale, grayscale=True).to_numpy()
            yield img if img.ndim == 2 else img[:, :, 0]
    finally:
        doc.close()


def _image_pages(data: bytes) -> Iterator["object"]:
    import numpy as np
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:  # Pillow's own guard, far above ours
        raise ScanRefused(f"the picture is more than the limit of {MAX_PIXELS:,} pixels") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ScanRefused(f"the picture cannot be opened ({exc.__class__.__name__})") from None
    for n, frame in enumerate(ImageSequence.Iterator(img)):
        if n >= MAX_PAGES:
            raise ScanRefused(f"the picture has more than {MAX_PAGES} pages")
        w, h = frame.size
        if w * h > MAX_PIXELS:  # checked before the pixels are decoded: a decompression bomb stops here
            raise ScanRefused(f"a page is {w} × {h} pixels, more than the limit of {MAX_PIXELS:,} pixels")
        try:
            yield np.asarray(frame.convert("L"))
        except (OSError, ValueError, SyntaxError) as exc:
            raise ScanRefused(f"the picture is damaged ({exc.__class__.__name__})") from None
