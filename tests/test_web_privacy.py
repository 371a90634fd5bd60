"""`formgen forget` and `purge` cover the web page's folder (.formgen-web/): uploads not imported, download copies.

The files get there as the page puts them there (a round made on Ny runde, an upload), then the real
`formgen forget` / `formgen purge` commands run on the workspace.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from web_client import BO, IDA, client, returns
from test_web_generate import start, wait
from formgen import api

ROSTER = "borger_id;navn;virksomhed\nS-0001;Ida Holm;Jensen & Søn\nS-0002;Bo Berg;Café Åen\n"


def formgen(ws, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "formgen"
    return subprocess.run([str(exe), "-w", str(ws.root), *args], capture_output=True, text=True, timeout=300)


def web_files(ws) -> list[Path]:
    return sorted(p for p in (ws.root / ".formgen-web").rglob("*") if p.is_file())


def unimported(ws, tmp_path, name: str, citizen) -> Path:
    """A return left in the upload folder, as when the server stopped in the middle of an intake job."""
    folder = ws.root / ".formgen-web" / "uploads" / f"job-{citizen.citizen_ref}"
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.move(returns(ws, tmp_path, [citizen])[0], folder / name))


def test_forget_leaves_nothing_of_the_citizen_in_the_web_pages_folder(ws, tmp_path):
    c = client(ws)
    job = wait(c, start(c, {"form": "samtaleskema", "round": "1", "format_docx": "1", "format_pdf": "1"},
                        ROSTER.encode("utf-8")).headers["location"].split("=")[1])
    assert job.state == "done" and job.result.zip.is_relative_to(ws.root / ".formgen-web")
    assert job.result.pdf.is_file()
    ida = unimported(ws, tmp_path, "scan fra Ida.docx", IDA)  # renamed: found by the identity formgen wrote in it
    bo = unimported(ws, tmp_path, "bo.docx", BO)
    assert {ida, bo, job.result.zip, job.result.pdf} <= set(web_files(ws))

    r = formgen(ws, "forget", "S-0001", "--yes")
    assert r.returncode == 0, r.stderr
    left = web_files(ws)
    assert ida not in left and job.result.zip not in left and job.result.pdf not in left
    assert bo in left  # another citizen's file, not imported yet, is not lost
    for path in left:
        data = path.read_bytes()
        assert b"S-0001" not in data and "Ida Holm".encode() not in data, path
    assert ".formgen-web" not in r.stdout  # no leftovers reported there


def test_purge_removes_the_web_pages_old_files_and_keeps_new_ones(ws, tmp_path):
    old = unimported(ws, tmp_path, "gammel.docx", IDA)
    new = unimported(ws, tmp_path, "ny.docx", BO)
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))
    r = formgen(ws, "purge", "--older-than", "5", "--yes")
    assert r.returncode == 0, r.stderr
    assert not old.exists() and new.exists()


def test_the_round_zip_is_still_downloadable_from_its_new_place(ws):
    c = client(ws)
    job = wait(c, start(c, {"form": "samtaleskema", "round": "1", "format_docx": "1"},
                        ROSTER.encode("utf-8")).headers["location"].split("=")[1])
    assert c.get(f"/ny-runde/job/{job.id}/zip").status_code == 200
    assert not (ws.output / "web").exists() and api.status(ws)
