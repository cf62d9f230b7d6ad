# The two commands a newcomer needs are `make run` and `make test`; the other
# targets are the pieces they are built from.

PORT ?= 8000
HOST ?= 127.0.0.1
WEB_CONCURRENCY ?= 2
export WEB_CONCURRENCY
VENV := .venv
PYTHON := $(VENV)/bin/python
MANAGE := $(PYTHON) manage.py
PIP_INSTALL := $(PYTHON) -m pip install --quiet --disable-pip-version-check

# Interpreters to try, best first: pyenv's pick for .python-version, then
# whatever 3.12+ is on PATH.
PYTHON_CANDIDATES := $(shell pyenv which python 2>/dev/null) python3.14 python3.13 python3.12 python3

.PHONY: run serve bench test test-lesson lint check pytest pytest-postgres test-browser migrate runtime editor clean help

help:
	@echo "make run    serve the site at http://127.0.0.1:$(PORT) (PORT=... to change)"
	@echo "make test   lint, Django checks and the whole test suite"
	@echo "make test-lesson LESSON=<slug>   only the tests of one lesson"
	@echo "make runtime  build the lesson tests' browser runtime (make run and make test do)"
	@echo "make editor   bundle the exercises' code editor (make run and make test do)"
	@echo "make serve  production mode under gunicorn (needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS)"
	@echo "make bench  benchmarks (against /healthz, and the tests in the browser), written to docs/benchmarks.md"
	@echo "make clean  remove the virtualenv and local database"

# --- Environment ----------------------------------------------------------

$(PYTHON):
	@for candidate in $(PYTHON_CANDIDATES); do \
		if command -v "$$candidate" >/dev/null 2>&1 && \
			"$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
			echo "Creating $(VENV) with $$("$$candidate" --version)"; \
			"$$candidate" -m venv $(VENV) && exit 0; \
			exit 1; \
		fi; \
	done; \
	echo "error: Python 3.12 or newer is required but none was found (install it, e.g. 'pyenv install 3.13')" >&2; \
	exit 1

# Stamp files make a second run skip pip entirely unless pyproject.toml changed.
# The site's own packages, plus pytest for the lesson pages' "Run these tests".
$(VENV)/.installed-run: pyproject.toml | $(PYTHON)
	$(PIP_INSTALL) --editable '.[lesson-tests]'
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PYTHON)
	$(PIP_INSTALL) --editable '.[test]'
	@touch $@ $(VENV)/.installed-run

# Front-end packages (Pyodide for the lesson tests in the browser, axe-core
# for the accessibility tests), exactly as package-lock.json pins them;
# reinstalled only when the lock file changes.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "error: npm is required to install Pyodide and axe-core but was not found (install Node.js 20 and npm, e.g. 'apt-get install nodejs npm')" >&2; \
		exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The Python runtime that runs the lesson tests in the learner's browser
# (lessons/runtime/build.py): Pyodide, the pinned wheels and the project's
# own code, built again whenever one of them changes.
RUNTIME := build/runtime.json
RUNTIME_INPUTS := lessons/runtime/requirements.txt pyproject.toml Makefile \
	$(shell find tutorial playground lessons tests/lessons tests/playground/logged.py \
		tests/conftest.py tests/receiver_guard.py -type f \
		\( -name '*.py' -o -name '*.html' -o -name '*.md' -o -name '*.css' \) \
		-not -path '*/__pycache__/*' 2>/dev/null)
$(RUNTIME): $(NODE_STAMP) $(VENV)/.installed-run $(RUNTIME_INPUTS)
	$(PYTHON) -m lessons.runtime.build
	@touch $@

runtime: $(RUNTIME)

# The exercises' code editor (CodeMirror 6, lessons/editor/editor.mjs),
# bundled by esbuild from the npm packages package-lock.json pins.
EDITOR := build/static/lessons/editor.js
$(EDITOR): $(NODE_STAMP) lessons/editor/editor.mjs
	node_modules/.bin/esbuild lessons/editor/editor.mjs --bundle --format=esm --minify \
		--target=es2022 --log-level=warning --outfile=$@

