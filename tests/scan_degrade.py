"""Marked pages degraded as office scanners, phones and worn copiers do: the scan corpus's second half.

`degrade(img, profile, rng)` takes a clean page image (uint8 RGB or grey, A4 rendered at `dpi`, 300
by default, marks already drawn with tests/scan_marks.py) and returns what a device would hand
over: grey or RGB uint8 at the device's resolution. Every random choice comes from `rng`, so a seed
gives the same scan. `sample(profile, rng)` draws the device's settings as a Plan and `apply` carries
one out, so a test can fix a setting (dataclasses.replace(plan, flip=True)). The artefacts are our
own, not augraphy's: augraphy 8.2.6 installs with numpy 2.4 and works, but it pulls the non-headless
opencv-python (a second owner of the cv2 module), numba and scikit-learn, and draws from the global
random state instead of a Generator that a corpus can be rebuilt from.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

__all__ = ["PROFILES", "Plan", "apply", "degrade", "sample"]

PROFILES = ("office", "phone", "stress")
NOISE_TILE = 509
LOW = 4  # the phone's smooth fields are computed at 1/LOW of the photo's size


@dataclass(frozen=True)
class Plan:
    """One device's settings for one page; 0 / None / False means the step is left out."""

    profile: str
    dpi: int  # the resolution the page is sampled at (phone: of the page inside the photo)
    angle: float = 0.0  # degrees, counter-clockwise
    shift_mm: tuple[float, float] = (0.0, 0.0)
    blur: float = 0.0  # Gaussian sigma in output pixels (optics, focus)
    motion: int = 0  # motion blur length in output pixels (a phone held by hand)
    noise: float = 0.0  # sensor noise sigma in grey levels
    white: float = 255.0  # the paper's level after the device's tone curve
    black: float = 0.0
    grey: bool = False  # the device stores one channel
    bw: bool = False  # the device stores black and white (1 bit, thresholded)
    jpeg: int | None = None  # quality; None: stored losslessly (a PDF with Flate images, a TIFF, a PNG)
    flip: bool = False  # fed or photographed upside down: the result turned 180°
    tilt: float = 0.0  # phone: how far each page corner moves, as a share of the page (perspective)
    fill: float = 1.0  # phone: the page's height as a share of the photo's
    light: float = 0.0  # phone: how much darker the dim side of the page is (gradient, vignette)
    shadow: bool = False  # phone: the soft shadow of a hand or the phone over part of the page
    bleed: float = 0.0  # stress: opacity of the mirrored other side showing through
    low_ink: bool = False  # stress: toner and pen fading in bands
    copier: bool = False  # stress: photocopy speckle, drum streaks, dark margins, hard contrast
    dark: float = 1.0  # stress: gamma > 1 darkens the scan (over-exposed copy, dark setting)


def sample(profile: str, rng: np.random.Generator) -> Plan:
    """The settings a device of this profile uses for one page, drawn at random."""
    if profile == "office":
        return _office(rng)
    if profile == "phone":
        return Plan("phone", dpi=int(rng.integers(110, 251)), angle=rng.uniform(-10, 10), tilt=rng.uniform(0.0, 0.05),
                    fill=rng.uniform(0.72, 0.93), light=rng.uniform(0.1, 0.4), shadow=bool(rng.random() < 0.3),
                    blur=rng.uniform(0.5, 1.6), motion=int(rng.integers(3, 7)) if rng.random() < 0.25 else 0,
                    noise=rng.uniform(3, 9), jpeg=int(rng.integers(40, 86)), flip=bool(rng.random() < 0.1),
                    white=rng.uniform(215, 250), black=rng.uniform(20, 50))
    if profile == "stress":
        base = _office(rng)
        kinds = rng.permutation(["bleed", "low_ink", "copier", "dark"])[:int(rng.integers(1, 3))]
        return replace(base, profile="stress", bleed=rng.uniform(0.06, 0.2) if "bleed" in kinds else 0.0,
                       low_ink="low_ink" in kinds, copier="copier" in kinds,
                       dark=rng.uniform(1.4, 2.4) if "dark" in kinds else 1.0, bw=bool(rng.random() < 0.15),
                       white=rng.uniform(165, 215) if "dark" in kinds else base.white)  # dark: grey paper too
    raise ValueError(f"unknown profile {profile!r}; one of {PROFILES}")


