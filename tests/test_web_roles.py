"""Every route and API endpoint × every role, against the real app with accounts (Starlette's TestClient, real HTTP).

The columns: administrator; konsulent asking for their own citizen (S-0001, Karl's); the same konsulent
asking for another konsulent's citizen (S-0003, Lise's); leder; anonymous. A cell says what must come
back: "ok" (2xx, or a redirect that is not to the sign-in page), "login" (a redirect to /login),
"nodata" (the report was reached and has nothing to show yet, FG160), or the status: 403 (the role
may not; no session), 404 (unknown, or not the konsulent's citizen: the
same answer), 400 (the route was reached and refused the input). A route the app has and this
table lacks fails `test_the_table_covers_every_route`, so a new route cannot skip its role check.
"""
from __future__ import annotations

import pytest
from starlette.routing import Mount, Route

from accounts_setup import PASSWORDS, accounts, imported
from formgen.core.workspace import init
from web_accounts import accounts_app, signed_in

ROLES = ("admin", "own", "other", "leder", "anon")
ACCOUNT = {"admin": "admin", "own": "kanr", "other": "kanr", "leder": "leder", "anon": None}
REF = {"own": "S-0001", "other": "S-0003"}  # Karl's citizen, Lise's citizen
PAGE = ("ok", "403", "403", "403", "login")  # an administrator's page
POST = ("ok", "403", "403", "403", "403")
EVERYONE = ("ok", "ok", "ok", "ok", "login")
PUBLIC = ("ok",) * 5
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _upload(name="noter.docx"):
    return {"files": [("files", (name, b"not a form", DOCX))]}


