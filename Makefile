# fupin: the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --locked --no-sync

.PHONY: demo test test-sqlite test-postgres sync assets browser java bench lint

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

sync: $(UV) assets
	$(UV) sync --locked --all-groups

# Apache ECharts from the npm registry, served by fupin itself (no CDN at run time).
assets: fupin/static/vendor/echarts.min.js

fupin/static/vendor/echarts.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p fupin/static/vendor
	cp node_modules/echarts/dist/echarts.min.js $@

# Debian's chromium and the Noto CJK fonts, for the browser tests (Playwright drives the system's browser).
browser:
	scripts/ensure-browser.sh

# Java 17 for PySpark, the analytics layer's cluster engine (tested in local mode).
java:
	scripts/ensure-java.sh

demo: sync
	$(RUN) fupin demo

test: sync browser java
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# Two workers (pytest-xdist), one per core: each gets its own test database and Spark session.
test-sqlite:
	$(RUN) pytest -q -n 2

# Every database test again on a real PostgreSQL server (started and stopped by the script), but
# the browser tests: they drive the same views and services whose own tests run here, and add
# Chromium's time, not PostgreSQL's behaviour.
test-postgres:
	scripts/with-postgres.sh $(RUN) pytest -q -n 2 -m "django_db and not browser"

lint:
	$(RUN) ruff check fupin bench tests
	$(RUN) ruff format --check fupin bench tests
	$(RUN) mypy fupin/stats fupin/cli/stats.py fupin/policy fupin/synth fupin/checks fupin/assessments/engine fupin/regions/counties.py fupin/analytics

bench: sync
	$(RUN) python bench/run_all.py
