# Quick start: `make run` serves the dashboard; `make test` runs every test (`make test-fast`: the unit tier).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# why: every Python process of a run (test workers, app servers, commands) reuses compiled modules instead of compiling
# the project's code again, where the environment asks Python to write no bytecode
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup build run serve proxy test test-fast browser bench clean

# requirements.txt pins every library; the package itself (and its `lscsb` command) is installed editable on top.
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed

# Rebuilds data/lscsb.duckdb (or $$LSCSB_DB) only when it is missing or older than data/ and the SQL.
build: setup
	$(PY) -m lscsb_data build --if-stale

# Serves the app and says "ready" with its address once warmed (the first visitor meets a warm process).
run: build
	$(PY) -m lscsb_data serve --port $(PORT)

# REPLICAS app processes behind Debian's nginx (sticky sessions), started and stopped together.
REPLICAS ?= 3
serve: build proxy
	$(PY) -m lscsb_data serve --port $(PORT) --replicas $(REPLICAS)

# Debian's nginx, the reverse proxy in front of several app processes; installed when missing.
proxy:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx >/dev/null; }

# Debian's chromium drives the end-to-end tests; installed here when missing.
browser:
	@command -v chromium >/dev/null || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

# pytest exits 5 when it collects nothing: that is a failure here, never a pass.
test: build browser proxy
	$(PY) -m pytest -n 2 tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

# The unit tier alone: no browser, no AppTest page runs (tests marked e2e or apptest).
test-fast: setup
	$(PY) -m pytest -n 2 -m "not e2e and not apptest" tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

bench: build
	$(PY) -m lscsb_data bench

clean:
	rm -rf $(VENV) data/lscsb.duckdb tests/screenshots tests/output
