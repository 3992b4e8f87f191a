# Two commands for a newcomer: `make run` (site with demo data) and `make test` (whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check
FLASK := $(BIN)/flask --app salon
# The locked installs: requirements.txt to run the site, requirements-test.txt to test it
# (both generated from pyproject.toml by `make lock`, every file checked by its hash).
LOCK := requirements.txt
TEST_LOCK := requirements-test.txt
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
  --no-emit-find-links
export FONTCONFIG_FILE := $(CURDIR)/static/fonts/fonts.conf

.PHONY: run public dev test test-sqlite test-postgres system-deps system-deps-test install install-test \
  check-lock lock lint migration clean

# gunicorn with a worker per core and then some (scripts/gunicorn.conf.py).
run: install system-deps
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "在 http://127.0.0.1:5000 提供服务（gunicorn，Ctrl+C 停止）"
	$(BIN)/gunicorn -c scripts/gunicorn.conf.py 'salon:create_app()'

# The public suggestion app (群众建议网站) beside it, on port 5001: the posters' default address.
# One worker: its rate-limit counters live in the process (SALON_PUBLIC_RATELIMIT_STORAGE_URI).
public: install system-deps
	$(FLASK) db upgrade
	@echo "群众建议网站在 http://127.0.0.1:5001 提供服务（Ctrl+C 停止）"
	$(BIN)/gunicorn -c scripts/gunicorn.conf.py --workers 1 --bind 127.0.0.1:5001 'salon.public:create_app()'

# Flask's debug server: reloads on every change, shows tracebacks in the browser.
dev: install system-deps
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --debug --host 127.0.0.1 --port 5000

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

# The virtual environment, reinstalled from the lock files when they or pyproject.toml change.
$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet 'pip>=25.1,<27'

$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	$(PIP) install --quiet --no-deps -e .
	@$(MAKE) --no-print-directory check-lock
	touch $@

$(VENV)/.installed-test: $(TEST_LOCK) pyproject.toml package.json | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r $(TEST_LOCK)
	$(PIP) install --quiet --no-deps -e .
	@$(MAKE) --no-print-directory check-lock
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

# What is installed must satisfy pyproject.toml: a dependency added or a range changed there
# without `make lock` fails here, before any test runs.
check-lock:
	@$(PIP) check >/dev/null || { $(PIP) check; \
	  echo "锁文件与 pyproject.toml 不一致：请运行 make lock 并提交 $(LOCK) 与 $(TEST_LOCK)。"; exit 1; }

# Regenerate the lock files from pyproject.toml, keeping every pin that still fits; pass
# LOCK_ARGS=--upgrade (or "--upgrade-package NAME") to move to newer releases.
lock: | $(BIN)/python
	$(PIP) install --quiet 'pip-tools>=7.4,<8'
	$(COMPILE) $(LOCK_ARGS) --output-file=$(LOCK) pyproject.toml
	$(COMPILE) $(LOCK_ARGS) --extra=test --constraint=$(LOCK) --output-file=$(TEST_LOCK) pyproject.toml

# Regenerate the single initial migration from the models (before the first release only).
migration:
	rm -f migrations/versions/*.py
	tmp=$$(mktemp -d) && SALON_INSTANCE_PATH=$$tmp DATABASE_URL= $(FLASK) db migrate --rev-id 0001 -m "initial schema"; \
	  status=$$?; rm -rf $$tmp; exit $$status
	# A fixed date keeps regenerations by different people byte-identical.
	sed -i 's/^Create Date: .*/Create Date: 2026-11-25/' migrations/versions/*_0001_*.py

clean:
	rm -rf $(VENV) node_modules
