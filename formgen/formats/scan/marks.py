"""Measuring the ink in each box of an upright page and deciding each row: ticked, empty, or for a person.

The page is first flattened (divided by its local paper brightness, so uneven light and grey
paper do not count as ink). Each row of boxes is aligned to its printed outlines (a search of
±ALIGN_MM around the recorded position), then each box's inner area (inside the outline, so the
printed frame is not ink) is measured as the share of dark pixels and the share of faint ones.
A light pencil line is mostly fainter than FAINT after a scan's blur (it measured ~0 faint share),
so each box is also searched for a faint line: ink, smoothed over ~0.1 mm, at least FAINT_CONTRAST
above the box's own paper (the median of its inner area, or a broad shade wider than LINE_MAX_PX
such as show-through) in a connected line at least STROKE_MIN_MM long. Scanner noise and JPEG
blocks stay under the contrast; left out are drum streaks (thin, straight through the whole box)
and dots with a dark core (toner dust), which the dark share judges.
"""
from __future__ import annotations

from dataclasses import dataclass

from formgen.formats.paper.geometry import Box, Row
from formgen.formats.scan.locate import PX_PER_MM

__all__ = ["DARK", "FAINT", "EMPTY_MAX", "TICK_MIN", "FILLED_MIN", "FAINT_CONTRAST", "STROKE_MIN_MM", "ALIGN_MM", "INSET_MM", "BoxInk", "RowDecision",
           "ink_map", "align_row", "measure", "decide"]

DARK, FAINT = 0.45, 0.18  # ink levels (0 paper … 1 black) of a pen stroke and of a light pencil line
EMPTY_MAX = 0.035  # at most this share of dark pixels: the box is empty (dust, JPEG noise, a stray dot)
TICK_MIN = 0.09  # at least this: ticked (the smallest tick covers ~12 % of the inner area)
FILLED_MIN = 0.78  # at least this: filled in completely, a correction (a heavy cross stays below; a filled box
# taken for a tick only sends its row to review, a tick taken for a filled box could misread it: hence high)
FAINT_MIN = 0.08  # faint pixels in an otherwise empty box: a light mark that may be meant
ALIGN_MM = 1.5  # how far a row may sit from its recorded place (printer feed, paper stretch, a phone's lens)
INSET_MM = 0.9  # the inner area starts this far inside the box's outer edge (outline and misregistration)
FAINT_CONTRAST = 0.04  # smoothed ink this far above the box's own paper is a faint line (noise stays below ~0.02)
STROKE_MIN_MM = 1.5  # a faint line at least this long is a mark that may be meant (toner dust is < 1.3 mm)
STROKE_INSET_MM = 1.25  # the stroke search stays this far inside the box (a blurred outline fades out by then)
LINE_MAX_PX = 13  # ink broader than this (1.6 mm: show-through from the other side, a shadow) is not a line


@dataclass(frozen=True)
class BoxInk:
    value: str
    dark: float  # share of the inner area darker than DARK
    faint: float  # share fainter than DARK but darker than FAINT
    stroke: float = 0.0  # mm: the longest faint line in the box (see the module's docstring)

    @property
    def state(self) -> str:
        """filled | ticked | uncertain | empty."""
        if self.dark >= FILLED_MIN:
            return "filled"
        if self.dark >= TICK_MIN:
            return "ticked"
        if self.dark > EMPTY_MAX or self.faint >= FAINT_MIN or self.stroke >= STROKE_MIN_MM:
            return "uncertain"
        return "empty"

    @property
    def confidence(self) -> float:
        """How far from the nearest threshold the box's measure is (1 = far, 0 = on it)."""
        s = self.state
        if s == "empty":
            return max(0.0, min(1.0, 1 - max(self.dark / TICK_MIN, self.faint / (FAINT_MIN * 2),
                                                 self.stroke / (STROKE_MIN_MM * 2))))
        if s == "ticked":
            return max(0.0, min(1.0, (self.dark - EMPTY_MAX) / (0.25 - EMPTY_MAX), (FILLED_MIN - self.dark) / 0.2))
        if s == "filled":
            return max(0.0, min(1.0, (self.dark - 0.45) / 0.3))
        return 0.0


@dataclass(frozen=True)
class RowDecision:
    value: str | None  # the ticked box's value; None when empty or for review
    status: str  # answered | empty | review
    confidence: float
    reason: str = ""  # why a person must look (review only)


def ink_map(warped):
    """Ink per pixel, 0 (paper) … 1 (black), relative to the local paper brightness."""
    import cv2
    import numpy as np

    small = cv2.resize(warped, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)  # exact: a 4 × 4 mean
    # Paper brightness: the local maximum over ~12 mm (wider than a filled box), smoothed.
    paper = cv2.GaussianBlur(cv2.dilate(small, np.ones((25, 25), np.uint8)), (0, 0), 6)
    paper = cv2.resize(paper, (warped.shape[1], warped.shape[0]), interpolation=cv2.INTER_LINEAR)
    ink = cv2.divide(warped, np.maximum(paper, 40), scale=1.0, dtype=cv2.CV_32F)  # 1 on paper, 0 on black
    return np.clip((1.0 - ink) * (1 / 0.85), 0.0, 1.0)


