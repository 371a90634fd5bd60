"""Printed forms (--format paper) and reading their scans: markers, QR, boxes, and what goes to review."""
from __future__ import annotations

import io
import random
import struct
import zlib

import pytest

from formgen.api import generate_forms
from formgen.formats.paper.geometry import Layout, parse_qr
from formgen.formats.scan import ScanRefused, pages, read_page
from formgen.formats.scan.locate import find_markers, find_qr
from formgen.store.lookup import Lookup
from paper_marks import cross, degrade, faint, fill, rendered, tick


@pytest.fixture
def printed(ws):
    """A samtaleskema for one citizen, as printed for the borger: (pdf bytes, its layout, the workspace)."""
    result = generate_forms(ws, "samtaleskema", "paper", citizen="S-0042", name="Ida Holm", company="Bageriet",
                            roles=["borger"])
    [path] = result.files
    return path.read_bytes(), _layouts(ws), ws


def _layouts(ws):
    lookup = Lookup(ws.db, ws.unit)
    cache: dict = {}

    def get(h):
        if h not in cache:
            g = lookup.layout(h)
            cache[h] = Layout.from_json(g) if g else None
        return cache[h]
    return get


def _mark(img, layout_page, rng, how=cross):
    """A random answer (or none) per row; the truth per (key, field)."""
    truth = {}
    for row in layout_page.rows:
        if rng.random() < 0.2:
            truth[(row.key, row.field)] = None
            continue
        box = rng.choice(row.boxes)
        how(img, box)
        truth[(row.key, row.field)] = box.value
    return truth


def test_every_page_has_four_markers_and_a_qr_code_without_personal_data(printed):
    pdf, layouts, _ = printed
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert not reader.get_fields()  # a form to print, nothing to fill on screen
    imgs = rendered(pdf)
    assert len(imgs) == len(reader.pages) >= 2
    codes = set()
    for n, img in enumerate(imgs, start=1):
        assert sorted(find_markers(img)) == [0, 1, 2, 3]
        code, page, lhash = find_qr(img)
        assert page == n and layouts(lhash) is not None and layouts(lhash).page(n) is not None
        codes.add(code)
        text = reader.pages[n - 1].extract_text()
        assert code in text  # the form code is printed on every page, for a person
    [code] = codes
    import zxingcpp

    raw = [b.text for b in zxingcpp.read_barcodes(imgs[0])]
    assert raw == [f"FG1:{code}:1:{lhash.upper()}"] and "Ida" not in raw[0] and "S-0042" not in raw[0]
    assert parse_qr("FG1:x:y:z") is None and parse_qr(raw[0]) == (code, 1, lhash)


def test_the_geometry_names_every_score_and_text_answer_of_the_form(printed):
    pdf, layouts, ws = printed
    lhash = find_qr(rendered(pdf)[0])[2]
    layout = layouts(lhash)
    rows = {(r.key, r.field) for p in layout.pages for r in p.rows}
    areas = {(a.key, a.field) for p in layout.pages for a in p.areas}
    from formgen.forms.catalogue import get

    d = get("samtaleskema", ws.forms_dir).definition
    fields = d.fields("borger")
    assert rows == {(f.key, f.field) for f in fields if f.type == "score"}
    assert areas == {(f.key, f.field) for f in fields if f.type != "score"}
    for p in layout.pages:
        for r in p.rows:
            assert [b.value for b in r.boxes] == d.scale.choices()
            assert all(5.0 <= b.w <= 6.5 and b.w == b.h for b in r.boxes)  # sized for a pen
            gaps = [b2.x - (b1.x + b1.w) for b1, b2 in zip(r.boxes, r.boxes[1:])]
            assert min(gaps) >= 2.0


SCANS = {  # how the page came back
    "office scanner 200 dpi": dict(),
    "skewed 7° at 150 dpi, JPEG 60": dict(angle=7, scale=0.75, jpeg=60, noise=4),
    "upside down at 300 dpi": dict(angle=-3, scale=1.5, upside_down=True, blur=0.7),
    "phone: perspective, blur, noise, JPEG 50": dict(angle=-9.5, scale=1.1, perspective=0.04, blur=1.0, noise=6, jpeg=50),
    "sideways": dict(angle=90),
}


@pytest.mark.parametrize("profile", SCANS)
def test_marks_are_read_back_from_every_page(printed, profile):
    pdf, layouts, _ = printed
    rng = random.Random(profile)
    for n, img in enumerate(rendered(pdf), start=1):
        lhash = find_qr(img)[2]
        truth = _mark(img, layouts(lhash).page(n), rng, rng.choice([cross, tick]))
        reading = read_page(degrade(img, seed=n, **SCANS[profile]), layouts)
        assert not reading.problem, reading.problem
        got = {(r.key, r.field): r.value for r in reading.rows}
        assert got == truth
        assert all(r.status != "review" for r in reading.rows)
        assert all(r.confidence > 0.5 for r in reading.rows)


