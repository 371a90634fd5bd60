"""OpenDocument returns (.odt/.ods): a LibreOffice user who presses Save may keep LibreOffice's own
format. Intake reads such a file whenever LibreOffice is installed (no option): a private copy is
converted to .docx/.xlsx in the same sandbox as --convert-legacy, read as usual, and the original is
what is hashed, stored and moved. Without LibreOffice the file is rejected with FG246, whose fix
says how to save it again in the words of the sender's Save As dialog.

Forms are generated with the real CLI, filled the way people's programs store answers
(tests/filling.py) and saved as .odt/.ods by real LibreOffice.
"""
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import needs_soffice, soffice_convert
from filling import fill_docx, fill_xlsx
from formgen.core.errors import Refused
from formgen.intake.run import intake
from test_intake import answers_for, exported, formgen
from test_legacy import ROLE, generated, subprocess_intake, without_soffice

ODF = {"docx": "odt", "xlsx": "ods"}


def odf_form(ws, tmp_path, form: str, fmt: str, multiline: bool = True):
    """A filled form saved as .odt/.ods by LibreOffice, the generated file, and the answers the export must show."""
    path = generated(ws, form, fmt)
    typed, expected = answers_for(form, ROLE[form], multiline=multiline, names=fmt == "xlsx")
    (fill_docx if fmt == "docx" else fill_xlsx)(path, typed)
    odf = soffice_convert(path, ODF[fmt], tmp_path / "odf")
    assert zipfile.ZipFile(odf).namelist()[0] == "mimetype"  # a real OpenDocument package
    return odf, path, expected


def generated_identity(path: Path) -> dict[str, str]:
    from formgen.formats.ooxml import read_custom
    from formgen.formats.package import open_package

    return read_custom(open_package(path.read_bytes(), path.name).parts)


def edited(odf: Path, part: str, edit) -> bytes:
    """The package with one part changed, every entry written as it was (mimetype first, stored)."""
    out = io.BytesIO()
    with zipfile.ZipFile(odf) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, edit(data) if info.filename == part else data)
    return out.getvalue()


@pytest.mark.parametrize("form, fmt", [("samtaleskema", "docx"), ("opfoelgning", "docx"),
                                       ("kompetencekort", "xlsx"), ("opfoelgning", "xlsx")])
def test_a_form_saved_as_opendocument_is_imported_value_for_value(ws, tmp_path, form, fmt):
    odf, path, expected = odf_form(ws, tmp_path, form, fmt, multiline=fmt == "xlsx")  # .odt: see below
    original = odf.read_bytes()
    shutil.copy(odf, ws.intake / odf.name)
    r = formgen(ws, "intake")  # no option: LibreOffice is installed, so the file is converted
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Imported 1, already imported 0, needs review 0, rejected 0" in r.stdout
    assert f"Converted 1 OpenDocument .odt/.ods file(s) with LibreOffice" in r.stdout
    assert exported(ws) == expected  # every answer (in a workbook, line breaks included)
    assert (ws.intake / "processed" / odf.name).read_bytes() == original  # the original, moved unchanged


def test_line_breaks_inside_a_word_answer_do_not_survive_libreoffices_odt_export(ws, tmp_path):
    """A known loss, documented in docs/file-format.md: LibreOffice 7.4 turns a text control into an
    input field when it saves .odt, and the line breaks inside it are gone from the .odt itself
    (content.xml); every other value arrives."""
    odf, _, expected = odf_form(ws, tmp_path, "opfoelgning", "docx")
    assert any("\n" in v for v in expected.values())
    shutil.copy(odf, ws.intake / odf.name)
    assert formgen(ws, "intake").returncode == 0
    got = exported(ws)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] in (value, value.replace("\n", "")), key


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_the_identity_is_the_forms_and_the_report_says_it_was_converted(ws, tmp_path, fmt):
    odf, path, _ = odf_form(ws, tmp_path, "opfoelgning", fmt, multiline=False)
    identity = generated_identity(path)
    first = intake(ws, [odf], keep=True, workers=2)  # a forked reader reads the converted copy
    [r] = first.files
    assert r.status == "imported" and r.converted == ODF[fmt]
    assert (r.code, r.citizen_ref, r.form, r.role, r.round) == (
        identity["fg_code"], "S-0001", "opfoelgning", "mentor", int(identity["fg_round"]))
    rows = list(load_workbook(first.report).active.iter_rows(values_only=True))
    assert rows[1][rows[0].index("converted")] == f"from .{ODF[fmt]} with LibreOffice"
    [again] = intake(ws, [odf], keep=True).files
    assert again.status == "duplicate" and again.converted == ""  # already stored: not converted again


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_the_identity_is_read_from_the_opendocument_files_own_properties(ws, tmp_path, fmt):
    from formgen.formats import odf as odf_format

    odf, path, _ = odf_form(ws, tmp_path, "opfoelgning", fmt, multiline=False)
    props = odf_format.properties(odf.read_bytes(), odf.name)
    assert {k: v for k, v in props.items() if k.startswith("fg_")} == generated_identity(path)


def test_without_its_properties_the_visible_form_code_identifies_it(ws, tmp_path):
    import re

    odf, path, expected = odf_form(ws, tmp_path, "samtaleskema", "docx")
    stripped = edited(odf, "meta.xml", lambda xml: re.sub(rb"<meta:user-defined[^>]*>[^<]*</meta:user-defined>", b"", xml))
    assert b"fg_code" not in stripped
    (ws.intake / odf.name).write_bytes(stripped)
    [r] = intake(ws).files
    assert r.status == "imported" and r.code == generated_identity(path)["fg_code"]
    assert exported(ws) == expected


