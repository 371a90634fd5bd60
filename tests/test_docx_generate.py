"""Word forms: branded, prefilled, one dropdown per score with exactly the scale's steps, identity on board.

Generated files are inspected with zipfile + lxml and python-docx, never with formgen's own reader.
"""
import datetime as dt
import sqlite3
import zipfile

import pytest
from docx import Document
from lxml import etree

from conftest import pdf_pages, soffice_convert
from formgen.core.errors import FormgenError
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.generate.roster import Citizen

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
IDA = Citizen("S-0001", "Ida Holm", "Jensen & Søn <ApS>", "Mette Berg", "Karl Nørgaard", "Virksomhedspraktik")
PRESET_ROLES = [(fid, role) for fid, lf in sorted(available().items()) for role in lf.definition.respondents]


def part(path, name):
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read(name))


def controls(path):
    """{tag: sdt element} for every content control in the body."""
    root = part(path, "word/document.xml")
    return {sdt.find("w:sdtPr/w:tag", NS).get(W + "val"): sdt for sdt in root.iter(W + "sdt")}


def custom_props(path):
    root = part(path, "docProps/custom.xml")
    return {p.get("name"): p[0].text or "" for p in root}


def one(ws, form="samtaleskema", role="borger", citizen=IDA, **kw):
    d = available()[form].definition
    return generate(ws, d, "docx", [citizen] if citizen else None, [role], date=dt.date(2026, 11, 2), **kw).files[0]


@pytest.mark.parametrize("form,role", PRESET_ROLES)
def test_every_preset_and_respondent_generates_with_one_dropdown_per_score(ws, form, role):
    d = available()[form].definition
    path = one(ws, form, role)
    assert path.name == f"S-0001_{role}_{form}.docx"
    tags = controls(path)
    expected_scores = [f for f in d.fields(role) if f.type == "score"]
    steps = [str(i) for i in range(1, d.scale.steps + 1)] + (["Ved ikke"] if d.scale.dont_know else [])
    for f in expected_scores:
        sdt = tags[f"fg:{f.key}:{f.field}"]
        items = sdt.findall("w:sdtPr/w:dropDownList/w:listItem", NS)
        assert [i.get(W + "displayText") for i in items] == steps
        assert [i.get(W + "value") for i in items] == steps
    answer_tags = {t for t in tags if not t.startswith("fg:meta:")}
    assert answer_tags == {f.tag for f in d.fields(role)}
    assert len(tags) == len(answer_tags) + 7  # the metadata block


def test_logo_sits_in_the_header_and_the_footer_counts_pages(ws):
    path = one(ws)
    with zipfile.ZipFile(path) as zf:
        headers = [n for n in zf.namelist() if n.startswith("word/header")]
        assert any(b"<a:blip" in zf.read(h) for h in headers)
        media = [n for n in zf.namelist() if n.startswith("word/media/")]
        assert media and zf.read(media[0])[:8] == (ws.root / "logo.png").read_bytes()[:8]
        footer = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("word/footer"))
    assert b"PAGE" in footer and b"NUMPAGES" in footer
    doc = Document(str(path))
    header_text = " ".join(p.text for t in doc.sections[0].header.tables for c in t._cells for p in c.paragraphs)
    assert "Jobcenter Testby" in header_text and "Virksomhedsservice" in header_text


def test_identity_properties_match_the_manifest_and_the_visible_code(ws):
    path = one(ws, "opfoelgning", "mentor", round_no=2)
    props = custom_props(path)
    d = available()["opfoelgning"].definition
    assert props["fg_form"] == "opfoelgning" and props["fg_version"] == d.version
    assert props["fg_fingerprint"] == d.fingerprint and props["fg_role"] == "mentor"
    assert props["fg_round"] == "2" and props["fg_citizen_ref"] == "S-0001"
    row = sqlite3.connect(ws.db_path).execute(
        "SELECT form, form_version, fingerprint, role, round, citizen_ref, file_name FROM dispatch WHERE code=?",
        (props["fg_code"],)).fetchone()
    assert row == ("opfoelgning", d.version, d.fingerprint, "mentor", 2, "S-0001", path.name)
    body = etree.tostring(part(path, "word/document.xml"), method="text", encoding=str)
    with zipfile.ZipFile(path) as zf:
        footer = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("word/footer")).decode()
    assert props["fg_code"] in body and props["fg_code"] in footer


def test_each_file_gets_its_own_code(ws):
    d = available()["samtaleskema"].definition
    files = generate(ws, d, "docx", [IDA, Citizen("S-0002", "Bo")], None).files
    codes = {custom_props(f)["fg_code"] for f in files}
    assert len(files) == 4 and len(codes) == 4


def test_danish_letters_and_markup_characters_print_exactly(ws):
    path = one(ws)
    tags = controls(path)
    text = lambda tag: "".join(t.text or "" for t in tags[tag].iter(W + "t"))  # noqa: E731
    assert text("fg:meta:company") == "Jensen & Søn <ApS>"
    assert text("fg:meta:consultant") == "Karl Nørgaard"
    assert text("fg:meta:citizen") == "Ida Holm (S-0001)"
    assert text("fg:meta:filled_by") == "Ida Holm"
    assert text("fg:meta:date") == "02-11-2026"
    body = etree.tostring(part(path, "word/document.xml"), method="text", encoding=str)
    assert "Hvordan har du det med at samarbejde med kollegerne?" in body  # the borger's wording
    assert "Hvordan vurderer du borgerens" not in body


