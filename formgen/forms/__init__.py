"""formgen.forms."""
