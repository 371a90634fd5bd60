"""formgen.store."""
