"""The definition workbook: a form definition as an Excel workbook a jobcentre edits (XLSForm-style)."""
from __future__ import annotations

import re
from pathlib import Path

from formgen.core.errors import FormgenError, Problem, fail
from formgen.forms import library
from formgen.forms.tabular import CODE, KINDS, MARKINGS, NO, SETTINGS, SHEETS, STEPS, TYPES, YES, cell, to_sheets
from formgen.forms.tabular_read import from_sheets

__all__ = ["INSTRUCTIONS", "write_definition", "read_definition", "version_text", "set_version"]

INSTRUCTIONS: tuple[str, ...] = (
    "Sådan laver I jeres eget skema",
    "",
    "1. Indstillinger: skriv skemaets id (små bogstaver, tal og -, fx 'mit-skema'), titel og type, vælg hvem der "
    "svarer (Ja/Nej), skalaens trin (5, 10 eller 20) og om man kan svare 'Ved ikke'.",
    "2. Afsnit: én række pr. afsnit (overskrift i skemaet) med en indledning.",
    "3. Indikatorer: én række pr. indikator. Nøgle: små bogstaver, tal og _ (fx sociale_kompetencer) – "
    "nøglen kobler svarene på tværs af runder og skemaer, så skift den ikke, når der er svar. Etiket: "
    "overskriften. Spørgsmål (alle) gælder alle, der svarer; skriv et andet spørgsmål til borger, mentor "
    "eller konsulent i deres egen kolonne. Hjælpespørgsmål: ét pr. linje (Alt+Enter). Borger/Mentor/"
    "Konsulent: lad dem stå tomme, så svarer alle skemaets respondenter; ellers Ja/Nej.",
    "4. Skala: skalaens ankertekster. Tom Indikator = hele skemaets skala; en indikators nøgle = dens egne "
    "tekster. Trin: et tal (1, 2, …) eller et interval (1-2, 3-4 …); alle trin skal have netop én tekst.",
    "5. Tekstsvar: fritekstfelter. Hører til: en indikators eller et tekstafsnits nøgle. Type: text, number "
    "eller date.",
    "6. Tekstafsnit: afsnit med kun tekstsvar, fx en arbejdsaftale.",
    "7. Grupper: kompetencekortets grupper (kun for typen kompetencekort).",
    "8. Indikatorbibliotek: de indbyggede skemaers indikatorer med deres spørgsmål og evidens (fx fra BIP). "
    "Skriv et afsnit i kolonnen Brug, så kommer indikatoren med i skemaet præcis som i biblioteket – med samme "
    "nøgle, etiket og spørgsmål, så ledelsesoverblikket kan sammenligne på tværs af skemaer og jobcentre.",
    "",
    "Når skemaet allerede har svar: nøglerne bærer svarene. Giver I en indikator en ny nøgle, så skriv den gamle "
    "i kolonnen tidligere_nøgle (Indikatorer), så de gamle svar følger med. Tager I en indikator med svar ud, så "
    "skriv dens nøgle i Udgåede nøgler (Indstillinger). Ændrer I skalaens trin, så skriv de gamle trin i Tidligere "
    "trin: gamle og nye svar sammenlignes så i procent og på de fælles bånd. Ellers afviser formgen ændringen.",
    "",
    "Tjek skemaet med:  formgen forms check MIT-SKEMA.xlsx",
    "Tag det i brug med:  formgen forms add MIT-SKEMA.xlsx",
    "",
    "Eksempel (Indikatorer):",
    "Afsnit: Hovedområder | Nøgle: sociale_kompetencer | Etiket: Sociale kompetencer og samarbejde | "
    "Spørgsmål borger: Hvordan har du det med at samarbejde med kollegerne? | Spørgsmål (alle): Hvordan "
    "vurderer du borgerens samarbejde med kollegerne?",
)
# Dropdowns: (sheet, header, choices); None = filled in from another sheet.
_CHOICES = (("Indikatorer", "Markeringer", tuple(MARKINGS)), ("Tekstsvar", "Type", TYPES))
_ROWS = 300  # how far down the dropdowns reach
_WIDTHS = {"Indikatorer": {1: 16, 2: 22, 3: 26, 4: 30, 5: 34, 6: 34, 7: 30, 8: 30, 9: 40, 10: 10, 11: 10, 12: 12,
                           13: 16, 14: 30, 15: 18},
           library.SHEET: {1: 16, 2: 24, 3: 28, 4: 30, 5: 34, 6: 34, 7: 30, 8: 30, 9: 36, 10: 44, 11: 18},
           "Indstillinger": {1: 18, 2: 40, 3: 50}, "Skala": {1: 22, 2: 8, 3: 50}, "Tekstafsnit": {3: 50}}


