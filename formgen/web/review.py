"""Til behandling: conflicts side by side with "keep this one", and the quarantine with its problems."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from formgen import api
from formgen.core.errors import Problem, fail
from formgen.web.security import who

__all__ = ["note_problems", "review_page", "keep", "quarantine_file", "quarantine_entries", "conflict_views", "import_again",
           "REASONS", "scan_views", "scan_picture", "decide_scan"]

REASONS = {  # the reader's reasons, in Danish, by how they begin
    "more than one box": "Der er sat kryds i mere end én boks",
    "a faint or small mark": "Et svagt eller lille mærke",
    "a box is filled in": "En boks er fyldt ud, men der er ikke sat kryds i en anden",
    "only": "Hjørnemærkerne blev ikke fundet",
    "the corner markers": "Hjørnemærkerne passer ikke sammen (bøjet eller foldet side)",
    "the page's QR code": "Sidens QR-kode kan ikke læses",
    "the page's layout": "Siden hører ikke til et skema fra dette arbejdsområde",
    "form code": "Skema-id'et er ikke sendt ud fra dette arbejdsområde",
}


def scan_views(ws, person) -> list[dict]:
    """Scanned rows and pages for a person, each with its reason in Danish."""
    rows = api.scan_reviews(ws, person=person)
    for r in rows:
        r["grund"] = next((da for en, da in REASONS.items() if (r["reason"] or "").startswith(en)), r["reason"])
    return rows


def quarantine_entries(ws, person) -> list[dict]:
    """Each quarantined file with the problems written next to it (its .problems.txt)."""
    out = []
    for path in sorted(api.quarantined(ws, person=person), key=lambda p: p.name):
        note = path.with_name(path.name + ".problems.txt")
        text = note.read_text(encoding="utf-8", errors="replace") if note.is_file() else ""
        out.append({"name": path.name, "size": path.stat().st_size, "problems": text.strip(),
                    "parsed": note_problems(text)})
    return out


def note_problems(text: str) -> list[Problem]:
    """The problems in a quarantine note ("[FGnnn] where", "  What: …", "  Fix:  …"), so the page can show them in Danish."""
    found: list[Problem] = []
    for line in text.splitlines():
        head = re.fullmatch(r"\[(FG\d{3})\] ?(.*)", line)
        if head:
            found.append(Problem(head.group(1), head.group(2).strip(), ""))
        elif found and line.startswith("  What: "):
            found[-1] = replace(found[-1], what=line[8:].strip())
        elif found and line.startswith("  Fix:"):
            found[-1] = replace(found[-1], fix=line[6:].strip())
    return found


def conflict_views(ws, person) -> list[dict]:
    """Each open conflict with the answers of every competing file, the differing ones marked."""
    views = []
    for c in api.review(ws, person=person):
        names = [c.chosen, *c.others]
        answers = api.submission_answers(ws, names, person=person)
        keys = sorted({k for name in names for k in answers.get(name, {})})
        rows = [{"key": k, "values": [answers.get(n, {}).get(k, "") for n in names]} for k in keys]
        rows = [r for r in rows if any(r["values"])]  # questions nobody answered say nothing about the choice
        for row in rows:
            row["differs"] = len(set(row["values"])) > 1
        views.append({"conflict": c, "names": names, "rows": rows})
    return views


def review_page(request: Request) -> Response:
    app = request.app.state
    person = who(request)
    views = conflict_views(app.ws, person)
    refs = sorted({v["conflict"].citizen_ref for v in views if v["conflict"].citizen_ref})
    api.log_access(app.ws, "view", {"page": "behandling", "conflicts": len(views)}, refs or (None,), person=person)
    return app.render.page(request, "review.html", views=views, quarantine=quarantine_entries(app.ws, person),
                           kept=request.query_params.get("kept", ""), scans=scan_views(app.ws, person),
                           waiting=api.waiting_scans(app.ws, person=person), decided=request.query_params.get("scan", ""))


def scan_picture(request: Request) -> Response:
    """GET /behandling/scan/<id>.png: a picture cut out of a scan (a row, a page, a handwritten answer)."""
    app = request.app.state
    person = who(request)
    row, png = api.scan_picture(app.ws, request.path_params["crop_id"], person=person)  # FG182 when there is none
    api.log_access(app.ws, "view", {"page": "scan", "crop": row["id"]}, (row["citizen_ref"],), person=person)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


async def decide_scan(request: Request) -> Response:
    """POST row=<id> value=<v>: a person's value for a scanned row (stored how=omr-reviewed, in the audit log)."""
    form = await request.form()
    try:
        row_id = int(str(form.get("row", "")))
    except ValueError:
        raise fail("FG182", str(form.get("row", "")), "no scanned row has this number",
                   "choose a row on Til behandling") from None
    api.decide_scan_row(request.app.state.ws, row_id, str(form.get("value", "")), person=who(request))
    return RedirectResponse(f"/behandling?scan={row_id}", status_code=303)


async def keep(request: Request) -> Response:
    """POST file=<name>: that file counts for its code; the decision is in the audit log (actor web:<token id>)."""
    form = await request.form()
    name = str(form.get("file", ""))
    conflict = api.keep_return(request.app.state.ws, name, person=who(request))  # FG130: not a competing file
    if request.url.path.startswith("/api/"):
        from starlette.responses import JSONResponse

        return JSONResponse({"code": conflict.code, "kept": name})
    return RedirectResponse(f"/behandling?kept={conflict.code}", status_code=303)


def quarantine_file(request: Request) -> Response:
    """The original of a quarantined file; the name must be one quarantined() lists (no path from the browser)."""
    app = request.app.state
    name = request.path_params["name"]
    person = who(request)
    found = {p.name: p for p in api.quarantined(app.ws, person=person)}
    if name not in found:
        raise fail("FG182", name, "no quarantined file has this name", "choose a file from the list on Til behandling")
    api.log_access(app.ws, "download", {"file": name, "from": "quarantine"}, person=person)
    path: Path = found[name]
    return FileResponse(path, filename=name, media_type="application/octet-stream")


async def import_again(request: Request) -> Response:
    """POST file=<name>: read a quarantined file again (after a fix elsewhere, e.g. a form definition or old format)."""
    import shutil

    from formgen.web.jobs import Job
    from formgen.core.private import private_dir

    app = request.app.state
    person = who(request)
    form = await request.form()
    name = str(form.get("file", ""))
    found = {p.name: p for p in api.quarantined(app.ws, person=person)}
    if name not in found:
        raise fail("FG182", name, "no quarantined file has this name", "choose a file from the list on Til behandling")
    job = Job(app.jobs.new_id(), "intake", files=1)
    job.folder = private_dir(app.ws.root / ".formgen-web" / "uploads" / job.id)
    # intake skips its own quarantine folder, so a copy is read; the original and its note stay in
    # quarantine until that intake has finished, so a failed or killed job loses nothing
    original = found[name]
    shutil.copy2(original, job.folder / name)
    convert = form.get("convert_legacy") == "1"

    def run(j):
        result = api.intake_returns(app.ws, [j.folder], False, convert_legacy=convert,
                                    progress=j.advance, on_total=j.set_total, person=person)
        original.unlink(missing_ok=True)  # the copy is stored now, or back in quarantine with its new note
        original.with_name(name + ".problems.txt").unlink(missing_ok=True)
        return result

    app.jobs.submit(job, run)
    return RedirectResponse(f"/indlaes?job={job.id}", status_code=303)
