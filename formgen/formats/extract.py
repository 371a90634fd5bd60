"""What the format modules extract from a returned file, before any interpretation.

A format module (docx, xlsx) turns a file into an Extract: identity properties, the visible form
code, and every raw answer string with how it was found. The submission step interprets them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Extract", "Found"]


@dataclass(frozen=True)
class Found:
    """One raw answer as it stands in the file."""

    key: str  # item / section / row key
    field: str  # now, goal, or a text answer's key
    raw: str  # the text as found ('' when empty or showing its placeholder)
    how: str  # tag | name | row: by content-control tag, Excel defined name, or table-row fallback
    placeholder: bool = False  # the field still shows its placeholder (= not answered)
    stored: str | None = None  # the text exactly as the file stores it, where reading split it into lines


@dataclass(frozen=True)
class Extract:
    """Everything read from one file."""

    props: dict[str, str]  # custom document properties (fg_code, fg_form, ...)
    visible_code: str | None  # a form code found in the visible text (fallback identity)
    answers: tuple[Found, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)  # fg:meta:* values (who filled it, date)
