"""Excel forms: layout, names, validation, protection, identity, reading back, LibreOffice, print."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
import subprocess
import textwrap

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell

from conftest import needs_soffice, pdf_pages, soffice_convert
from formgen.formats import xlsx
from formgen.forms.definition import DONT_KNOW, MARK_TITLES
from formgen.forms.catalogue import available, parse
from formgen.generate.run import generate
from formgen.core.identity import Identity, new_code
from formgen.formats.ooxml import read_custom, read_parts
from formgen.forms.view import META, Prefill, prefill, view
from formgen.generate.roster import Citizen

PRESETS = {fid: lf.definition for fid, lf in available().items()}
PRESET_ROLES = [(fid, role) for fid, d in sorted(PRESETS.items()) for role in d.respondents]
CITIZEN = Citizen("S-0042", "Ida Holm", "Bageriet Hansen & Søn ApS", "Per Mentor", "Kim Konsulent")
DATE = dt.date(2026, 2, 1)


def make(ws, d, role, citizen=CITIZEN, org=None, round_no=1) -> tuple[bytes, Identity]:
    """One personalised workbook and its identity."""
    master = xlsx.build_master(view(d, role), org or ws.config.organisation, ws.logo, None, round_no,
                               DATE.strftime("%d-%m-%Y"), blank=citizen is None)
    ident = Identity(new_code(), d.id, d.version, d.fingerprint, role, round_no, citizen.citizen_ref if citizen else "")
    pre = prefill(citizen, role, round_no if citizen else None, DATE if citizen else None)
    return xlsx.personalise(master, ident, pre), ident


def load(data: bytes, **kw) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), **kw)


def named_cell(wb, name: str):
    """The cell a workbook-level defined name points at."""
    (sheet, ref), = list(wb.defined_names[name].destinations)
    return wb[sheet][ref.replace("$", "")]


def fg_names(wb) -> set[str]:
    return {n for n in wb.defined_names if n.startswith("fg.")}


def later_names(d) -> set[str]:
    """Names of the 2nd, 3rd … kompetencekort assessments (documented, not definition fields)."""
    return {f"fg.{g.key}_{n}.{f}_{i}" for g in d.groups for n in range(1, g.rows + 1)
            for f in ("now", "dato") for i in range(2, xlsx.ASSESSMENTS + 1)}


def covering(ws, coord: str) -> list:
    """The data validations whose ranges include a cell."""
    return [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]


# ------------------------------------------------------------------------------------------
# Generation: structure, names, validation, protection
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("form_id,role", PRESET_ROLES)
def test_every_preset_and_role_generates_with_one_name_per_field(ws, form_id, role):
    d = PRESETS[form_id]
    data, ident = make(ws, d, role)
    wb = load(data)
    assert wb.sheetnames == [xlsx.SHEET, xlsx.ID_SHEET]
    expected = {f.name for f in d.fields(role)} | {f"fg.meta.{k}" for k, _ in META} | later_names(d)
    assert fg_names(wb) == expected
    cells = [named_cell(wb, n) for n in expected]
    assert all(c.parent.title == xlsx.SHEET for c in cells)
    assert len({c.coordinate for c in cells}) == len(cells), "two names share a cell"
    ex = xlsx.read(read_parts(data), d)
    assert [(a.key, a.field) for a in ex.answers] == [(f.key, f.field) for f in d.fields(role)]
    assert all(a.how == "name" and a.raw == "" for a in ex.answers)


@pytest.mark.parametrize("form_id,role", PRESET_ROLES)
def test_validation_covers_every_score_cell_with_exactly_the_scale_steps(ws, form_id, role):
    d = PRESETS[form_id]
    wb = load(make(ws, d, role)[0])
    sheet = wb[xlsx.SHEET]
    steps = [str(i) for i in range(1, d.scale.steps + 1)] + ([DONT_KNOW] if d.scale.dont_know else [])
    formula = '"' + ",".join(steps) + '"'
    scores = [f.name for f in d.fields(role) if f.type == "score"]
    scores += [n for n in later_names(d) if ".now_" in n]
    assert scores
    for name in scores:
        dvs = [dv for dv in covering(sheet, named_cell(wb, name).coordinate) if dv.type == "list"]
        assert len(dvs) == 1, name
        assert dvs[0].formula1 == formula
        assert dvs[0].showErrorMessage and dvs[0].showInputMessage
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert {dv.formula1 for dv in lists} == {formula}
    assert sum(len(list(dv.sqref.ranges)) for dv in lists) == len(scores), "a list validation on a non-score cell"


def test_score_input_message_shows_the_items_anchors(ws):
    d = PRESETS["samtaleskema"]
    wb = load(make(ws, d, "borger")[0])
    item = d.items[0]
    dv, = [dv for dv in covering(wb[xlsx.SHEET], named_cell(wb, f"fg.{item.key}.now").coordinate) if dv.type == "list"]
    for band in item.anchors:
        assert band.text in dv.prompt
    assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32


@pytest.mark.parametrize("form_id,role", [("opfoelgning", "konsulent"), ("kompetencekort", "mentor"), ("samtaleskema", "borger")])
def test_sheet_is_protected_without_password_and_only_inputs_are_unlocked(ws, form_id, role):
    d = PRESETS[form_id]
    wb = load(make(ws, d, role)[0])
    sheet = wb[xlsx.SHEET]
    assert sheet.protection.sheet and not sheet.protection.password
    assert wb.security.lockStructure and not wb.security.workbookPassword
    inputs = {named_cell(wb, n).coordinate for n in fg_names(wb)}
    unlocked = {c.coordinate for row in sheet.iter_rows() for c in row
                if not isinstance(c, MergedCell) and not c.protection.locked}
    assert unlocked == inputs
    for coord in inputs:
        assert sheet[coord].fill.fgColor.rgb.endswith(xlsx.INPUT_FILL), coord
    assert wb[xlsx.ID_SHEET].protection.sheet


def test_names_point_at_the_indicator_row_and_column(ws):
    d = PRESETS["opfoelgning"]
    wb = load(make(ws, d, "konsulent")[0])
    sheet = wb[xlsx.SHEET]
    header = next(r for r in sheet.iter_rows() if any(c.value == MARK_TITLES["now"] for c in r))
    titles = {c.column: c.value for c in header}
    for it in d.items:
        for field in ("now", "goal", "kommentar"):
            cell = named_cell(wb, f"fg.{it.key}.{field}")
            assert str(sheet.cell(cell.row, 1).value).startswith(it.label)
            assert titles[cell.column] == {"now": "Nu", "goal": "Næste delmål", "kommentar": "Kommentar"}[field]
    for sec in d.texts:
        for f in sec.fields:
            cell = named_cell(wb, f"fg.{sec.key}.{f.key}")
            assert str(sheet.cell(cell.row, 1).value).startswith(f.label) and cell.column == 2
    meta_labels = dict(META)
    for key, label in META:
        cell = named_cell(wb, f"fg.meta.{key}")
        left = [sheet.cell(cell.row, c).value for c in range(cell.column - 1, 0, -1)]
        assert next(v for v in left if v) == meta_labels[key]


def test_kompetencekort_has_a_dato_niveau_pair_per_assessment(ws):
    d = PRESETS["kompetencekort"]
    wb = load(make(ws, d, "mentor")[0])
    sheet = wb[xlsx.SHEET]
    values = [c.value for row in sheet.iter_rows() for c in row]
    for i in range(1, xlsx.ASSESSMENTS + 1):
        assert f"{i}. vurdering" in values
    title_row = next(c.row for row in sheet.iter_rows() for c in row if c.value == d.groups[0].title)
    g = d.groups[0]
    for n in range(1, g.rows + 1):
        row = title_row + n
        assert named_cell(wb, f"fg.{g.key}_{n}.kompetence").coordinate == f"A{row}"
        assert named_cell(wb, f"fg.{g.key}_{n}.sted").coordinate == f"B{row}"
        assert named_cell(wb, f"fg.{g.key}_{n}.dato").coordinate == f"C{row}"
        assert named_cell(wb, f"fg.{g.key}_{n}.now").coordinate == f"D{row}"
        assert named_cell(wb, f"fg.{g.key}_{n}.dato_3").coordinate == f"G{row}"
        assert named_cell(wb, f"fg.{g.key}_{n}.now_3").coordinate == f"H{row}"


# A small form of this file's own, so the layout assertions below do not move with conftest.small_form.
SMALL = textwrap.dedent("""
    id: lille-skema
    version: "2"
    kind: survey
    title: Lille skema
    scale: {steps: 5, anchors: [Meget svært, Svært, Middel, Godt, Meget godt]}
    respondents: [borger, mentor]
    sections:
      - title: Område
        items:
          - key: samarbejde
            label: Samarbejde
            question: {borger: "Hvordan går samarbejdet?", default: "Hvordan går borgerens samarbejde?"}
            help: ["Hvad går godt?"]
            texts: [{key: kommentar, label: Kommentar}]
          - {key: moedestabilitet, label: Mødestabilitet, question: Kommer borgeren til tiden, marks: [now],
             respondents: [mentor]}
    texts:
      - key: aftale
        title: Aftale
        fields:
          - {key: timer, label: Timer pr. uge, type: number, lines: 1}
          - {key: opgaver, label: Opgaver, lines: 3}
    """)


@pytest.mark.parametrize("role", ["borger", "mentor"])
def test_small_form_marks_cells_that_are_not_asked(ws, role):
    d = parse(SMALL, "<inline>")
    data, _ = make(ws, d, role)
    wb = load(data)
    assert fg_names(wb) == {f.name for f in d.fields(role)} | {f"fg.meta.{k}" for k, _ in META}
    sheet = wb[xlsx.SHEET]
    if role == "mentor":
        now = named_cell(wb, "fg.moedestabilitet.now")
        goal, comment = sheet.cell(now.row, xlsx.GOAL), sheet.cell(now.row, xlsx.GOAL + 1)
        assert goal.value == comment.value == "–" and goal.protection.locked and comment.protection.locked
    filled, expected = fill(data, d, role)
    for parts in (read_parts(filled), read_parts(drop_names(filled))):
        assert {(a.key, a.field): a.raw for a in xlsx.read(parts, d, role).answers} == expected


def test_a_form_with_items_groups_and_several_text_answers(ws):
    d = parse(textwrap.dedent("""
        id: blandet
        version: "1"
        kind: survey
        title: Blandet skema
        scale: {steps: 4, dont_know: false, anchors: [Lidt, Noget, Meget, Helt]}
        respondents: [konsulent]
        sections:
          - title: Område
            items:
              - {key: a, label: A-område, question: "Hvordan?", texts: [{key: godt, label: Det går godt}, {key: svaert, label: Det er svært}]}
              - {key: b, label: B-område, question: "Hvordan?", texts: [{key: svaert, label: Det er svært}]}
        groups:
          - {key: faglige, title: Faglige, rows: 2}
        texts:
          - {key: note, title: Note, fields: [{key: tekst, label: Tekst, lines: 3}]}
        """), "<inline>")
    data, _ = make(ws, d, "konsulent")
    wb = load(data)
    assert fg_names(wb) == {f.name for f in d.fields("konsulent")} | {f"fg.meta.{k}" for k, _ in META} | later_names(d)
    assert named_cell(wb, "fg.b.svaert").column == named_cell(wb, "fg.a.svaert").column
    filled, expected = fill(data, d, "konsulent")
    for parts in (read_parts(filled), read_parts(drop_names(filled))):
        assert {(a.key, a.field): a.raw for a in xlsx.read(parts, d).answers} == expected


def test_print_setup(ws):
    d = PRESETS["samtaleskema"]
    data, ident = make(ws, d, "borger")
    sheet = load(data)[xlsx.SHEET]
    ps = sheet.page_setup
    assert int(ps.paperSize) == 9 and ps.orientation == "landscape"  # 9 = A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth == 1 and ps.fitToHeight == 0
    assert sheet.print_title_rows
    first = int(sheet.print_title_rows.split(":")[0].strip("$"))
    assert sheet.cell(first, 1).value == d.title
    assert ident.code in sheet.oddFooter.left.text and "&P" in sheet.oddFooter.right.text
    assert xlsx.CODE_TOKEN not in data.decode("latin-1")


def test_header_shows_organisation_logo_and_colour(ws):
    org = ws.config.organisation.model_copy(update={"colour": "#A0522D", "name": "Jobcenter Testby"})
    wb = load(make(ws, PRESETS["samtaleskema"], "borger", org=org)[0])
    sheet = wb[xlsx.SHEET]
    assert len(sheet._images) == 1
    assert any(c.value == "Jobcenter Testby" for c in sheet[1])
    title = next(c for row in sheet.iter_rows() for c in row if c.value == "Samtaleskema")
    assert title.fill.fgColor.rgb.endswith("A0522D")


def test_wording_follows_the_respondent(ws):
    d = PRESETS["samtaleskema"]
    for role in d.respondents:
        text = " ".join(str(c.value) for row in load(make(ws, d, role)[0])[xlsx.SHEET].iter_rows() for c in row if c.value)
        for it in d.items:
            assert it.wording(role) in text


# ------------------------------------------------------------------------------------------
# Identity and free text
# ------------------------------------------------------------------------------------------

def test_identity_in_properties_visible_cell_footer_and_hidden_sheet(ws):
    d = PRESETS["opfoelgning"]
    data, ident = make(ws, d, "mentor")
    parts = read_parts(data)
    assert read_custom(parts) == ident.props()
    wb = load(data)
    assert {p.name: p.value for p in wb.custom_doc_props.props} == ident.props()
    hidden = wb[xlsx.ID_SHEET]
    assert hidden.sheet_state == "veryHidden"
    assert {r[0].value: r[1].value or "" for r in hidden.iter_rows()} == ident.props()
    sheet = wb[xlsx.SHEET]
    code, = [c for row in sheet.iter_rows() for c in row if c.value == ident.code]
    assert code.protection.locked
    assert xlsx.CODE_LABEL in [sheet.cell(code.row, c).value for c in range(1, code.column)]
    ex = xlsx.read(parts)
    assert ex.props == ident.props() and ex.visible_code == ident.code
    assert xlsx.identify(parts) == (ident.props(), ident.code)


def test_hidden_sheet_stands_in_for_lost_properties(ws):
    data, ident = make(ws, PRESETS["samtaleskema"], "borger")
    parts = read_parts(data)
    del parts["docProps/custom.xml"]
    assert xlsx.read(parts).props == ident.props()


def test_generate_writes_xlsx_files_and_records_them(ws):
    d = PRESETS["samtaleskema"]
    citizens = [CITIZEN, Citizen("S-0043", "Ali Berg", "Lager A/S")]
    result = generate(ws, d, "xlsx", citizens, None, round_no=2, date=DATE)
    assert len(result.files) == len(citizens) * len(d.respondents)
    con = sqlite3.connect(ws.root / "formgen.db")
    rows = dict(con.execute("select file_name, code from dispatch where format = 'xlsx'").fetchall())
    con.close()
    for path in result.files:
        assert path.suffix == ".xlsx" and path.name in rows
        ex = xlsx.read(read_parts(path.read_bytes()), d)
        assert ex.props["fg_code"] == rows[path.name] == ex.visible_code
        assert ex.props["fg_round"] == "2" and ex.meta["round"] == "2"


def test_blank_form_leaves_metadata_cells_empty(ws):
    d = PRESETS["praktik-trivsel"]
    data, ident = make(ws, d, "borger", citizen=None)
    wb = load(data)
    for key, _ in META:
        assert named_cell(wb, f"fg.meta.{key}").value is None
    ex = xlsx.read(read_parts(data), d)
    assert ex.meta == {key: "" for key, _ in META} and ex.props["fg_citizen_ref"] == ""


def test_free_text_is_stored_as_text_never_as_a_formula(ws):
    d = parse(textwrap.dedent("""
        id: formel
        version: "1"
        kind: survey
        title: "=HYPERLINK(\\"http://evil\\",\\"Klik\\")"
        intro: "+1+1"
        scale: {steps: 3, anchors: ["=A1", "-2", "@SUM(1)"]}
        respondents: [borger]
        sections:
          - title: "=1+1"
            items:
              - {key: a, label: "=2+2", question: "=3+3", help: ["=4+4"], texts: [{key: k, label: "=5+5"}]}
        texts:
          - {key: t, title: "=6+6", fields: [{key: f, label: "=7+7"}]}
        """), "<inline>")
    org = ws.config.organisation.model_copy(update={"name": '=HYPERLINK("http://x","org")', "unit": "=1", "contact": "a & b"})
    who = Citizen("S-1", '=HYPERLINK("http://x","navn")\x0b', "@firma", "-mentor", "+konsulent")
    data, _ = make(ws, d, "borger", citizen=who, org=org)
    parts = read_parts(data)
    for name, xml in parts.items():
        if name.startswith("xl/worksheets/"):
            assert b"<f>" not in xml and b"<f " not in xml, name
    wb = load(data)
    texts = {c.value: c for row in wb[xlsx.SHEET].iter_rows() for c in row if isinstance(c.value, str)}
    for value in ('=HYPERLINK("http://x","org")', '=HYPERLINK("http://evil","Klik")', "+1+1", "=1+1", "=6+6",
                  '=HYPERLINK("http://x","navn") (S-1)', "@firma", "-mentor", "+konsulent"):
        assert texts[value].data_type == "s", value
    assert xlsx.read(parts, d).meta["citizen"] == '=HYPERLINK("http://x","navn") (S-1)'


# ------------------------------------------------------------------------------------------
# Reading back
# ------------------------------------------------------------------------------------------

def fill(data: bytes, d, role: str) -> tuple[bytes, dict[tuple[str, str], str]]:
    """Fill every answer field as a person would (scores, text, numbers, dates) — on a kompetencekort
    every assessment's Dato/Niveau pair too; return the expected raws."""
    wb = load(data)
    expected = {}
    choices = d.scale.choices()
    for n, f in enumerate(d.fields(role) + d.later_fields(role)):
        cell = named_cell(wb, f.name)
        if f.type == "score":
            value = choices[n % len(choices)]
            cell.value = int(value) if value.isdigit() else value
            expected[(f.key, f.field)] = value
        elif f.type == "number":
            cell.value = 37.5 if n % 2 else 30
            expected[(f.key, f.field)] = "37.5" if n % 2 else "30"
        elif f.type == "date":
            cell.value = dt.datetime(2026, 3, 1 + n % 28)
            expected[(f.key, f.field)] = f"{1 + n % 28:02d}-03-2026"
        else:
            cell.value = f"Svar {n}: =SUM(1) & <b>æøå</b>\nanden linje"
            cell.data_type = "s"
            expected[(f.key, f.field)] = cell.value
    named_cell(wb, "fg.meta.filled_by").value = "Anden Person"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), expected