def test_a_page_at_600_dpi_is_read(printed):
    pdf, layouts, _ = printed
    img = rendered(pdf)[0]
    truth = _mark(img, layouts(find_qr(img)[2]).page(1), random.Random(6))
    reading = read_page(degrade(img, angle=2, scale=3.0), layouts)
    assert {(r.key, r.field): r.value for r in reading.rows} == truth


def _first_page(printed):
    pdf, layouts, _ = printed
    img = rendered(pdf)[0]
    return img, layouts(find_qr(img)[2]).page(1), layouts


def test_two_ticks_go_to_review_with_a_crop_of_the_row(printed):
    img, page, layouts = _first_page(printed)
    row = page.rows[0]
    cross(img, row.boxes[2])
    cross(img, row.boxes[6])
    reading = read_page(degrade(img, angle=3), layouts)
    first = reading.rows[0]
    assert (first.status, first.value) == ("review", None)
    assert "more than one box" in first.reason and "3, 7" in first.reason
    assert first.crop.startswith(b"\x89PNG")
    from PIL import Image

    crop = Image.open(io.BytesIO(first.crop))
    assert crop.width > 4 * crop.height  # the whole row, labels included
    assert all(r.status == "empty" for r in reading.rows[1:])


def test_a_filled_box_is_a_correction_and_the_other_tick_counts(printed):
    img, page, layouts = _first_page(printed)
    fill(img, page.rows[0].boxes[1])
    cross(img, page.rows[0].boxes[4])
    fill(img, page.rows[1].boxes[3])  # filled, nothing else: is it an answer or a correction? a person decides
    reading = read_page(degrade(img, angle=-4, noise=3), layouts)
    assert (reading.rows[0].status, reading.rows[0].value) == ("answered", "5")
    assert reading.rows[1].status == "review" and "filled" in reading.rows[1].reason


def test_a_faint_pencil_mark_is_not_guessed(printed):
    img, page, layouts = _first_page(printed)
    faint(img, page.rows[0].boxes[5])
    reading = read_page(img, layouts)
    assert reading.rows[0].status == "review" and "faint" in reading.rows[0].reason
    assert reading.rows[0].crop


def test_a_page_without_its_markers_or_qr_code_is_not_guessed(printed):
    img, page, layouts = _first_page(printed)
    cross(img, page.rows[0].boxes[0])
    torn = img.copy()
    torn[:400, :] = 255  # the top of the page did not come through: two markers gone
    reading = read_page(torn, layouts)
    assert reading.problem.startswith("only 2 of the 4 corner markers") and not reading.rows
    assert reading.preview.startswith(b"\x89PNG")
    no_qr = img.copy()
    no_qr[-300:-40, 1100:1520] = 255  # the QR code is covered
    reading = read_page(no_qr, layouts)
    assert "QR code" in reading.problem and not reading.rows and reading.code is None


def test_a_text_area_comes_back_as_a_crop_and_blank_ones_say_so(printed):
    pdf, layouts, _ = printed
    imgs = rendered(pdf)
    [(n, img, area)] = [(n, img, a) for n, img in enumerate(imgs, start=1)
                        for a in layouts(find_qr(img)[2]).page(n).areas[:1]][:1]
    import cv2

    x, y = int((area.x + 5) * 200 / 25.4), int((area.y + area.h / 2) * 200 / 25.4)
    cv2.putText(img, "Bager i Skive", (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 30, 3)
    reading = read_page(degrade(img, angle=1.5), layouts)
    crop = next(a for a in reading.areas if (a.key, a.field) == (area.key, area.field))
    assert not crop.blank and crop.png.startswith(b"\x89PNG")
    assert all(a.blank for a in reading.areas if a is not crop)


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims a huge size (its pixel data cut short): a decompression bomb's first bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
            + struct.pack(">I", 10) + b"IDAT" + zlib.compress(b"\0" * 100)[:10] + b"\0\0\0\0")


def test_a_picture_over_the_pixel_limit_is_refused_before_it_is_decoded():
    for side in (9500, 60000):  # over formgen's limit (80 MP); over Pillow's own as well
        with pytest.raises(ScanRefused, match="more than the limit"):
            list(pages(_png_header(side, side)))
    with pytest.raises(ScanRefused):
        list(pages(b"GIF89a not a scan"))
