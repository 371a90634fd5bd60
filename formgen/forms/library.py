"""The indicator library: the built-in forms' indicators, offered in the definition workbook to pick from."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formgen.forms.definition import Item

__all__ = ["SHEET", "COLUMNS", "Entry", "entries", "sheet_rows", "picked"]

SHEET = "Indikatorbibliotek"
COLUMNS = ("Brug", "Nøgle", "Etiket", "Beskrivelse", "Spørgsmål (alle)", "Spørgsmål borger", "Spørgsmål mentor",
           "Spørgsmål konsulent", "Hjælpespørgsmål", "Evidens", "Fra skema")


@dataclass(frozen=True)
class Entry:
    """One library indicator: as the first built-in form that has its key asks it, on that form's scale."""

    item: Item
    steps: int
    forms: tuple[str, ...]  # every built-in form with this key


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    """Every key of the built-in forms once, in the forms' order (by id), then the items' order."""
    from formgen.forms.catalogue import available

    found: dict[str, tuple[Item, int, list[str]]] = {}
    for form_id, loaded in sorted(available().items()):
        d = loaded.definition
        for item in d.items:
            first = found.setdefault(item.key, (item, d.scale.steps, []))
            first[2].append(form_id)
            if not first[0].evidence and item.evidence:  # the note on why it is asked, wherever a form gives it
                found[item.key] = (first[0].model_copy(update={"evidence": item.evidence}), first[1], first[2])
    return tuple(Entry(item, steps, tuple(forms)) for item, steps, forms in found.values())


def sheet_rows() -> list[list]:
    """The library sheet: its header, then one row per indicator with Brug empty."""
    rows: list[list] = [list(COLUMNS)]
    for e in entries():
        q = e.item.question
        rows.append(["", e.item.key, e.item.label, e.item.description, q.get("default", ""), q.get("borger", ""),
                     q.get("mentor", ""), q.get("konsulent", ""), "\n".join(e.item.help), e.item.evidence,
                     ", ".join(e.forms)])
    return rows


def picked(key: str, steps: int, respondents: tuple[str, ...]) -> dict | None:
    """The item data a form gets for a library key (its anchors only on the same steps); None when not in the library."""
    entry = next((e for e in entries() if e.item.key == key), None)
    if entry is None:
        return None
    data = entry.item.model_dump(mode="json", exclude={"previous_keys"})
    if entry.steps != steps:
        data["anchors"] = None
    if data["respondents"]:
        data["respondents"] = [r for r in data["respondents"] if r in respondents]
    return data
