"""Pen and pencil marks drawn into page images as people tick, cross, correct and stray: the scan corpus's marks.

Test-only code, independent of any layout: a box is (x0, y0, x1, y1) in pixels of the page image,
origin top left, y down (`mm_box_to_px` converts from millimetres on the page at a dpi). Every mark is
drawn in place into a uint8 grey (H, W) or RGB (H, W, 3) array with a seeded numpy Generator, so a
corpus is the same for the same seed. Strokes are drawn 4× supersampled and area-averaged (anti-
aliased like a scan of a real stroke) and laid on the page multiplicatively, as ink darkens what is
printed under it. Degrading the page as scanners and phones do is tests/scan_degrade.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import cv2
import numpy as np

__all__ = ["MARKS", "SCENARIOS", "RowTruth", "cross", "draw", "empty", "fill", "light_tick", "mark_row",
           "mm_box_to_px", "mm_to_px", "stray", "tick"]

MM_PER_INCH = 25.4
SUPER = 4  # supersampling factor of the stroke canvas
PEN_MM = (0.4, 0.7)  # ballpoint and felt-tip line widths
PENCIL_MM = (0.25, 0.4)
PENCIL_GREY = (140, 200)
# Ink colours as RGB: black and blue ballpoint, a dark felt tip; grey pages take their luminance.
PEN_COLOURS = ((25, 25, 30), (30, 45, 125), (20, 30, 80), (45, 40, 50))
Box = tuple[int, int, int, int]


def mm_to_px(mm: float, dpi: float) -> float:
    """Millimetres on the page as pixels at `dpi`."""
    return mm * dpi / MM_PER_INCH


def mm_box_to_px(box_mm: Sequence[float], dpi: float) -> Box:
    """A box (x0, y0, x1, y1) in mm from the page's top-left corner as whole pixels at `dpi` (rounded to nearest)."""
    x0, y0, x1, y1 = (int(round(mm_to_px(v, dpi))) for v in box_mm)
    return x0, y0, x1, y1


def _ink(img: np.ndarray, rgb: Sequence[float]) -> np.ndarray:
    """The ink colour in the page's channels: RGB as given, grey as its luminance."""
    if img.ndim == 2:
        return np.array([0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]], np.float32)
    return np.asarray(rgb, np.float32)


class _Canvas:
    """A supersampled coverage canvas over a patch of the page (the box and a margin around it)."""

    def __init__(self, img: np.ndarray, box: Box, margin: float):
        h, w = img.shape[:2]
        x0, y0, x1, y1 = box
        m = int(np.ceil(margin))
        self.px0, self.py0 = max(0, x0 - m), max(0, y0 - m)
        self.px1, self.py1 = min(w, x1 + m), min(h, y1 + m)
        self.img = img
        self.cov = np.zeros(((self.py1 - self.py0) * SUPER, (self.px1 - self.px0) * SUPER), np.uint8)

    def points(self, pts: np.ndarray) -> np.ndarray:
        """Page pixel coordinates as fixed-point canvas coordinates (cv2's shift=2 sub-pixel bits)."""
        local = (pts - (self.px0, self.py0)) * SUPER * 4
        return np.round(local).astype(np.int32)

    def line(self, pts: np.ndarray, width_px: float, taper: Sequence[float] = (0.8, 1.0, 0.6)) -> None:
        """A stroke through `pts` whose width follows pen pressure: taper at start, middle and end."""
        n = len(pts) - 1
        for i in range(n):
            t = i / max(1, n - 1)
            k = np.interp(t, (0, 0.5, 1), taper)
            thick = max(1, int(round(width_px * k * SUPER)))
            a, b = self.points(pts[i:i + 2])
            cv2.line(self.cov, tuple(a), tuple(b), 255, thick, cv2.LINE_AA, shift=2)

    def polygon(self, pts: np.ndarray) -> None:
        cv2.fillPoly(self.cov, [self.points(pts)], 255, cv2.LINE_AA, shift=2)

    def coverage(self) -> np.ndarray:
        """Ink coverage 0..1 per page pixel of the patch."""
        h, w = self.py1 - self.py0, self.px1 - self.px0
        return cv2.resize(self.cov, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0

    def lay(self, rgb: Sequence[float], strength: np.ndarray | float = 1.0) -> None:
        """Lay the ink on the page: it darkens the paper and the print under it, never lightens."""
        cov = self.coverage() * strength
        patch = self.img[self.py0:self.py1, self.px0:self.px1].astype(np.float32)
        absorb = 1.0 - _ink(self.img, rgb) / 255.0
        if self.img.ndim == 3:
            cov = cov[..., None]
        patch *= 1.0 - cov * absorb
        self.img[self.py0:self.py1, self.px0:self.px1] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)


