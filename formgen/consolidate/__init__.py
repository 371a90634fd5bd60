"""formgen.consolidate."""

__all__ = []

__all__: list[str] = []