def _validation(ws, choices: tuple, ref: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"' + ",".join(str(c) for c in choices) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="Ugyldigt valg", error="Vælg en værdi i listen")
    ws.add_data_validation(dv)
    dv.add(ref)


def _column(sheet: str, header: str) -> str:
    return cell(sheet, 1, SHEETS[sheet].index(header) + 1).split("!")[1][:-1]


def _dropdowns(wb) -> None:
    for sheet, header, choices in _CHOICES:
        col = _column(sheet, header)
        _validation(wb[sheet], choices, f"{col}2:{col}{_ROWS}")
    for sheet in ("Indikatorer", "Tekstafsnit"):
        first, last = _column(sheet, "Borger"), _column(sheet, "Konsulent")
        _validation(wb[sheet], (YES, NO), f"{first}2:{last}{_ROWS}")
    settings = wb["Indstillinger"]
    for n, (label, field, _) in enumerate(SETTINGS, start=2):
        choices = {"kind": KINDS, "steps": STEPS}.get(field)
        if field in ("borger", "mentor", "konsulent", "dont_know", "signatures"):
            choices = (YES, NO)
        if choices:
            _validation(settings, choices, f"B{n}")
    from openpyxl.worksheet.datavalidation import DataValidation

    # The section column (and the library's Brug) offers the titles typed in the sheet Afsnit.
    for sheet in ("Indikatorer", library.SHEET):
        dv = DataValidation(type="list", formula1=f"Afsnit!$A$2:$A${_ROWS}", allow_blank=True)
        wb[sheet].add_data_validation(dv)
        dv.add(f"A2:A{_ROWS}")


def _protect_library(ws) -> None:
    """Only Brug can be changed: the library's texts are what every jobcentre using the key asks."""
    from openpyxl.styles import PatternFill, Protection

    for row in ws.iter_rows(min_row=2, max_col=1):
        row[0].protection = Protection(locked=False)
        row[0].fill = PatternFill("solid", fgColor="FFF2CC")
    ws.protection.sheet = True
    ws.protection.autoFilter = ws.protection.sort = ws.protection.formatColumns = ws.protection.formatRows = False


def _style(ws, widths: dict[int, int]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
    width = {col: widths.get(col, 24) for col in range(1, ws.max_column + 1)}
    for col, w in width.items():
        ws.column_dimensions[chr(64 + col)].width = w
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        # LibreOffice does not grow a row for wrapped text it did not write: set the height it needs.
        lines = max((sum(1 + len(part) // max(width[c.column] - 2, 4) for part in str(c.value).split("\n"))
                     for c in row if c.value is not None), default=1)
        ws.row_dimensions[row[0].row].height = 15 * lines
    ws.freeze_panes = "A2"
    # Printed, a sheet is one page wide (landscape), so a row is read across on one page.
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def write_definition(definition, path: Path | str) -> Path:
    """Write the definition workbook for a FormDefinition (the instruction sheet first)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    guide = wb.active
    guide.title = "Vejledning"
    for line in INSTRUCTIONS:
        guide.append([line])
        guide.cell(guide.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        # LibreOffice does not grow a wrapped row by itself: give each line the height it needs.
        guide.row_dimensions[guide.max_row].height = 15 * (1 + len(line) // 95)
    guide["A1"].font = Font(bold=True, size=14)
    guide.row_dimensions[1].height = 22
    guide.column_dimensions["A"].width = 90
    for name, rows in to_sheets(definition).items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        _style(ws, _WIDTHS.get(name, {1: 22, 2: 30, 3: 40}))
    _dropdowns(wb)
    _protect_library(wb[library.SHEET])
    # A text cell keeps what is typed: '2.0' stays 2.0 instead of becoming the number 2.
    wb["Indstillinger"].cell([f for _, f, _ in SETTINGS].index("version") + 2, 2).number_format = "@"
    path = Path(path)
    wb.save(path)
    return path


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def version_text(value, number_format: str = "General") -> str:
    """A Version cell as text: a number keeps the decimals its format shows, and at least one (2.0, not 2)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _text(value)
    # Excel and LibreOffice store a typed 2.0 as the number 2 in a General cell: only the format tells.
    shown = re.search(r"0\.(0+)", number_format or "")
    decimals = max(1, len(shown.group(1)) if shown else 0)
    return f"{value:.{decimals}f}" if float(value).is_integer() or shown else repr(float(value))


def _sheet_rows(ws, problems: list[Problem]) -> list[list[str]]:
    """A sheet's cells as text; formulas and merged cells are problems at their cell."""
    for merged in ws.merged_cells.ranges:
        problems.append(Problem(CODE, f"{ws.title}!{merged.coord}", "merged cells",
                                "unmerge the cells (Flet og centrer off) and write one value per cell"))
    rows = []
    for r in ws.iter_rows():
        for c in r:
            if c.data_type == "f":
                problems.append(Problem(CODE, f"{ws.title}!{c.coordinate}", "a formula, not a value",
                                        "write the text itself in the cell (copy, then paste as values)"))
        rows.append([_text(c.value) if c.data_type != "f" else "" for c in r])
        if ws.title == "Indstillinger" and len(r) > 1 and rows[-1][0].strip() == "Version" and r[1].data_type != "f":
            rows[-1][1] = version_text(r[1].value, r[1].number_format)
    return rows


def read_definition(path: Path | str, cells: dict | None = None):
    """The FormDefinition a definition workbook describes; FG114 problems name Sheet!Cell (cells: see from_sheets)."""
    from openpyxl import load_workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise fail(CODE, str(path), "not an .xlsx workbook", "save it in Excel as 'Excel-projektmappe (.xlsx)'")
    try:
        wb = load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many types on a bad file
        raise fail(CODE, str(path), f"cannot read the workbook ({exc.__class__.__name__})",
                   "save it again as .xlsx from Excel or LibreOffice, or start from 'formgen forms new'")
    problems: list[Problem] = []
    sheets = {ws.title: _sheet_rows(ws, problems) for ws in wb.worksheets if ws.title != "Vejledning"}
    wb.close()
    if problems:  # named like the reader's: file, then Sheet!Cell
        raise FormgenError([Problem(p.code, f"{path.name}, {p.where}", p.what, p.fix) for p in problems])
    return from_sheets(sheets, path.name, cells)


def set_version(path: Path | str, version: str) -> None:
    """Write version into a definition workbook's Version cell (as text, so it stays as written)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["Indstillinger"]
    row = next(r for r in range(2, ws.max_row + 1) if str(ws.cell(r, 1).value or "").strip() == "Version")
    ws.cell(row, 2).value, ws.cell(row, 2).number_format = version, "@"
    wb.save(path)