def test_mentor_gets_the_mentor_wording(ws):
    body = etree.tostring(part(one(ws, "opfoelgning", "mentor"), "word/document.xml"), method="text", encoding=str)
    assert "Hvordan vurderer du borgerens samarbejde med kollegerne?" in body


def test_indicator_rows_carry_the_label_in_the_first_cell(ws):
    doc = Document(str(one(ws)))
    first_cells = [r.cells[0].paragraphs[0].text for t in doc.tables for r in t.rows]
    for item in available()["samtaleskema"].definition.items:
        assert item.label in first_cells


def test_blank_form_has_fillable_metadata_and_no_citizen(ws):
    path = one(ws, citizen=None)
    assert path.name.startswith("blank-") and path.name.endswith("_borger_samtaleskema.docx")
    tags = controls(path)
    for key in ("citizen", "company", "mentor", "consultant", "round", "date", "filled_by"):
        sdt = tags[f"fg:meta:{key}"]
        assert sdt.find("w:sdtPr/w:showingPlcHdr", NS) is not None, key
        assert sdt.find("w:sdtPr/w:text", NS) is not None
    assert custom_props(path)["fg_citizen_ref"] == ""


def test_files_are_private(ws):
    path = one(ws)
    assert path.stat().st_mode & 0o077 == 0
    assert ws.db_path.stat().st_mode & 0o077 == 0


def test_cpr_number_as_ref_is_refused_before_anything_is_written(ws):
    with pytest.raises(FormgenError, match="CPR"):
        one(ws, citizen=Citizen("010190-1234", "Ida"))
    assert not list((ws.output).rglob("*.docx"))


@pytest.mark.parametrize("content,message", [
    (None, "does not exist"), (b"not an image at all", "cannot be read as an image"),
])
def test_bad_logo_is_refused_before_anything_is_written(ws, tmp_path, content, message):
    logo = tmp_path / "logo.png"
    if content is not None:
        logo.write_bytes(content)
    with pytest.raises(FormgenError, match=message):
        one(ws, logo=logo)
    assert not list((ws.output).rglob("*.docx"))


def test_absurdly_large_logo_is_refused(ws, tmp_path):
    from PIL import Image

    logo = tmp_path / "huge.png"
    Image.new("1", (7000, 7000)).save(logo)
    with pytest.raises(FormgenError, match="7000×7000 pixels"):
        one(ws, logo=logo)


def test_own_logo_and_colour_are_used(ws, tmp_path):
    from PIL import Image

    logo = tmp_path / "wide.jpg"
    Image.new("RGB", (800, 200), "darkgreen").save(logo)
    path = one(ws, logo=logo)
    with zipfile.ZipFile(path) as zf:
        assert any(n.endswith((".jpg", ".jpeg")) for n in zf.namelist() if n.startswith("word/media/"))
        assert b'w:val="1F4E79"' in zf.read("word/styles.xml")  # the workspace default colour


def test_cli_generates_a_roster_round(ws, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    roster = tmp_path / "roster.csv"
    roster.write_text("borger_id;navn;virksomhed\nS-1;Ida;Café Åen\nS-2;Bo;Café Åen\n", encoding="utf-8")
    exe = Path(sys.executable).parent / "formgen"
    r = subprocess.run([str(exe), "-w", str(ws.root), "generate", "opfoelgning", "--roster", str(roster),
                        "--round", "3", "--role", "borger", "--role", "mentor"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Wrote 4 docx file(s) for 2 citizen(s) × borger, mentor" in r.stdout
    out = ws.output / "forms" / "opfoelgning" / "runde-3"
    assert sorted(p.name for p in out.iterdir()) == [
        "S-1_borger_opfoelgning.docx", "S-1_mentor_opfoelgning.docx",
        "S-2_borger_opfoelgning.docx", "S-2_mentor_opfoelgning.docx"]


@pytest.mark.parametrize("form,role", PRESET_ROLES)
def test_every_preset_and_respondent_converts_to_pdf(ws, tmp_path, form, role):
    pdf = soffice_convert(one(ws, form, role), "pdf", tmp_path / "pdf")
    pages = pdf_pages(pdf)
    assert 1 <= pages <= 6
    if (form, role) == ("samtaleskema", "borger"):
        assert pages <= 3


def test_a_workspace_copy_of_the_template_restyles_its_forms(ws):
    from docx.shared import Pt

    from formgen.core.templates import copy_templates

    copy = ws.templates_dir / "form.docx"
    assert copy in copy_templates(ws)
    doc = Document(str(copy))
    doc.styles["FG Title"].font.size = Pt(30)  # what a municipality does in Word
    doc.save(str(copy))
    styles = part(one(ws), "word/styles.xml")
    title = [s for s in styles.iter(W + "style") if s.get(W + "styleId") == "FGTitle"][0]
    assert title.find(f"{W}rPr/{W}sz").get(W + "val") == "60"  # half-points
