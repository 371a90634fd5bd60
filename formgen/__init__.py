"""formgen: branded, machine-readable progressionsmåling forms for Danish jobcentres."""

from formgen.core.version import __version__

__all__ = ["__version__"]