def _office(rng: np.random.Generator) -> Plan:
    return Plan("office", dpi=int(rng.choice([150, 200, 300])), angle=rng.uniform(-2, 2),
                shift_mm=tuple(rng.uniform(-3, 3, 2)), blur=rng.uniform(0.3, 0.8), noise=rng.uniform(1.5, 4.5),
                white=rng.uniform(235, 253), black=rng.uniform(12, 35), grey=bool(rng.random() < 0.5),
                jpeg=int(rng.integers(60, 86)) if rng.random() < 0.7 else None, flip=bool(rng.random() < 0.1))


def degrade(img: np.ndarray, profile: str, rng: np.random.Generator, dpi: float = 300,
            back: np.ndarray | None = None) -> np.ndarray:
    """The page as a device of `profile` returns it (see the module's docstring); `back`: the other side."""
    return apply(img, sample(profile, rng), rng, dpi, back)


def apply(img: np.ndarray, plan: Plan, rng: np.random.Generator, dpi: float = 300,
          back: np.ndarray | None = None) -> np.ndarray:
    """Carry out `plan` on the clean page `img` rendered at `dpi`; flipping is last, so it is an exact 180° turn."""
    page = img if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    if plan.low_ink or plan.bleed or plan.copier:
        page = _to_uint8(_paper(page.astype(np.float32), plan, rng, back))
    page = _photo(page, plan, rng, dpi) if plan.profile == "phone" else _scan(page, plan, dpi)
    out = _tone(_sensor(_blur(page, plan), plan, rng), plan)
    out = _store(out, plan)
    return np.ascontiguousarray(np.rot90(out, 2)) if plan.flip else out


def _to_uint8(page: np.ndarray) -> np.ndarray:
    return np.clip(page + 0.5, 0, 255).astype(np.uint8)


def _field(shape: tuple[int, int], cells: tuple[int, int], rng: np.random.Generator, lo: float, hi: float) -> np.ndarray:
    """A smooth random field over `shape` between lo and hi: a few random cells, enlarged bicubically."""
    small = rng.uniform(lo, hi, cells).astype(np.float32)
    return np.clip(cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC), lo, hi)


def _paper(page: np.ndarray, plan: Plan, rng: np.random.Generator, back: np.ndarray | None) -> np.ndarray:
    """What happened to the sheet before the device saw it: fading, the other side, a worn copier."""
    h, w = page.shape[:2]
    if plan.low_ink:  # toner and ballpoint both run dry: ink fades, unevenly, in bands along the feed
        cells = (1.0 - 0.6 * rng.beta(1.2, 3.0, (1, int(rng.integers(4, 12))))).astype(np.float32)
        bands = np.clip(cv2.resize(cells, (w, 1), interpolation=cv2.INTER_CUBIC), 0.4, 1.0)  # mostly 0.8–1, a pale band or two
        fade = bands * _field((h, w), (6, 4), rng, 0.75, 1.0)
        page = 255.0 - (255.0 - page) * fade[..., None]
    if plan.bleed:  # the other side's print, mirrored and softened by the paper, shows through
        other = page if back is None else (back if back.ndim == 3 else cv2.cvtColor(back, cv2.COLOR_GRAY2RGB))
        other = cv2.resize(np.ascontiguousarray(other[:, ::-1]), (w, h)).astype(np.float32)
        sigma = max(1.0, h / 297 * rng.uniform(0.3, 0.7))
        seen = cv2.GaussianBlur(other, (0, 0), sigma).mean(axis=2, keepdims=True)
        page = page * (1.0 - plan.bleed * (1.0 - seen / 255.0))
    if plan.copier:
        page = _copier(page, rng)
    return page


