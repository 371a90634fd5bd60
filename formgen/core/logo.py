"""Branding: the organisation's logo (checked before use) or a tidy placeholder from its initials (Pillow only)."""
from __future__ import annotations

import io
from pathlib import Path

from formgen.core.errors import fail

__all__ = ["check_logo", "initials", "placeholder_logo", "MAX_LOGO_BYTES", "MAX_LOGO_PIXELS"]

MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 6000 * 6000
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


def check_logo(path: Path) -> tuple[int, int]:
    """Fail with a clear message unless path is a reasonable PNG or JPEG; return its pixel size."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    fix = "use a PNG or JPEG under 5 MB, e.g. exported from your municipality's design guide"
    if not path.is_file():
        raise fail("FG102", str(path), "the logo file does not exist", fix)
    if path.stat().st_size > MAX_LOGO_BYTES:
        raise fail("FG102", str(path), f"the logo is {path.stat().st_size // 1024} KB, which is too large", fix)
    Image.MAX_IMAGE_PIXELS = MAX_LOGO_PIXELS
    try:
        with Image.open(path) as img:
            kind, size = img.format, img.size
            img.verify()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        raise fail("FG102", str(path), f"the logo cannot be read as an image ({exc.__class__.__name__})", fix)
    if kind not in ("PNG", "JPEG"):
        raise fail("FG102", str(path), f"the logo is {kind}, not PNG or JPEG", fix)
    if size[0] * size[1] > MAX_LOGO_PIXELS or min(size) < 16:
        raise fail("FG102", str(path), f"the logo is {size[0]}×{size[1]} pixels", fix + ", between 16 and 6000 pixels a side")
    return size


def initials(name: str) -> str:
    """'Jobcenter Eksempelby' -> 'JE'; skips small words."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum() and w.lower() not in {"og", "i", "for", "af"}]
    return ("".join(w[0] for w in words[:3]) or "FG").upper()


def placeholder_logo(name: str, colour: str = "#1F4E79") -> bytes:
    """A PNG badge with the organisation's initials, so no form is unbranded by accident."""
    from PIL import Image, ImageDraw

    size = 240
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((4, 4, size - 4, size - 4), radius=40, fill=colour)
    text = initials(name)
    font = _font(int(size * (0.46 if len(text) < 3 else 0.34)))
    box = draw.textbbox((0, 0), text, font=font)
    xy = ((size - (box[2] - box[0])) / 2 - box[0], (size - (box[3] - box[1])) / 2 - box[1])
    draw.text(xy, text, font=font, fill="white")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _font(px: int):
    from PIL import ImageFont

    for path in FONT_CANDIDATES:
        if Path(path).is_file():
            return ImageFont.truetype(path, px)
    return ImageFont.load_default(size=px)
