"""Dates as people write them on forms (dd-mm-åååå and friends) and as formgen stores them (ISO)."""
from __future__ import annotations

import datetime as dt
import re

__all__ = ["DATE_FORMATS", "iso_date", "day"]

DATE_FORMATS = ("%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%y", "%d.%m.%y", "%d/%m/%y")


def iso_date(raw: str) -> str | None:
    """Danish and ISO dates → ISO 'YYYY-MM-DD'; None when it is not a date."""
    text = raw.strip().split(" ")[0] if re.match(r"^\d{4}-\d\d-\d\d[ T]\d", raw.strip()) else raw.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def day(text: str | None) -> dt.date | None:
    """A date as stored (ISO) or written on a form (dd-mm-åååå); None when it is not a date."""
    if not text:
        return None
    iso = iso_date(str(text))
    return dt.date.fromisoformat(iso) if iso else None