@pytest.mark.parametrize("form_id,role", [("opfoelgning", "konsulent"), ("kompetencekort", "mentor"),
                                          ("samtaleskema", "borger"), ("bip-inspireret", "konsulent")])
def test_read_returns_what_was_filled_in(ws, form_id, role):
    d = PRESETS[form_id]
    data, ident = make(ws, d, role)
    filled, expected = fill(data, d, role)
    ex = xlsx.read(read_parts(filled), d)
    assert {(a.key, a.field): a.raw for a in ex.answers} == expected
    assert {a.how for a in ex.answers} == {"name"}
    assert ex.props["fg_code"] == ident.code == ex.visible_code
    assert ex.meta["filled_by"] == "Anden Person" and ex.meta["company"] == CITIZEN.company
    plain = xlsx.read(read_parts(filled))
    assert {(a.key, a.field): a.raw for a in plain.answers} == expected


def drop_names(data: bytes) -> bytes:
    """The workbook without its fg.* defined names (as if re-typed or saved by a tool that lost them)."""
    wb = load(data)
    for name in list(fg_names(wb)):
        del wb.defined_names[name]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("form_id,role", [("opfoelgning", "konsulent"), ("kompetencekort", "mentor"),
                                          ("samtaleskema", "borger"), ("praktik-trivsel", "mentor")])