# (method, route path) → (the request: path with {ref}/{intake}/{generate}/{quarantined}, request kwargs), expected
TABLE = {
    ("GET", "/login"): (("/login", {}), PUBLIC),
    ("POST", "/login"): (("/login", "sign-in"), ("ok", "ok", "ok", "ok", "403")),
    ("POST", "/logout"): (("/logout", "sign-out"), ("login", "login", "login", "login", "403")),
    ("GET", "/logbog"): (("/logbog?borger={ref}", {}), PAGE),
    ("GET", "/"): (("/", {}), EVERYONE),  # a leder is sent on to Rapporter
    ("GET", "/indlaes"): (("/indlaes", {}), PAGE),
    ("POST", "/indlaes"): (("/indlaes", _upload()), POST),
    ("GET", "/indlaes/job/{job_id:str}"): (("/indlaes/job/{intake}", {}), PAGE),
    ("GET", "/indlaes/job/{job_id:str}/rapport"): (("/indlaes/job/{intake}/rapport", {}), PAGE),
    ("GET", "/behandling"): (("/behandling", {}), PAGE),
    ("POST", "/behandling/behold"): (("/behandling/behold", {"data": {"file": "nope.docx"}}),
                                     ("400", "403", "403", "403", "403")),
    ("GET", "/behandling/scan/{crop_id:int}.png"): (("/behandling/scan/999999.png", {}), ("404", "404", "404", "403", "login")),
    ("POST", "/behandling/scan"): (("/behandling/scan", {"data": {"row": "999999", "value": "3"}}),
                                   ("400", "403", "403", "403", "403")),  # no such row: FG130
    ("GET", "/behandling/karantaene/{name:str}"): (("/behandling/karantaene/{quarantined}", {}), PAGE),
    ("POST", "/behandling/indlaes-igen"): (("/behandling/indlaes-igen", {"data": {"file": "nope.docx"}}),
                                           ("404", "403", "403", "403", "403")),
    ("GET", "/borgere"): (("/borgere", {}), ("ok", "ok", "ok", "403", "login")),
    ("GET", "/borgere/{ref:str}"): (("/borgere/{ref}", {}), ("ok", "ok", "404", "403", "login")),
    ("POST", "/borgere/{ref:str}/rapport"): (("/borgere/{ref}/rapport", {"data": {"format": "docx"}}),
                                             ("ok", "ok", "404", "403", "403")),
    ("POST", "/borgere/{ref:str}/kompetencekort"): (("/borgere/{ref}/kompetencekort", {"data": {"format": "exe"}}),
                                                    ("400", "400", "404", "403", "403")),
    ("GET", "/ny-runde"): (("/ny-runde", {}), PAGE),
    ("POST", "/ny-runde"): (("/ny-runde", {"data": {"form": "samtaleskema", "round": "3", "role_borger": "1"},
                                           "files": [("roster", ("", b"", "text/csv"))]}), POST),
    ("GET", "/ny-runde/job/{job_id:str}"): (("/ny-runde/job/{generate}", {}), PAGE),
    ("GET", "/ny-runde/job/{job_id:str}/zip"): (("/ny-runde/job/{generate}/zip", {}), PAGE),
    ("GET", "/ny-runde/job/{job_id:str}/pdf"): (("/ny-runde/job/{generate}/pdf", {}), PAGE),
    ("POST", "/api/generate"): (("/api/generate", {"data": {"form": "samtaleskema", "round": "4", "role_borger": "1"},
                                                   "files": [("roster", ("", b"", "text/csv"))]}), POST),
    ("GET", "/rapporter"): (("/rapporter", {}), ("ok", "403", "403", "ok", "login")),
    ("POST", "/rapporter/overblik"): (("/rapporter/overblik", {"data": {"format": "xlsx"}}),
                                      ("ok", "403", "403", "ok", "403")),
    ("POST", "/rapporter/virksomhed"): (("/rapporter/virksomhed", {"data": {"company": "Jensen & Søn"}}),
                                        ("nodata", "403", "403", "403", "403")),  # no mentor has answered yet
    ("POST", "/rapporter/udtraek"): (("/rapporter/udtraek", {"data": {"what": "scores", "pseudonymise": "1"}}),
                                     ("ok", "403", "403", "ok", "403")),
    ("POST", "/rapporter/runde"): (("/rapporter/runde", {"data": {"round": "abc"}}), ("400", "403", "403", "403", "403")),
    ("GET", "/rapporter/job/{job_id:str}"): (("/rapporter/job/0000000000000000", {}), ("404", "403", "403", "403", "login")),
    ("GET", "/rapporter/job/{job_id:str}/pdf"): (("/rapporter/job/0000000000000000/pdf", {}),
                                                ("404", "403", "403", "403", "login")),
    ("GET", "/skemaer"): (("/skemaer", {}), EVERYONE),  # the form definitions: no personal data
    ("POST", "/skemaer/tjek"): (("/skemaer/tjek", {"files": [("files", ("skema.yaml", b"id: [", "text/yaml"))]}),
                                ("ok", "ok", "ok", "ok", "403")),
    ("GET", "/skemaer/{form_id:str}/regneark.xlsx"): (("/skemaer/samtaleskema/regneark.xlsx", {}), EVERYONE),
    ("POST", "/skemaer/regneark"): (("/skemaer/regneark", {"files": [("file", ("skema.xlsx", b"not a workbook",
                                                                              "application/octet-stream"))]}),
                                    ("ok", "ok", "ok", "ok", "403")),  # the check's errors, shown on the page
    ("GET", "/skemaer/regneark/{token:str}/forhaandsvisning.png"): (("/skemaer/regneark/nope/forhaandsvisning.png", {}),
                                                                    ("404", "404", "404", "404", "login")),
    ("POST", "/skemaer/regneark/{token:str}/brug"): (("/skemaer/regneark/nope/brug", {"data": {}}),
                                                     ("404", "403", "403", "403", "403")),
    ("GET", "/skemaer/{form_id:str}/forhaandsvisning.png"): (("/skemaer/samtaleskema/forhaandsvisning.png", {}), EVERYONE),
    ("GET", "/skemaer/{form_id:str}"): (("/skemaer/samtaleskema", {}), EVERYONE),
    ("GET", "/api/citizens"): (("/api/citizens", {}), ("ok", "ok", "ok", "403", "403")),
    ("GET", "/api/citizens/{ref:str}"): (("/api/citizens/{ref}", {}), ("ok", "ok", "404", "403", "403")),
    ("GET", "/api/citizens/{ref:str}/report"): (("/api/citizens/{ref}/report", {}), ("ok", "ok", "404", "403", "403")),
    ("POST", "/api/intake"): (("/api/intake", _upload("api.docx")), POST),
    ("GET", "/api/jobs/{job_id:str}"): (("/api/jobs/{intake}", {}), ("ok", "403", "403", "403", "403")),
    ("GET", "/api/status"): (("/api/status", {}), ("ok", "ok", "ok", "403", "403")),
    ("POST", "/api/review/keep"): (("/api/review/keep", {"data": {"file": "nope.docx"}}), ("400", "403", "403", "403", "403")),
    ("GET", "/logo"): (("/logo", {}), PUBLIC),
    ("GET", "/theme.css"): (("/theme.css", {}), PUBLIC),
    ("GET", "/static"): (("/static/formgen.css", {}), PUBLIC),
}


