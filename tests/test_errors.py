"""The error catalogue is complete: every code the code raises is listed and documented."""
import re
from pathlib import Path

from formgen.core.errors import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent


def test_every_code_used_is_in_the_catalogue_and_the_docs():
    used = set()
    sources = sorted((ROOT / "formgen").rglob("*.py"))
    assert len(sources) > 40, "the package's modules were not found: the glob checks nothing"
    for path in sources:
        used |= set(re.findall(r'"(FG\d{3})"', path.read_text(encoding="utf-8")))
    assert len(used) >= 40, sorted(used)
    assert used <= set(CATALOGUE), sorted(used - set(CATALOGUE))
    documented = set(re.findall(r"`(FG\d{3})`", (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")))
    assert set(CATALOGUE) <= documented, sorted(set(CATALOGUE) - documented)


def test_a_formgen_error_survives_the_trip_back_from_a_worker_process():
    import pickle

    from formgen.core.errors import FormgenError, Problem

    err = pickle.loads(pickle.dumps(FormgenError(Problem("FG140", "report.docx", "template unusable", "restore it"))))
    assert [p.code for p in err.problems] == ["FG140"] and "restore it" in str(err)