def test_read_falls_back_to_the_layout_when_names_are_gone(ws, form_id, role):
    d = PRESETS[form_id]
    filled, expected = fill(make(ws, d, role)[0], d, role)
    parts = read_parts(drop_names(filled))
    ex = xlsx.read(parts, d)
    assert {(a.key, a.field): a.raw for a in ex.answers} == expected
    assert {a.how for a in ex.answers} == {"row"}
    assert ex.meta["filled_by"] == "Anden Person" and ex.meta["citizen"] == "Ida Holm (S-0042)"
    assert xlsx.read(parts).answers == ()


def test_fallback_finds_moved_rows_by_their_labels(ws):
    d = PRESETS["samtaleskema"]
    filled, expected = fill(make(ws, d, "borger")[0], d, "borger")
    wb = load(drop_names(filled))
    wb[xlsx.SHEET].insert_rows(14, 3)  # someone added rows above the table
    buf = io.BytesIO()
    wb.save(buf)
    ex = xlsx.read(read_parts(buf.getvalue()), d)
    items = {(a.key, a.field): a.raw for a in ex.answers if a.key in {i.key for i in d.items}}
    assert items == {k: v for k, v in expected.items() if k[0] in {i.key for i in d.items}}


def test_reader_handles_shared_strings_rich_text_and_escapes():
    wb_xml = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
              'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
              '<sheet name="Skema" sheetId="1" r:id="rId1"/></sheets><definedNames>'
              '<definedName name="fg.a.now">Skema!$B$1</definedName><definedName name="fg.a.note">\'Skema\'!$C$1</definedName>'
              '<definedName name="fg.a.x">Skema!$D$1</definedName><definedName name="fg.a.gone">#REF!</definedName>'
              '</definedNames></workbook>')
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>')
    sst = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>ignored</t></si>'
           '<si><r><t>Hej </t></r><r><rPr><b/></rPr><t>med_x000D_dig</t></r><rPh><t>x</t></rPh></si></sst>')
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
             '<c r="A1" t="s"><v>0</v></c><c r="B1"><v>4.0</v></c><c r="C1" t="s"><v>1</v></c>'
             '<c r="D1" t="str"><f>1+1</f><v>2</v></c></row></sheetData></worksheet>')
    parts = {"xl/workbook.xml": wb_xml.encode(), "xl/_rels/workbook.xml.rels": rels.encode(),
             "xl/sharedStrings.xml": sst.encode(), "xl/worksheets/sheet1.xml": sheet.encode()}
    ex = xlsx.read(parts)
    assert [(a.field, a.raw) for a in ex.answers] == [("now", "4"), ("note", "Hej med\rdig"), ("x", "2")]
    assert ex.props == {} and ex.visible_code is None


