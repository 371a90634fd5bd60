"""Forms filled inside LibreOffice as a person does, saved by it, and imported: every answer as typed.

tests/uno_fill.py drives a real LibreOffice through UNO (Debian's python3-uno, run with the system
python): it picks each choice from its drop-down, types text (several lines where allowed) into each
text control, types dates and decimal numbers into cells, and saves as .docx/.xlsx. The files are
imported with the real CLI and the exports compared with what was typed.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import needs_soffice
from formgen.forms.catalogue import available
from test_intake import answers_for, exported, formgen

SYSTEM_PYTHON = "/usr/bin/python3"
UNO_FILL = Path(__file__).with_name("uno_fill.py")
ROLE = {"samtaleskema": "borger", "opfoelgning": "mentor", "kompetencekort": "mentor"}
META = {"filled_by": "Ole Sørensen", "date": "24-11-2026"}


def needs_uno():
    """Skip without python3-uno for the system python, except in CI (FORMGEN_REQUIRE_SOFFICE=1)."""
    needs_soffice()
    found = os.path.exists(SYSTEM_PYTHON) and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0
    if found:
        return
    if os.environ.get("FORMGEN_REQUIRE_SOFFICE"):
        pytest.fail("python3-uno is required in CI: apt-get install python3-uno")
    pytest.skip("python3-uno not installed (apt-get install python3-uno)")


def lo_fill(src: Path, answers: dict[str, str], out: Path) -> str:
    """Fill src inside LibreOffice and save it as out; returns LibreOffice's name and version."""
    needs_uno()
    spec = out.with_suffix(".answers.json")
    spec.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    r = subprocess.run([SYSTEM_PYTHON, str(UNO_FILL), str(src), str(spec), str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert out.is_file()
    return r.stdout.strip()


def generated(ws, form: str, fmt: str) -> Path:
    r = formgen(ws, "generate", form, "--format", fmt, "--citizen", "S-0001", "--name", "Ida Holm",
                "--company", "Jensen & Søn", "--role", ROLE[form])
    assert r.returncode == 0, r.stderr
    [path] = (ws.root / "output" / "forms" / form / "runde-1").glob(f"*.{fmt}")
    return path


def multiline(form: str) -> set[tuple[str, str]]:
    """(key, field) of the text answers given room for more than one line: typed with Enter in them."""
    d = available()[form].definition
    return ({(it.key, t.key) for sec in d.sections for it in sec.items for t in it.texts if t.lines > 1}
            | {(sec.key, f.key) for sec in d.texts for f in sec.fields if f.type == "text" and f.lines > 1})


def answers(form: str, fmt: str):
    """(what the person types or picks, what the export must say), two lines in every multi-line field."""
    typed, expected = answers_for(form, ROLE[form], multiline=False, names=fmt == "xlsx")
    for key, fld in multiline(form):
        where = f"fg.{key}.{fld}" if fmt == "xlsx" else f"fg:{key}:{fld}"
        typed[where] = expected[(key, fld)] = typed[where] + "\nAnden linje, æøå"
    return typed, expected


def typed_return(ws, tmp_path, form: str, fmt: str):
    """A form filled in LibreOffice and saved in its own format, and the export it must give."""
    typed, expected = answers(form, fmt)
    meta = {(f"fg:meta:{k}" if fmt == "docx" else f"fg.meta.{k}"): v for k, v in META.items()}
    out = tmp_path / "returned" / f"S-0001_{form}.{fmt}"
    out.parent.mkdir()
    lo_fill(generated(ws, form, fmt), {**typed, **meta}, out)
    return out, expected


def submission_meta(ws) -> tuple[str, str]:
    with sqlite3.connect(ws.root / "formgen.db") as conn:
        [row] = conn.execute("select filled_by, filled_date from submissions where status = 'imported'").fetchall()
    return row


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("form", ["samtaleskema", "opfoelgning", "kompetencekort"])
def test_every_answer_typed_in_libreoffice_comes_back_as_typed(ws, tmp_path, form, fmt):
    path, expected = typed_return(ws, tmp_path, form, fmt)
    shutil.copy(path, ws.intake / path.name)
    r = formgen(ws, "intake")
    assert "Imported 1, already imported 0, needs review 0, rejected 0" in r.stdout, r.stdout + r.stderr
    assert exported(ws) == expected


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_the_metadata_block_typed_in_libreoffice_is_kept(ws, tmp_path, fmt):
    path, _ = typed_return(ws, tmp_path, "opfoelgning", fmt)
    shutil.copy(path, ws.intake / path.name)
    formgen(ws, "intake")
    assert submission_meta(ws) == (META["filled_by"], META["date"])


def saved_by(path: Path) -> str:
    """docProps/app.xml's Application of a saved file."""
    from formgen.formats.ooxml import application
    from formgen.formats.package import open_package

    return application(open_package(path.read_bytes(), path.name).parts)


def test_libreoffice_74_strips_the_tags_and_writes_typed_lines_as_sibling_texts(ws, tmp_path):
    """What the reader has to cope with, checked on the real file so a change in LibreOffice shows."""
    from formgen.formats.package import open_package

    path, _ = typed_return(ws, tmp_path, "samtaleskema", "docx")
    body = open_package(path.read_bytes(), path.name).parts["word/document.xml"].decode()
    if "LibreOffice/7.4" not in saved_by(path):
        pytest.skip("measured with LibreOffice 7.4; this LibreOffice stores the file differently")
    assert 'w:tag w:val="fg:' not in body
    assert "æøå</w:t><w:t>Anden linje, æøå" in body


def test_the_import_report_names_the_program_that_saved_each_file(ws, tmp_path):
    from openpyxl import load_workbook

    path, _ = typed_return(ws, tmp_path, "samtaleskema", "docx")
    shutil.copy(path, ws.intake / path.name)
    formgen(ws, "intake")
    [report] = (ws.root / "output" / "import").glob("*.xlsx")
    rows = list(load_workbook(report).active.iter_rows(values_only=True))
    assert rows[0][-1] == "application"
    assert rows[1][-1].startswith("LibreOffice/")


def test_lines_typed_in_libreoffice_74_are_stored_as_lines_with_the_files_own_text_kept_as_raw(ws, tmp_path):
    path, expected = typed_return(ws, tmp_path, "samtaleskema", "docx")
    shutil.copy(path, ws.intake / path.name)
    formgen(ws, "intake")
    with sqlite3.connect(ws.root / "formgen.db") as conn:
        [(value, raw)] = conn.execute("select value, raw from answers where item = 'aftaler' and field = 'handlinger'")
    assert value == expected[("aftaler", "handlinger")] == "Svar 11: Jensen & Søn <ApS> æøå\nAnden linje, æøå"
    if "LibreOffice/7.4" not in saved_by(path):
        pytest.skip("measured with LibreOffice 7.4, which stores the two lines as sibling w:t")
    assert raw == "Svar 11: Jensen & Søn <ApS> æøåAnden linje, æøå"  # as the file stores it


@pytest.mark.parametrize("form", ["samtaleskema", "kompetencekort"])
def test_a_form_saved_untouched_by_libreoffice_has_no_answers(ws, tmp_path, form):
    """The placeholders (' vælg ', 'Skriv her', 'dd-mm-åååå') LibreOffice writes back are never answers."""
    from formgen.formats.docx import read
    from formgen.formats.package import open_package

    out = tmp_path / f"untouched_{form}.docx"
    lo_fill(generated(ws, form, "docx"), {}, out)
    extract = read(open_package(out.read_bytes(), out.name).parts, available()[form].definition, ROLE[form])
    assert extract.answers and {f.raw for f in extract.answers} == {""}
    assert extract.meta["citizen"] == "Ida Holm (S-0001)" and extract.meta["consultant"] == ""  # prefilled / left empty


def test_placeholders_are_glossary_doc_parts_so_typed_text_gets_the_normal_style(ws):
    """As Word stores them: the control names a docPart of the glossary document and shows it; no run
    in a control carries the placeholder style that LibreOffice 25 would give to text typed over it."""
    from lxml import etree

    from formgen.formats.package import open_package

    path = generated(ws, "opfoelgning", "docx")
    parts = open_package(path.read_bytes(), path.name).parts
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    glossary = etree.fromstring(parts["word/glossary/document.xml"])
    doc_parts = {p.find(f"{w}docPartPr/{w}name").get(w + "val"): "".join(p.find(w + "docPartBody").itertext())
                 for p in glossary.iter(w + "docPart")}
    body = etree.fromstring(parts["word/document.xml"])
    showing = [sdt for sdt in body.iter(w + "sdt") if sdt.find(f"{w}sdtPr/{w}showingPlcHdr") is not None]
    assert showing
    for sdt in showing:
        name = sdt.find(f"{w}sdtPr/{w}placeholder/{w}docPart").get(w + "val")
        assert doc_parts[name] == "".join(sdt.find(w + "sdtContent").itertext())
        assert not sdt.find(w + "sdtContent").findall(f".//{w}rStyle")
    assert b"glossaryDocument" in parts["word/_rels/document.xml.rels"]
    assert b"/word/glossary/document.xml" in parts["[Content_Types].xml"]