editor: $(EDITOR)

# What the site serves that the build makes: both, wherever one is needed.
BUILT := $(RUNTIME) $(EDITOR)

# --- The two commands -----------------------------------------------------

run: $(VENV)/.installed-run $(BUILT) migrate
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-test $(NODE_STAMP) $(BUILT) lint check pytest pytest-postgres

# Production mode: migrations, hashed and compressed static files, then
# gunicorn as tutorial/gunicorn_conf.py says (WEB_CONCURRENCY worker
# processes of gthread threads, on HOST:PORT).
serve: $(VENV)/.installed-run $(BUILT)
	DJANGO_DEBUG=0 $(MANAGE) migrate --no-input --verbosity 0
	DJANGO_DEBUG=0 $(MANAGE) collectstatic --no-input --verbosity 0
	DJANGO_DEBUG=0 HOST=$(HOST) PORT=$(PORT) exec $(VENV)/bin/gunicorn \
		-c python:tutorial.gunicorn_conf tutorial.wsgi

# --- Pieces -----------------------------------------------------------------

migrate: $(VENV)/.installed-run
	$(MANAGE) migrate --no-input --verbosity 0

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: $(VENV)/.installed-test $(BUILT)
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run --no-input

pytest: $(VENV)/.installed-test $(NODE_STAMP) $(BUILT)
	$(PYTHON) -m pytest

# The same suite on PostgreSQL, less the browser tests of the page itself and
# with half the fuzzing examples (the SQLite run has the full 80), to keep CI
# under 20 minutes. Required under CI; elsewhere skipped with a notice when no
# server answers at POSTGRES_URL.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/tutorial
pytest-postgres: $(VENV)/.installed-test $(NODE_STAMP) $(BUILT)
	@if $(PYTHON) -c "import psycopg, sys; psycopg.connect('$(POSTGRES_URL)'.rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "Running the suite on PostgreSQL ($(POSTGRES_URL))"; \
		DATABASE_URL=$(POSTGRES_URL) FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-40} \
			$(PYTHON) -m pytest -m "not front_end"; \
	elif [ "$$CI" = "true" ]; then \
		echo "error: CI needs PostgreSQL at $(POSTGRES_URL), and none answered" >&2; exit 1; \
	else \
		echo "notice: no PostgreSQL at $(POSTGRES_URL); skipped the PostgreSQL run"; \
	fi

# Benchmarks (not part of `make test`): serves the site in production mode on
# free loopback ports, loads it with wrk, runs a lesson's tests in Chromium
# (Playwright), and writes docs/benchmarks.md (see bench/run.py). Options:
# make bench BENCH_ARGS="--duration 10"; BENCH_ARGS="--only runtime" for the
# browser part alone.
bench: $(VENV)/.installed-test $(BUILT)
	@command -v wrk >/dev/null || { \
		echo "Installing wrk (the benchmark's HTTP load generator)"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; }
	$(PYTHON) -m bench.run $(BENCH_ARGS)

# make test-lesson LESSON=senders: only the tests that prove one lesson.
LESSON_TESTS = tests/lessons/test_$(subst -,_,$(LESSON)).py
test-lesson: $(VENV)/.installed-test
	@test -n "$(LESSON)" || { echo "usage: make test-lesson LESSON=<slug>" >&2; exit 2; }
	@test -f "$(LESSON_TESTS)" || { echo "error: no lesson tests at $(LESSON_TESTS) for LESSON=$(LESSON)" >&2; exit 2; }
	$(PYTHON) -m pytest $(LESSON_TESTS)

test-browser: $(VENV)/.installed-test $(NODE_STAMP) $(BUILT)
	$(PYTHON) -m pytest -m browser

clean:
	rm -rf $(VENV) node_modules build db.sqlite3 db.sqlite3-shm db.sqlite3-wal staticfiles
