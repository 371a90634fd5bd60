"""formgen.formats."""