def app_routes(app) -> set[tuple[str, str]]:
    out = set()
    for route in app.routes:
        if isinstance(route, Mount):
            out.add(("GET", route.path))
        elif isinstance(route, Route):
            out |= {(m, route.path) for m in route.methods - {"HEAD"}}
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One workspace for the whole table: three citizens imported, the accounts, one finished intake and generate job."""
    tmp = tmp_path_factory.mktemp("roles")
    ws = init(tmp / "ws", "Jobcenter Testby", unit="Virksomhedsservice")
    imported(ws, tmp)
    accounts(ws)
    app = accounts_app(ws)
    clients = {role: signed_in(app, ACCOUNT[role]) for role in ("admin", "own", "leder", "anon")}
    clients["other"] = clients["own"]
    admin = clients["admin"]
    intake = admin.post("/api/intake", **_upload("karantaene.docx")).json()["job"]
    generate = admin.post("/api/generate", data={"form": "samtaleskema", "round": "2", "format_pdf": "1",
                                                 "role_borger": "1"}, files=[("roster", ("", b"", "text/csv"))]).json()["job"]
    for job in (intake, generate):
        app.state.jobs.wait(app.state.jobs.get(job))
        assert app.state.jobs.get(job).state == "done", app.state.jobs.get(job).problems
    quarantined = next(p.name for p in ws.quarantine.iterdir() if p.name.startswith("karantaene"))
    return {"ws": ws, "app": app, "clients": clients,
            "ids": {"intake": intake, "generate": generate, "quarantined": quarantined}}


def outcome(r) -> str:
    if r.status_code in (301, 302, 303, 307):
        return "login" if r.headers["location"].startswith("/login") else "ok"
    if r.status_code == 404 and "FG160" in r.text:
        return "nodata"  # reached the report, which has nothing to show yet
    return "ok" if 200 <= r.status_code < 300 else str(r.status_code)


def test_the_table_covers_every_route(world):
    assert app_routes(world["app"]) == set(TABLE)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(TABLE), ids=[f"{m} {p}" for m, p in TABLE])
def test_route_by_role(world, key, role):
    (path, spec), expected = TABLE[key]
    want = expected[ROLES.index(role)]
    client = world["clients"][role]
    url = path.format(ref=REF.get(role, "S-0001"), **world["ids"])
    if spec == "sign-in":  # each signs in as themselves (a new session: so in a client of its own); anonymous wrongly
        name = ACCOUNT[role]
        r = signed_in(world["app"], None).post(url, data={"name": name or "admin", "password": PASSWORDS[name] if name else "forkert-kodeord"})
    elif spec == "sign-out":  # a session of its own, so the table's clients stay signed in
        fresh = signed_in(world["app"], ACCOUNT[role])
        r = fresh.post(url, data={"csrf": fresh.csrf})
    else:
        r = client.request(key[0], url, **spec)
    assert outcome(r) == want, f"{key[0]} {url} as {role}: {r.status_code} {r.text[:300]}"
    if want in ("403", "404") and key[1].startswith("/api/"):
        assert r.json()["problems"][0]["code"] in ("FG180", "FG182", "FG183")
