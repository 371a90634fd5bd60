"""Old-format .doc/.xls returns: `formgen intake --convert-legacy` reads them through LibreOffice.

Forms are generated with the real CLI, filled the way people's programs store answers
(tests/filling.py), saved as .doc/.xls by real LibreOffice, and imported with the real CLI. The
original file is never changed: it is what is hashed, stored and moved; the answers come from a
converted temporary copy.
"""
import os
import shutil
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import needs_soffice, soffice_convert
from filling import fill_docx, fill_xlsx
from formgen.intake.run import intake
from test_intake import answers_for, exported, formgen

ROLE = {"samtaleskema": "borger", "opfoelgning": "mentor", "kompetencekort": "mentor"}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def generated(ws, form: str, fmt: str) -> Path:
    r = formgen(ws, "generate", form, "--format", fmt, "--citizen", "S-0001", "--name", "Ida Holm",
                "--company", "Jensen & Søn", "--role", ROLE[form])
    assert r.returncode == 0, r.stderr
    [path] = (ws.root / "output" / "forms" / form / "runde-1").glob(f"*.{fmt}")
    return path


def legacy_form(ws, tmp_path, form: str, legacy: str, multiline: bool = False):
    """A filled form saved as .doc/.xls by LibreOffice, and the answers the export must show."""
    fmt = {"doc": "docx", "xls": "xlsx"}[legacy]
    path = generated(ws, form, fmt)
    typed, expected = answers_for(form, ROLE[form], multiline=multiline, names=fmt == "xlsx")
    (fill_docx if fmt == "docx" else fill_xlsx)(path, typed)
    old = soffice_convert(path, legacy, tmp_path / "legacy")
    assert old.read_bytes().startswith(OLE)  # a real old-format (OLE) file
    return old, expected


def without_soffice() -> dict:
    """The environment of a machine without LibreOffice: formgen's own bin folder only on PATH."""
    return {**os.environ, "PATH": str(Path(sys.executable).parent)}


