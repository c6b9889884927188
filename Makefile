# Candor: `make run` serves the demo on SQLite; `make test` runs the whole suite.
# Both set everything up first (venv, Python and npm packages, front-end build, grader runtime).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint bench setup assets demo clean help grader-runtime

help:
	@echo "make run     set up and serve the demo on http://127.0.0.1:$(PORT) (SQLite under var/)"
	@echo "make test    set up and run the whole test suite (add DATABASE_URL=postgresql://… for PostgreSQL)"
	@echo "make lint    ruff and mypy"
	@echo "make bench   run the benchmarks in bench/ (results: docs/benchmarks.md)"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

candor/static/dist/.built: node_modules/.installed frontend/*.js frontend/build.mjs
	node frontend/build.mjs
	touch $@

# Always run: it takes well under a second when nothing changed, and it is what notices that a
# system library the sandbox copies (libc, libssl) was updated.
grader-runtime: $(VENV)/.installed
	bash scripts/setup-grader-runtime.sh

setup: $(VENV)/.installed candor/static/dist/.built grader-runtime

assets: candor/static/dist/.built

demo: setup
	CANDOR_ENV=demo $(PY) -m candor.cli migrate --no-input -v 0
	CANDOR_ENV=demo $(PY) -m candor.cli migrate --database keystore --no-input -v 0
	CANDOR_ENV=demo $(PY) -m candor.cli content-import content/ --no-run --quiet
	CANDOR_ENV=demo $(PY) -m candor.cli demo-load --quiet
	@echo "Synthetic history for the course reports (first run only; a few minutes):"
	CANDOR_ENV=demo $(PY) -m candor.cli demo-history --if-empty
	@CANDOR_ENV=demo $(PY) -m candor.cli demo-load

run: demo
	@echo "Serving Candor on http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	CANDOR_ENV=demo $(VENV)/bin/gunicorn candor.wsgi --bind 127.0.0.1:$(PORT) \
		--workers 3 --access-logfile - --log-level warning

test: setup
	CANDOR_ENV=test $(PY) -m pytest -q $(PYTEST_ARGS)
	node --test frontend/tests/
	$(MAKE) lint

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check candor bench tests
	CANDOR_ENV=test $(VENV)/bin/mypy candor

bench: setup
	for script in bench/*_bench.py; do CANDOR_ENV=test $(PY) $$script || exit 1; done

clean:
	rm -rf candor/static/dist node_modules/.installed $(VENV)/.installed
