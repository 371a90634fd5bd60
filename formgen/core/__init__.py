"""formgen.core."""
