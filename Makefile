# Quick start: `make report` builds the default review, `make test` runs the whole suite.
# Both create .venv with the pinned dependencies when it is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
REVIEW ?= muscle-spasm
STAMP := $(VENV)/.installed

.PHONY: report review test notebooks lint benchmark benchmark-site model lab clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

report: $(STAMP)
	$(VENV)/bin/evidence-review build --review $(REVIEW)

# One pytest run: unit tests under tests/ and every notebook re-executed and compared by nbval,
# spread over the cores by pytest-xdist. --dist loadgroup sends each test on its own, except groups
# that must stay on one worker: a notebook's cells (one kernel, in order: notebooks/conftest.py) and
# the tests sharing a module- or session-scoped fixture such as a build (tests/conftest.py).
# --no-loadscope-reorder: work is handed out in the order tests/conftest.py sorts it (groups, largest
# first; the readers of the background build; single tests last), not by group size alone.
# PYTHONDONTWRITEBYTECODE is cleared for the run: where the environment sets it (this machine does),
# every worker, kernel and child build compiled the package again, and pytest rewrote the asserts of
# every test module and plugin in every process (~5 s of each worker's collection); the bytecode
# goes to __pycache__/ (git-ignored), as Python's default.
# JOBS: one worker more than the cores: the suite's tests wait on sleeps, stand-ins, browsers, kernels
# and the shared build's own process (tests/shared_build.py), and the extra worker fills those waits.
JOBS ?= $(shell $(PYTHON) -c "import os; print(len(os.sched_getaffinity(0)) + 1)")
test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(JOBS) --dist loadgroup --no-loadscope-reorder \
		tests notebooks --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval-sanitize.cfg

# After a reviewer's edit: build the report AND re-run the committed notebooks, so CI is green again.
review: $(STAMP)
	$(VENV)/bin/evidence-review build --review $(REVIEW) --refresh-notebooks

# Re-run the committed notebooks in place after changing data or views (nbval compares their outputs).
notebooks: $(STAMP)
	$(PY) -c "from evidence_review.report import build; from evidence_review.core import paths; build.refresh_notebooks(paths.Review.open(\"$(REVIEW)\"))"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

# each script prints its targets with holds/FAILS and exits 1 on a failure; '-' lets the rest run
benchmark: $(STAMP)
	-$(PY) benchmarks/bench_resolve.py
	-$(PY) benchmarks/bench_scale.py --json benchmarks/last-scale.json
	-$(PY) benchmarks/bench_build.py --json benchmarks/last-build.json
	-$(PY) benchmarks/bench_build.py --pdf-refs 1000 --json benchmarks/last-pdf.json
	-$(PY) benchmarks/bench_passages.py --json benchmarks/last-passages.json
	-$(PY) benchmarks/bench_fieldparser.py --json benchmarks/last-fieldparser.json
	-$(PY) benchmarks/bench_intake.py --pages --json benchmarks/last-intake.json
	-$(PY) benchmarks/bench_suite.py --json benchmarks/last-suite.json

# Retrain the reference field parser (a CRF) from the files in the repository: fictional records
# rendered through CSL styles plus intake/fieldparser_data/hand_train.txt (deterministic, ~2 min).
model: $(STAMP)
	$(PY) -m evidence_review.intake.fieldtrain

# A 2,000-page synthetic site: scan, warm re-run, recheck, Dask 1 vs 2 workers (10-30 min).
benchmark-site: $(STAMP)
	$(PY) benchmarks/bench_site.py --json benchmarks/last-site.json

lab: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,lab]"
	# JupyterLab shows the report's styles (and anchors) only in trusted outputs
	$(VENV)/bin/jupyter trust notebooks/*.ipynb
	$(VENV)/bin/jupyter lab --notebook-dir=. notebooks/04-review.ipynb

clean:
	rm -rf reports/ .pytest_cache
