"""The synthetic scan corpus itself: marks land where they should, degradations behave like devices, seeds repeat."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from scan_degrade import PROFILES, apply, degrade, sample
from scan_marks import SCENARIOS, cross, draw, empty, fill, light_tick, mark_row, mm_box_to_px, mm_to_px, stray, tick
from scan_page import render_pdf, standin_layout, standin_pdf

DPI = 200
SEEDS = range(40)


def page(channels: int = 3, size_mm=(60, 40), dpi=DPI) -> np.ndarray:
    w, h = (int(round(mm_to_px(v, dpi))) for v in size_mm)
    return np.full((h, w, 3) if channels == 3 else (h, w), 255, np.uint8)


BOX = mm_box_to_px((25, 15, 31, 21), DPI)  # a 6 mm box in the middle of a 60 × 40 mm patch


def darkness(img: np.ndarray) -> np.ndarray:
    grey = img.astype(float) if img.ndim == 2 else img.astype(float).mean(axis=2)
    return 255.0 - grey


def region(box, grow_mm: float, dpi=DPI):
    g = int(round(mm_to_px(grow_mm, dpi)))
    x0, y0, x1, y1 = box
    return slice(max(0, y0 - g), y1 + g), slice(max(0, x0 - g), x1 + g)


def share_inside(img, box, grow_mm) -> float:
    d = darkness(img)
    return d[region(box, grow_mm)].sum() / d.sum()


def test_mm_box_to_px_converts_at_the_dpi():
    assert mm_box_to_px((10, 20, 16, 26), 254) == (100, 200, 160, 260)
    assert mm_box_to_px((0, 0, 25.4, 12.7), 300) == (0, 0, 300, 150)


@pytest.mark.parametrize("mark", [tick, cross, light_tick])
@pytest.mark.parametrize("channels", [1, 3])
def test_ticks_and_crosses_land_in_their_box_and_overshoot_only_a_little(mark, channels):
    for seed in SEEDS:
        img = page(channels)
        mark(img, BOX, DPI, np.random.default_rng(seed))
        assert darkness(img).sum() > 0, seed
        assert share_inside(img, BOX, 0) > 0.6, seed  # most ink inside the box itself
        assert share_inside(img, BOX, 1.5) > 0.99, seed  # and nothing more than 1.5 mm outside it


def test_pen_is_dark_and_pencil_is_light_grey():
    for seed in SEEDS:
        pen, pencil = page(1), page(1)
        tick(pen, BOX, DPI, np.random.default_rng(seed))
        light_tick(pencil, BOX, DPI, np.random.default_rng(seed))
        assert pen.min() < 90, seed
        assert 120 <= pencil.min() <= 200, seed
        assert (pencil < 230).sum() < (pen < 230).sum(), seed  # thinner too


@pytest.mark.parametrize("channels", [1, 3])
def test_fill_covers_at_least_90_percent_of_the_inner_box(channels):
    x0, y0, x1, y1 = BOX
    inset = int(round(mm_to_px(0.4, DPI)))  # inside the printed line
    for seed in SEEDS:
        img = page(channels)
        fill(img, BOX, DPI, np.random.default_rng(seed))
        inner = darkness(img)[y0 + inset:y1 - inset, x0 + inset:x1 - inset]
        assert (inner > 128).mean() >= 0.9, seed
        assert share_inside(img, BOX, 1.5) > 0.99, seed


def test_empty_adds_no_ink():
    img = page(3)
    empty(img, BOX, DPI, np.random.default_rng(0))
    assert (img == 255).all()


def test_a_stray_stroke_stays_outside_the_box_but_near_it():
    x0, y0, x1, y1 = BOX
    inset = int(round(mm_to_px(0.5, DPI)))
    for seed in SEEDS:
        img = page(1)
        stray(img, BOX, DPI, np.random.default_rng(seed))
        d = darkness(img)
        assert d.sum() > 0, seed
        assert d[y0 + inset:y1 - inset, x0 + inset:x1 - inset].max() < 1, seed  # at most touching the edge
        assert share_inside(img, BOX, 7.5) > 0.99, seed  # 0–2 mm off, 5 mm long at most


def test_marks_are_reproducible_from_the_seed():
    def marked(seed):
        img = page(3)
        for kind in ("tick", "cross", "fill", "light_tick", "stray"):
            draw(img, kind, BOX, DPI, np.random.default_rng(seed))
        return img

    assert (marked(7) == marked(7)).all()
    assert (marked(7) != marked(8)).any()


def row_boxes(dpi=DPI):
    return [(v, mm_box_to_px((4 + i * 9.5, 15, 10 + i * 9.5, 21), dpi)) for i, v in enumerate([*range(1, 11), "ved-ikke"])]


def ink_per_box(img, boxes):
    d = darkness(img)
    return {v: d[region(b, 0)].sum() for v, b in boxes}


def test_mark_row_returns_the_truth_of_each_scenario():
    boxes = row_boxes()
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for scenario in SCENARIOS:
            img = page(3, size_mm=(115, 40))
            truth = mark_row(img, boxes, 4, scenario, DPI, rng, stray_p=0)
            ink = ink_per_box(img, boxes)
            kinds = dict(truth.drawn)
            inked = {v for v, amount in ink.items() if amount > 0}
            assert inked == set(kinds), (seed, scenario)
            if scenario in ("single", "correction", "faint"):
                assert truth.value == 4 and 4 in inked and not truth.double
            if scenario == "correction":
                assert list(kinds.values()).count("fill") == 1 and kinds[4] in ("tick", "cross")
            if scenario == "double":
                assert truth.value is None and truth.double and len(inked) == 2 and 4 in inked
            if scenario == "empty":
                assert truth.value is None and not truth.double and not inked
            assert truth.faint == (scenario == "faint")
    with pytest.raises(ValueError):
        mark_row(page(3), boxes, 4, "triple", DPI, np.random.default_rng(0))


def test_a_stray_in_a_row_goes_above_or_below_an_unmarked_box():
    boxes = row_boxes()
    for seed in SEEDS:
        img = page(1, size_mm=(115, 40))
        truth = mark_row(img, boxes, 4, "single", DPI, np.random.default_rng(seed), stray_p=1.0)
        (where, kind), = [d for d in truth.drawn if d[1] == "stray"]
        assert where != 4 and truth.value == 4
        inset = int(round(mm_to_px(0.5, DPI)))
        for v, (x0, y0, x1, y1) in boxes:
            if v != 4:  # no box but the ticked one has ink inside its line
                assert darkness(img)[y0 + inset:y1 - inset, x0 + inset:x1 - inset].max() < 1, (seed, v)


@pytest.fixture(scope="module")
def clean_page():
    """The stand-in page at 150 dpi with a tick in every row."""
    layout = standin_layout()
    img = render_pdf(standin_pdf(layout), 150)
    rng = np.random.default_rng(1)
    for row in layout.rows:
        mark_row(img, [(v, mm_box_to_px(b, 150)) for v, b in row.boxes], 5, "single", 150, rng)
    return img


def test_the_standin_page_is_a4_in_rgb(clean_page):
    h, w, c = clean_page.shape  # pdfium rounds 1240.1 px up
    assert (h, c) == (1754, 3) and w in (1240, 1241) and clean_page.dtype == np.uint8


@pytest.mark.parametrize("profile", PROFILES)
def test_degrading_keeps_a_sane_image_and_repeats_from_the_seed(clean_page, profile):
    for seed in range(3):
        out = degrade(clean_page, profile, np.random.default_rng(seed), dpi=150)
        plan = sample(profile, np.random.default_rng(seed))
        assert out.dtype == np.uint8 and out.ndim in (2, 3) and (out.ndim == 2 or out.shape[2] == 3)
        h, w = out.shape[:2]
        if profile == "phone":  # a portrait photo with the page and some table around it
            assert 0.70 < w / h < 0.80 and h > plan.dpi / 25.4 * 297
        else:  # the page itself, at the scanner's dpi
            assert abs(h - plan.dpi / 25.4 * 297) < 2 and abs(w - plan.dpi / 25.4 * 210) < 2
        assert 20 < out.mean() < 250 and out.std() > 10  # neither blank nor black
        assert (degrade(clean_page, profile, np.random.default_rng(seed), dpi=150) == out).all()
    other = degrade(clean_page, profile, np.random.default_rng(1), dpi=150)
    assert other.shape != out.shape or (other != out).any()


@pytest.mark.parametrize("profile", PROFILES)
def test_upside_down_is_the_same_scan_turned_180_degrees(clean_page, profile):
    plan = sample(profile, np.random.default_rng(3))
    upright = apply(clean_page, replace(plan, flip=False), np.random.default_rng(9), 150)
    flipped = apply(clean_page, replace(plan, flip=True), np.random.default_rng(9), 150)
    assert flipped.shape == upright.shape
    assert (flipped == np.rot90(upright, 2)).all()
    assert (flipped != upright).any()


def test_each_profile_flips_some_pages_and_not_others():
    for profile in ("office", "phone"):
        flips = [sample(profile, np.random.default_rng(s)).flip for s in range(200)]
        assert 5 < sum(flips) < 60, profile


def test_profiles_stay_in_the_ranges_devices_use():
    for s in range(200):
        office, phone, stress = (sample(p, np.random.default_rng(s)) for p in PROFILES)
        assert office.dpi in (150, 200, 300) and abs(office.angle) <= 2
        assert office.jpeg is None or 60 <= office.jpeg <= 85
        assert abs(phone.angle) <= 10 and 40 <= phone.jpeg <= 85 and phone.tilt > 0
        assert stress.bleed or stress.low_ink or stress.copier or stress.dark > 1
    with pytest.raises(ValueError):
        sample("fax", np.random.default_rng(0))
