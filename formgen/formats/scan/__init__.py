"""Reading printed forms back from scans and photos by mark recognition (optical mark reading).

API (numpy images, uint8 grey, white = 255; geometry in formgen.formats.paper.geometry):

- `pages(data) -> Iterator[ndarray]`: a scanned PDF (rendered with pypdfium2 at 200 dpi) or a
  TIFF/PNG/JPEG (Pillow; a page over MAX_PIXELS is refused before it is decoded) as grey pages;
  ScanRefused when the file cannot be read.
- `read_page(image, layouts) -> PageReading`: find the QR code (zxing-cpp: form code, page, layout
  hash), the four ArUco corner markers (ids give the orientation: rotated or upside-down pages
  read the same), map the page to its recorded Layout (layouts(hash) -> Layout | None) with a
  homography, align each row of boxes to its printed outlines, measure the ink inside each box
  and decide the row (RowReading: value, status answered | empty | review, confidence, reason,
  and a PNG crop of the row when a person must look); text areas come back as PNG crops
  (AreaCrop). A page without its QR code or three markers is never guessed: PageReading.problem
  says why, with a preview PNG of the page.
- `locate(image) -> Located`, `ink_map`, `measure`, `decide`: the steps, for benchmarks and tests.

Never guessed: two ticked boxes in a row (unless the others are filled in completely: a correction),
a faint or small mark, a filled box without another tick.
"""
from __future__ import annotations

from formgen.formats.paper.geometry import Layout
from formgen.formats.scan.load import DPI, MAX_PIXELS, ScanRefused, is_printable, is_scan_image, pages
from formgen.formats.scan.locate import PX_PER_MM, Located, locate
from formgen.formats.scan.marks import BoxInk, RowDecision, decide, ink_map, measure
from formgen.formats.scan.read import AreaCrop, PageReading, RowReading, png, read_page

__all__ = ["DPI", "MAX_PIXELS", "PX_PER_MM", "ScanRefused", "is_printable", "is_scan_image", "pages", "Located", "locate", "BoxInk",
           "RowDecision", "decide", "ink_map", "measure", "AreaCrop", "PageReading", "RowReading", "png", "read_page",
           "Layout"]
