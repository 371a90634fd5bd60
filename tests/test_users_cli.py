"""`formgen users` and `--user` on the command line: accounts made, listed, disabled, reset, assigned; passwords
never echoed; with accounts every command acts as a signed-in person and the audit log names them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from accounts_setup import PASSWORDS, imported

EXE = str(Path(sys.executable).parent / "formgen")


def formgen(ws, *args, stdin: str = "", user: str | None = None, password: str | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("FORMGEN_USER", "FORMGEN_PASSWORD")}
    if password is not None:
        env["FORMGEN_PASSWORD"] = password
    head = [EXE, "-w", str(ws.root)] + (["--user", user] if user else [])
    r = subprocess.run(head + list(args), input=stdin, capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in r.stderr, r.stderr
    for secret in PASSWORDS.values():
        assert secret not in r.stdout + r.stderr  # never echoed
    return r


def add_people(ws) -> None:
    assert formgen(ws, "users", "add", "admin", "--role", "administrator", "--password-stdin",
                   stdin=PASSWORDS["admin"] + "\n").returncode == 0
    for name, role, full in (("kanr", "konsulent", "Karl Nørgaard"), ("lida", "konsulent", "Lise Dam"),
                             ("leder", "leder", "")):
        r = formgen(ws, "users", "add", name, "--role", role, "--full-name", full, "--password-stdin",
                    stdin=PASSWORDS[name] + "\n", user="admin", password=PASSWORDS["admin"])
        assert r.returncode == 0 and f"Account {name} ({role}) created." in r.stdout, r.stderr


def test_accounts_are_made_listed_disabled_and_reset_by_an_administrator(ws):
    add_people(ws)
    listing = formgen(ws, "users", "list", user="admin", password=PASSWORDS["admin"])
    assert listing.returncode == 0 and "4 account(s)" in listing.stdout
    assert "kanr" in listing.stdout and "Karl Nørgaard" in listing.stdout and "active" in listing.stdout
    assert formgen(ws, "users", "disable", "kanr", user="admin", password=PASSWORDS["admin"]).returncode == 0
    assert "disabled" in formgen(ws, "users", "list", user="admin", password=PASSWORDS["admin"]).stdout
    refused = formgen(ws, "status", user="kanr", password=PASSWORDS["kanr"])
    assert refused.returncode == 1 and "FG184" in refused.stderr and "disabled" in refused.stderr
    formgen(ws, "users", "disable", "kanr", "--enable", user="admin", password=PASSWORDS["admin"])
    r = formgen(ws, "users", "reset-password", "kanr", "--password-stdin", stdin="karls-nye-kodeord\n",
                user="admin", password=PASSWORDS["admin"])
    assert r.returncode == 0 and "karls-nye-kodeord" not in r.stdout + r.stderr
    assert formgen(ws, "status", user="kanr", password="karls-nye-kodeord").returncode == 0


def test_with_accounts_a_command_needs_user_and_the_right_password(ws):
    add_people(ws)
    nobody = formgen(ws, "status")
    assert nobody.returncode == 1 and "FG184" in nobody.stderr and "--user" in nobody.stderr
    wrong = formgen(ws, "status", user="kanr", password="not-the-password")
    assert wrong.returncode == 1 and "wrong account name or password" in wrong.stderr
    second = formgen(ws, "users", "add", "eve", "--role", "administrator", "--password-stdin",
                     stdin="eves-kodeord-1234\n", user="kanr", password=PASSWORDS["kanr"])
    assert second.returncode == 1 and "FG183" in second.stderr  # a konsulent makes no accounts


def test_a_konsulent_on_the_command_line_sees_their_own_citizens_and_the_audit_names_them(ws, tmp_path):
    imported(ws, tmp_path)
    add_people(ws)
    mine = formgen(ws, "status", user="lida", password=PASSWORDS["lida"])
    assert mine.returncode == 0 and "S-0003" in mine.stdout and "S-0001" not in mine.stdout, mine.stdout
    other = formgen(ws, "report", "citizen", "S-0001", user="lida", password=PASSWORDS["lida"])
    assert other.returncode == 1 and "FG182" in other.stderr
    assert formgen(ws, "report", "citizen", "S-0003", user="lida", password=PASSWORDS["lida"]).returncode == 0
    export = formgen(ws, "export", user="lida", password=PASSWORDS["lida"])
    assert export.returncode == 1 and "FG183" in export.stderr
    assigned = formgen(ws, "users", "assign", "lida", "S-0001", user="admin", password=PASSWORDS["admin"])
    assert assigned.returncode == 0 and "lida now sees S-0001." in assigned.stdout
    assert formgen(ws, "report", "citizen", "S-0001", user="lida", password=PASSWORDS["lida"]).returncode == 0
    log = formgen(ws, "audit", "--citizen", "S-0003", user="admin", password=PASSWORDS["admin"])
    assert log.returncode == 0 and any(line.split()[1] == "lida" and "report" in line for line in log.stdout.splitlines())
    reports = [line.split()[1] for line in log.stdout.splitlines() if line.split()[2:3] == ["report"]]
    assert reports == ["lida"]  # the account, not the operating-system user (root before accounts: the intake)
    denied = formgen(ws, "audit", "--citizen", "S-0003", user="lida", password=PASSWORDS["lida"])
    assert denied.returncode == 1 and "FG183" in denied.stderr


def test_a_leder_exports_only_pseudonymised_scores(ws, tmp_path):
    imported(ws, tmp_path)
    add_people(ws)
    named = formgen(ws, "export", user="leder", password=PASSWORDS["leder"])
    assert named.returncode == 1 and "FG183" in named.stderr
    ok = formgen(ws, "export", "--pseudonymise", user="leder", password=PASSWORDS["leder"])
    assert ok.returncode == 0, ok.stderr
    assert "S-000" not in (ws.exports / "scores-pseudonymised.csv").read_text(encoding="utf-8-sig")


def test_serve_refuses_an_address_beyond_this_machine_without_accounts_and_says_how(ws):
    r = subprocess.run([EXE, "-w", str(ws.root), "serve", "--host", "0.0.0.0", "--port", "18799"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "FG186" in r.stderr
    assert "reverse_proxy 127.0.0.1:8765" in r.stderr and "docs/deployment.md" in r.stderr
