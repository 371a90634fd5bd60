"""formgen: branded, machine-readable progressionsmåling forms for Danish jobcentres."""

__version__ = "0.1.0"
