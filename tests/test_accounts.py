"""Accounts and roles in the library: what each role may do and see, signing in, lockout, the audit's actor.

The same functions serve the command line and the page, so what is refused here is refused everywhere.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from accounts_setup import ADMIN, KARL, LEDER, LISE, PASSWORDS
from formgen import api
from formgen.core.errors import FormgenError


def code(exc_info) -> str:
    return exc_info.value.problems[0].code



def test_a_konsulent_sees_only_the_citizens_the_roster_names_them_for(shared):
    assert [c["ref"] for c in api.citizens(shared, person=KARL)] == ["S-0001", "S-0002"]
    assert [c["ref"] for c in api.citizens(shared, person=LISE)] == ["S-0003"]
    assert [c["ref"] for c in api.citizens(shared, person=ADMIN)] == ["S-0001", "S-0002", "S-0003"]
    assert {r.citizen_ref for r in api.status(shared, person=LISE)} == {"S-0003"}
    assert api.citizen_view(shared, "S-0003", person=LISE)["rounds"] == [1]


def test_another_konsulents_citizen_is_answered_as_one_that_does_not_exist(shared):
    for call in (lambda: api.citizen_view(shared, "S-0001", person=LISE),
                 lambda: api.report_citizen(shared, "S-0001", person=LISE),
                 lambda: api.report_kompetencekort(shared, "S-0001", person=LISE)):
        with pytest.raises(FormgenError) as other:
            call()
        assert code(other) == "FG182"
    with pytest.raises(FormgenError) as unknown:
        api.citizen_view(shared, "S-9999", person=LISE)
    assert unknown.value.problems[0].what == other.value.problems[0].what  # nothing tells the two apart


def test_an_administrator_can_assign_a_konsulent_one_more_citizen(shared):
    assert api.assign_citizen(shared, "lida", "S-0001", person=ADMIN)
    assert [c["ref"] for c in api.citizens(shared, person=LISE)] == ["S-0001", "S-0003"]
    assert api.report_citizen(shared, "S-0001", person=LISE).docx.is_file()
    with pytest.raises(FormgenError) as refused:
        api.assign_citizen(shared, "lida", "S-0002", person=KARL)
    assert code(refused) == "FG183"
    assert api.unassign_citizen(shared, "lida", "S-0001", person=ADMIN)
    assert [c["ref"] for c in api.citizens(shared, person=LISE)] == ["S-0003"]


@pytest.mark.parametrize("call", [
    lambda ws, p: api.intake_returns(ws, [], person=p),
    lambda ws, p: api.generate_forms(ws, "samtaleskema", person=p),
    lambda ws, p: api.review(ws, person=p),
    lambda ws, p: api.export(ws, person=p),
    lambda ws, p: api.export(ws, pseudonymise=True, person=p),
    lambda ws, p: api.report_overview(ws, person=p),
    lambda ws, p: api.audit(ws, person=p),
    lambda ws, p: api.forget(ws, "S-0001", person=p),
    lambda ws, p: api.purge(ws, 30, person=p),
    lambda ws, p: api.list_users(ws, person=p),
    lambda ws, p: api.report_all(ws, person=p),
], ids=["intake", "generate", "review", "export", "export-pseudonymised", "overview", "audit", "forget", "purge",
        "users", "report-all"])
def test_a_konsulent_may_not_run_rounds_intake_exports_or_the_overview(shared, call):
    with pytest.raises(FormgenError) as refused:
        call(shared, KARL)
    assert code(refused) == "FG183"


def test_a_leder_gets_the_overview_and_pseudonymised_scores_never_a_name_or_ref(shared):
    view = api.overview_view(shared, person=LEDER)
    assert "Ida Holm" not in str(view) and "S-0001" not in str(view)
    out = api.export(shared, "scores", "csv", pseudonymise=True, person=LEDER)
    text = out.path.read_text(encoding="utf-8-sig")
    assert out.rows == 15 and "S-000" not in text and "Ida" not in text  # 3 returns × 5 indicators
    for call in (lambda: api.export(shared, "scores", person=LEDER),
                 lambda: api.export(shared, "texts", pseudonymise=True, person=LEDER),  # free texts may name people
                 lambda: api.citizens(shared, person=LEDER), lambda: api.status(shared, person=LEDER),
                 lambda: api.citizen_view(shared, "S-0001", person=LEDER)):
        with pytest.raises(FormgenError) as refused:
            call()
        assert code(refused) == "FG183"


def test_once_accounts_exist_the_library_acts_only_for_a_named_person(shared):
    with pytest.raises(FormgenError) as nobody:
        api.citizens(shared)
    assert code(nobody) == "FG184"
    with pytest.raises(FormgenError) as first_again:
        api.add_user(shared, "eve", "administrator", "eves-kodeord-1234")
    assert code(first_again) == "FG184"


def test_the_audit_log_names_the_account_that_read_the_citizen(shared):
    api.citizen_view(shared, "S-0001", person=KARL)
    api.log_access(shared, "view", {"page": "borger"}, ["S-0001"], person=KARL)
    api.report_citizen(shared, "S-0001", person=KARL)
    mine = [e for e in api.audit(shared, "S-0001", person=ADMIN) if e.actor == "kanr"]
    assert {e.action for e in mine} >= {"view", "report"}


def test_signing_in_checks_the_argon2_hash_and_never_stores_the_password(shared):
    assert api.sign_in(shared, "kanr", PASSWORDS["kanr"]) == KARL
    raw = Path(shared.db_path).read_bytes()
    assert PASSWORDS["kanr"].encode() not in raw
    hashes = [h for (h,) in sqlite3.connect(shared.db_path).execute("SELECT password_hash FROM users")]
    assert len(hashes) == 4 and all(h.startswith("$argon2id$") for h in hashes)
    with pytest.raises(FormgenError) as wrong_name:
        api.sign_in(shared, "nobody", PASSWORDS["kanr"])
    with pytest.raises(FormgenError) as wrong_password:
        api.sign_in(shared, "kanr", "wrong-password-123")
    assert code(wrong_name) == code(wrong_password) == "FG184"
    assert wrong_name.value.problems[0].what == wrong_password.value.problems[0].what


def test_five_wrong_passwords_lock_the_account_for_15_minutes(shared):
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
    for _ in range(5):
        with pytest.raises(FormgenError):
            api.sign_in(shared, "kanr", "wrong-password-123", now=t0)
    with pytest.raises(FormgenError) as locked:  # the right password does not help while locked
        api.sign_in(shared, "kanr", PASSWORDS["kanr"], now=t0 + dt.timedelta(minutes=14))
    assert "locked" in locked.value.problems[0].what
    assert api.sign_in(shared, "kanr", PASSWORDS["kanr"], now=t0 + dt.timedelta(minutes=16)) == KARL
    actions = [e.action for e in api.audit(shared, person=ADMIN) if '"kanr"' in e.detail]
    assert actions.count("sign-in-failed") == 5 and "sign-in-locked" in actions and actions[-1] == "sign-in"


def test_four_wrong_passwords_then_the_right_one_start_the_count_again(shared):
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
    for _ in range(4):
        with pytest.raises(FormgenError):
            api.sign_in(shared, "kanr", "wrong-password-123", now=t0)
    api.sign_in(shared, "kanr", PASSWORDS["kanr"], now=t0)
    for _ in range(4):
        with pytest.raises(FormgenError):
            api.sign_in(shared, "kanr", "wrong-password-123", now=t0)
    assert api.sign_in(shared, "kanr", PASSWORDS["kanr"], now=t0) == KARL


def test_a_disabled_account_cannot_sign_in_and_a_reset_password_replaces_the_old(shared):
    api.disable_user(shared, "lida", person=ADMIN)
    with pytest.raises(FormgenError) as disabled:
        api.sign_in(shared, "lida", PASSWORDS["lida"])
    assert "disabled" in disabled.value.problems[0].what and api.account(shared, "lida") is None
    api.enable_user(shared, "lida", person=ADMIN)
    api.reset_password(shared, "lida", "et-helt-nyt-kodeord", person=ADMIN)
    with pytest.raises(FormgenError):
        api.sign_in(shared, "lida", PASSWORDS["lida"])
    assert api.sign_in(shared, "lida", "et-helt-nyt-kodeord") == LISE


def test_weak_passwords_bad_names_unknown_roles_and_taken_names_are_refused(shared):
    for name, role, password in (("ny", "konsulent", "kort"), ("nyperson12345", "konsulent", "NYPERSON12345"),
                                 ("to ord", "konsulent", "langt-nok-kodeord"), ("ny", "chef", "langt-nok-kodeord"),
                                 ("kanr", "konsulent", "langt-nok-kodeord")):
        with pytest.raises(FormgenError) as refused:
            api.add_user(shared, name, role, password, person=ADMIN)
        assert code(refused) == "FG185" and password not in str(refused.value)


def test_the_audit_log_is_deleted_only_by_purge_past_the_retention_period(shared):
    """No module but the data-protection one (forget, purge) deletes or updates the log; purge keeps recent entries."""
    store = Path(api.__file__).resolve().parent.parent / "store"
    for path in store.glob("*.py"):
        text = path.read_text()
        assert "update(store.log" not in text and "update(log" not in text, path
        assert ("delete(store.log" not in text) or path.name == "erasure.py", path
    before = len(api.audit(shared, person=ADMIN))
    api.purge(shared, 30, person=ADMIN)
    after = api.audit(shared, person=ADMIN)
    assert len(after) == before + 1 and after[-1].action == "purge" and after[-1].actor == "admin"


def test_a_schema_2_database_gains_the_accounts_tables_and_keeps_its_rows(tmp_path):
    from sqlalchemy import create_engine, insert, text

    from formgen.store import db as store

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # what formgen made before accounts: steps 1 and 2 only
        store.MIGRATIONS[1](conn)
        store.MIGRATIONS[2](conn)
        conn.execute(insert(store.schema_version).values(version=2))
        conn.execute(insert(store.citizens).values(unit=store.DEFAULT_UNIT, citizen_ref="S-1", name="Ida Holm",
                                                   consultant="Karl"))
    engine.dispose()
    assert store.create_schema(path) == (2, store.SCHEMA_VERSION)
    with store.connect(path, store.DEFAULT_UNIT).connect() as conn:
        assert conn.execute(text("SELECT name FROM citizens")).scalar() == "Ida Holm"
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == store.SCHEMA_VERSION
