# Two entry points: `make demo` (install, then crawl the offline demo into output/) and
# `make test` (install, then lint, type-check and run the test suite). Both create .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test fast-tests

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/scrapy demo

# `make test` runs the tests marked `component` (around a real Hexo, Redis or scrapyd: one
# at a time; pytest exits 5 while none is marked), then the fast ones in parallel, last, so
# that the run ends with the whole suite's summary line.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -m component -n 0 || [ $$? -eq 5 ]
	$(BIN)/pytest

# The fast tests alone, for another Python: `make fast-tests PYTHON=python3.13 VENV=.venv-3.13`
# (CI runs them under each newer Python the machine has: .ci/run).
fast-tests: install
	$(BIN)/pytest
