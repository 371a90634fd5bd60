"""Coverage-guided fuzzing of what intake runs on every returned file, with atheris (libFuzzer).

    make fuzz                                          # 5 minutes; installs atheris into .venv
    make fuzz FUZZ_ARGS="-max_total_time=3600"         # any libFuzzer flags
    .venv/bin/python tools/fuzz_atheris.py output/fuzz/crashes/crash-…   # replay one input

Each input is a whole returned file. It goes through file.open_package (when it is a zip) and
intake.examine, in a workspace whose dispatch knows the seed forms, so mutated forms get past the
identity checks into the readers (docx, xlsx, pdf) and interpret(). A finding (libFuzzer stops
and saves the input in output/fuzz/crashes/) is:
- open_package raising anything but Refused (it must return a package or refuse the file);
- examine raising at all, or answering with an outcome that is not typed: a status outside
  OUTCOMES, a code outside the catalogue, a problem without what or fix;
- an input that takes longer than -timeout seconds (default 20) or more than -rss_limit_mb (2048).
A failure that only examine's last boundary catches (rejected as FG209 "could not be read
(<exception>)") is typed, so not a finding; each kind is counted and its first input kept in
output/fuzz/boundary/ (summary.txt says where it was raised), for making the message specific.

Zip packages are mutated part by part: a part is unpacked, mutated by libFuzzer and packed again
with a correct CRC (or a part is dropped, doubled or renamed), so mutations reach the XML instead
of failing the checksum. Seeds: filled samtaleskema and kompetencekort forms in .docx, .xlsx and
.pdf, and every file in tests/corpus/.
"""
from __future__ import annotations

import io
import random
import shutil
import sys
import tempfile
import traceback
import zipfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "output" / "fuzz"
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

with atheris.instrument_imports(include=["formgen", "pypdf", "zipfile"]):
    import pypdf  # noqa: F401  (instrumented here; formgen.formats.pdf imports it lazily)
    from formgen.formats import docx  # noqa: F401
    from formgen.intake import examine as intake
    from formgen.intake.types import OUTCOMES, Source
    from formgen.store.lookup import Lookup
    from formgen.formats import pdf
    from formgen.intake import interpret as submission
    from formgen.formats import xlsx
    from formgen.core.errors import CATALOGUE
    from formgen.formats.package import Refused, open_package

MAIN_PARTS = ("word/document.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
              "docProps/custom.xml", "[Content_Types].xml", "word/footer1.xml", "xl/_rels/workbook.xml.rels")


def make_seeds(ws, folder: Path) -> None:
    """Filled forms of this workspace (so their codes are in its dispatch), and the nasty-file corpus."""
    from filling import fill_docx, fill_pdf, fill_xlsx
    from formgen.forms.catalogue import available
    from formgen.generate.run import generate
    from formgen.generate.roster import Citizen

    folder.mkdir(parents=True, exist_ok=True)
    for n, (form, role) in enumerate([("samtaleskema", "borger"), ("kompetencekort", "mentor")]):
        d = available()[form].definition
        for fmt, fill in (("docx", fill_docx), ("xlsx", fill_xlsx), ("pdf", fill_pdf)):
            path = generate(ws, d, fmt, [Citizen(f"F-{n}", "Fuzz Testesen")], [role]).files[0]
            fields = [f for f in d.fields(role) if f.type == "score"][:2] + [f for f in d.fields(role) if f.type == "text"][:1]
            fill(path, {(f.tag if fmt == "docx" else f.name): ("4" if f.type == "score" else "Svar\nlinje to")
                        for f in fields})
            shutil.copy(path, folder / f"{form}.{fmt}")
    for path in sorted((ROOT / "tests" / "corpus").iterdir()):
        shutil.copy(path, folder / path.name)


def unzip(data: bytes) -> list[tuple[str, bytes]] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [(i.filename, zf.read(i)) for i in zf.infolist()]
    except Exception:
        return None


def rezip(parts: list[tuple[str, bytes]]) -> bytes:
    import warnings

    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a doubled name is a mutation we want
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, body in parts:
                zf.writestr(name, body)
    return out.getvalue()


