"""What the web tests share: the app on a workspace, a signed-in client, filled returns to upload."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from starlette.testclient import TestClient

from filling import fill_docx
from formgen.forms.catalogue import available
from formgen.generate.roster import Citizen
from formgen.generate.run import generate
from formgen.web.app import create_app
from formgen.web.security import Access

TOKEN = "test-token-0123456789"
BASE = "http://127.0.0.1:8765"
IDA = Citizen("S-0001", "Ida Holm", "Jensen & Søn", "Mette Berg", "Karl Nørgaard")
BO = Citizen("S-0002", "Bo Berg", "Café Åen", "Lise Dam", "Karl Nørgaard")


def client(ws, signed_in: bool = True) -> TestClient:
    """A TestClient on the app (errors answered as pages, as a browser sees them), after the first visit with the token."""
    c = TestClient(create_app(ws, Access.for_address(TOKEN, "127.0.0.1", 8765)), base_url=BASE,
                   raise_server_exceptions=False)
    if signed_in:
        assert c.get(f"/?token={TOKEN}").status_code == 200
    return c


def csrf(c: TestClient, page: str = "/") -> str:
    """The page's CSRF token, read from the page as htmx reads it."""
    return re.search(r'"X-CSRF-Token": "([^"]+)"', c.get(page).text).group(1)


def returns(ws, tmp: Path, citizens=(IDA, BO), score: str = "3") -> list[Path]:
    """Generated borger forms for the citizens, filled in as Word stores a choice."""
    files = generate(ws, available()["samtaleskema"].definition, "docx", list(citizens), ["borger"]).files
    out = []
    for path in files:
        fill_docx(path, {"fg:faglige_kompetencer:now": score})
        out.append(Path(shutil.copy(path, tmp / path.name)))
    return out


def upload(c: TestClient, paths: list[Path], url: str = "/api/intake", **headers):
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
    return c.post(url, files=files, headers={"X-CSRF-Token": csrf(c), **headers})


def finished(c: TestClient, job_id: str) -> dict:
    """The job's JSON once the worker thread has finished it."""
    app = c.app.state
    app.jobs.wait(app.jobs.get(job_id))
    return c.get(f"/api/jobs/{job_id}").json()
