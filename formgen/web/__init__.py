"""The web page (`formgen serve`): a thin shell over formgen.api, like the command line beside it.

Starlette routes, Jinja2 templates and htmx (vendored in static/) render pages on the server; a
secret token in the printed address, then a cookie, guards every request (security.py).
"""
from __future__ import annotations

__all__: list[str] = []