def mutate(data: bytes, max_size: int, seed: int) -> bytes:
    """libFuzzer's custom mutator: part-wise for zip packages, byte-wise otherwise."""
    rnd = random.Random(seed)
    parts = unzip(data) if data[:2] == b"PK" else None
    if not parts or rnd.random() < 0.1:
        return atheris.Mutate(data, max_size)
    main = [i for i, (name, _) in enumerate(parts) if name in MAIN_PARTS]
    i = rnd.choice(main) if main and rnd.random() < 0.7 else rnd.randrange(len(parts))
    name, body = parts[i]
    op = rnd.random()
    if op < 0.85:
        parts[i] = (name, atheris.Mutate(body, len(body) + 256))
    elif op < 0.9:
        del parts[i]
    elif op < 0.95:
        parts.append((name, atheris.Mutate(body, len(body) + 64)))
    else:
        parts[i] = (atheris.Mutate(name.encode(), 64).decode("utf-8", "replace") or "x", body)
    out = rezip(parts)
    return out if len(out) <= max_size else atheris.Mutate(data, max_size)


class Harness:
    def __init__(self, ws, scratch: Path):
        self.lookup = Lookup(ws.db, ws.unit)
        self.path = scratch / "returned-file"
        self.boundary: dict[tuple[str, str], int] = {}
        (OUT / "boundary").mkdir(parents=True, exist_ok=True)
        self.current = b""
        real = intake.unreadable

        def counted(name, sha, exc):  # what only the last boundary caught: count it, keep the first input
            frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            where = f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" if frame else "?"
            key = (exc.__class__.__name__, where)
            if key not in self.boundary:
                (OUT / "boundary" / f"{key[0]}-{len(self.boundary)}.bin").write_bytes(self.current)
            self.boundary[key] = self.boundary.get(key, 0) + 1
            if self.boundary[key] == 1 or self.boundary[key] % 25 == 0:  # libFuzzer's exit skips atexit
                self.summary()
            return real(name, sha, exc)

        intake.unreadable = counted

    def summary(self) -> None:
        lines = [f"{n:7d}  {kind}  at {where}" for (kind, where), n in sorted(self.boundary.items(), key=lambda x: -x[1])]
        (OUT / "boundary" / "summary.txt").write_text("\n".join(lines) + "\n")

    def __call__(self, data: bytes) -> None:
        self.current = data
        if data[:4] == b"PK\x03\x04":
            try:
                open_package(data, "fuzz")
            except Refused:
                pass
        self.path.write_bytes(data)
        ex = intake.examine(self.lookup, Source(self.path))
        r = ex.result
        if r is None:
            assert ex.row is not None and ex.base is not None, "an outcome without a result or a reading"
            return
        assert r.status in OUTCOMES, r.status
        for p in r.problems:
            assert p.code in CATALOGUE and p.what and p.fix, p


def main() -> None:
    from formgen.store import db as store
    from formgen.core.workspace import init

    intake.FILE_SECONDS = 0  # no SIGALRM timer of ours: libFuzzer's -timeout watches each input
    shutil.rmtree(OUT / "ws", ignore_errors=True)
    ws = init(OUT / "ws", "Jobcenter Fuzz")
    store.connect(ws.db, ws.unit).dispose()
    seeds, corpus, crashes = OUT / "seeds", OUT / "corpus", OUT / "crashes"
    shutil.rmtree(seeds, ignore_errors=True)
    make_seeds(ws, seeds)
    for folder in (corpus, crashes):
        folder.mkdir(parents=True, exist_ok=True)
    args = sys.argv[1:]
    replay = [a for a in args if not a.startswith("-")]
    flags = [a for a in args if a.startswith("-")]
    defaults = {"-max_total_time": "300", "-timeout": "20", "-rss_limit_mb": "2048", "-max_len": "400000",
                "-artifact_prefix": f"{crashes}/", "-print_final_stats": "1"}
    flags += [f"{k}={v}" for k, v in defaults.items() if not any(f.startswith(k + "=") for f in flags)]
    folders = replay or [str(corpus), str(seeds)]  # new inputs go to the first folder
    with tempfile.TemporaryDirectory(prefix="formgen-fuzz-") as scratch:
        harness = Harness(ws, Path(scratch))
        atheris.Setup([sys.argv[0], *flags, *folders], harness, custom_mutator=mutate)
        atheris.Fuzz()


if __name__ == "__main__":
    main()
