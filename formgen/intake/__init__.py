"""formgen.intake."""
