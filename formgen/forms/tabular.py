"""A form definition as sheets of rows (the definition workbook): the sheets, their columns, and the writing side."""
from __future__ import annotations

from typing import TYPE_CHECKING

from formgen.forms import library

if TYPE_CHECKING:
    from formgen.forms.definition import FormDefinition

__all__ = ["CODE", "SHEETS", "SETTINGS", "YES", "NO", "KINDS", "STEPS", "TYPES", "MARKINGS", "ROLE_COLS", "ROLES",
           "OPTIONAL_SETTINGS", "OPTIONAL_COLUMNS", "to_sheets", "cell", "starter", "REQUIRED"]

CODE = "FG114"
YES, NO = "Ja", "Nej"
KINDS = ("opfoelgning", "samtaleskema", "survey", "kompetencekort")
STEPS = (5, 10, 20)
TYPES = ("text", "number", "date")
MARKINGS = {"nu og mål": ("now", "goal"), "kun nu": ("now",), "kun mål": ("goal",)}
ROLE_COLS = ("Borger", "Mentor", "Konsulent")
# Each sheet's header row; the workbook writer and reader and the docs use these names.
SHEETS: dict[str, tuple[str, ...]] = {
    "Indstillinger": ("Felt", "Værdi", "Forklaring"),
    "Afsnit": ("Titel", "Indledning"),
    "Indikatorer": ("Afsnit", "Nøgle", "Etiket", "Beskrivelse", "Spørgsmål (alle)", "Spørgsmål borger",
                    "Spørgsmål mentor", "Spørgsmål konsulent", "Hjælpespørgsmål", *ROLE_COLS, "Markeringer",
                    "Evidens", "tidligere_nøgle"),
    "Skala": ("Indikator", "Trin", "Tekst"),
    "Tekstsvar": ("Hører til", "Nøgle", "Etiket", "Type", "Linjer", "Hjælp"),
    "Tekstafsnit": ("Nøgle", "Titel", "Indledning", *ROLE_COLS),
    "Grupper": ("Nøgle", "Titel", "Beskrivelse", "Rækker", "Eksempler"),
    library.SHEET: library.COLUMNS,
}
# Cells a row cannot do without (the model allows empty text, a workbook row should not).
REQUIRED = {"Afsnit": ("Titel",), "Indikatorer": ("Afsnit", "Nøgle", "Etiket"), "Skala": ("Trin", "Tekst"),
            "Tekstsvar": ("Hører til", "Nøgle", "Etiket"), "Tekstafsnit": ("Nøgle", "Titel"), "Grupper": ("Nøgle", "Titel")}
# Indstillinger: (label in column A, model field, explanation in column C)
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("Id", "id", "Skemaets id: små bogstaver, tal og -, fx 'mit-skema'"),
    ("Version", "version", "Skemaets version, fx 1.0"),
    ("Titel", "title", "Overskriften på skemaet"),
    ("Type", "kind", "opfoelgning, samtaleskema, survey eller kompetencekort"),
    ("Indledning", "intro", "Teksten øverst i skemaet"),
    ("Borger svarer", "borger", "Ja hvis borgeren udfylder sit eget skema"),
    ("Mentor svarer", "mentor", "Ja hvis virksomhedsmentoren udfylder et skema"),
    ("Konsulent svarer", "konsulent", "Ja hvis jobkonsulenten udfylder et skema"),
    ("Skalaens trin", "steps", "5, 10 eller 20 trin"),
    ("Ved ikke", "dont_know", "Ja hvis man kan svare 'Ved ikke'"),
    ("Underskrifter", "signatures", "Ja hvis skemaet slutter med felter til underskrift"),
    ("Tidligere trin", "previous_steps", "Kun når skalaens trin er ændret, og der er svar: det gamle antal trin "
     "(gamle og nye svar sammenlignes i procent og de fælles bånd)"),
    ("Udgåede nøgler", "retired_keys", "Kun når indikatorer med svar er taget ud: deres nøgler, adskilt af komma "
     "(svarene bliver i de tidligere runder)"),
)
# Settings and columns a workbook written before they existed may lack (they are read as empty).
OPTIONAL_SETTINGS = ("previous_steps", "retired_keys")
OPTIONAL_COLUMNS = {"Indikatorer": ("tidligere_nøgle",)}
ROLES = ("borger", "mentor", "konsulent")