@pytest.mark.parametrize("fmt, fix", [("docx", "Word-dokument (.docx)"), ("xlsx", "Excel-projektmappe (.xlsx)")])
def test_without_libreoffice_it_is_rejected_with_how_to_save_it_again(ws, tmp_path, fmt, fix):
    odf, _, _ = odf_form(ws, tmp_path, "opfoelgning", fmt)
    original = odf.read_bytes()
    shutil.copy(odf, ws.intake / odf.name)
    r = subprocess_intake(ws, without_soffice())
    assert r.returncode == 1 and "rejected 1" in r.stdout and "Traceback" not in r.stderr
    assert "FG246" in r.stderr and "LibreOffice" in r.stderr and "is not installed" in r.stderr
    assert "Content_Types" not in r.stderr and "FG209" not in r.stderr
    note = (ws.intake / "quarantine" / (odf.name + ".problems.txt")).read_text()
    assert f"Gem som … and the file type {fix}" in note
    assert "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui" in note
    assert (ws.intake / "quarantine" / odf.name).read_bytes() == original


def test_opendocument_is_recognised_by_its_mimetype_member_not_by_its_name(tmp_path):
    from formgen.formats.package import odf_kind, open_package

    def package(mimetype: bytes, first: bool = True, stored: bool = True) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            if not first:
                zf.writestr("content.xml", b"<x/>")
            zf.writestr("mimetype", mimetype, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
            zf.writestr("meta.xml", b"<x/>")
        return out.getvalue()

    assert odf_kind(package(b"application/vnd.oasis.opendocument.text")) == "odt"
    assert odf_kind(package(b"application/vnd.oasis.opendocument.spreadsheet")) == "ods"
    assert odf_kind(package(b"application/vnd.oasis.opendocument.presentation")) is None  # not a form
    assert odf_kind(package(b"application/vnd.oasis.opendocument.text", first=False)) is None
    assert odf_kind(package(b"application/vnd.oasis.opendocument.text", stored=False)) is None
    with pytest.raises(Refused) as exc:
        open_package(package(b"application/vnd.oasis.opendocument.text"), "svar.docx")  # whatever its name
    assert exc.value.problem.code == "FG246" and "Word-dokument (.docx)" in exc.value.problem.fix


def test_a_damaged_opendocument_file_is_rejected_as_damaged(ws, tmp_path):
    odf, _, _ = odf_form(ws, tmp_path, "samtaleskema", "docx")
    data = odf.read_bytes()
    (ws.intake / "afkortet.odt").write_bytes(data[: len(data) // 2])  # the upload broke off halfway
    [r] = intake(ws).files
    assert r.status == "rejected" and r.problems[0].code == "FG209" and "damaged" in r.problems[0].what
    assert r.converted == ""  # refused before LibreOffice saw it
    assert (ws.intake / "quarantine" / "afkortet.odt").read_bytes() == data[: len(data) // 2]


def test_an_opendocument_file_libreoffice_cannot_load_is_rejected_and_the_others_are_read(ws, tmp_path):
    needs_soffice()
    odf, _, expected = odf_form(ws, tmp_path, "samtaleskema", "docx")
    broken = edited(odf, "content.xml", lambda xml: b"\x00\xff" * 500)  # a sound zip, an unreadable document
    (ws.intake / "a-ødelagt.odt").write_bytes(broken)
    shutil.copy(odf, ws.intake / ("b-" + odf.name))
    r = formgen(ws, "intake")
    assert r.returncode == 1 and "Imported 1, already imported 0, needs review 0, rejected 1" in r.stdout, r.stdout + r.stderr
    assert "FG244" in r.stderr and "LibreOffice could not convert this OpenDocument .odt file" in r.stderr
    assert "Word-dokument (.docx)" in r.stderr
    assert (ws.intake / "quarantine" / "a-ødelagt.odt").read_bytes() == broken
    assert exported(ws) == expected


def test_an_opendocument_file_inside_a_zip_archive_is_converted_too(ws, tmp_path):
    odf, _, expected = odf_form(ws, tmp_path, "samtaleskema", "docx", multiline=False)
    with zipfile.ZipFile(ws.intake / "runde-1.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(odf, odf.name)
    [r] = intake(ws).files
    assert r.status == "imported" and r.converted == "odt" and r.name == f"runde-1.zip!{odf.name}"
    assert exported(ws) == expected


def test_the_originals_own_properties_come_before_those_of_its_converted_copy(ws, tmp_path):
    """Identity rests on the file that was handed in, not on what the conversion made of it: a copy
    that says another citizen's form (here: another generated form standing in for it) does not win."""
    from formgen.intake.examine import examine
    from formgen.intake.legacy import Converted
    from formgen.store.lookup import Lookup

    odf, path, _ = odf_form(ws, tmp_path, "opfoelgning", "docx", multiline=False)
    other = ws.root / "anden.docx"
    r = formgen(ws, "generate", "opfoelgning", "--format", "docx", "--citizen", "S-0002", "--name", "Bo Berg",
                "--role", "mentor", "--out", str(other.parent / "anden"))
    assert r.returncode == 0, r.stderr
    [copy] = (other.parent / "anden").rglob("*.docx")
    lookup = Lookup(ws.db, ws.unit)
    try:
        examined = examine(lookup, Converted(odf, None, "odt", copy))
    finally:
        lookup.close()
    assert examined.base["code"] == generated_identity(path)["fg_code"] and examined.base["citizen_ref"] == "S-0001"
