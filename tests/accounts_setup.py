"""What the accounts tests share: a workspace with three citizens of two konsulenter, imported, and one account per role."""
from __future__ import annotations

from formgen import api
from formgen.core.access import Person
from formgen.generate.roster import Citizen
from web_client import BO, IDA, returns

SOFIE = Citizen("S-0003", "Sofie Lund", "Café Åen", "Jonas Vestergaard", "Lise Dam")
PASSWORDS = {"admin": "admin-kodeord-1234", "kanr": "karls-kodeord-1234", "lida": "lises-kodeord-1234",
             "leder": "leders-kodeord-1234"}
ADMIN = Person("admin", "administrator")
KARL = Person("kanr", "konsulent", "Karl Nørgaard")  # the roster names Ida and Bo's konsulent "Karl Nørgaard"
LISE = Person("lida", "konsulent", "Lise Dam")
LEDER = Person("leder", "leder")


def accounts(ws) -> None:
    """One account per role (and a second konsulent), the first made by the local operator."""
    api.add_user(ws, "admin", "administrator", PASSWORDS["admin"])
    for p in (KARL, LISE, LEDER):
        api.add_user(ws, p.name, p.role, PASSWORDS[p.name], p.full_name, person=ADMIN)


def imported(ws, tmp_path) -> None:
    """Ida, Bo (Karl's) and Sofie (Lise's): their borger forms generated, filled and read back."""
    api.intake_returns(ws, returns(ws, tmp_path, (IDA, BO, SOFIE)))
