"""formgen.consolidate."""

__all__: list[str] = []
