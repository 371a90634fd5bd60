"""Logbog: the audit log for administrators (who saw or changed what, when, about which citizen), as `formgen audit`."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from formgen import api
from formgen.web.security import who

__all__ = ["logbook", "SHOWN"]

SHOWN = 500  # the newest entries without a ref asked for; `formgen audit` prints them all


def logbook(request: Request) -> Response:
    """GET ?borger=REF: that citizen's entries (all of them), else the newest SHOWN; reading it is logged too."""
    app = request.app.state
    person = who(request)
    ref = request.query_params.get("borger", "").strip()[:64]
    entries = api.audit(app.ws, ref or None, person=person)  # FG183 for every role but administrator
    api.log_access(app.ws, "view", {"page": "logbog"}, [ref or None], person=person)
    return app.render.page(request, "audit.html", entries=list(reversed(entries))[:SHOWN] if not ref else entries,
                           total=len(entries), ref=ref)
