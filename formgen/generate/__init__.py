"""formgen.generate."""