@pytest.mark.parametrize("raw,text", [("4", "4"), ("4.0", "4"), ("37.5", "37.5"), ("0.30000000000000004", "0.3"),
                                      ("1E+3", "1000"), ("abc", "abc")])
def test_numbers_read_as_typed(raw, text):
    assert xlsx.number_text(raw) == text


def test_reader_refuses_a_dtd_and_never_expands_entities(ws):
    parts = read_parts(make(ws, PRESETS["samtaleskema"], "borger")[0])
    xml = parts["xl/workbook.xml"].decode()
    evil = '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e "boom">]>' + xml[xml.index("<workbook"):]
    parts["xl/workbook.xml"] = evil.encode()
    with pytest.raises(ValueError, match="DTD"):
        xlsx.read(parts)


def test_personalise_is_cheap(ws):
    import time

    d = PRESETS["opfoelgning"]
    master = xlsx.build_master(view(d, "konsulent"), ws.config.organisation, ws.logo, None, 1, "", False)
    ident = Identity(new_code(), d.id, d.version, d.fingerprint, "konsulent", 1, "S-1")
    start = time.perf_counter()
    for _ in range(50):
        data = xlsx.personalise(master, ident, Prefill({"citizen": "Ida <&> Holm", "company": "A_x0041_S\x0b"}))
    assert (time.perf_counter() - start) / 50 < 0.05
    wb = load(data)
    assert named_cell(wb, "fg.meta.citizen").value == "Ida <&> Holm"
    assert xlsx.read(read_parts(data)).meta["company"] == "A_x0041_S"


