"""PDF forms: every preset × respondent round-trips through real pypdf filling; field-less, scanned,
encrypted and damaged PDFs are named for what they are; the pages are looked at as pictures."""
import datetime as dt
import io
import logging
import random
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from formgen.formats import pdf
from formgen.formats.package import Refused
from formgen.forms.catalogue import available, parse
from formgen.core.identity import Identity, new_code
from formgen.forms.view import prefill, view
from formgen.generate.roster import Citizen
from formgen.intake.interpret import interpret

IDA = Citizen("S-0001", "Ida Holm", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard")
PRESET_ROLES = [(fid, role) for fid, lf in sorted(available().items()) for role in lf.definition.respondents]
DATE = dt.date(2026, 9, 7)


@pytest.fixture(autouse=True)
def _quiet_pypdf():
    """pypdf logs a warning for every oddity in the damaged files below."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def make(ws, form: str, role: str, citizen: Citizen | None = IDA, round_no: int = 1, definition=None):
    """(file bytes, identity) for one generated PDF form."""
    d = definition or available()[form].definition
    master = pdf.build_master(view(d, role), ws.config.organisation, ws.logo, None, round_no,
                              DATE.strftime("%d-%m-%Y"), blank=citizen is None)
    ident = Identity(new_code(), d.id, d.version, d.fingerprint, role, round_no, citizen.citizen_ref if citizen else "")
    pre = prefill(citizen, role, round_no if citizen else None, DATE if citizen else None)
    return pdf.personalise(master, ident, pre), ident


def viewer_fill(data: bytes, values: dict[str, str]) -> bytes:
    """Fill fields by qualified name the way a PDF viewer saves them (pypdf, written here, not fill_fields)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.update_page_form_field_values(None, values, auto_regenerate=False)
    writer.set_need_appearances_writer(True)  # viewers redraw the fields from their values
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def answers_for(d, role: str):
    """A plausible answer for every field: ({field name: what to choose/type}, {(key, field): stored value})."""
    typed, expected = {}, {}
    for n, f in enumerate(d.fields(role)):
        if f.type == "score":
            step = (n % d.scale.steps) + 1
            t, e = ("Ved ikke", "ved ikke") if n == 1 and d.scale.dont_know else (str(step), str(step))
        elif f.type == "number":
            t, e = "22,5", "22.5"
        elif f.type == "date":
            t, e = "24-11-2026", "2026-11-24"
        else:
            t = f"Svar {n}: Jensen & Søn (ApS) æøå ÆØÅ" + ("\nlinje to" if n % 3 == 0 else "")
            e = t
        typed[f.name], expected[(f.key, f.field)] = t, e
    return typed, expected


def values(reading) -> dict:
    return {(a.key, a.field): a.value for a in reading.answers if a.value is not None}


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form,role", PRESET_ROLES)
def test_round_trip_every_preset_and_respondent(ws, form, role):
    d = available()[form].definition
    data, ident = make(ws, form, role)
    typed, expected = answers_for(d, role)
    assert {f.name for f in d.fields(role)} <= set(PdfReader(io.BytesIO(data)).get_fields())
    filled = viewer_fill(data, typed)
    x = pdf.read(filled, d, role, name="retur.pdf")
    assert x.props == ident.props()
    assert {a.how for a in x.answers} == {"field"}
    reading = interpret(x, d, role, "retur.pdf")
    assert reading.problems == ()
    assert values(reading) == expected
    assert x.meta == {k: v for k, v in prefill(IDA, role, 1, DATE).values.items()}


@pytest.mark.parametrize("form,role", [("samtaleskema", "borger"), ("kompetencekort", "mentor")])
def test_an_untouched_form_reads_as_unanswered(ws, form, role):
    d = available()[form].definition
    data, _ = make(ws, form, role)
    x = pdf.read(data, d, role)
    assert x.answers and all(a.placeholder and a.raw == "" for a in x.answers)
    scores = [f for f in PdfReader(io.BytesIO(data)).get_fields().values() if f.get("/FT") == "/Ch"]
    assert scores and {f["/V"] for f in scores} == {pdf.EMPTY}  # reportlab cannot write an empty choice
    reading = interpret(x, d, role, "x.pdf")
    assert reading.problems == () and values(reading) == {}


def test_dropdowns_offer_exactly_the_scale(ws):
    d = available()["opfoelgning"].definition
    data, _ = make(ws, "opfoelgning", "mentor")
    field = PdfReader(io.BytesIO(data)).get_fields()["fg.sociale_kompetencer.now"]
    assert list(field["/Opt"]) == [" ", *[str(i) for i in range(1, d.scale.steps + 1)], "Ved ikke"]
    assert "Samarbejder med de fleste" in field["/TU"]  # the anchors as the tooltip


def test_field_names_are_a_spec_conforming_tree(ws):
    data, _ = make(ws, "samtaleskema", "konsulent")
    reader = PdfReader(io.BytesIO(data))
    top = [f.get_object() for f in reader.trailer["/Root"]["/AcroForm"]["/Fields"]]
    assert [f["/T"] for f in top] == ["fg"]
    for f in reader.get_fields().values():
        assert "." not in f["/T"]  # a partial name may not hold a period (ISO 32000-1, 12.7.3.2)


def test_metadata_values_survive_any_characters(ws):
    d = available()["samtaleskema"].definition
    odd = Citizen("S-0002", "Nguyễn Thị Ánh (Ω) \\ 100%", "Jensen & Søn – ApS", "Åse Ørn", "")
    master = pdf.build_master(view(d, "borger"), ws.config.organisation, ws.logo, None, 2, "07-09-2026", False)
    ident = Identity(new_code(), d.id, d.version, d.fingerprint, "borger", 2, "S-0002")
    data = pdf.personalise(master, ident, prefill(odd, "borger", 2, DATE))
    x = pdf.read(data, d, "borger")
    assert x.meta["citizen"] == "Nguyễn Thị Ánh (Ω) \\ 100% (S-0002)"
    assert x.meta["company"] == "Jensen & Søn – ApS" and x.meta["consultant"] == ""
    assert x.props["fg_citizen_ref"] == "S-0002" and x.props["fg_round"] == "2"
    assert pdf.ap_text("Nguyễn – Ω") == "Nguyen - ?"


def test_a_blank_form_leaves_the_metadata_to_the_respondent(ws):
    d = available()["praktik-trivsel"].definition
    data, ident = make(ws, "praktik-trivsel", "mentor", citizen=None)
    x = pdf.read(data, d, "mentor")
    assert set(x.meta.values()) == {""} and x.props["fg_citizen_ref"] == ""
    filled = viewer_fill(data, {"fg.meta.citizen": "Ida Holm", "fg.meta.round": "3"})
    assert pdf.read(filled, d, "mentor").meta["citizen"] == "Ida Holm"


def test_identity_from_the_visible_code_when_the_metadata_is_gone(ws):
    data, ident = make(ws, "bip-inspireret", "konsulent")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.metadata = None
    out = io.BytesIO()
    writer.write(out)
    props, code = pdf.identify(out.getvalue())
    assert props == {} and code == ident.code
    assert pdf.identify(data) == (ident.props(), None)  # the text layer is read only when needed


def test_the_code_and_danish_text_are_real_text_on_every_page(ws):
    data, ident = make(ws, "opfoelgning", "borger")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) > 1
    assert all(ident.code in t and "Skema-id" in t and f"Side {n} af {len(pages)}" in t for n, t in enumerate(pages, 1))
    assert "Opfølgning på forløb" in pages[0] and "Næste delmål" in pages[0] and "Ida Holm" not in pages[0]


