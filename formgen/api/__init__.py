"""formgen as a library: one function per command (`commands`; the form definition commands that look at stored answers in
`definitions`), and what the web page shows besides (`views`), scanned paper forms (`scans`), accounts (`accounts`, `guard`).

Every function takes a Workspace (from open_workspace or init_workspace), returns what the command
prints from (mostly frozen dataclasses) and raises FormgenError for user errors. Heavy libraries are
imported inside the functions, so importing this package stays cheap.
"""
from formgen.api.commands import *  # noqa: F401,F403  (listed in commands.__all__)
from formgen.api.commands import __all__ as _commands
from formgen.api.definitions import *  # noqa: F401,F403
from formgen.api.definitions import __all__ as _definitions
from formgen.api.views import *  # noqa: F401,F403
from formgen.api.views import __all__ as _views
from formgen.api.scans import *  # noqa: F401,F403
from formgen.api.scans import __all__ as _scans
from formgen.api.accounts import *  # noqa: F401,F403
from formgen.api.accounts import __all__ as _accounts
from formgen.api.guard import *  # noqa: F401,F403
from formgen.api.guard import __all__ as _guard

__all__ = [*_commands, *_definitions, *_views, *_scans, *_accounts, *_guard]
