"""Pen marks drawn on rendered paper forms, and the ways scanners and phones change a page (test helpers)."""
from __future__ import annotations

import cv2
import numpy as np

from formgen.formats.scan import pages

DPI = 200  # formgen.formats.scan.pages renders a PDF at this resolution


def rendered(pdf: bytes) -> list[np.ndarray]:
    """The printed form's pages as grey images, as a 200 dpi scan of a clean print would show them."""
    return [p.copy() for p in pages(pdf)]


def _px(img_dpi: float, *mm: float) -> list[int]:
    return [int(round(v * img_dpi / 25.4)) for v in mm]


def cross(img: np.ndarray, box, dpi: float = DPI, ink: int = 35, width_mm: float = 0.5) -> None:
    """A pen cross over the box (corner to corner, a little inside)."""
    x0, y0, x1, y1 = _px(dpi, box.x + 0.8, box.y + 0.8, box.x + box.w - 0.8, box.y + box.h - 0.8)
    w = max(1, _px(dpi, width_mm)[0])
    cv2.line(img, (x0, y0), (x1, y1), ink, w, cv2.LINE_AA)
    cv2.line(img, (x1, y0), (x0, y1), ink, w, cv2.LINE_AA)


def tick(img: np.ndarray, box, dpi: float = DPI, ink: int = 35, width_mm: float = 0.5) -> None:
    """A small check mark in the lower half of the box."""
    a = _px(dpi, box.x + 1.2, box.y + box.h * 0.55)
    b = _px(dpi, box.x + box.w * 0.42, box.y + box.h - 1.2)
    c = _px(dpi, box.x + box.w - 1.0, box.y + 1.3)
    w = max(1, _px(dpi, width_mm)[0])
    cv2.polylines(img, [np.array([a, b, c], np.int32)], False, ink, w, cv2.LINE_AA)


def fill(img: np.ndarray, box, dpi: float = DPI, ink: int = 40) -> None:
    """The box filled in completely (a correction)."""
    x0, y0, x1, y1 = _px(dpi, box.x + 0.3, box.y + 0.3, box.x + box.w - 0.3, box.y + box.h - 0.3)
    cv2.rectangle(img, (x0, y0), (x1, y1), ink, -1)


def faint(img: np.ndarray, box, dpi: float = DPI) -> None:
    """A light pencil tick: grey, thin."""
    tick(img, box, dpi, ink=200, width_mm=0.25)


def degrade(img: np.ndarray, angle: float = 0.0, scale: float = 1.0, upside_down: bool = False,
            perspective: float = 0.0, blur: float = 0.0, noise: float = 0.0, jpeg: int = 0,
            seed: int = 0) -> np.ndarray:
    """The page as a scanner or phone returns it: rotated, resampled, tilted, blurred, noisy, JPEG-compressed."""
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    out_w, out_h = int(h * s + w * c) + 60, int(h * c + w * s) + 60
    m[0, 2] += out_w / 2 - w / 2
    m[1, 2] += out_h / 2 - h / 2
    out = cv2.warpAffine(img, m, (out_w, out_h), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                         borderValue=255)
    if perspective:
        d = perspective * out_w
        src = np.float32([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]])
        dst = np.float32([[d, d * 0.5], [out_w - d * 0.3, 0], [out_w, out_h], [0, out_h - d]])
        out = cv2.warpPerspective(out, cv2.getPerspectiveTransform(src, dst), (out_w, out_h), borderValue=255)
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if noise:
        rng = np.random.default_rng(seed)
        out = np.clip(out.astype(np.float32) + rng.normal(0, noise, out.shape), 0, 255).astype(np.uint8)
    if jpeg:
        out = cv2.imdecode(cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg])[1], cv2.IMREAD_GRAYSCALE)
    if upside_down:
        out = np.ascontiguousarray(out[::-1, ::-1])
    return out


def to_pdf(images: list[np.ndarray], dpi: float = 300) -> bytes:
    """Pages as one scanned PDF (as an office scanner writes it: one greyscale picture per page)."""
    import io

    from PIL import Image

    pics = [Image.fromarray(i) for i in images]
    buf = io.BytesIO()
    pics[0].save(buf, "PDF", save_all=True, append_images=pics[1:], resolution=dpi)
    return buf.getvalue()


def png(img: np.ndarray) -> bytes:
    return cv2.imencode(".png", img)[1].tobytes()


def layout_of(ws, img: np.ndarray):
    """The recorded Layout of a rendered or scanned page (found by its QR code)."""
    from formgen.formats.paper.geometry import Layout
    from formgen.formats.scan.locate import find_qr
    from formgen.store.lookup import Lookup

    lookup = Lookup(ws.db, ws.unit)
    try:
        return Layout.from_json(lookup.layout(find_qr(img)[2]))
    finally:
        lookup.close()


def marked(ws, path, rng, dont_touch=(), empty: float = 0.1):
    """The printed form's pages marked by pen at random (a share `empty` of rows left empty, and the rows
    in dont_touch); (pages, the truth {(item, field): value})."""
    imgs, truth = rendered(path.read_bytes()), {}
    for n, img in enumerate(imgs, start=1):
        for row in layout_of(ws, img).page(n).rows:
            if (row.key, row.field) in dont_touch or rng.random() < empty:
                continue
            box = rng.choice(row.boxes)
            rng.choice([cross, tick])(img, box)
            truth[(row.key, row.field)] = box.value
    return imgs, truth