def test_fill_fields_plays_the_respondent(ws):
    d = available()["samtaleskema"].definition
    data, _ = make(ws, "samtaleskema", "borger")
    filled = pdf.fill_fields(data, {"fg.faglige_kompetencer.now": "3", "fg.faglige_kompetencer.goal": "5"})
    assert values(interpret(pdf.read(filled, d, "borger"), d, "borger", "f.pdf")) == {
        ("faglige_kompetencer", "now"): "3", ("faglige_kompetencer", "goal"): "5"}
    assert PdfReader(io.BytesIO(filled)).trailer["/Root"]["/AcroForm"]["/NeedAppearances"]


def test_viewer_line_breaks_and_odd_values_are_read_as_people_meant(ws):
    d = available()["opfoelgning"].definition
    data, _ = make(ws, "opfoelgning", "konsulent")
    text = next(f.name for f in d.fields("konsulent") if f.type == "text")
    filled = viewer_fill(data, {text: "første\r\nanden\rtredje", "fg.fysik_helbred.now": " 7 ",
                                "fg.fysik_helbred.goal": "11"})
    reading = interpret(pdf.read(filled, d, "konsulent"), d, "konsulent", "f.pdf")
    assert "første\nanden\ntredje" in values(reading).values()
    assert values(reading)[("fysik_helbred", "now")] == "7"
    assert [p.code for p in reading.problems] == ["FG223"]  # 11 is off the scale: review, never guessed


