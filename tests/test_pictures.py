"""Pictures in returned files: a picture too large for a form is refused before anything decodes it.

A decompression bomb is a small file that unpacks to an enormous picture; its header says so. The
check reads only headers, looks at every part by content (a renamed picture is still a picture),
and costs a rejection with FG243, never the batch.
"""
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from filling import fill_docx, fill_xlsx
from formgen.formats import images
from formgen.formats.package import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.intake.run import intake
from formgen.generate.roster import Citizen

CORPUS = Path(__file__).parent / "corpus"


def png(width: int, height: int) -> bytes:
    """A real, valid 1-bit PNG of width×height white pixels: a few KB on disk, width×height when decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    z = zlib.compressobj(9)
    row = b"\0" + b"\xff" * ((width + 7) // 8)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def with_part(src: Path, part: str, data: bytes) -> bytes:
    """The package with one part replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info.filename, zin.read(info))
        zout.writestr(part, data)
    return out.getvalue()


def returned(ws, ref: str, fmt: str = "docx") -> Path:
    path = generate(ws, available()["samtaleskema"].definition, fmt, [Citizen(ref, "Ida")], ["borger"]).files[0]
    if fmt == "docx":
        fill_docx(path, {"fg:faglige_kompetencer:now": "4"})
    else:
        fill_xlsx(path, {"fg.faglige_kompetencer.now": "4"})
    return path


def pillow(fmt: str, size: tuple[int, int], **opts) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt, **opts)
    return buf.getvalue()


@pytest.mark.parametrize("fmt,opts", [
    ("PNG", {}), ("JPEG", {}), ("JPEG", {"progressive": True}), ("GIF", {}), ("BMP", {}), ("TIFF", {}),
    ("TIFF", {"compression": "tiff_lzw"}), ("WEBP", {}), ("WEBP", {"lossless": True}),
])
def test_the_size_is_read_from_the_header_as_pillow_reads_it(fmt, opts):
    data = pillow(fmt, (1234, 567), **opts)
    assert images.size(data) == Image.open(io.BytesIO(data)).size == (1234, 567)


def test_a_jpeg_with_exif_and_a_thumbnail_reports_the_picture_not_the_thumbnail():
    exif = Image.Exif()
    exif[0x010F] = "Kamera"
    data = pillow("JPEG", (3000, 2000), exif=exif.tobytes(), quality=60)
    assert images.size(data) == (3000, 2000)


def test_the_largest_page_of_a_multipage_tiff_counts():
    buf = io.BytesIO()
    small, large = Image.new("L", (10, 10)), Image.new("L", (900, 800))
    small.save(buf, "TIFF", save_all=True, append_images=[large])
    assert images.size(buf.getvalue()) == (900, 800)


def test_the_bomb_is_a_real_png_that_claims_its_size():
    bomb = png(20000, 20000)
    assert len(bomb) < 100_000  # 400 megapixels in under 100 KB
    with pytest.raises(Image.DecompressionBombError):  # Pillow's own header check calls it a bomb too
        Image.open(io.BytesIO(bomb))
    assert images.size(bomb) == (20000, 20000)


def test_truncated_or_unknown_headers_have_no_size():
    assert images.size(pillow("JPEG", (50, 50))[:40]) is None
    assert images.size(png(50, 50)[:20]) is None
    assert images.kind(b"<?xml version='1.0'?><w:document/>") is None
    assert images.kind(b"BM not really a bitmap") is None


def test_a_decompression_bomb_costs_a_rejection_and_the_batch_goes_on(ws):
    good = returned(ws, "S-0001")
    bomb = with_part(returned(ws, "S-0002"), "word/media/image1.png", png(20000, 20000))
    (ws.intake / good.name).write_bytes(good.read_bytes())
    (ws.intake / "logo-bombe.docx").write_bytes(bomb)
    result = intake(ws)
    by_name = {r.name: r for r in result.files}
    assert by_name[good.name].status == "imported"
    r = by_name["logo-bombe.docx"]
    assert r.status == "rejected" and [p.code for p in r.problems] == ["FG243"]
    assert "word/media/image1.png is 20000×20000 pixels (400 megapixels)" in r.problems[0].what
    assert "Compress Pictures" in r.problems[0].fix
    assert (ws.intake / "quarantine" / "logo-bombe.docx").read_bytes() == bomb  # kept, byte for byte
    assert "FG243" in (ws.intake / "quarantine" / "logo-bombe.docx.problems.txt").read_text()


@pytest.mark.parametrize("part", ["word/media/image1.emf", "word/media/notes.txt", "customXml/item9.xml",
                                  "docProps/thumbnail.jpeg"])
def test_a_renamed_picture_is_still_a_picture(ws, part):
    bomb = with_part(returned(ws, "S-0001"), part, png(20000, 20000))
    path = ws.intake / "omdoebt.docx"
    path.write_bytes(bomb)
    [r] = intake(ws).files
    assert r.status == "rejected" and r.problems[0].code == "FG243" and part in r.problems[0].what


def test_an_excel_form_with_a_bomb_is_refused_too(ws):
    bomb = with_part(returned(ws, "S-0001", "xlsx"), "xl/media/image1.png", png(20000, 20000))
    (ws.intake / "bombe.xlsx").write_bytes(bomb)
    [r] = intake(ws).files
    assert r.status == "rejected" and r.problems[0].code == "FG243"


def test_the_limit_is_fifty_megapixels_and_a_phone_photo_passes(ws):
    assert MAX_IMAGE_PIXELS == 50_000_000
    photo = with_part(returned(ws, "S-0001"), "word/media/image2.png", png(8000, 6000))  # 48 MP, a phone camera
    too_big = with_part(returned(ws, "S-0002"), "word/media/image2.png", png(8000, 6300))  # 50.4 MP
    (ws.intake / "foto.docx").write_bytes(photo)
    (ws.intake / "for-stort.docx").write_bytes(too_big)
    by_name = {r.name: r for r in intake(ws).files}
    assert by_name["foto.docx"].status == "imported"
    assert by_name["for-stort.docx"].problems[0].code == "FG243"


def test_a_picture_over_twenty_megabytes_is_refused(ws):
    big = png(64, 64)
    big = big[:-12] + struct.pack(">I", MAX_IMAGE_BYTES) + b"tEXt" + b"\0" * MAX_IMAGE_BYTES + b"crc!" + big[-12:]
    (ws.intake / "tung.docx").write_bytes(with_part(returned(ws, "S-0001"), "word/media/image1.png", big))
    [r] = intake(ws).files
    assert r.status == "rejected" and r.problems[0].code == "FG243" and "MB, over the 20 MB limit" in r.problems[0].what


def test_a_picture_whose_header_is_cut_off_is_damaged(ws):
    (ws.intake / "afskaaret.docx").write_bytes(
        with_part(returned(ws, "S-0001"), "word/media/image1.png", png(64, 64)[:20]))
    [r] = intake(ws).files
    assert r.status == "rejected" and r.problems[0].code == "FG209" and "image1.png is damaged" in r.problems[0].what


def test_the_corpus_keeps_a_picture_bomb():
    """tests/corpus/picture-bomb.docx: a minimal package whose PNG header claims 100000×100000 pixels,
    stored as word/media/image1.gif (test_fuzz runs every corpus file through intake)."""
    with zipfile.ZipFile(CORPUS / "picture-bomb.docx") as zf:
        assert images.size(zf.read("word/media/image1.gif")) == (100000, 100000)
