"""Shared by the overview, company sheet, kompetencekort and citizen report: branded rendering, dates, Danish numbers."""
from __future__ import annotations

import datetime as dt
import math
import re

from formgen.core.dates import day
from formgen.core.templates import template_path
from formgen.formats import word

__all__ = ["MINUS", "render", "slug", "da_date", "missing", "num", "signed", "share"]

MINUS = "−"


def render(ws, template: str, ctx: dict, images: dict | None = None, title: str = "", subject: str = "") -> bytes:
    """Fill a template (the workspace's copy first) with the organisation, the logo and PNG images
    {key: (png, width_mm, alt text)}; the document's title and subject (Danish), the organisation as author.

    What personal data goes into the title and subject is chosen per document (docs/file-format.md).
    """
    org = ws.config.organisation
    ctx = {"org": {"name": org.name, "unit": org.unit, "contact": org.contact},
           "printed": dt.date.today().strftime("%d-%m-%Y"), **ctx}
    core = {"title": title, "subject": subject, "author": org.name}
    return word.render(template_path(template, ws), org.colour, ctx, images, ws.logo, core)


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