# --- the spliced file is a valid PDF, equal to reportlab's own render ---------------------------


def test_a_spliced_file_reads_like_a_direct_render(ws):
    d = available()["kompetencekort"].definition
    master = pdf.build_master(view(d, "mentor"), ws.config.organisation, ws.logo, None, 1, "07-09-2026", False)
    ident = Identity(new_code(), d.id, d.version, d.fingerprint, "mentor", 1, "S-0001")
    pre = prefill(IDA, "mentor", 1, DATE)
    spliced = pdf.personalise(master, ident, pre)
    direct = pdf.render(master, ident.code, pre.values)
    a, b = PdfReader(io.BytesIO(spliced), strict=True), PdfReader(io.BytesIO(direct), strict=True)
    assert {k: v.get("/V") for k, v in a.get_fields().items()} == {k: v.get("/V") for k, v in b.get_fields().items()}
    assert [p.extract_text() for p in a.pages] == [p.extract_text() for p in b.pages]
    for n in range(1, len(a.xref_objStm) + len(a.xref[0]) + 1):  # every object is where the xref says
        a.get_object(n)
    start = int(spliced[spliced.rindex(b"startxref") + 9:].split()[0])
    rows = spliced[start:].split(b"\n")
    for n, row in enumerate(rows[3:2 + int(rows[1].split()[1])], start=1):
        assert spliced[int(row[:10]):].startswith(b"%d 0 obj" % n)


def test_each_file_has_its_own_id_and_code(ws):
    d = available()["samtaleskema"].definition
    master = pdf.build_master(view(d, "borger"), ws.config.organisation, ws.logo, None, 1, "07-09-2026", False)
    ids, codes = set(), set()
    for _ in range(3):
        ident = Identity(new_code(), d.id, d.version, d.fingerprint, "borger", 1, "S-0001")
        reader = PdfReader(io.BytesIO(pdf.personalise(master, ident, prefill(IDA, "borger", 1, DATE))))
        ids.add(repr(reader.trailer["/ID"][0]))
        codes.add(pdf.normalise(reader.pages[0].extract_text()))
    assert len(ids) == 3 and len(codes) == 3


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils not installed")
@pytest.mark.parametrize("form,role", [("opfoelgning", "mentor"), ("kompetencekort", "mentor")])
def test_poppler_finds_no_syntax_errors(ws, tmp_path, form, role):
    data, _ = make(ws, form, role)
    path = tmp_path / "f.pdf"
    for i, blob in enumerate((data, viewer_fill(data, answers_for(available()[form].definition, role)[0]))):
        path.write_bytes(blob)
        r = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
        assert r.returncode == 0 and r.stderr == "", (i, r.stderr)
        info = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in r.stdout.splitlines())}
        assert info["Form"] == "AcroForm" and info["Page size"] == "595.28 x 841.89 pts (A4)"


# --- layout -------------------------------------------------------------------------------------


def tall_form():
    return parse(textwrap.dedent("""
        id: lang-skema
        version: "1"
        kind: survey
        title: Et skema med meget plads til tekst
        scale: {steps: 20, anchors: [{steps: 1-10, text: Langt fra}, {steps: 11-20, text: Tæt på}]}
        respondents: [borger]
        sections:
          - title: Område
            items:
        """) + "".join(f"""
              - key: punkt_{n}
                label: Punkt {n}
                question: Hvordan går det med punkt {n}?
                texts: [{{key: a, label: Første, lines: 20}}, {{key: b, label: Andet, lines: 20}},
                        {{key: c, label: Tredje, lines: 20}}]
        """ for n in range(1, 4)), "<inline>")


