"""Reading a definition workbook's sheets back into a FormDefinition, with every problem at its Sheet!Cell."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from formgen.core.errors import FormgenError, Problem
from formgen.forms import library
from formgen.forms.tabular import (CODE, MARKINGS, OPTIONAL_COLUMNS, OPTIONAL_SETTINGS, REQUIRED, ROLE_COLS, ROLES,
                                   SETTINGS, SHEETS, cell)

if TYPE_CHECKING:
    from formgen.forms.definition import FormDefinition

__all__ = ["from_sheets", "split_keys"]

class _Reader:
    """Builds the definition's data from the sheets and remembers which cell each value came from."""

    def __init__(self, sheets: dict[str, list[list[str]]]) -> None:
        self.sheets = sheets
        self.where: dict[tuple, str] = {}
        self.problems: list[Problem] = []
        self.respondents: tuple[str, ...] = ROLES  # the form's, once Indstillinger is read
        self.steps: int | str | None = None

    def problem(self, where: str, what: str, fix: str) -> None:
        self.problems.append(Problem(CODE, where, what, fix))

    def rows(self, sheet: str) -> list[tuple[int, dict[str, str]]]:
        """(row number, {header: text}) of every non-empty data row; a missing sheet is a problem."""
        if sheet not in self.sheets:
            self.problem(sheet, f"the sheet '{sheet}' is missing",
                         "start again from 'formgen forms new' and copy your rows into the new workbook")
            return []
        head = SHEETS[sheet]
        found = [str(h).strip() for h in (self.sheets[sheet][0] if self.sheets[sheet] else [])]
        if not any(found):
            self.problem(cell(sheet, 1, 1), f"the sheet '{sheet}' is empty: its header row is missing",
                         f"the first row must read: {', '.join(head)} (copy it from a new workbook)")
            return []
        need = len(head) - len(OPTIONAL_COLUMNS.get(sheet, ()))  # optional columns come last and may be missing
        extra = zip(found[need:len(head)], head[need:])
        if tuple(found[:need]) != head[:need] or any(f and f != h for f, h in extra):
            self.problem(cell(sheet, 1, 1), f"the header row of '{sheet}' is changed",
                         f"the first row must read: {', '.join(head)}")
            return []
        rows = [(n, dict(zip(head, (list(r) + [""] * len(head))[:len(head)])))
                for n, r in enumerate(self.sheets[sheet][1:], start=2) if any(str(v).strip() for v in r)]
        for n, r in rows:
            for col in REQUIRED.get(sheet, ()):
                if not r[col].strip():
                    self.problem(cell(sheet, n, head.index(col) + 1), f"the {col} is missing",
                                 f"write a {col} in column {chr(65 + head.index(col))}, or delete the row")
        return rows

    def at(self, path: tuple, sheet: str, row: int, column: str) -> None:
        self.where[path] = cell(sheet, row, SHEETS[sheet].index(column) + 1)

    def flag(self, sheet: str, row: int, column: str, value: str, blank: bool | None = None) -> bool | None:
        v = value.strip().lower()
        if not v and blank is None:
            return None
        if v in ("ja", "nej", ""):
            return v == "ja" if v else blank
        self.problem(cell(sheet, row, SHEETS[sheet].index(column) + 1), f"'{value}' is not Ja or Nej",
                     "choose Ja or Nej in the dropdown")
        return blank

    def roles(self, sheet: str, row: int, r: dict[str, str], key: str = "") -> tuple[str, ...] | None:
        flags = [self.flag(sheet, row, c, r[c]) for c in ROLE_COLS]
        for role, col, f in zip(ROLES, ROLE_COLS, flags):
            if f and role not in self.respondents:
                self.where.setdefault(("roles", key), cell(sheet, row, SHEETS[sheet].index(col) + 1))
        return None if all(f is None for f in flags) else tuple(x for x, f in zip(ROLES, flags) if f)


def _settings(rd: _Reader) -> dict:
    by_label = {r["Felt"].strip(): (n, r["Værdi"]) for n, r in rd.rows("Indstillinger")}
    data: dict = {}
    for label, field, _ in SETTINGS:
        if label not in by_label:
            if rd.sheets.get("Indstillinger") and field not in OPTIONAL_SETTINGS:
                rd.problem("Indstillinger!A", f"the setting '{label}' is missing",
                           f"add a row with '{label}' in column A and its value in column B")
            continue
        n, value = by_label[label]
        rd.at((field,), "Indstillinger", n, "Værdi")
        data[field] = value.strip()
        if not data[field] and field in ("id", "version", "title", "kind", "steps"):
            rd.problem(rd.where[(field,)], f"the {label} is missing", f"write the {label} in column B (see column C)")
    flags = {f: rd.flag("Indstillinger", by_label[lbl][0], "Værdi", data[f], False)
             for lbl, f, _ in SETTINGS if f in ROLES + ("dont_know", "signatures") and f in data}
    data["respondents"] = tuple(r for r in ROLES if flags.get(r))
    for field in ("steps", "previous_steps"):
        if field in data:
            data[field] = _int(data[field], None)  # not a number: pydantic names it at the cell
    data["retired_keys"] = split_keys(data.get("retired_keys", ""))
    for field in ROLES:
        data.pop(field, None)
    data.update({f: flags[f] for f in ("dont_know", "signatures") if f in flags})
    return data