@pytest.mark.parametrize("form", ["samtaleskema", "opfoelgning", "kompetencekort"])
def test_a_word_form_saved_as_doc_is_imported_value_for_value(ws, tmp_path, form):
    doc, expected = legacy_form(ws, tmp_path, form, "doc")
    original = doc.read_bytes()
    shutil.copy(doc, ws.intake / doc.name)
    r = formgen(ws, "intake", "--convert-legacy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Imported 1, already imported 0, needs review 0, rejected 0" in r.stdout
    assert "Converted 1 old-format .doc/.xls file(s) with LibreOffice" in r.stdout
    assert exported(ws) == expected
    assert (ws.intake / "processed" / doc.name).read_bytes() == original  # the original, moved unchanged


@pytest.mark.parametrize("form", ["samtaleskema", "opfoelgning", "kompetencekort"])
def test_an_excel_form_saved_as_xls_is_imported_value_for_value(ws, tmp_path, form):
    xls, expected = legacy_form(ws, tmp_path, form, "xls", multiline=True)
    original = xls.read_bytes()
    shutil.copy(xls, ws.intake / xls.name)
    r = formgen(ws, "intake", "--convert-legacy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert exported(ws) == expected  # line breaks in answers included
    assert (ws.intake / "processed" / xls.name).read_bytes() == original


def test_xls_answers_are_read_by_their_renamed_defined_names(ws, tmp_path):
    """LibreOffice's .xls export renames fg.<key>.<field> to fg_<key>_<field>: still read by name, not by layout."""
    from formgen.formats.package import open_package
    from formgen.forms.catalogue import available
    from formgen.formats.xlsx import read

    xls, _ = legacy_form(ws, tmp_path, "opfoelgning", "xls")
    back = soffice_convert(xls, "xlsx", tmp_path / "back")
    extract = read(open_package(back.read_bytes(), back.name).parts, available()["opfoelgning"].definition, "mentor")
    assert extract.answers and {a.how for a in extract.answers} == {"name"}
    assert extract.props["fg_citizen_ref"] == "S-0001" and extract.meta["company"] == "Jensen & Søn"


def test_line_breaks_inside_a_word_answer_do_not_survive_libreoffices_doc_export(ws, tmp_path):
    """A known loss, documented in docs/file-format.md: LibreOffice 7.4 writes a text control as a
    legacy form field in .doc and drops the line breaks inside it; every other value arrives."""
    doc, expected = legacy_form(ws, tmp_path, "opfoelgning", "doc", multiline=True)
    shutil.copy(doc, ws.intake / doc.name)
    assert formgen(ws, "intake", "--convert-legacy").returncode == 0
    got = exported(ws)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] in (value, value.replace("\n", "")), key


def test_without_the_option_a_doc_is_rejected_with_advice_to_use_it(ws, tmp_path):
    doc, _ = legacy_form(ws, tmp_path, "samtaleskema", "doc")
    original = doc.read_bytes()
    shutil.copy(doc, ws.intake / doc.name)
    r = formgen(ws, "intake")
    assert r.returncode == 1 and "rejected 1" in r.stdout
    assert "FG204" in r.stderr and "--convert-legacy" in r.stderr
    assert (ws.intake / "quarantine" / doc.name).read_bytes() == original


def test_the_report_and_the_result_say_the_file_was_converted(ws, tmp_path):
    doc, _ = legacy_form(ws, tmp_path, "samtaleskema", "doc")
    xls, _ = legacy_form(ws, tmp_path, "kompetencekort", "xls")
    docx = generated(ws, "opfoelgning", "docx")
    for path in (doc, xls, docx):
        shutil.copy(path, ws.intake / path.name)
    result = intake(ws, convert_legacy=True, workers=2)  # forked readers read the converted copies too
    by_name = {r.name: r for r in result.files}
    assert result.counts["imported"] == 3
    assert (by_name[doc.name].converted, by_name[xls.name].converted, by_name[docx.name].converted) == ("doc", "xls", "")
    rows = list(load_workbook(result.report).active.iter_rows(values_only=True))
    column = rows[0].index("converted")
    assert {r[0]: r[column] for r in rows[1:]} == {doc.name: "from .doc with LibreOffice",
                                                  xls.name: "from .xls with LibreOffice", docx.name: None}


def test_a_converted_file_without_identity_goes_to_review_with_its_reason(ws, tmp_path):
    from docx import Document

    plain = tmp_path / "hjemmelavet.docx"
    document = Document()
    document.add_paragraph("Nu: 4")
    document.save(plain)
    doc = soffice_convert(plain, "doc", tmp_path / "legacy")
    original = doc.read_bytes()
    [r] = intake(ws, [doc], convert_legacy=True).files
    assert r.status == "review" and r.problems[0].code == "FG211" and r.converted == "doc"
    note = (ws.intake / "quarantine" / "hjemmelavet.doc.problems.txt").read_text()
    assert "converted from .doc" in note and "FG211" in note
    assert (ws.intake / "quarantine" / "hjemmelavet.doc").read_bytes() == original


def test_a_file_already_imported_is_not_converted_again(ws, tmp_path):
    doc, _ = legacy_form(ws, tmp_path, "samtaleskema", "doc")
    shutil.copy(doc, ws.intake / doc.name)
    assert formgen(ws, "intake", "--convert-legacy").returncode == 0
    shutil.copy(doc, ws.intake / "igen.doc")
    r = subprocess_intake(ws, without_soffice(), "--convert-legacy")  # would need LibreOffice if it converted
    assert r.returncode == 0 and "Imported 0, already imported 1" in r.stdout


def subprocess_intake(ws, env, *args):
    import subprocess

    return subprocess.run([str(Path(sys.executable).parent / "formgen"), "-w", str(ws.root), "intake", *args],
                          capture_output=True, text=True, env=env)


def test_without_libreoffice_the_option_says_how_to_install_it(ws, tmp_path):
    doc, _ = legacy_form(ws, tmp_path, "samtaleskema", "doc")
    shutil.copy(doc, ws.intake / doc.name)
    good = generated(ws, "opfoelgning", "docx")
    shutil.copy(good, ws.intake / good.name)
    r = subprocess_intake(ws, without_soffice(), "--convert-legacy")
    assert r.returncode == 1 and "Imported 1, already imported 0, needs review 0, rejected 1" in r.stdout
    assert "Traceback" not in r.stderr
    assert "FG170" in r.stderr and "LibreOffice" in r.stderr and "is not installed" in r.stderr
    assert "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui" in r.stderr
    assert "--convert-legacy" in (ws.intake / "quarantine" / (doc.name + ".problems.txt")).read_text()


def test_a_doc_libreoffice_cannot_load_is_rejected_and_the_others_are_converted(ws, tmp_path):
    needs_soffice()
    broken = OLE + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\0\0" + bytes(range(256)) * 20  # a directory entry, no document
    (ws.intake / "a-ødelagt.doc").write_bytes(broken)
    doc, expected = legacy_form(ws, tmp_path, "samtaleskema", "doc")
    shutil.copy(doc, ws.intake / ("b-" + doc.name))
    r = formgen(ws, "intake", "--convert-legacy")
    assert r.returncode == 1 and "Imported 1, already imported 0, needs review 0, rejected 1" in r.stdout
    assert "FG244" in r.stderr and "LibreOffice could not convert this old-format .doc file" in r.stderr
    assert "save it as .docx" in r.stderr
    assert (ws.intake / "quarantine" / "a-ødelagt.doc").read_bytes() == broken
    assert exported(ws) == expected


def test_a_conversion_that_takes_too_long_is_stopped_and_rejected(ws, tmp_path):
    for form in ("samtaleskema", "opfoelgning"):
        doc, _ = legacy_form(ws, tmp_path, form, "doc")
        shutil.copy(doc, ws.intake / doc.name)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "FORMGEN_CONVERT_SECONDS": "0.2", "TMPDIR": str(tmp)}  # LibreOffice cannot start that fast
    r = subprocess_intake(ws, env, "--convert-legacy")
    assert r.returncode == 1 and "rejected 2" in r.stdout  # the first stalls the run; the second gets a run of its own
    assert r.stderr.count("FG244") == 2 and "took longer than 0.2 seconds" in r.stderr
    assert list(tmp.iterdir()) == []  # the converted copies and the profile are gone
    assert not [p for p in Path("/proc").glob("[0-9]*") if str(tmp) in _cmdline(p)]  # LibreOffice was stopped


