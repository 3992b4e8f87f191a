# Two commands for a newcomer: `make run` (site with demo data) and `make test` (whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app salon
export FONTCONFIG_FILE := $(CURDIR)/static/fonts/fonts.conf

.PHONY: run test test-sqlite test-postgres system-deps system-deps-test install install-test lint migration clean

run: install system-deps
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-test system-deps-test
	$(BIN)/ruff check salon tests benchmarks
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

# The second run repeats every test that touches the database; the browser tests and the
# pure-rendering XSS sweep do not depend on it and run once, above.
test-postgres:
	scripts/with-postgres $(BIN)/python -m pytest -n 2 -p no:cacheprovider -m "not browser" \
	  --ignore=tests/browser --ignore=tests/test_xss_sanitiser.py

# The virtual environment, reinstalled only when pyproject.toml changes.
$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml package.json | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	npm ci --silent --no-audit --no-fund
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

system-deps:
	@scripts/system-deps run

system-deps-test:
	@scripts/system-deps test

lint:
	$(BIN)/ruff check salon tests benchmarks

# Regenerate the single initial migration from the models (before the first release only).
migration:
	rm -f migrations/versions/*.py
	tmp=$$(mktemp -d) && SALON_INSTANCE_PATH=$$tmp DATABASE_URL= $(FLASK) db migrate --rev-id 0001 -m "initial schema"; \
	  status=$$?; rm -rf $$tmp; exit $$status
	# A fixed date keeps regenerations by different people byte-identical.
	sed -i 's/^Create Date: .*/Create Date: 2026-11-25/' migrations/versions/*_0001_*.py

clean:
	rm -rf $(VENV) node_modules