def _anchors(rd: _Reader) -> dict[str, list]:
    found: dict[str, list] = {}
    for n, r in rd.rows("Skala"):
        found.setdefault(r["Indikator"].strip(), []).append((n, r["Trin"].strip(), r["Tekst"]))
        rd.where.setdefault(("band", r["Trin"].replace(" ", "")), cell("Skala", n, 2))
    out = {}
    for owner, rows in found.items():
        plain = [s for _, s, _ in rows] == [str(i + 1) for i in range(len(rows))]
        out[owner] = [t for _, _, t in rows] if plain else [{"steps": s, "text": t} for _, s, t in rows]
        out[owner + "#rows"] = [n for n, _, _ in rows]
    return out


def _unique(rd: _Reader, sheet: str, column: str, rows: list[tuple[int, dict[str, str]]], what: str) -> None:
    seen: dict[str, int] = {}
    for n, r in rows:
        v = r[column].strip()
        if v and v in seen:
            rd.problem(cell(sheet, n, SHEETS[sheet].index(column) + 1),
                       f"'{v}' is used twice as {what} (also in row {seen[v]})",
                       f"give every row its own {what.removeprefix('a ')}")
        seen.setdefault(v, n)


def _texts(rd: _Reader, owners: set[str]) -> dict[str, list]:
    out: dict[str, list] = {}
    for n, r in rd.rows("Tekstsvar"):
        owner = r["Hører til"].strip()
        if owner not in owners:
            rd.problem(cell("Tekstsvar", n, 1), f"'{owner}' is not an indicator's or text section's key",
                       "write the Nøgle of an indicator (Indikatorer) or a text section (Tekstafsnit)")
            continue
        t = {"key": r["Nøgle"].strip(), "label": r["Etiket"], "type": r["Type"].strip() or "text",
             "lines": _int(r["Linjer"], 2), "help": r["Hjælp"]}
        out.setdefault(owner, []).append((n, t))
    return out


def split_keys(text: str) -> tuple[str, ...]:
    """Keys written in one cell, separated by commas, spaces or line breaks."""
    return tuple(k for k in re.split(r"[,;\s]+", text or "") if k)


def _int(value: str, default: int | None) -> int | str | None:
    try:
        return int(float(value)) if str(value).strip() else default
    except ValueError:
        return value


def _text_fields(rd: _Reader, texts: dict[str, list], owner: str, path: tuple) -> list[dict]:
    fields = []
    for j, (n, t) in enumerate(texts.get(owner, [])):
        for col, f in (("Nøgle", "key"), ("Etiket", "label"), ("Type", "type"), ("Linjer", "lines"), ("Hjælp", "help")):
            rd.at(path + (j, f), "Tekstsvar", n, col)
        rd.at(path + (j,), "Tekstsvar", n, "Nøgle")
        fields.append(t)
    return fields


ITEM_COLS = (("Nøgle", "key"), ("Etiket", "label"), ("Beskrivelse", "description"), ("Hjælpespørgsmål", "help"),
             ("Markeringer", "marks"), ("Evidens", "evidence"), ("Borger", "respondents"),
             ("tidligere_nøgle", "previous_keys"))


