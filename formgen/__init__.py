"""formgen: branded, machine-readable progressionsmåling forms for Danish jobcentres.

The library API (formgen.api, plus run_demo and FormgenError) is loaded on first use, so `import formgen` stays cheap.
"""
from __future__ import annotations

from formgen.core.version import __version__

# The functions of formgen.api are loaded on first use; a name here that is also a subpackage
# (generate, intake) would be shadowed by the subpackage once imported, hence generate_forms, intake_returns.
_API = (
    "open_workspace", "init_workspace", "list_forms", "form_outline", "check_form", "generate_forms",
    "intake_returns", "status", "review", "keep_return", "quarantined", "export", "report_citizen",
    "report_all", "merge_reports", "report_overview", "report_company", "report_kompetencekort", "audit",
    "forget", "purge",
)
_WHERE = {**{name: "formgen.api" for name in _API}, "run_demo": "formgen.demo", "FormgenError": "formgen.core.errors",
          "Problem": "formgen.core.errors", "Workspace": "formgen.core.workspace"}

__all__ = ["__version__", *_WHERE]


def __getattr__(name: str):
    """Load a public name from the module that defines it, the first time it is asked for."""
    if name not in _WHERE:
        raise AttributeError(f"module 'formgen' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