def _curve(p0, p1, rng: np.random.Generator, bow: float, n: int = 10) -> np.ndarray:
    """A slightly bowed stroke from p0 to p1 (a quadratic Bézier with its control point off the chord)."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    ctrl = (p0 + p1) / 2 + np.array([-d[1], d[0]]) * rng.uniform(-bow, bow)
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * ctrl + t ** 2 * p1


def _place(unit_pts: np.ndarray, box: Box, rng: np.random.Generator, scale: tuple[float, float],
           angle: float, offset: float) -> np.ndarray:
    """Points given in the unit box (0..1, y down) placed in `box`: scaled, rotated and shifted at random."""
    x0, y0, x1, y1 = box
    size = np.array([x1 - x0, y1 - y0], float)
    s = rng.uniform(*scale)
    a = np.deg2rad(rng.uniform(-angle, angle))
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2]) + rng.uniform(-offset, offset, 2) * size
    return ((unit_pts - 0.5) * size * s) @ rot.T + centre


def _pen(img: np.ndarray, dpi: float, rng: np.random.Generator) -> tuple[float, tuple]:
    """A pen for one mark: its line width in pixels and its ink colour."""
    return mm_to_px(rng.uniform(*PEN_MM), dpi), PEN_COLOURS[rng.integers(len(PEN_COLOURS))]


def _tick_shape(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """A ✓ in the unit box: a short down-stroke and a long up-stroke, each corner jittered."""
    j = lambda x, y: np.array([x, y]) + rng.uniform(-0.07, 0.07, 2)  # noqa: E731
    return [(j(0.14, 0.52), j(0.40, 0.86)), (j(0.40, 0.86), j(0.90, 0.10))]


def tick(img: np.ndarray, box: Box, dpi: float, rng: np.random.Generator) -> None:
    """A pen ✓ of varying size, position and slant; it may overshoot the box a little."""
    width, colour = _pen(img, dpi, rng)
    canvas = _Canvas(img, box, (box[2] - box[0]) * 0.5 + width)
    legs = _tick_shape(rng)
    unit = np.vstack([_curve(a, b, rng, 0.12) for a, b in legs])
    pts = _place(unit, box, rng, (0.65, 1.1), 15, 0.1)
    canvas.line(pts, width, taper=(0.9, 1.0, 0.55))
    canvas.lay(colour, rng.uniform(0.85, 1.0))


def cross(img: np.ndarray, box: Box, dpi: float, rng: np.random.Generator) -> None:
    """A pen ✗: two strokes corner to corner, each drawn on its own."""
    width, colour = _pen(img, dpi, rng)
    canvas = _Canvas(img, box, (box[2] - box[0]) * 0.5 + width)
    j = lambda x, y: np.array([x, y]) + rng.uniform(-0.06, 0.06, 2)  # noqa: E731
    size, angle = (0.65, 1.05), 10
    for a, b in ((j(0.15, 0.15), j(0.85, 0.85)), (j(0.85, 0.15), j(0.15, 0.85))):
        canvas.line(_place(_curve(a, b, rng, 0.08), box, rng, size, angle, 0.05), width)
    canvas.lay(colour, rng.uniform(0.85, 1.0))


def fill(img: np.ndarray, box: Box, dpi: float, rng: np.random.Generator) -> None:
    """The box filled in (a correction): a solid patch, a little ragged at its edges, scribbled over."""
    width, colour = _pen(img, dpi, rng)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    canvas = _Canvas(img, box, max(w, h) * 0.2 + width)
    # Corners pushed out up to 10 % (people overshoot) or in up to 3 % (a corner left less than full).
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)
    out = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float)
    canvas.polygon(corners + out * rng.uniform(-0.03, 0.10, (4, 2)) * (w, h))
    rows = max(4, int(h / (width * 0.7)))  # the scribble that made the fill: back and forth, overlapping
    ys = np.linspace(y0 - 0.05 * h, y1 + 0.05 * h, rows)
    xs = np.where(np.arange(rows) % 2 == 0, x0 + 0.02 * w, x1 - 0.02 * w)
    zig = np.column_stack([xs + rng.normal(0, 0.04 * w, rows), ys + rng.normal(0, 0.02 * h, rows)])
    canvas.line(zig, width, taper=(1, 1, 1))
    # Ink is denser where strokes overlap: a low-frequency pattern from 0.8 to 1.0, never paper-white.
    texture = cv2.GaussianBlur(rng.uniform(0.8, 1.0, (canvas.py1 - canvas.py0, canvas.px1 - canvas.px0))
                               .astype(np.float32), (0, 0), max(1.0, width / 2))
    canvas.lay(colour, texture)


def light_tick(img: np.ndarray, box: Box, dpi: float, rng: np.random.Generator) -> None:
    """A faint pencil ✓: thin, grey 140–200 on white, grainy as graphite on paper."""
    width = mm_to_px(rng.uniform(*PENCIL_MM), dpi)
    grey = rng.uniform(*PENCIL_GREY)
    canvas = _Canvas(img, box, (box[2] - box[0]) * 0.5 + width)
    unit = np.vstack([_curve(a, b, rng, 0.12) for a, b in _tick_shape(rng)])
    canvas.line(_place(unit, box, rng, (0.6, 1.05), 15, 0.1), width, taper=(0.7, 1.0, 0.5))
    grain = rng.uniform(0.55, 1.0, (canvas.py1 - canvas.py0, canvas.px1 - canvas.px0)).astype(np.float32)
    canvas.lay((grey, grey, grey), grain)


def stray(img: np.ndarray, box: Box, dpi: float, rng: np.random.Generator,
          sides: Sequence[str] = ("top", "bottom", "left", "right")) -> None:
    """A short pen stroke beside the box, 0–2 mm off it or just touching its edge: no mark in the box."""
    width, colour = _pen(img, dpi, rng)
    x0, y0, x1, y1 = box
    length = mm_to_px(rng.uniform(1.5, 5.0), dpi)
    a = np.deg2rad(rng.uniform(-35, 35))
    side = sides[rng.integers(len(sides))]
    if side in ("left", "right"):
        a += np.pi / 2
    d = np.array([np.cos(a), np.sin(a)]) * length
    pts = _curve((0, 0), d, rng, 0.15)
    gap = mm_to_px(rng.uniform(-0.15, 2.0), dpi) + width / 2  # negative: the stroke's edge on the box's line
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    cx, cy = (x0 + x1) / 2 + rng.uniform(-0.5, 0.5) * (x1 - x0), (y0 + y1) / 2 + rng.uniform(-0.5, 0.5) * (y1 - y0)
    shift = {"top": (cx - (lo[0] + hi[0]) / 2, y0 - gap - hi[1]), "bottom": (cx - (lo[0] + hi[0]) / 2, y1 + gap - lo[1]),
             "left": (x0 - gap - hi[0], cy - (lo[1] + hi[1]) / 2), "right": (x1 + gap - lo[0], cy - (lo[1] + hi[1]) / 2)}
    pts = pts + shift[side]
    canvas = _Canvas(img, box, length + mm_to_px(2.5, dpi) + width)
    canvas.line(pts, width)
    canvas.lay(colour, rng.uniform(0.85, 1.0))


def empty(img: np.ndarray, box: Box, dpi: float, rng: np.random.Generator) -> None:
    """No mark: the box is left as printed."""


MARKS: dict[str, Callable[..., None]] = {"tick": tick, "cross": cross, "fill": fill, "light_tick": light_tick,
                                         "stray": stray, "empty": empty}


def draw(img: np.ndarray, kind: str, box: Box, dpi: float, rng: np.random.Generator) -> None:
    """Draw the mark `kind` (a key of MARKS) into `box`."""
    MARKS[kind](img, box, dpi, rng)


@dataclass(frozen=True)
class RowTruth:
    """What a row of boxes says after marking: the value a reader must give, or None.

    double: two boxes marked and neither filled, so the reader must send the row to review.
    faint: the only mark is a pencil tick; a reader may read it or send it to review, never misread it.
    drawn: (box value, mark kind) for every box that got ink, in drawing order."""

    value: object | None
    double: bool = False
    faint: bool = False
    drawn: tuple[tuple[object, str], ...] = ()


SCENARIOS = ("single", "correction", "double", "empty", "faint")


def mark_row(img: np.ndarray, boxes: Sequence[tuple[object, Box]], value: object, scenario: str, dpi: float,
             rng: np.random.Generator, stray_p: float = 0.1) -> RowTruth:
    """Mark a row of (value, box) as `scenario` says and return its truth.

    single: a tick (or, one time in four, a cross) in `value`'s box. correction: another box filled in
    and `value` ticked. double: `value` and another box both ticked or crossed. empty: nothing. faint:
    a pencil tick in `value`'s box. With probability stray_p a stroke is added above or below another
    box (never beside it, where it could land in the neighbouring box)."""
    where = {v: b for v, b in boxes}
    others = [v for v, _ in boxes if v != value]
    drawn: list[tuple[object, str]] = []

    def put(v, kind):
        draw(img, kind, where[v], dpi, rng)
        drawn.append((v, kind))

    pen = lambda: "cross" if rng.random() < 0.25 else "tick"  # noqa: E731
    if scenario == "correction":
        put(others[rng.integers(len(others))], "fill")
    if scenario in ("single", "correction", "double"):
        put(value, pen())
    if scenario == "double":
        put(others[rng.integers(len(others))], pen())
    if scenario == "faint":
        put(value, "light_tick")
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; one of {SCENARIOS}")
    if rng.random() < stray_p:
        unmarked = [v for v, _ in boxes if v not in {d for d, _ in drawn}]
        v = unmarked[rng.integers(len(unmarked))]
        stray(img, where[v], dpi, rng, sides=("top", "bottom"))
        drawn.append((v, "stray"))
    truth = None if scenario in ("double", "empty") else value
    return RowTruth(truth, double=scenario == "double", faint=scenario == "faint", drawn=tuple(drawn))