def _item(rd: _Reader, n: int, r: dict[str, str], path: tuple, anchors: dict, texts: dict) -> dict:
    q = {"default": r["Spørgsmål (alle)"]} | {x: r[f"Spørgsmål {x}"] for x in ROLES}
    marks = r["Markeringer"].strip() or "nu og mål"
    if marks not in MARKINGS:
        rd.problem(cell("Indikatorer", n, SHEETS["Indikatorer"].index("Markeringer") + 1),
                   f"'{marks}' is not a choice", f"choose one of: {', '.join(MARKINGS)}")
    key = r["Nøgle"].strip()
    item = {"key": key, "label": r["Etiket"], "description": r["Beskrivelse"],
            "question": {k: v for k, v in q.items() if v.strip()}, "marks": MARKINGS.get(marks, ("now", "goal")),
            "help": tuple(h for h in r["Hjælpespørgsmål"].split("\n") if h.strip()),
            "respondents": rd.roles("Indikatorer", n, r, key), "evidence": r["Evidens"],
            "previous_keys": split_keys(r["tidligere_nøgle"]),
            "texts": _text_fields(rd, texts, key, path + ("texts",))}
    if key in anchors:
        item["anchors"] = anchors[key]
        rd.where[path + ("anchors",)] = cell("Skala", anchors[key + "#rows"][0], 1)
    for col, f in ITEM_COLS:
        rd.at(path + (f,), "Indikatorer", n, col)
    rd.at(path + ("question",), "Indikatorer", n, "Spørgsmål (alle)")
    rd.at(path, "Indikatorer", n, "Nøgle")
    rd.where.setdefault(("named", key), rd.where[path])
    rd.where.setdefault(("previous", key), rd.where[path + ("previous_keys",)])
    return item


def _sections(rd: _Reader, anchors: dict, texts: dict) -> list[dict]:
    secs = {r["Titel"].strip(): {"title": r["Titel"].strip(), "intro": r["Indledning"], "items": [], "row": n}
            for n, r in rd.rows("Afsnit")}
    rows = rd.rows("Indikatorer")
    _unique(rd, "Indikatorer", "Nøgle", rows, "a key")
    _unique(rd, "Indikatorer", "Etiket", rows, "a label")
    order = list(secs)
    for n, r in rows:
        title = r["Afsnit"].strip()
        if title not in secs:
            rd.problem(cell("Indikatorer", n, 1), f"'{title}' is not a section in the sheet Afsnit",
                       "choose a section in the dropdown, or add it to the sheet Afsnit first")
            continue
        s = order.index(title)
        secs[title]["items"].append(_item(rd, n, r, ("sections", s, "items", len(secs[title]["items"])),
                                          anchors, texts))
    if library.SHEET in rd.sheets:
        _picks(rd, secs, {r["Nøgle"].strip(): n for n, r in rows})
    for s, sec in enumerate(secs.values()):
        rd.at(("sections", s), "Afsnit", sec["row"], "Titel")
        if not sec["items"]:
            rd.problem(cell("Afsnit", sec["row"], 1), f"the section '{sec['title']}' has no indicators",
                       "give it indicators in the sheet Indikatorer (column Afsnit), or delete the row")
    return [{k: v for k, v in sec.items() if k != "row"} for sec in secs.values()]


def _picks(rd: _Reader, secs: dict, taken: dict[str, int]) -> None:
    """Library indicators with a section in Brug join that section, exactly as the library has them."""
    order = list(secs)
    for n, r in rd.rows(library.SHEET):
        title, key, at = r["Brug"].strip(), r["Nøgle"].strip(), cell(library.SHEET, n, 1)
        if not title:
            continue
        data = library.picked(key, rd.steps, rd.respondents)
        if title not in secs:
            rd.problem(at, f"'{title}' is not a section in the sheet Afsnit",
                       "choose a section in the dropdown, or leave Brug empty")
        elif data is None:
            rd.problem(cell(library.SHEET, n, 2), f"'{key}' is not an indicator in the library",
                       "leave the library's rows as they are; make your own indicator in the sheet Indikatorer")
        elif key in taken:
            rd.problem(at, f"'{key}' is used twice as a key (also in Indikatorer row {taken[key]})",
                       "use the indicator once: leave Brug empty, or delete its row in Indikatorer")
        elif data["respondents"] == []:
            rd.problem(at, f"in the library only {', '.join(library.picked(key, 0, ROLES)['respondents'])} answer "
                           f"'{key}', and the form has none of them", "let that respondent answer the form "
                           "(Indstillinger), or pick another indicator")
        else:
            path = ("sections", order.index(title), "items", len(secs[title]["items"]))
            secs[title]["items"].append(data)
            rd.where[path] = rd.where[("named", key)] = at
            taken[key] = n


def _text_sections(rd: _Reader, texts: dict) -> list[dict]:
    out = []
    for s, (n, r) in enumerate(rd.rows("Tekstafsnit")):
        key = r["Nøgle"].strip()
        out.append({"key": key, "title": r["Titel"], "intro": r["Indledning"],
                    "respondents": rd.roles("Tekstafsnit", n, r),
                    "fields": _text_fields(rd, texts, key, ("texts", s, "fields"))})
        for col, f in (("Nøgle", "key"), ("Titel", "title"), ("Indledning", "intro"), ("Borger", "respondents")):
            rd.at(("texts", s, f), "Tekstafsnit", n, col)
        rd.at(("texts", s), "Tekstafsnit", n, "Nøgle")
        rd.where.setdefault(("named", key), rd.where[("texts", s)])
    return out


