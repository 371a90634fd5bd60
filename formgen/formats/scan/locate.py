"""Finding a scanned page: its QR code (zxing-cpp), its corner markers (OpenCV ArUco) and the page mapped upright.

The markers' ids say which corner each is, so a page fed sideways or upside down maps the same
way; the homography from their 16 corners to the printed positions also absorbs scaling ('fit to
page'), skew and a phone's perspective. The page is warped to PX_PER_MM pixels per millimetre.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from formgen.formats.paper.geometry import MARKER_DICT, MARKER_IDS, PAGE_MM, QR_BOX, marker_square, parse_qr

__all__ = ["PX_PER_MM", "MAX_ERROR_MM", "Located", "locate", "find_qr", "find_markers", "marker_points"]

PX_PER_MM = 8  # 203 dpi: a box's inner area is ~34 × 34 pixels
MAX_ERROR_MM = 1.2  # markers that disagree more than this with one homography: the page is bent or misread
DETECT_PX = 1500  # markers are searched on the page scaled to this long side (speed; a marker stays ~50 px)


@dataclass(frozen=True)
class Located:
    """A page found (warped is the upright page at PX_PER_MM), or why not (problem)."""

    warped: object | None  # numpy uint8, PAGE_MM × PX_PER_MM, or None
    qr: tuple[str, int, str] | None  # (form code, page number, layout hash)
    markers: int  # how many of the four markers were found
    rotation: int  # 0, 90, 180 or 270: how the page lay on the scanner (clockwise)
    error_mm: float  # the largest marker corner's distance from where the homography puts it
    problem: str = ""


@cache
def _detector():
    import cv2

    d = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, MARKER_DICT))
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    return cv2.aruco.ArucoDetector(d, params)


def marker_points(marker_id: int) -> list[tuple[float, float]]:
    """A marker's four corners on the page in mm, in ArUco's order (top-left, top-right, bottom-right, bottom-left)."""
    x, y, s = marker_square(marker_id)
    return [(x, y), (x + s, y), (x + s, y + s), (x, y + s)]


def find_markers(gray) -> dict[int, object]:
    """{marker id: 4×2 corner array in image pixels} of formgen's corner markers found on the image."""
    import cv2
    import numpy as np

    scale = min(1.0, DETECT_PX / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR) if scale < 1 else gray
    corners, ids, _ = _detector().detectMarkers(small)
    found: dict[int, object] = {}
    for c, i in zip(corners, ids.ravel() if ids is not None else []):
        if int(i) in MARKER_IDS and int(i) not in found:
            found[int(i)] = np.asarray(c, dtype=np.float64).reshape(4, 2) / scale
    return found


def find_qr(gray) -> tuple[str, int, str] | None:
    """(form code, page, layout hash) from the first formgen QR code on the image."""
    import zxingcpp

    for barcode in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode):
        parsed = parse_qr(barcode.text)
        if parsed:
            return parsed
    return None


def _rotation(found: dict[int, object]) -> int:
    """How the page lay: the angle of the top edge (marker 0 → marker 1, or what is found) in the image."""
    import math

    centres = {i: c.mean(axis=0) for i, c in found.items()}
    pairs = [(0, 1, 0), (3, 2, 0), (0, 3, 90), (1, 2, 90)]
    for a, b, base in pairs:
        if a in centres and b in centres:
            dx, dy = centres[b] - centres[a]
            angle = (math.degrees(math.atan2(dy, dx)) - base) % 360
            return int(round(angle / 90)) % 4 * 90
    return 0


def locate(gray) -> Located:
    """Find the QR code and the markers, and warp the page upright; a Located with a problem when it cannot."""
    import cv2
    import numpy as np

    found = find_markers(gray)
    if len(found) < 3:
        return Located(None, find_qr(gray), len(found), 0, 0.0, f"only {len(found)} of the 4 corner markers were found")
    src = np.concatenate([found[i] for i in sorted(found)])
    dst = np.array([p for i in sorted(found) for p in marker_points(i)], dtype=np.float64) * PX_PER_MM
    h, _ = cv2.findHomography(src, dst, 0)
    if h is None:
        return Located(None, find_qr(gray), len(found), 0, 0.0, "the corner markers do not describe a page")
    mapped = cv2.perspectiveTransform(src.reshape(-1, 1, 2), h).reshape(-1, 2)
    error = float(np.abs(mapped - dst).max()) / PX_PER_MM
    size = (int(PAGE_MM[0] * PX_PER_MM), int(PAGE_MM[1] * PX_PER_MM))
    warped = cv2.warpPerspective(gray, h, size, flags=cv2.INTER_LINEAR, borderValue=255)
    rotation = _rotation(found)
    # The QR code where it was printed, upright: faster and surer than searching the whole scan.
    x, y, side = QR_BOX
    m = 6.0
    qr = find_qr(warped[int((y - m) * PX_PER_MM):int((y + side + m) * PX_PER_MM),
                        int((x - m) * PX_PER_MM):int((x + side + m) * PX_PER_MM)]) or find_qr(gray)
    if error > MAX_ERROR_MM:
        return Located(warped, qr, len(found), rotation, error,
                       f"the corner markers disagree by {error:.1f} mm (a bent, folded or partly copied page)")
    return Located(warped, qr, len(found), rotation, error)
