"""Shared by the overview, company sheet and kompetencekort: branded rendering, dates, Danish numbers."""
from __future__ import annotations

import datetime as dt
import io
import math
import re
from contextlib import contextmanager
from pathlib import Path

from formgen.core.dates import day
from formgen.core.errors import fail

MINUS = "−"


def render(ws, template: str, ctx: dict, images: dict | None = None, title: str = "", props: bool = True) -> bytes:
    """Fill a template (the workspace's copy first) with the logo, PNG images {key: (png, width_mm)}, autoescaped.

    props: also set the document's title (title), author and last editor (the organisation).
    """
    from docx.shared import Mm
    from docxtpl import InlineImage

    from formgen.formats.word import prepared
    from formgen.core.templates import template_path

    org = ws.config.organisation
    path = template_path(template, ws)
    with _template_problems(path):
        prep = prepared(path, org.colour)
        tpl = prep.template()
    ctx = {"org": {"name": org.name, "unit": org.unit, "contact": org.contact},
           "printed": dt.date.today().strftime("%d-%m-%Y"), **ctx}
    for key, (png, width) in (images or {}).items():
        ctx[key] = InlineImage(tpl, io.BytesIO(png), **fit(png, width)) if png else ""
    logo = ws.logo
    ctx["logo"] = InlineImage(tpl, str(logo), height=Mm(15)) if logo and logo.is_file() else ""
    with _template_problems(path):
        tpl.render(ctx, jinja_env=prep.env, autoescape=True)
    if props:
        core = tpl.docx.core_properties
        core.title, core.author, core.last_modified_by = title, org.name, org.name
    return prep.finish(tpl)


@contextmanager
def _template_problems(path: Path):
    """A template restyled into something unusable (not a .docx, a broken {{ }} tag) as FG140."""
    import zipfile

    from jinja2 import TemplateError
    from lxml.etree import XMLSyntaxError

    try:
        yield
    except (zipfile.BadZipFile, KeyError, XMLSyntaxError, TemplateError) as exc:
        detail = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
        raise fail("FG140", str(path), f"the template cannot be used ({detail})",
                   "undo the last change to it in Word, or delete it: formgen then uses its shipped template") from None


MAX_IMAGE_MM = 200  # the tallest picture that fits an A4 page below a heading


def fit(png: bytes, width_mm: float) -> dict:
    """InlineImage size for a PNG: the given width, unless that makes it taller than a page (a chart
    with many indicators), then the page's height and the width that keeps its proportions."""
    from docx.shared import Mm

    from formgen.formats.images import size

    w, h = size(png) or (0, 0)
    if w and h and width_mm * h / w > MAX_IMAGE_MM:
        return {"height": Mm(MAX_IMAGE_MM)}
    return {"width": Mm(width_mm)}


def slug(text: str) -> str:
    """'Jensen & Søn ApS' → 'jensen-soen-aps' (a safe folder name)."""
    text = text.lower().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "u", "ö": "oe", "ä": "ae"}))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "virksomhed"


def da_date(value: dt.date | str | None) -> str:
    """A date as Danes write it: dd-mm-åååå ('' when missing)."""
    d = value if isinstance(value, dt.date) else day(value)
    return d.strftime("%d-%m-%Y") if d else ""


def missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def num(v, decimals: int = 1) -> str:
    """18.75 → '18,8' (Danish decimal comma); '–' when missing."""
    if missing(v):
        return "–"
    return f"{v:.{decimals}f}".replace(".", ",").replace("-", MINUS)


def signed(v, decimals: int = 1) -> str:
    """18.75 → '+18,8', -6.25 → '−6,3', 0 → '0,0'."""
    if missing(v):
        return "–"
    return ("+" if round(v, decimals) > 0 else "") + num(v, decimals)


def share(part: int, whole: int) -> str:
    """7 of 12 → '58 %' ('–' when there is nothing to count)."""
    return f"{round(100 * part / whole)} %" if whole else "–"
