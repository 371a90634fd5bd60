"""formgen.consolidate."""