def cell(sheet: str, row: int, col: int) -> str:
    """'Indikatorer!C7' for row 7, column 3 (both 1-based)."""
    return f"{sheet}!{chr(64 + col)}{row}"


def _yes(flag: bool) -> str:
    return YES if flag else NO


def _roles(restriction: tuple[str, ...] | None) -> list[str]:
    # Blank = the form's respondents (None); Ja/Nej only when the definition restricts them.
    return ["" for _ in ROLES] if restriction is None else [_yes(r in restriction) for r in ROLES]


def _anchor_rows(owner: str, anchors) -> list[list]:
    if anchors and isinstance(anchors[0], str):
        return [[owner, str(i + 1), t] for i, t in enumerate(anchors)]
    return [[owner, b.steps, b.text] for b in anchors or ()]


def to_sheets(d: FormDefinition) -> dict[str, list[list]]:
    """The definition as rows per sheet (header row first)."""
    values = {"id": d.id, "version": d.version, "title": d.title, "kind": d.kind, "intro": d.intro,
              "steps": d.scale.steps, "dont_know": _yes(d.scale.dont_know), "signatures": _yes(d.signatures),
              "previous_steps": d.scale.previous_steps or "", "retired_keys": ", ".join(d.retired_keys),
              **{r: _yes(r in d.respondents) for r in ROLES}}
    out: dict[str, list[list]] = {name: [list(head)] for name, head in SHEETS.items()}
    out["Indstillinger"] += [[label, values[f], why] for label, f, why in SETTINGS]
    out["Skala"] += _anchor_rows("", d.scale.anchors)
    for sec in d.sections:
        out["Afsnit"].append([sec.title, sec.intro])
        for i in sec.items:
            marks = next(k for k, v in MARKINGS.items() if v == tuple(i.marks))
            q = i.question
            out["Indikatorer"].append([sec.title, i.key, i.label, i.description, q.get("default", ""),
                                       *(q.get(r, "") for r in ROLES), "\n".join(i.help), *_roles(i.respondents),
                                       marks, i.evidence, ", ".join(i.previous_keys)])
            out["Skala"] += _anchor_rows(i.key, i.anchors)
            out["Tekstsvar"] += [[i.key, t.key, t.label, t.type, t.lines, t.help] for t in i.texts]
    for sec in d.texts:
        out["Tekstafsnit"].append([sec.key, sec.title, sec.intro, *_roles(sec.respondents)])
        out["Tekstsvar"] += [[sec.key, t.key, t.label, t.type, t.lines, t.help] for t in sec.fields]
    for g in d.groups:
        out["Grupper"].append([g.key, g.title, g.description, g.rows, "\n".join(g.examples)])
    out[library.SHEET] = library.sheet_rows()
    return out


def starter() -> FormDefinition:
    """The small example form a new definition workbook starts from."""
    from formgen.forms.definition import FormDefinition

    item = {"key": "sociale_kompetencer", "label": "Sociale kompetencer og samarbejde",
            "description": "At indgå i et fællesskab på arbejdspladsen.",
            "question": {"borger": "Hvordan har du det med at samarbejde med kollegerne?",
                         "default": "Hvordan vurderer du borgerens samarbejde med kollegerne?"},
            "help": ("Hvad er der sket i samarbejdet siden sidst?",),
            "texts": ({"key": "kommentar", "label": "Kommentar"},)}
    return FormDefinition.model_validate({
        "id": "mit-skema", "version": "1.0", "kind": "opfoelgning", "title": "Mit skema",
        "intro": "Marker for hvert område, hvor du står nu, og hvor næste delmål ligger.",
        "scale": {"steps": 10, "dont_know": True, "anchors": [
            {"steps": "1-2", "text": "Meget stor udfordring"}, {"steps": "3-4", "text": "Stor udfordring"},
            {"steps": "5-6", "text": "Nogen udfordring"}, {"steps": "7-8", "text": "Lille udfordring"},
            {"steps": "9-10", "text": "Ingen udfordring"}]},
        "respondents": ["borger", "mentor", "konsulent"],
        "sections": [{"title": "Hovedområder", "items": [item]}]})
