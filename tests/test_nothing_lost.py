"""Nothing a user hands in is lost: same-named archives, re-imports from the page, forget and uploads."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from web_client import BO, IDA, client, csrf, returns
from test_web_generate import wait
from formgen import api
from formgen.intake.run import intake


def archive(path: Path, members: list[Path]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for m in members:
            zf.write(m, m.name)
    return path


def test_three_different_archives_with_one_name_are_all_kept(ws, tmp_path):
    forms = returns(ws, tmp_path, [IDA, BO])
    for n in range(3):  # the same name each time, as repeated uploads of "returns.zip" give
        archive(ws.intake / "returns.zip", [forms[n % 2]] if n < 2 else forms)
        intake(ws)
    kept = sorted(p.name for p in ws.processed.glob("returns*.zip"))
    assert len(kept) == 3, kept


def test_a_quarantined_file_stays_in_quarantine_when_importing_it_again_fails(ws, tmp_path, monkeypatch):
    (ws.intake / "tom.docx").write_bytes(b"")  # quarantined: empty
    intake(ws)
    original = ws.quarantine / "tom.docx"
    assert original.is_file() and original.with_name("tom.docx.problems.txt").is_file()
    c = client(ws)

    def broken(*a, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(api, "intake_returns", broken)
    r = c.post("/behandling/indlaes-igen", data={"file": "tom.docx", "csrf": csrf(c, "/behandling")},
               follow_redirects=False)
    job = wait(c, r.headers["location"].split("=")[1])
    assert job.state != "done"
    assert original.is_file() and original.with_name("tom.docx.problems.txt").is_file()
    assert [p.name for p in api.quarantined(ws)] == ["tom.docx"]


def test_a_quarantined_file_imported_again_leaves_one_copy(ws, tmp_path):
    (ws.intake / "tom.docx").write_bytes(b"")
    intake(ws)
    c = client(ws)
    r = c.post("/behandling/indlaes-igen", data={"file": "tom.docx", "csrf": csrf(c, "/behandling")},
               follow_redirects=False)
    wait(c, r.headers["location"].split("=")[1])
    assert len([p for p in ws.quarantine.iterdir() if not p.name.endswith(".problems.txt")]) == 1


def test_forget_keeps_an_uploaded_archive_that_holds_other_citizens_returns(ws, tmp_path):
    folder = ws.root / ".formgen-web" / "uploads" / "job-1"
    folder.mkdir(parents=True)
    both = archive(folder / "runde.zip", returns(ws, tmp_path, [IDA, BO]))
    r = api.forget(ws, IDA.citizen_ref)
    assert both.is_file()  # Bo's return in it is not imported yet: not lost
    assert any("runde.zip" in left for left in r.leftovers)  # and the person is told it still holds Ida


def test_forget_leaves_another_citizens_return_that_was_sent_under_the_same_name(ws, tmp_path):
    ida, bo = returns(ws, tmp_path, [IDA, BO])
    for path in (ida, bo):  # both renamed by their senders to the same plain name
        shutil.copy(path, ws.intake / "skema.docx")
        assert intake(ws).counts["imported"] == 1
    assert len(list(ws.processed.glob("skema*.docx"))) == 2
    api.forget(ws, BO.citizen_ref)  # Bo's was stored as skema-<sha8>.docx, Ida's as skema.docx
    left = list(ws.processed.glob("skema*.docx"))
    assert len(left) == 1 and b"S-0001" in api_identity(left[0])


def api_identity(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("docProps/custom.xml")
