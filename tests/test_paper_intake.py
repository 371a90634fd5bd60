"""Round trip of the paper route: generate paper → mark by 'pen' → scan (rotate, resample) → intake → export."""
from __future__ import annotations

import csv
import random
import zipfile

import pytest

from formgen.api import (decide_scan_row, export, generate_forms, intake_returns, list_forms, scan_picture,
                         scan_reviews, waiting_scans)
from paper_marks import cross, degrade, fill, layout_of, marked, png, rendered, to_pdf

PRESETS = [row[0] for row in list_forms()]
PROFILES = [dict(angle=2.5, scale=1.5), dict(angle=-6, scale=0.75, jpeg=70, noise=3),
            dict(angle=1, scale=1.5, upside_down=True), dict(angle=-9, scale=1.0, blur=0.8, jpeg=60)]


def _formgen(ws, *args):
    import subprocess
    import sys
    from pathlib import Path

    return subprocess.run([str(Path(sys.executable).parent / "formgen"), "-w", str(ws.root), *args],
                          capture_output=True, text=True, timeout=120)


def _exported(ws) -> dict[tuple, str]:
    """{(respondent, item, field): value} from the scores export, values as the marks say ('Ved ikke')."""
    out = {}
    with open(export(ws, "scores", "csv").path, encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            for field in ("now", "goal"):
                if r[field]:
                    out[(r["respondent"], r["item"], field)] = "Ved ikke" if r[field] == "ved ikke" else r[field]
    return out


@pytest.mark.parametrize("form", PRESETS)
def test_every_preset_and_respondent_round_trips_through_paper(ws, form):
    rng = random.Random(form)
    result = generate_forms(ws, form, "paper", citizen="S-0001", name="Ida Holm")
    pages, truth = [], {}
    for i, path in enumerate(result.files):
        role = path.name.split("_")[1]
        imgs, marks = marked(ws, path, rng)
        truth.update({(role, k, f): v for (k, f), v in marks.items()})
        pages += [degrade(img, seed=n, **PROFILES[(i + n) % len(PROFILES)]) for n, img in enumerate(imgs)]
    rng.shuffle(pages)  # every respondent's form in one scanned PDF, pages in any order
    (ws.intake / "scan.pdf").write_bytes(to_pdf(pages))
    r = intake_returns(ws)
    assert [f.status for f in r.files] == ["imported"], [str(p) for f in r.files for p in f.problems]
    assert _exported(ws) == truth
    assert (ws.processed / "scan.pdf").is_file()  # the original is kept


def test_a_page_alone_waits_and_the_form_is_imported_when_the_rest_arrives(ws, tmp_path):
    [path] = generate_forms(ws, "samtaleskema", "paper", citizen="S-0002", roles=["borger"]).files
    imgs, truth = marked(ws, path, random.Random(2))
    assert len(imgs) >= 2
    (ws.intake / "side1.png").write_bytes(png(degrade(imgs[0], angle=4)))
    first = intake_returns(ws)
    assert [f.status for f in first.files] == ["imported"]
    assert any(p.code == "FG252" for p in first.files[0].problems)
    [w] = waiting_scans(ws)
    assert (w["pages"], w["of"], w["files"]) == ([1], len(imgs), ["side1.png"])
    assert _exported(ws) == {}  # half a form is not imported
    with zipfile.ZipFile(ws.intake / "resten.zip", "w") as z:  # the other pages, and page 1 once more
        for n, img in enumerate(imgs, start=1):
            z.writestr(f"side{n}.jpg", __import__("cv2").imencode(".jpg", degrade(img, angle=-2), [1, 85])[1].tobytes())
    second = intake_returns(ws)
    assert [f.status for f in second.files] == ["duplicate"] + ["imported"] * (len(imgs) - 1)
    assert any(p.code == "FG253" for p in second.files[0].problems)  # the same page twice: a duplicate
    assert waiting_scans(ws) == []
    assert _exported(ws) == {("borger", k, f): v for (k, f), v in truth.items()}


def test_an_uncertain_row_goes_to_review_and_a_person_decides_it(ws, tmp_path):
    [path] = generate_forms(ws, "praktik-trivsel", "paper", citizen="S-0003", roles=["borger"]).files
    imgs = rendered(path.read_bytes())
    page = layout_of(ws, imgs[0]).page(1)
    double = page.rows[0]
    imgs2, truth = marked(ws, path, random.Random(3), dont_touch={(double.key, double.field)})
    cross(imgs2[0], double.boxes[1])
    cross(imgs2[0], double.boxes[3])
    (ws.intake / "scan.pdf").write_bytes(to_pdf([degrade(i, angle=2) for i in imgs2]))
    r = intake_returns(ws)
    assert [f.status for f in r.files] == ["imported"]
    assert [p.code for p in r.files[0].problems] == ["FG250"]
    [row] = scan_reviews(ws)
    assert (row["item"], row["field"], row["kind"]) == (double.key, double.field, "row")
    assert "more than one box" in row["reason"] and row["choices"][0] == "1"
    assert (double.key, double.field) not in {k[1:] for k in _exported(ws)}  # not guessed meanwhile
    out = _formgen(ws, "review")
    assert f"#{row['id']}" in out.stdout and "more than one box" in out.stdout
    crop = tmp_path / "row.png"
    out = _formgen(ws, "review", "--scan", str(row["id"]), "--save-crop", str(crop))
    assert out.returncode == 0 and crop.read_bytes() == scan_picture(ws, row["id"])[1]
    out = _formgen(ws, "review", "--scan", str(row["id"]), "--value", "9")
    assert out.returncode != 0 and "not a value of this row" in out.stderr and "Traceback" not in out.stderr
    out = _formgen(ws, "review", "--scan", str(row["id"]), "--value", "4")
    assert out.returncode == 0, out.stderr
    assert scan_reviews(ws) == []
    assert _exported(ws)[("borger", double.key, double.field)] == "4"
    import sqlite3

    how = sqlite3.connect(ws.db).execute("SELECT how, confidence FROM answers WHERE item = ? AND field = ?",
                                         (double.key, double.field)).fetchone()
    assert how[0] == "omr-reviewed" and how[1] is not None
    with pytest.raises(Exception):
        decide_scan_row(ws, row["id"], "3")  # decided once


def test_an_unreadable_page_goes_to_quarantine_with_its_picture(ws):
    [path] = generate_forms(ws, "praktik-trivsel", "paper", citizen="S-0004", roles=["borger"]).files
    img = rendered(path.read_bytes())[0]
    img[:500, :] = 255  # the top of the page is missing
    (ws.intake / "halv.png").write_bytes(png(img))
    r = intake_returns(ws)
    assert [f.status for f in r.files] == ["review"] and r.files[0].problems[0].code == "FG251"
    assert (ws.quarantine / "halv.png").is_file()
    [row] = scan_reviews(ws)
    assert row["kind"] == "page" and scan_picture(ws, row["id"])[1].startswith(b"\x89PNG")


def test_the_web_page_shows_a_scanned_row_and_a_person_picks_its_value(ws):
    from web_client import client, csrf

    [path] = generate_forms(ws, "bip-inspireret", "paper", citizen="S-0005", roles=["konsulent"]).files
    imgs = rendered(path.read_bytes())
    row = layout_of(ws, imgs[0]).page(1).rows[1]
    fill(imgs[0], row.boxes[0])  # filled, and no other box ticked: an answer or a correction? not guessed
    (ws.intake / "scan.png").write_bytes(png(degrade(imgs[0], angle=-3, upside_down=True)))
    for img in imgs[1:]:
        (ws.intake / f"scan-{id(img)}.png").write_bytes(png(img))
    intake_returns(ws)
    [todo] = [r for r in scan_reviews(ws) if r["kind"] == "row"]
    c = client(ws)
    page = c.get("/behandling")
    assert page.status_code == 200 and f'/behandling/scan/{todo["id"]}.png' in page.text
    assert "En boks er fyldt ud" in page.text and 'value="Ved ikke"' in page.text
    picture = c.get(f'/behandling/scan/{todo["id"]}.png')
    assert picture.headers["content-type"] == "image/png" and picture.content == scan_picture(ws, todo["id"])[1]
    assert c.get("/behandling/scan/99999.png").status_code == 404
    done = c.post("/behandling/scan", data={"row": todo["id"], "value": "Ved ikke", "csrf": csrf(c)},
                  follow_redirects=False)
    assert done.status_code == 303
    assert _exported(ws)[("konsulent", row.key, row.field)] == "Ved ikke"
    assert "Svaret er gemt" in c.get(done.headers["location"]).text


def test_handwriting_is_kept_and_shown_on_the_citizen_page_and_in_the_report(ws):
    import io

    import cv2
    from docx import Document

    from formgen.api import handwriting, report_citizen
    from web_client import client

    [path] = generate_forms(ws, "samtaleskema", "paper", citizen="S-0006", name="Bo Ek", roles=["borger"]).files
    imgs, truth = marked(ws, path, random.Random(6))
    n, area = next((n, a) for n, img in enumerate(imgs) for a in layout_of(ws, img).page(n + 1).areas)
    x, y = int((area.x + 4) * 200 / 25.4), int((area.y + 7) * 200 / 25.4)
    cv2.putText(imgs[n], "Jeg vil gerne lære kassen", (x, y), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.3, 20, 2)
    (ws.intake / "scan.pdf").write_bytes(to_pdf([degrade(i, angle=1) for i in imgs]))
    assert [f.status for f in intake_returns(ws).files] == ["imported"]
    [hw] = handwriting(ws, "S-0006")  # blank areas are not shown
    assert (hw["item"], hw["field"], hw["role"], hw["round"]) == (area.key, area.field, "borger", 1)
    page = client(ws).get("/borgere/S-0006")
    assert f'/behandling/scan/{hw["id"]}.png' in page.text and "Håndskrevne svar" in page.text
    doc = Document(io.BytesIO(report_citizen(ws, "S-0006", "docx").docx.read_bytes()))
    alts = [e.get("descr") for e in doc.element.body.iter("{*}docPr")]
    assert any(a and a.startswith("Håndskrevet svar") and area.label in a for a in alts)


def test_the_printable_form_itself_is_not_imported_as_an_empty_return(ws):
    [path] = generate_forms(ws, "praktik-trivsel", "paper", citizen="S-0007", roles=["borger"]).files
    (ws.intake / path.name).write_bytes(path.read_bytes())
    r = intake_returns(ws)
    assert [f.status for f in r.files] == ["review"] and r.files[0].problems[0].code == "FG213"
    assert "printable paper form itself" in r.files[0].problems[0].what
    assert _exported(ws) == {}


def test_forget_deletes_the_scanned_pages_and_the_pictures_of_handwriting(ws):
    import sqlite3

    from formgen.api import forget

    [path] = generate_forms(ws, "samtaleskema", "paper", citizen="S-0008", roles=["borger"]).files
    imgs, _ = marked(ws, path, random.Random(8))
    (ws.intake / "side1.png").write_bytes(png(imgs[0]))  # one page: stored, waiting
    (ws.intake / "side2.png").write_bytes(png(imgs[1]))
    intake_returns(ws)
    con = sqlite3.connect(ws.db)
    assert con.execute("SELECT COUNT(*) FROM scan_pages").fetchone()[0] == 2
    assert con.execute("SELECT COUNT(*) FROM scan_crops").fetchone()[0] > 0
    assert sorted(p.name for p in ws.processed.iterdir()) == ["side1.png", "side2.png"]
    forgotten = forget(ws, "S-0008")
    assert con.execute("SELECT COUNT(*) FROM scan_pages").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM scan_crops").fetchone()[0] == 0
    # both scans go, also side1.png: its page waited for side2.png, the file the form was imported from
    assert list(ws.processed.iterdir()) == [] and forgotten.shared_scans == ()


def test_forget_keeps_a_scan_that_holds_another_citizens_pages_and_says_so(ws):
    from formgen.api import forget

    pages = []
    for ref in ("S-0008", "S-0009"):
        [path] = generate_forms(ws, "samtaleskema", "paper", citizen=ref, roles=["borger"]).files
        imgs, _ = marked(ws, path, random.Random(ref))
        pages += imgs
    (ws.intake / "bunke.pdf").write_bytes(to_pdf(pages))  # one batch scan of both citizens' forms
    assert [f.status for f in intake_returns(ws).files] == ["imported"]
    forgotten = forget(ws, "S-0008")
    assert forgotten.shared_scans == ("intake/processed/bunke.pdf",)
    assert (ws.processed / "bunke.pdf").exists()  # S-0009's original is not deleted with S-0008
    assert {k[0] for k in _exported(ws)} == {"borger"} and "S-0009" in export(ws, "scores", "csv").path.read_text(
        encoding="utf-8")