def _groups(rd: _Reader) -> list[dict]:
    out = []
    for s, (n, r) in enumerate(rd.rows("Grupper")):
        out.append({"key": r["Nøgle"].strip(), "title": r["Titel"], "description": r["Beskrivelse"],
                    "rows": _int(r["Rækker"], 4), "examples": tuple(e for e in r["Eksempler"].split("\n") if e.strip())})
        for col, f in (("Nøgle", "key"), ("Titel", "title"), ("Beskrivelse", "description"), ("Rækker", "rows"),
                       ("Eksempler", "examples")):
            rd.at(("groups", s, f), "Grupper", n, col)
    return out


def from_sheets(sheets: dict[str, list[list[str]]], source: str = "<workbook>", cells: dict | None = None) -> FormDefinition:
    """The definition the sheets describe, or FormgenError with a problem per wrong cell."""
    # cells, when given, receives where forms add points a problem with stored answers (versions.protect).
    from pydantic import ValidationError

    from formgen.forms.definition import FormDefinition

    rd = _Reader(sheets)
    data = _settings(rd)
    rd.respondents, rd.steps = data["respondents"], data.get("steps")
    anchors = _anchors(rd)
    owners = {r["Nøgle"].strip() for _, r in rd.rows("Indikatorer")} | {r["Nøgle"].strip() for _, r in rd.rows("Tekstafsnit")}
    texts = _texts(rd, owners)
    scale = {"steps": data.pop("steps", None), "anchors": anchors.get("", []), "dont_know": data.pop("dont_know", True),
             "previous_steps": data.pop("previous_steps", None)}
    rd.where[("scale", "previous_steps")] = rd.where.get(("previous_steps",), "Indstillinger!B")
    rd.where[("scale", "anchors")] = cell("Skala", anchors["#rows"][0], 1) if "#rows" in anchors else "Skala!A2"
    rd.where[("scale", "steps")] = rd.where.get(("steps",), "Indstillinger!B")
    rd.where[("scale",)] = rd.where[("scale", "anchors")]
    data.update(scale=scale, sections=_sections(rd, anchors, texts), texts=_text_sections(rd, texts), groups=_groups(rd))
    try:
        d = FormDefinition.model_validate(data)
    except ValidationError as exc:  # reported with the workbook's own problems, which come first
        rd.problems += [_problem(rd.where, e) for e in exc.errors(include_url=False) if e["type"] != "union_tag_invalid"]
    if rd.problems:
        raise FormgenError(_named(rd.problems, source))
    if cells is not None:
        cells.update({("key" if p[0] == "named" else p[0], p[1]): at for p, at in rd.where.items()
                      if p[0] in ("named", "previous")})
        cells.update({("keys",): "Indikatorer!B", ("steps",): rd.where[("scale", "steps")],
                      ("previous_steps",): rd.where[("scale", "previous_steps")],
                      ("retired",): rd.where.get(("retired_keys",), "Indstillinger!B")})
    return d


MESSAGE_FIXES = {
    "names respondents the form does not have": "write Nej (or leave Borger, Mentor and Konsulent empty), or write Ja "
                                                "for this respondent in Indstillinger (… svarer)",
}


def _problem(where: dict[tuple, str], err: dict) -> Problem:
    from formgen.forms.catalogue import FIXES

    loc = tuple(p for p in err["loc"] if isinstance(p, int) or "[" not in str(p))
    band = re.search(r"band '([^']+)'", err["msg"])
    loc = ("band", band.group(1)) if band and ("band", band.group(1)) in where else loc
    # The form's own checks (loc ()) name the item or key they are about: point at its row.
    named = re.match(r"(?:item|key) '([^']+)'", err["msg"].removeprefix("Value error, "))
    loc = ("named", named.group(1)) if not loc and named and ("named", named.group(1)) in where else loc
    if loc[:1] == ("named",) and "names respondents" in err["msg"] and ("roles", loc[1]) in where:
        loc = ("roles", loc[1])  # the Ja of a respondent the form does not have
    at = next((where[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in where), "Indstillinger")
    fix = next((f for m, f in MESSAGE_FIXES.items() if m in err["msg"]), FIXES.get(err["type"], "correct the cell"))
    return Problem(CODE, at, err["msg"].removeprefix("Value error, "), fix.replace("(lines starting with '- ')", ""))


def _named(problems: list[Problem], source: str) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.where, p.what) not in seen:
            seen.add((p.where, p.what))
            out.append(Problem(p.code, f"{source}, {p.where}", p.what, p.fix))
    return out
