"""formgen's version, importable from every layer."""

__version__ = "0.1.0"

__all__ = ["__version__"]