def _px(v: float) -> int:
    return int(round(v * PX_PER_MM))


def align_row(dark_integral, row: Row) -> tuple[int, int]:
    """The (dx, dy) in pixels that puts the row's printed outlines where the scan has them."""
    import numpy as np

    r = _px(ALIGN_MM)
    offs = np.arange(-r, r + 1)
    dx, dy = np.meshgrid(offs, offs)
    score = np.zeros(dx.shape)
    H, W = dark_integral.shape[0] - 1, dark_integral.shape[1] - 1

    def rect(x0, y0, x1, y1):
        x0, x1 = np.clip(x0 + dx, 0, W), np.clip(x1 + dx, 0, W)
        y0, y1 = np.clip(y0 + dy, 0, H), np.clip(y1 + dy, 0, H)
        return dark_integral[y1, x1] - dark_integral[y0, x1] - dark_integral[y1, x0] + dark_integral[y0, x0]

    for b in row.boxes:
        x0, y0, x1, y1 = _px(b.x), _px(b.y), _px(b.x + b.w), _px(b.y + b.h)
        score += rect(x0, y0 - 1, x1, y0 + 2) + rect(x0, y1 - 2, x1, y1 + 1)
        score += rect(x0 - 1, y0, x0 + 2, y1) + rect(x1 - 2, y0, x1 + 1, y1)
    best = np.unravel_index(np.argmax(score), score.shape)
    return int(dx[best]), int(dy[best])


def measure(ink, box: Box, offset: tuple[int, int]) -> BoxInk:
    """The ink inside one box (its inner area, the printed outline left out)."""
    x0, y0 = _px(box.x + INSET_MM) + offset[0], _px(box.y + INSET_MM) + offset[1]
    x1, y1 = _px(box.x + box.w - INSET_MM) + offset[0], _px(box.y + box.h - INSET_MM) + offset[1]
    inner = ink[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)]
    if inner.size == 0:
        return BoxInk(box.value, 0.0, 1.0)  # off the page: uncertain, never empty
    dark = float((inner >= DARK).mean())
    faint = float(((inner >= FAINT) & (inner < DARK)).mean())
    return BoxInk(box.value, dark, faint, _stroke(ink, box, offset))


def _stroke(ink, box: Box, offset: tuple[int, int]) -> float:
    """The longest faint line inside the box in mm (see the module's docstring)."""
    import cv2
    import numpy as np

    m = 8  # pixels of margin (inside the box still) for the smoothing and the local paper
    x0, y0 = _px(box.x + STROKE_INSET_MM) + offset[0], _px(box.y + STROKE_INSET_MM) + offset[1]
    x1, y1 = _px(box.x + box.w - STROKE_INSET_MM) + offset[0], _px(box.y + box.h - STROKE_INSET_MM) + offset[1]
    if x0 - m < 0 or y0 - m < 0 or x1 + m > ink.shape[1] or y1 + m > ink.shape[0] or x1 <= x0 or y1 <= y0:
        return 0.0  # off the page: measure() has said so already
    patch = ink[y0 - m:y1 + m, x0 - m:x1 + m]
    smooth = cv2.GaussianBlur(patch, (0, 0), 1.0)
    broad = cv2.morphologyEx(smooth, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (LINE_MAX_PX, LINE_MAX_PX)))
    smooth, broad, raw = smooth[m:-m, m:-m], broad[m:-m, m:-m], patch[m:-m, m:-m]
    paper = np.maximum(broad, np.median(smooth))  # the box's own paper, or a broad shade over it
    lines = (smooth - paper >= FAINT_CONTRAST).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    longest = 0
    for i in range(1, n):
        w, h = int(stats[i, 2]), int(stats[i, 3])
        if min(w, h) <= 6 and max(w, h) >= min(lines.shape) - 1:
            continue  # thin and straight through the whole box: a copier's drum streak or a fold, not a mark
        if (raw[labels == i] >= DARK).mean() > 0.1:
            continue  # a dot with a dark core (toner dust, a pen's touch): the dark share judges it
        longest = max(longest, w, h)
    return longest / PX_PER_MM


def decide(inks: list[BoxInk]) -> RowDecision:
    """One value per row: one tick (any fully filled boxes are corrections); anything else goes to review."""
    states = [b.state for b in inks]
    ticked = [b for b, s in zip(inks, states) if s == "ticked"]
    filled = [b for b, s in zip(inks, states) if s == "filled"]
    unsure = [b for b, s in zip(inks, states) if s == "uncertain"]
    conf = min(b.confidence for b in inks) if inks else 0.0
    if unsure:
        return RowDecision(None, "review", conf, f"a faint or small mark in '{unsure[0].value}'")
    if len(ticked) > 1:
        return RowDecision(None, "review", conf, "more than one box is ticked: " + ", ".join(b.value for b in ticked))
    if len(ticked) == 1:
        return RowDecision(ticked[0].value, "answered", conf)
    if filled:
        return RowDecision(None, "review", conf, "a box is filled in, but no other box is ticked "
                           "(a correction without a new answer, or a filled box meant as the answer)")
    return RowDecision(None, "empty", conf)