@pytest.mark.parametrize("form,role", PRESET_ROLES + [("lang-skema", "borger")])
def test_nothing_is_drawn_outside_the_page_body(ws, form, role):
    d = tall_form() if form == "lang-skema" else available()[form].definition
    master = pdf.build_master(view(d, role), ws.config.organisation, ws.logo, None, 1, "07-09-2026", False)
    for page in master.pages:
        for op in page:
            bottom = op[2] + (op[4] if op[0] in ("rect", "image") else op[6] if op[0] == "field" else
                              op[5] if op[0] == "meta" else 0)
            assert pdf.TOP - 1 <= op[2] and bottom <= pdf.PAGE_H - pdf.BOTTOM + 0.01, op
            assert pdf.MX - 0.01 <= op[1] <= pdf.MX + pdf.WIDTH + 0.01, op
    if form == "lang-skema":  # items taller than a page: their text answers get rows of their own
        data, _ = make(ws, form, role, definition=d)
        typed, expected = answers_for(d, role)
        assert values(interpret(pdf.read(viewer_fill(data, typed), d, role), d, role, "x")) == expected


# --- files that are not fillable forms ------------------------------------------------------------


def canvas_pdf(draw) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_a_pdf_printed_from_word_goes_to_review_with_its_code(ws):
    code = new_code()
    data = canvas_pdf(lambda c: (c.drawString(72, 700, "Samtaleskema"), c.drawString(72, 680, f"Skema-id {code}")))
    for call in (pdf.identify, lambda b, name: pdf.read(b, None, None, name=name)):
        with pytest.raises(pdf.NotFillable) as exc:
            call(data, name="printet.pdf")
        p = exc.value.problem
        assert (p.code, p.where) == ("FG213", "printet.pdf") and "printed" in p.what and code in p.what
        assert "new form" in p.fix and "fillable PDF" in p.fix
        assert exc.value.code == code


