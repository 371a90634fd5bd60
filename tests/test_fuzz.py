"""Fuzzing the readers: whatever bytes arrive, intake answers with a typed outcome, never a crash.

Hypothesis mutates real generated forms (byte flips, truncation, hostile XML inside a valid zip);
the small corpus in tests/corpus/ keeps the nasty files found so far as regression cases.
"""
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filling import fill_docx
from formgen.store import db as store
from formgen.core.errors import CATALOGUE
from formgen.formats.package import Refused, open_package
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.intake.run import OUTCOMES, Source, process
from formgen.generate.roster import Citizen
from formgen.core.workspace import init

CORPUS = Path(__file__).parent / "corpus"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """A workspace, an engine and one real filled form per format to mutate."""
    root = tmp_path_factory.mktemp("fuzz")
    ws = init(root / "ws", "Jobcenter Fuzz")
    d = available()["samtaleskema"].definition
    docx = generate(ws, d, "docx", [Citizen("S-1", "Ida")], ["borger"]).files[0]
    fill_docx(docx, {"fg:faglige_kompetencer:now": "4"})
    xlsx = generate(ws, d, "xlsx", [Citizen("S-2", "Bo")], ["borger"]).files[0]
    return ws, store.connect(ws.db, ws.unit), {"docx": docx.read_bytes(), "xlsx": xlsx.read_bytes()}


def decide(bench, data: bytes, name: str, tmp_path: Path):
    ws, engine, _ = bench
    path = tmp_path / name
    path.write_bytes(data)
    result = process(engine, ws, Source(path))
    assert result.status in OUTCOMES
    assert all(p.code.startswith("FG") and p.what and p.fix for p in result.problems)
    return result


def rezip(data: bytes, part: str, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            raw = zin.read(info)
            zout.writestr(info.filename, edit(raw) if info.filename == part else raw)
    return out.getvalue()


@SETTINGS
@given(fmt=st.sampled_from(["docx", "xlsx"]), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)),
                                                              min_size=1, max_size=8))
def test_flipped_bytes_never_crash(bench, tmp_path_factory, fmt, flips):
    data = bytearray(bench[2][fmt])
    for pos, xor in flips:
        data[pos % len(data)] ^= xor
    decide(bench, bytes(data), f"flip.{fmt}", tmp_path_factory.mktemp("f"))


@SETTINGS
@given(fmt=st.sampled_from(["docx", "xlsx"]), cut=st.floats(0.0, 1.0))
def test_truncated_files_never_crash(bench, tmp_path_factory, fmt, cut):
    data = bench[2][fmt]
    r = decide(bench, data[: int(len(data) * cut)], f"cut.{fmt}", tmp_path_factory.mktemp("c"))
    assert r.status in ("rejected", "duplicate", "imported", "review")


@SETTINGS
@given(junk=st.text(min_size=1, max_size=200), where=st.floats(0.0, 1.0))
def test_hostile_xml_inside_a_valid_package_never_crashes(bench, tmp_path_factory, junk, where):
    def edit(raw: bytes) -> bytes:
        at = int(len(raw) * where)
        return raw[:at] + junk.encode("utf-8", "surrogatepass") + raw[at:]
    try:
        data = rezip(bench[2]["docx"], "word/document.xml", edit)
    except UnicodeEncodeError:
        return
    decide(bench, data, "junk.docx", tmp_path_factory.mktemp("j"))


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_open_package_returns_a_package_or_refuses_the_file(path):
    """Its contract, which the atheris fuzzer (tools/fuzz_atheris.py) checks on every input."""
    try:
        open_package(path.read_bytes(), path.name)
    except Refused as exc:
        assert exc.problem.code in CATALOGUE and exc.problem.what and exc.problem.fix


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_corpus_of_nasty_files(bench, tmp_path, path):
    r = decide(bench, path.read_bytes(), path.name, tmp_path)
    assert r.status == "rejected" and r.problems
