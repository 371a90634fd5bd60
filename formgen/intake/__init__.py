"""formgen.intake: returned forms in; run.intake() gathers, examines (readers), decides, settles and reports."""
