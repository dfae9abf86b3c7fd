# Quick start: `make run` serves the dashboard; `make test` runs every test (`make test-fast`: the unit tier).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: setup build run test test-fast browser bench clean

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

# The background loop warms the server once it answers: the script health check runs the Overview headless.
run: build
	@( for i in $$(seq 300); do sleep 0.2; $(PY) -c 'import urllib.request as u; u.urlopen("http://127.0.0.1:$(PORT)/_stcore/health", timeout=5)' 2>/dev/null && break; done; \
	   $(PY) -c 'import urllib.request as u; u.urlopen("http://127.0.0.1:$(PORT)/_stcore/script-health-check", timeout=120)' 2>/dev/null ) &
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.headless true

# Debian's chromium drives the end-to-end tests; installed here when missing.
browser:
	@command -v chromium >/dev/null || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

# pytest exits 5 when it collects nothing: that is a failure here, never a pass.
test: build browser
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
