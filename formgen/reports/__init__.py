"""formgen.reports."""
