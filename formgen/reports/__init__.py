"""formgen.reports."""

__all__ = []

__all__: list[str] = []