# ------------------------------------------------------------------------------------------
# LibreOffice
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("form_id,role", [("opfoelgning", "konsulent"), ("kompetencekort", "mentor")])
def test_libreoffice_save_keeps_names_validation_properties_and_answers(ws, tmp_path, form_id, role):
    needs_soffice()
    d = PRESETS[form_id]
    data, ident = make(ws, d, role)
    filled, expected = fill(data, d, role)
    src = tmp_path / f"in-{form_id}.xlsx"
    src.write_bytes(filled)
    out = soffice_convert(src, "xlsx", tmp_path / "lo")
    saved = out.read_bytes()
    wb = load(saved)
    assert fg_names(wb) == fg_names(load(filled))
    sheet = wb[xlsx.SHEET]
    steps = '"' + ",".join(d.scale.choices()) + '"'
    for f in d.fields(role):
        if f.type == "score":
            assert [dv.formula1 for dv in covering(sheet, named_cell(wb, f.name).coordinate)] == [steps], f.name
        assert not named_cell(wb, f.name).protection.locked
    assert sheet.protection.sheet
    parts = read_parts(saved)
    assert read_custom(parts) == ident.props()
    ex = xlsx.read(parts, d)
    assert {(a.key, a.field): a.raw for a in ex.answers} == expected
    assert {a.how for a in ex.answers} == {"name"} and ex.visible_code == ident.code


def test_samtaleskema_prints_on_at_most_two_pages(ws, tmp_path):
    needs_soffice()
    d = PRESETS["samtaleskema"]
    for role in d.respondents:
        src = tmp_path / f"samtaleskema-{role}.xlsx"
        src.write_bytes(make(ws, d, role)[0])
        pdf = soffice_convert(src, "pdf", tmp_path / "pdf")
        assert pdf_pages(pdf) <= 2, role
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout \
            if shutil.which("pdftotext") else ""
        if text:
            assert d.items[-1].wording(role).split()[0] in text and "Underskrifter" in text