def test_libreoffice_runs_under_the_memory_ceiling(ws, tmp_path):
    """FORMGEN_WORKER_MB caps LibreOffice's address space too: at 64 MB it cannot even start. Each
    file is then rejected on its own (a run that ends early is started again for the files left)."""
    for form in ("samtaleskema", "opfoelgning"):
        doc, _ = legacy_form(ws, tmp_path, form, "doc")
        shutil.copy(doc, ws.intake / doc.name)
    r = subprocess_intake(ws, {**os.environ, "FORMGEN_WORKER_MB": "64"}, "--convert-legacy")
    assert r.returncode == 1 and "rejected 2" in r.stdout
    assert r.stderr.count("LibreOffice could not convert this old-format .doc file") == 2


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_libreoffice_converts_in_a_private_folder_with_macros_switched_off(ws, tmp_path):
    from formgen.intake.run import Source
    from formgen.intake.legacy import Conversions

    doc, _ = legacy_form(ws, tmp_path, "samtaleskema", "doc")
    conversions = Conversions()
    try:
        [src] = conversions.convert([Source(doc)], duplicate=lambda data: False)
        assert src.copy.read_bytes()[:2] == b"PK" and src.copy.is_relative_to(conversions.folder)
        assert conversions.folder.stat().st_mode & 0o077 == 0  # private: the copies hold personal data
        settings = (conversions.folder / "profile" / "user" / "registrymodifications.xcu").read_text()
        assert '"DisableMacrosExecution" oor:op="fuse"><value>true</value>' in settings  # kept by LibreOffice
    finally:
        conversions.close()
    assert not conversions.folder.exists() and doc.is_file()


def test_old_formats_are_recognised_by_their_ole_directory_not_by_their_name(ws):
    from formgen.formats.package import legacy_kind
    from test_bad_files import encrypted, good_form

    def ole(*entries: str, at: int = 512) -> bytes:
        data = bytearray(OLE + b"\0" * (at + 128 * len(entries)))
        for n, name in enumerate(entries):
            entry = name.encode("utf-16-le") + b"\0\0"
            data[at + 128 * n:at + 128 * n + len(entry)] = entry
        return bytes(data)

    assert legacy_kind(ole("Root Entry", "WordDocument")) == "doc"
    assert legacy_kind(ole("Root Entry", "Workbook")) == "xls"
    assert legacy_kind(ole("Root Entry", "Workbook", at=520)) is None  # the text, not a directory entry
    assert legacy_kind(ole("Root Entry", "PowerPoint Document")) is None  # judged as it is: FG204
    assert legacy_kind(encrypted(good_form(ws))) is None  # a password-protected .docx: FG203
