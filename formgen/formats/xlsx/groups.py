"""The kompetencekort tables of the Skema sheet: a level legend, a two-row header, each group's rows."""
from __future__ import annotations

from formgen.forms.definition import ASSESSMENTS, Group, later_field
from formgen.forms.view import FormView
from formgen.formats.xlsx.blocks import anchors
from formgen.formats.xlsx.sheet import DATE_PROMPT, DATO0, GROUP_HEAD, KOMP, STED, Sheet, rich

__all__ = [
    "GROUP_ROW_PTS", "GROUP_HEADER_PTS", "groups", "legend", "group_header", "group_description",
    "group_title_height", "group_height", "group_rows",
]


GROUP_ROW_PTS = 24.0
GROUP_HEADER_PTS = 44.0


def groups(sh: Sheet) -> None:
    """Kompetencekort: the level legend, a two-row header, then each group's rows."""
    v = sh.v
    if not v.groups:
        return
    plain = "Niveauer: " + "   ".join(f"{b.steps} {b.text}" for b in v.bands())
    sh.put(sh.row, 1, legend(v), "anchors", sh.g.last)
    sh.next(sh.line_height(plain, "anchors"))
    sh.next(8)
    for n, g in enumerate(v.groups):
        if n:
            sh.room(group_height(sh, g), header=group_header)
        else:
            sh.room(GROUP_HEADER_PTS + group_height(sh, g))
            group_header(sh)
        group_rows(sh, g)


def legend(v: FormView):
    """The kompetencekort's levels on one or two lines: 'Niveauer: 1 … 2 …'."""
    chunks = [("Niveauer:  ", dict(b=True, sz=9))]
    for n, b in enumerate(v.bands()):
        step = ("     " if n else "") + b.steps.replace("-", "–") + " "
        chunks += [(step, dict(b=True, sz=8.5)), (b.text, dict(sz=8.5))]
    return rich(chunks)


def group_header(sh: Sheet) -> None:
    """Kompetence | Hvor er det observeret | n. vurdering (Dato, Niveau) × ASSESSMENTS."""
    r, steps = sh.row, sh.v.definition.scale.steps
    for col, text in ((KOMP, GROUP_HEAD[0]), (STED, GROUP_HEAD[1])):
        sh.put(r, col, text, "th")
        sh.put(r + 1, col, None, "th")
        sh.ws.merge_cells(start_row=r, start_column=col, end_row=r + 1, end_column=col)
    for i in range(ASSESSMENTS):
        c = DATO0 + 2 * i
        sh.put(r, c, f"{i + 1}. vurdering", "th", c + 1)
        sh.put(r + 1, c, GROUP_HEAD[2], "th")
        sh.put(r + 1, c + 1, f"{GROUP_HEAD[3]}\n(1–{steps})", "th")
    for c in range(DATO0 + 2 * ASSESSMENTS, sh.g.last + 1):
        sh.put(r, c, None, "th"), sh.put(r + 1, c, None, "th")
    sh.next(16), sh.next(GROUP_HEADER_PTS - 16)


def group_description(g: Group) -> str:
    """A group's description followed by its examples."""
    return (g.description + (f" Eksempler: {', '.join(g.examples)}." if g.examples else "")).strip()


def group_title_height(sh: Sheet, g: Group) -> float:
    """Points the group's title row needs: its title, its description beside it."""
    return max(22.0, sh.line_height(group_description(g), "group_note", 2) + 2)


def group_height(sh: Sheet, g: Group) -> float:
    """Points a group needs: the title row and its rows."""
    return group_title_height(sh, g) + g.rows * GROUP_ROW_PTS + 6


def group_rows(sh: Sheet, g: Group) -> None:
    """A group's title with its description and examples beside it, then its free rows <group>_<n>."""
    from openpyxl.utils import get_column_letter

    sh.put(sh.row, 1, g.title, "group")
    sh.put(sh.row, 2, group_description(g), "group_note", sh.g.last)
    sh.next(group_title_height(sh, g))
    levels, dates = [], []
    for n in range(1, g.rows + 1):
        r, key = sh.row, f"{g.key}_{n}"
        sh.put(r, KOMP, None, "input"), sh.name(key, "kompetence", r, KOMP)
        sh.put(r, STED, None, "input"), sh.name(key, "sted", r, STED)
        for i in range(ASSESSMENTS):
            c = DATO0 + 2 * i
            sh.put(r, c, None, "date"), sh.name(key, later_field("dato", i + 1), r, c)
            sh.put(r, c + 1, None, "level"), sh.name(key, later_field("now", i + 1), r, c + 1)
            levels.append(f"{get_column_letter(c + 1)}{r}")
            dates.append(f"{get_column_letter(c)}{r}")
        sh.next(GROUP_ROW_PTS)
    sh.validate(levels, sh.v.choices, "Niveau", anchors(sh.v, None))
    sh.validate(dates, None, "Dato", DATE_PROMPT)
    sh.next(6)
