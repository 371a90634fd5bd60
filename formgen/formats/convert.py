"""PDF through LibreOffice: batched, one private profile per worker (shared profiles lose files)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from formgen.core.errors import fail

__all__ = ["INSTALL", "FONTS_INSTALL", "find_soffice", "soffice", "calibri_substitute", "warn_fonts", "to_pdf"]

INSTALL = "install LibreOffice: sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui"
FONTS_INSTALL = "sudo apt-get install fonts-crosextra-carlito"
# The templates ask for Calibri; Carlito has the same metrics, so either gives Word's line and page breaks.
CALIBRI_LIKE = {"calibri", "carlito"}
_checked: set[tuple[str, str]] = set()  # the font setups (fontconfig files) already checked in this run


def find_soffice() -> str | None:
    """The LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice() -> str:
    """The LibreOffice binary, or a clear error saying how to install it."""
    exe = find_soffice()
    if not exe:
        raise fail("FG170", "PDF", "LibreOffice is not installed, and it is needed to write PDF", INSTALL)
    return exe


def calibri_substitute() -> str | None:
    """The font fontconfig gives for Calibri when it is neither Calibri nor Carlito; None when fine or unknown."""
    fc = shutil.which("fc-match")
    if not fc:  # no fontconfig (Windows, macOS): LibreOffice there has its own fonts; nothing to tell
        return None
    try:
        run = subprocess.run([fc, "-f", "%{family}", "Calibri"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    family = run.stdout.split(",")[0].strip()
    return family if run.returncode == 0 and family and family.lower() not in CALIBRI_LIKE else None


def warn_fonts() -> None:
    """Warn once per run, on stderr, when PDFs will be laid out with a font other than Calibri or Carlito."""
    setup = (os.environ.get("FONTCONFIG_FILE", ""), os.environ.get("FONTCONFIG_PATH", ""))
    if setup in _checked:
        return
    _checked.add(setup)
    family = calibri_substitute()
    if family:
        print(f"warning: neither Calibri nor Carlito is installed, so LibreOffice lays out the PDF with "
              f"{family}: lines and pages may break differently from Word. Install the metric-compatible "
              f"Carlito: {FONTS_INSTALL}", file=sys.stderr)


def to_pdf(paths: list[Path], outdir: Path | None = None, workers: int = 2) -> list[Path]:
    """Convert documents to PDF next to them (or into outdir); returns the PDFs in the same order."""
    exe = soffice()
    warn_fonts()
    groups: dict[Path, list[Path]] = {}
    for p in paths:
        groups.setdefault(Path(outdir) if outdir else p.parent, []).append(p)
    batches = [(folder, chunk) for folder, files in groups.items()
               for chunk in (files[i::workers] for i in range(min(workers, len(files))))]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda b: _batch(exe, *b), batches))
    out = [(Path(outdir) if outdir else p.parent) / (p.stem + ".pdf") for p in paths]
    for p in out:
        if p.is_file():
            p.chmod(0o600)  # LibreOffice writes with the process umask; reports hold personal data
    missing = [p.name for p in out if not p.is_file()]
    if missing:
        raise fail("FG171", ", ".join(missing[:5]), "LibreOffice did not write these PDFs",
                   "open the .docx in Word or LibreOffice to check it, then try again")
    return out


# Tagged PDF (headings, tables, reading order and alternative text for screen readers; PDF/UA where
# LibreOffice can). The options are JSON, which LibreOffice reads from 7.4 on; the export filter is
# chosen per application, so a batch is split into text documents and spreadsheets.
TAGGED = ('{"UseTaggedPDF":{"type":"boolean","value":"true"},'
          '"PDFUACompliance":{"type":"boolean","value":"true"}}')
CALC = {".xlsx", ".xls", ".ods", ".csv"}


def _batch(exe: str, folder: Path, files: list[Path]) -> None:
    for suffixes, filter_name in ((CALC, "calc_pdf_Export"), (None, "writer_pdf_Export")):
        chosen = [f for f in files if (f.suffix.lower() in CALC) == (suffixes is not None)]
        if not chosen:
            continue
        with tempfile.TemporaryDirectory(prefix="formgen-lo-") as profile:
            subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                            f"pdf:{filter_name}:{TAGGED}", "--outdir", str(folder), *map(str, chosen)],
                           capture_output=True, timeout=600)
