# The two commands of the README: `make demo` and `make test`.
# Both create .venv on first use: torch first, then everything else under
# constraints.txt so that pip never replaces the pinned torch build.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-slow test-fast lint bench ui clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	bash scripts/install-system-deps.sh
	touch $(STAMP)

# `score` on the bundled example (the same as `scoring-assistant demo --out out/demo`)
EXAMPLE := examples/the-keepers-light
demo: venv
	$(VENV)/bin/scoring-assistant score --script $(EXAMPLE)/screenplay.fountain \
	  --spotting $(EXAMPLE)/spotting.txt --briefs $(EXAMPLE)/brief.txt \
	  $(foreach t,$(wildcard $(EXAMPLE)/temp/*.mid),--temp $(t)) --out out/demo

test: venv
	$(PY) -m pytest -q

test-fast: venv
	$(PY) -m pytest -q -m "not slow"

test-slow: venv
	$(PY) -m pytest -q -m slow

lint: venv
	$(VENV)/bin/ruff check assistant training ui tests

bench: venv
	$(VENV)/bin/scoring-assistant bench --out out/bench

ui: venv
	$(VENV)/bin/scoring-assistant ui

clean:
	rm -rf $(VENV) out .pytest_cache