def _copier(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A worn photocopier: hard contrast, toner speckle, drum streaks along the feed, dark margins."""
    h, w = page.shape[:2]
    page = 255.0 / (1.0 + np.exp(-(page - 175.0) / 30.0))  # copies push greys to black or white
    grey = np.full((h, w), 255, np.uint8)
    for _ in range(int(rng.integers(300, 2500))):  # toner dust, more of it near the edges
        x, y = int(rng.beta(0.7, 0.7) * w), int(rng.beta(0.7, 0.7) * h)
        cv2.circle(grey, (x, y), int(rng.integers(0, 3)), int(rng.integers(0, 120)), -1, cv2.LINE_AA)
    for _ in range(int(rng.integers(1, 5))):  # a scratch on the drum: a line the whole length of the page
        x, width = int(rng.integers(0, w)), int(rng.integers(1, 5))
        level = rng.uniform(60, 190) + _field((h, 1), (8, 1), rng, -40, 40)[:, 0]
        grey[:, x:x + width] = np.minimum(grey[:, x:x + width], np.clip(level, 0, 255)[:, None].astype(np.uint8))
    margin = int(h / 297 * rng.uniform(3, 10))
    xs, ys = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)
    edge = np.minimum(np.minimum(xs, w - 1 - xs)[None, :], np.minimum(ys, h - 1 - ys)[:, None])
    dark = np.clip(edge / max(1, margin), 0, 1) * 0.75 + 0.25  # the lid left open: the margin goes grey-black
    page = page * (grey.astype(np.float32) / 255.0)[..., None]
    return np.minimum(page, (dark * 255.0)[..., None])


def _scan(page: np.ndarray, plan: Plan, dpi: float) -> np.ndarray:
    """A flatbed or feeder: resample to the device's dpi, skew and shift on a white lid, optics blur."""
    h, w = page.shape[:2]
    k = plan.dpi / dpi
    size = (max(1, int(round(w * k))), max(1, int(round(h * k))))
    page = cv2.resize(page, size, interpolation=cv2.INTER_AREA) if k < 1 else cv2.resize(page, size)
    m = cv2.getRotationMatrix2D((size[0] / 2, size[1] / 2), plan.angle, 1.0)
    m[:, 2] += np.array(plan.shift_mm) * plan.dpi / 25.4
    return cv2.warpAffine(page, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=(250, 250, 250))


def _blur(page: np.ndarray, plan: Plan) -> np.ndarray:
    if plan.blur:
        page = cv2.GaussianBlur(page, (0, 0), plan.blur)
    if plan.motion:
        kernel = np.zeros((plan.motion, plan.motion), np.float32)
        kernel[plan.motion // 2, :] = 1.0 / plan.motion
        rot = cv2.getRotationMatrix2D(((plan.motion - 1) / 2, (plan.motion - 1) / 2), plan.angle * 7 % 180, 1)
        kernel = cv2.warpAffine(kernel, rot, kernel.shape)
        page = cv2.filter2D(page, -1, kernel / max(kernel.sum(), 1e-6))
    return page


def _tone(page: np.ndarray, plan: Plan) -> np.ndarray:
    """The device's tone curve: paper not quite white, black not quite black, a dark setting as gamma (a LUT)."""
    levels = np.arange(256, dtype=np.float64) / 255.0
    lut = plan.black + 255.0 * levels ** plan.dark * ((plan.white - plan.black) / 255.0)
    return cv2.LUT(page, np.clip(lut + 0.5, 0, 255).astype(np.uint8))


def _photo(page: np.ndarray, plan: Plan, rng: np.random.Generator, dpi: float) -> np.ndarray:
    """A phone photo of the page lying on a table: perspective, a background, uneven light, a colour cast."""
    h, w = page.shape[:2]
    ph = h * plan.dpi / dpi  # the page's height in the photo's pixels
    out_h = int(round(ph / plan.fill))
    out_w = int(round(out_h * rng.uniform(0.72, 0.78)))  # a 3:4 portrait frame
    k = min(1.0, ph / h)
    small = cv2.resize(page, (max(1, int(w * k)), max(1, int(h * k))), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    src = np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]])
    a = np.deg2rad(plan.angle)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    half = np.array([sw, sh]) * (ph / sh) / 2
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
    corners = corners + rng.uniform(-plan.tilt, plan.tilt, (4, 2)) * half * 2
    centre = np.array([out_w, out_h]) / 2 + rng.uniform(-0.03, 0.03, 2) * (out_w, out_h)
    homography = cv2.getPerspectiveTransform(src, np.float32(corners @ rot.T + centre))
    # Everything smooth (the table, the page's shadow on it, the light) is made at a quarter of the size.
    low = (max(1, out_w // LOW), max(1, out_h // LOW))
    to_low = np.diag([1 / LOW, 1 / LOW, 1.0]) @ homography
    mask = cv2.warpPerspective(np.ones((sh, sw), np.float32), to_low, low, flags=cv2.INTER_LINEAR)
    shade = cv2.GaussianBlur(mask, (0, 0), low[1] / 150)  # the page's own soft shadow on the table
    table = _table((low[1], low[0]), rng) * (1.0 - 0.35 * shade[..., None])
    photo = cv2.resize(_to_uint8(table), (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    cv2.warpPerspective(small, homography, (out_w, out_h), dst=photo, flags=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_TRANSPARENT)
    light = _light((low[1], low[0]), plan, rng)[..., None] * rng.uniform(0.88, 1.06, 3)  # and a warm or cool cast
    light = cv2.resize(light.astype(np.float32), (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    return _to_uint8(photo * light)


def _table(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A desk under the page: wood, grey laminate or a dark cloth, with a soft grain."""
    colour = np.array([(150, 105, 70), (120, 120, 118), (60, 58, 62), (185, 170, 150)][rng.integers(4)], np.float32)
    grain = _field(shape, (int(rng.integers(20, 60)), 3), rng, 0.8, 1.15)  # long streaks, like wood
    blotch = _field(shape, (5, 4), rng, 0.85, 1.1)
    return colour[None, None, :] * (grain * blotch)[..., None]


def _light(shape: tuple[int, int], plan: Plan, rng: np.random.Generator) -> np.ndarray:
    """Light falling unevenly: a gradient from the window, lens vignetting, maybe a soft shadow."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    t = ((xx - w / 2) * np.cos(a) + (yy - h / 2) * np.sin(a)) / np.hypot(w, h) + 0.5
    field = 1.0 - plan.light * np.clip(t, 0, 1)
    r = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2)) / np.sqrt(2)
    field *= 1.0 - rng.uniform(0.1, 0.3) * r ** 2
    if plan.shadow:
        blob = np.zeros(shape, np.float32)
        centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        axes = (int(w * rng.uniform(0.2, 0.5)), int(h * rng.uniform(0.15, 0.4)))
        cv2.ellipse(blob, centre, axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
        field *= 1.0 - rng.uniform(0.2, 0.4) * cv2.GaussianBlur(blob, (0, 0), max(1.0, w / 15))
    return field


def _sensor(page: np.ndarray, plan: Plan, rng: np.random.Generator) -> np.ndarray:
    """Sensor noise: per pixel, mostly the same in every channel, a little per channel.

    The noise is a 509 × 509 tile (prime, so no row of boxes lines up with its period) laid from a
    random offset: drawing 35 million normals per page took a second, and noise of a few grey
    levels has no pattern a reader could learn from."""
    if not plan.noise:
        return page
    h, w = page.shape[:2]
    tile = rng.normal(0, plan.noise, (NOISE_TILE, NOISE_TILE, 1)) + rng.normal(0, plan.noise * 0.35, (NOISE_TILE, NOISE_TILE, 3))
    reps = (h // NOISE_TILE + 2, w // NOISE_TILE + 2, 1)
    dy, dx = rng.integers(0, NOISE_TILE, 2)
    noise = np.tile(np.round(tile).astype(np.int16), reps)[dy:dy + h, dx:dx + w]
    return cv2.add(page, noise, dtype=cv2.CV_8U)  # saturating: no wrap-around at 0 and 255


def _store(page: np.ndarray, plan: Plan) -> np.ndarray:
    """The file the device writes: colour or grey, maybe thresholded to 1 bit, maybe JPEG-compressed."""
    out = page
    if plan.grey or plan.bw:
        out = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)
    if plan.bw:  # a scanner's "text" mode: a fixed threshold, no greys left (and no JPEG on 1-bit images)
        return np.where(out < 180, 0, 255).astype(np.uint8)
    if plan.jpeg is not None:
        ok, data = cv2.imencode(".jpg", out if out.ndim == 2 else out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, plan.jpeg])
        out = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        out = out if out.ndim == 2 else np.ascontiguousarray(out[..., ::-1])
    return out
