"""The page grid and its measures, and blocks of drawing operations placed top to bottom on pages."""
from __future__ import annotations

from pathlib import Path

__all__ = [
    "PAGE_W", "PAGE_H", "MX", "TOP", "BOTTOM", "KIND", "WIDTH", "LEFT", "PAD", "INK", "GREY", "RULE", "SHADE",
    "INPUT", "EMPTY", "CODE_LABEL", "DATE_HINT", "FIELD_FONT", "FIELD_SIZE", "FONT_FAMILIES", "fonts", "wrap",
    "tint", "Block", "shift", "Layout",
]


PAGE_W, PAGE_H = 595.28, 841.89  # A4 portrait, points
MX, TOP, BOTTOM = 42.0, 34.0, 48.0  # side margin, top margin, room kept for the footer
KIND = "pdf"
WIDTH = PAGE_W - 2 * MX
LEFT = 128.0  # the indicator table's first column
PAD = 5.0
INK, GREY, RULE, SHADE, INPUT = "#1A1A1A", "#595959", "#808080", "#F2F2F2", "#FFF4CC"
EMPTY = " "  # the value of an unanswered dropdown
CODE_LABEL = "Skema-id"
DATE_HINT = "dd-mm-åååå"
FIELD_FONT, FIELD_SIZE = "Helvetica", 9  # AcroForm fields use a standard font (reportlab's limit)
FONT_FAMILIES = (  # (regular, bold, italic): the first complete family found; Helvetica (Latin-1) if none
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Oblique.ttf"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf"),
    ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
     "/usr/share/fonts/truetype/liberation2/LiberationSans-Italic.ttf"),
)
_FONTS: list[str] = []


def fonts() -> tuple[str, str, str]:
    """Regular, bold and italic font names (registered with reportlab once per process)."""
    if not _FONTS:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        _FONTS[:] = ["Helvetica", "Helvetica-Bold", "Helvetica-Oblique"]
        for family in FONT_FAMILIES:
            if all(Path(p).is_file() for p in family):
                for name, path in zip(("FG", "FG-Bold", "FG-Italic"), family):
                    pdfmetrics.registerFont(TTFont(name, path))
                _FONTS[:] = ["FG", "FG-Bold", "FG-Italic"]
                break
    return _FONTS[0], _FONTS[1], _FONTS[2]


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of text no wider than width (a word longer than the width gets a line of its own)."""
    from reportlab.lib.utils import simpleSplit

    out: list[str] = []
    for para in text.split("\n"):
        out += simpleSplit(para, font, size, width) or [""]
    return out


def tint(colour: str, amount: float = 0.85) -> str:
    """The colour mixed with white (amount 1 = white)."""
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


# --- layout: blocks of drawing operations, placed on pages -------------------------------------
# An operation is a tuple (kind, x, y, …) with y in points from the top (of its block, then of its
# page); "line" also carries a second y at index 4.


class Block:
    """Drawing operations relative to the block's top, and the height they use."""

    def __init__(self) -> None:
        self.ops: list[tuple] = []
        self.h = 0.0

    def text(self, x: float, baseline: float, s: str, font: str, size: float, colour: str = INK,
             align: str = "l") -> None:
        self.ops.append(("text", x, baseline, font, size, colour, s, align))

    def para(self, x: float, y: float, width: float, s: str, font: str, size: float, colour: str = INK,
             align: str = "l", leading: float | None = None) -> float:
        """Wrapped text whose first line starts at y; the y below its last line."""
        leading = leading or size * 1.25
        anchor = x + width if align == "r" else x + width / 2 if align == "c" else x
        for line in wrap(s, font, size, width):
            self.text(anchor, y + 0.8 * size + (leading - size) / 2, line, font, size, colour, align)
            y += leading
        return y

    def rect(self, x: float, y: float, w: float, h: float, stroke: str | None = RULE, fill: str | None = None,
             lw: float = 0.5) -> None:
        self.ops.append(("rect", x, y, w, h, stroke, fill, lw))

    def line(self, x: float, y: float, x2: float, y2: float, colour: str = RULE, lw: float = 0.5) -> None:
        self.ops.append(("line", x, y, x2, y2, colour, lw))

    def field(self, kind: str, name: str, x: float, y: float, w: float, h: float, options: tuple = (),
              tooltip: str = "") -> None:
        """kind: choice | text | multi (a multi-line text field)."""
        self.ops.append(("field", x, y, kind, name, w, h, options, tooltip))

    def meta(self, key: str, x: float, y: float, w: float, h: float, tooltip: str) -> None:
        """A metadata text field whose value is set per file."""
        self.ops.append(("meta", x, y, key, w, h, tooltip))

    def code(self, x: float, baseline: float, size: float) -> None:
        """The form code, drawn per file."""
        self.ops.append(("code", x, baseline, size))

    def image(self, x: float, y: float, w: float, h: float) -> None:
        self.ops.append(("image", x, y, w, h))


def shift(op: tuple, dy: float) -> tuple:
    """An operation moved down by dy."""
    if op[0] == "line":
        return (op[0], op[1], op[2] + dy, op[3], op[4] + dy) + op[5:]
    return (op[0], op[1], op[2] + dy) + op[3:]


class Layout:
    """Places blocks top to bottom between top and limit (points), starting a new page when a block does not fit."""

    def __init__(self, top: float = TOP, limit: float = PAGE_H - BOTTOM) -> None:
        self.pages: list[list[tuple]] = [[]]
        self.top, self.limit = top, limit
        self.y = top
        self.repeat = None  # a function making the block repeated at the top of a new page (table header)

    def place(self, b: Block, keep: float = 0.0) -> None:
        """Put b at the cursor (on a new page if b, plus `keep` points of what follows, does not fit)."""
        if self.y + b.h + keep > self.limit and self.y > self.top:
            self.pages.append([])
            self.y = self.top
            if self.repeat is not None:
                self.place(self.repeat())
        self.pages[-1] += [shift(op, self.y) for op in b.ops]
        self.y += b.h

    def space(self, pts: float) -> None:
        self.y += pts
