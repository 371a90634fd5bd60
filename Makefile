# Two-command quickstart: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench bench-db fuzz install clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("formgen needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/formgen demo
	@echo "Look at it in the browser: $(BIN)/formgen serve --workspace output/demo"

# lint-imports checks the floors and library rules in pyproject.toml ([tool.importlinter]) first.
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# Not a test: prints timings and their ratio to floors measured in the same run (docs/performance.md).
# make bench BENCH_ARGS="--citizens 1667" imports 10,002 forms; see .venv/bin/python tools/bench.py --help.
# tools/bench_paper.py: printed forms marked, degraded as scanners and phones do, and read back (docs/performance.md);
# tools/bench_scan_intake.py: scanned PDFs through the whole intake, pages per second against decoding alone.
bench: $(STAMP)
	$(BIN)/python tools/bench.py $(BENCH_ARGS)
	$(BIN)/python tools/bench_web.py
	$(BIN)/python tools/bench_db.py $(BENCH_DB_ARGS)
	$(BIN)/python tools/bench_paper.py --markdown
	$(BIN)/python tools/bench_scan_intake.py

# Intake of 6,000 returns on PostgreSQL vs SQLite, one and three intakes at once (a private server unless
# BENCH_DB_ARGS="--db postgresql+psycopg://USER:PASSWORD@HOST/DB"; --returns N for another size).
bench-db: $(STAMP)
	$(BIN)/python tools/bench_db.py $(BENCH_DB_ARGS)

# Not a test: coverage-guided fuzzing of intake's readers with atheris (docs/fuzzing.md), 5 minutes by default.
# make fuzz FUZZ_ARGS="-max_total_time=3600"; findings are saved in output/fuzz/crashes/.
FUZZ_STAMP := $(VENV)/.fuzz-stamp

$(FUZZ_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,fuzz]'
	touch $(FUZZ_STAMP)

fuzz: $(FUZZ_STAMP)
	$(BIN)/python tools/fuzz_atheris.py $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) output/demo output/bench output/bench-db output/fuzz
