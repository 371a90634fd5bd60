"""Every bad input from NOTES.md is rejected with a specific message, kept, and the batch goes on."""
import io
import zipfile
from pathlib import Path

import pytest

from conftest import soffice_convert
from filling import fill_docx
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.intake.run import intake
from formgen.generate.roster import Citizen
from formgen.core.workspace import init


def good_form(ws, ref="S-0001"):
    path = generate(ws, available()["samtaleskema"].definition, "docx", [Citizen(ref, "Ida")], ["borger"]).files[0]
    fill_docx(path, {"fg:faglige_kompetencer:now": "4"})
    return path


def rezip(src: Path, edit) -> bytes:
    """Copy a package, letting edit(name, data) change or drop parts (None drops)."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
    return out.getvalue()


def encrypted(src: Path) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with open(src, "rb") as fh:
        OOXMLFile(fh).encrypt("hemmelig", out)
    return out.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<" + b" " * (210 * 1024 * 1024) + b"/>")
    return out.getvalue()


def duplicate_entries(src: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        with pytest.warns(UserWarning):
            zout.writestr("word/document.xml", b"<w:document/>")
    return out.getvalue()


def traversal(src: Path) -> bytes:
    out = io.BytesIO(rezip(src, lambda n, d: d))
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("../../evil.xml", b"<x/>")
    return out.getvalue()


def test_a_batch_of_bad_files_is_rejected_one_by_one_and_the_good_ones_import(ws, tmp_path):
    base = good_form(ws)
    other_ws = init(tmp_path / "other", "Jobcenter Andetsteds")
    bad = {
        "tom.docx": (b"", "FG201", "empty"),
        "scannet.docx": (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\n", "FG209", "the PDF is incomplete"),
        "kodeord.docx": (encrypted(base), "FG203", "password-protected"),
        "makro.docm": (rezip(base, lambda n, d: d.replace(
            b"wordprocessingml.document.main+xml", b"wordprocessingml.document.main+xml\"/><Default Extension=\"bin\" "
            b"ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml") if n == "[Content_Types].xml" else d),
            "FG205", "macros"),
        "bombe.docx": (zip_bomb(), "FG206", "zip bomb"),
        "dtd.docx": (rezip(base, lambda n, d: d.replace(b"?>", b"?><!DOCTYPE w [<!ENTITY x 'y'>]>", 1)
                           if n == "word/document.xml" else d), "FG208", "DTD"),
        "dobbelt.docx": (duplicate_entries(base), "FG207", "twice"),
        "sti.docx": (traversal(base), "FG207", "unsafe part name"),
        "fremmed.docx": (good_form(other_ws).read_bytes(), "FG210", "was not sent out from this workspace"),
        "ødelagt.docx": (base.read_bytes()[:5000], "FG209", "damaged"),
        "notat.txt": ("Husk at ringe til Ida".encode(), "FG202", "not a Word or Excel file"),
    }
    for name, (data, _, _) in bad.items():
        (ws.intake / name).write_bytes(data)
    (ws.intake / "~$lagt.docx").write_bytes(b"\x05Mette" + b"\0" * 156)  # Word's lock file
    (ws.intake / base.name).write_bytes(base.read_bytes())
    result = intake(ws)
    by_name = {r.name: r for r in result.files}
    assert result.counts == {"imported": 1, "duplicate": 0, "review": 0, "rejected": len(bad), "skipped": 1}
    for name, (data, code, phrase) in bad.items():
        r = by_name[name]
        assert r.status == "rejected" and [p.code for p in r.problems] == [code], name
        assert phrase in r.problems[0].what and r.problems[0].fix, name
        kept = ws.intake / "quarantine" / name
        assert kept.read_bytes() == data, name  # the original, byte for byte
        assert code in (ws.intake / "quarantine" / (name + ".problems.txt")).read_text()
    assert (ws.intake / "~$lagt.docx").exists()  # lock files are left alone
    assert (ws.intake / "processed" / base.name).exists()
    assert not ws.intake.joinpath("tom.docx").exists()


def test_legacy_doc_is_rejected_with_advice(ws, tmp_path):
    doc = soffice_convert(good_form(ws), "doc", tmp_path / "legacy")
    result = intake(ws, [doc], keep=True)
    [r] = result.files
    assert r.status == "rejected" and r.problems[0].code == "FG204"
    assert "save it as .docx" in r.problems[0].fix
    assert doc.exists()  # --keep leaves it in place


def test_file_without_any_identity_goes_to_review(ws, tmp_path):
    from docx import Document

    path = tmp_path / "hjemmelavet.docx"
    Document().save(path)
    [r] = intake(ws, [path]).files
    assert r.status == "review" and r.problems[0].code == "FG211" and "no formgen form code" in r.problems[0].what


def test_a_pathologically_slow_file_costs_a_rejection_not_the_batch(ws, monkeypatch):
    import time

    import formgen.intake.examine as intake_mod

    good = good_form(ws)
    slow = good_form(ws, "S-0002")
    (ws.intake / good.name).write_bytes(good.read_bytes())
    (ws.intake / "langsom.docx").write_bytes(slow.read_bytes())
    real = intake_mod._read

    def stuck_on_one(lookup, data, sha, name, *own):
        if name == "langsom.docx":
            time.sleep(5)  # stands in for a parser that never finishes
        return real(lookup, data, sha, name, *own)

    monkeypatch.setattr(intake_mod, "_read", stuck_on_one)
    monkeypatch.setattr(intake_mod, "FILE_SECONDS", 0.5)
    result = intake(ws)
    by_name = {r.name: r for r in result.files}
    assert by_name["langsom.docx"].status == "rejected" and by_name["langsom.docx"].problems[0].code == "FG241"
    assert by_name[good.name].status == "imported"


def test_a_large_file_is_given_time_in_proportion_to_its_size(ws, monkeypatch):
    # A scanned PDF of hundreds of pages reads for minutes; a small file that takes long is stuck.
    import time

    import formgen.intake.examine as intake_mod

    big = good_form(ws)
    (ws.intake / "stor.docx").write_bytes(big.read_bytes())
    real = intake_mod._read

    def slow(lookup, data, sha, name, *own):
        time.sleep(1.5)  # longer than FILE_SECONDS alone
        return real(lookup, data, sha, name, *own)

    monkeypatch.setattr(intake_mod, "_read", slow)
    monkeypatch.setattr(intake_mod, "FILE_SECONDS", 0.5)
    monkeypatch.setattr(intake_mod, "BYTES_PER_SECOND", big.stat().st_size // 2)  # 2 more seconds for its size
    [r] = intake(ws).files
    assert r.status == "imported", r.problems


def test_forked_readers_have_a_memory_ceiling(ws):
    import multiprocessing
    import resource

    import formgen.intake.examine as intake_mod

    def probe(q):
        intake_mod.limit_memory()
        try:
            bytearray(3 * 1024 ** 3)
            q.put("allocated")
        except MemoryError:
            q.put("MemoryError")
        q.put(resource.getrlimit(resource.RLIMIT_AS)[0])

    q = multiprocessing.get_context("fork").Queue()
    p = multiprocessing.get_context("fork").Process(target=probe, args=(q,))
    p.start()
    p.join(30)
    assert q.get() == "MemoryError" and q.get() == intake_mod.WORKER_MB * 1024 * 1024


@pytest.mark.parametrize("part, encoding, pad", [
    ("word/settings.xml", "utf-8", 0),        # a part no reader opens
    ("word/stylesWithEffects.xml", "utf-8", 0),  # a large one: only its prolog is inflated
    ("word/styles.xml", "utf-8", 5000),       # a DTD behind a long comment in the prolog
    ("word/styles.xml", "utf-8", 300_000),    # a comment longer than the prolog search: the part is read whole
    ("word/fontTable.xml", "utf-16", 0),      # UTF-16 XML, where the bytes "<!DOCTYPE" never occur
])
def test_a_dtd_in_any_xml_part_is_refused(ws, tmp_path, part, encoding, pad):
    def evil(name, data):
        if name != part:
            return data
        text = data.decode("utf-8")
        body = text[text.index("?>") + 2:] if text.startswith("<?xml") else text
        prolog = f'<?xml version="1.0" encoding="{encoding.upper()}"?><!--{"x" * pad}-->'
        return (prolog + "<!DOCTYPE w [<!ENTITY x 'y'>]>" + body).encode(encoding)

    path = tmp_path / "dtd.docx"
    path.write_bytes(rezip(good_form(ws), evil))
    [r] = intake(ws, [path], keep=True).files
    assert r.status == "rejected" and [p.code for p in r.problems] == ["FG208"] and part in r.problems[0].what