def test_a_scan_goes_to_review_as_a_scan(tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(img).text((50, 50), "Skema-id 7F3K-9QX2-M  Nu: 4", fill="black")
    img.save(tmp_path / "scan.png")
    data = canvas_pdf(lambda c: c.drawImage(str(tmp_path / "scan.png"), 0, 0, 595, 842))
    with pytest.raises(pdf.NotFillable) as exc:
        pdf.identify(data, name="scan.pdf")
    assert exc.value.problem.code == "FG213" and "scan" in exc.value.problem.what and exc.value.code is None


def test_a_flattened_formgen_pdf_is_named_as_such(ws):
    data, ident = make(ws, "samtaleskema", "borger")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    del writer._root_object["/AcroForm"]
    for page in writer.pages:
        del page["/Annots"]
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(pdf.NotFillable) as exc:
        pdf.read(out.getvalue(), available()["samtaleskema"].definition, "borger")
    assert "made by formgen" in exc.value.problem.what and exc.value.code == ident.code


def encrypted(data: bytes, user: str, owner: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password=owner)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_password_protected_pdf_is_rejected_with_what_to_do(ws):
    data, _ = make(ws, "samtaleskema", "borger")
    with pytest.raises(Refused) as exc:
        pdf.identify(encrypted(data, "hemmelig"), name="låst.pdf")
    assert exc.value.problem.code == "FG214" and "remove the password" in exc.value.problem.fix


def test_a_pdf_with_only_permission_restrictions_is_read(ws):
    d = available()["samtaleskema"].definition
    data, ident = make(ws, "samtaleskema", "borger")
    x = pdf.read(encrypted(viewer_fill(data, {"fg.fysik_helbred.now": "6"}), "", "ejer"), d, "borger")
    assert x.props["fg_code"] == ident.code and values(interpret(x, d, "borger", "x")) == {("fysik_helbred", "now"): "6"}


@pytest.mark.parametrize("damage", ["truncated", "header only", "middle cut out", "no fields left"])
def test_a_damaged_pdf_is_rejected_not_read_in_part(ws, damage):
    d = available()["opfoelgning"].definition
    data, _ = make(ws, "opfoelgning", "mentor")
    data = viewer_fill(data, answers_for(d, "mentor")[0])
    bad = {"truncated": data[:len(data) // 2],
           "header only": b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n",
           "middle cut out": data[:len(data) // 3] + data[-3000:],
           "no fields left": _drop_field(data, "fg.sociale_kompetencer.now")}[damage]
    with pytest.raises(Refused) as exc:
        pdf.read(bad, d, "mentor", name="skadet.pdf")
    assert exc.value.problem.code == "FG209" and exc.value.problem.where == "skadet.pdf"


def _drop_field(data: bytes, name: str) -> bytes:
    """A PDF editor deletes one field (widget and field entry)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    key, fld = name.split(".")[1:]
    for page in writer.pages:
        annots = page.get("/Annots", [])
        for ref in list(annots):
            a = ref.get_object()
            if a.get("/T") == fld and a["/Parent"].get_object()["/T"] == key:
                annots.remove(ref)
                kids = a["/Parent"].get_object()["/Kids"]
                kids.remove(next(k for k in kids if k.get_object() is a))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_any_damage_is_a_typed_result_and_the_batch_goes_on(ws):
    """The boundary intake relies on: a form, NotFillable, or Refused — never another exception."""
    d = available()["samtaleskema"].definition
    data, _ = make(ws, "samtaleskema", "borger")
    rnd = random.Random(7)
    outcomes = set()
    for _ in range(60):
        blob = bytearray(data)
        for _ in range(rnd.randint(1, 30)):
            blob[rnd.randrange(len(blob))] = rnd.randrange(256)
        try:
            interpret(pdf.read(bytes(blob), d, "borger"), d, "borger", "x")
            outcomes.add("read")
        except pdf.NotFillable:
            outcomes.add("review")
        except Refused as exc:
            outcomes.add(exc.problem.code)
    assert outcomes <= {"read", "review", "FG209", "FG214"} and "read" in outcomes


# --- pictures -----------------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_pages_as_pictures_empty_and_filled(ws, tmp_path):
    from PIL import Image, ImageChops

    d = available()["opfoelgning"].definition
    data, _ = make(ws, "opfoelgning", "borger")
    typed, _ = answers_for(d, "borger")
    pictures = {}
    for label, blob in (("empty", data), ("filled", viewer_fill(data, typed))):
        (tmp_path / f"{label}.pdf").write_bytes(blob)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(tmp_path / f"{label}.pdf"), str(tmp_path / label)],
                       check=True)
        pictures[label] = sorted(tmp_path.glob(f"{label}-*.png"))
    assert len(pictures["empty"]) == len(pictures["filled"]) == len(PdfReader(io.BytesIO(data)).pages)
    for empty, filled in zip(pictures["empty"], pictures["filled"]):
        a, b = Image.open(empty).convert("L"), Image.open(filled).convert("L")
        assert a.size in ((496, 702), (497, 702))  # A4 at 60 dpi
        assert a.getextrema()[0] < 100  # something dark is printed on every page
        assert ImageChops.difference(a, b).getbbox() is not None  # the filled values are visible


# --- merging reports ------------------------------------------------------------------------------


def test_merge_pdfs_with_a_bookmark_per_citizen(tmp_path):
    paths = []
    for n, name in enumerate(["Ida Holm", "Bo Ørsted"]):
        path = tmp_path / f"r{n}.pdf"
        path.write_bytes(canvas_pdf(lambda c, name=name: c.drawString(72, 700, f"Progressionsrapport {name}")))
        paths.append(path)
    writer = PdfWriter(clone_from=PdfReader(paths[1]))
    writer.add_blank_page()
    writer.write(paths[1])
    out = pdf.merge_pdfs(paths, ["S-0001 Ida Holm", "S-0002 Bo Ørsted"], tmp_path / "alle" / "runde-2.pdf")
    reader = PdfReader(out)
    assert len(reader.pages) == 3
    assert [(o.title, reader.get_destination_page_number(o)) for o in reader.outline] == [
        ("S-0001 Ida Holm", 0), ("S-0002 Bo Ørsted", 1)]
    assert out.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError):
        pdf.merge_pdfs(paths, ["one title"], tmp_path / "x.pdf")
