# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := app

# A second run of the suite on PostgreSQL (`make test-postgres`, and .ci/run in CI).
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
PG_USER ?= postgres
PG_TEST_DB ?= taphuan_test
TEST_DATABASE_URL ?= postgresql+psycopg://$(PG_USER)@$(PG_HOST):$(PG_PORT)/$(PG_TEST_DB)

# Message catalogues: translations/<lang>/LC_MESSAGES/*.po are the sources (committed), the
# .mo files build output (git-ignored), compiled here so a fresh clone shows English too:
# messages.po (the app's strings, English) and vi/…/wtforms.po (WTForms' own messages).
PO_FILES := $(wildcard translations/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
BABEL_EXTRACT := $(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-wrap --sort-by-file \
	--project "Tập huấn" --copyright-holder "Tập huấn" -o translations/messages.pot .

.PHONY: run lint test test-postgres bench install dev translations translations-update clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

translations: $(MO_FILES)

# Fuzzy entries are left out of the .mo (they show in Vietnamese until someone checks them);
# a catalogue whose header is fuzzy would compile to nothing, so that is an error.
translations/%.mo: translations/%.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@
	@test -f $@ || { echo "$<: not compiled (is its header marked fuzzy?)" >&2; exit 1; }

# After adding or changing a UI string: extract, merge into each catalogue, then translate
# the new or fuzzy entries in translations/*/LC_MESSAGES/messages.po (tests/test_i18n.py checks).
translations-update: $(VENV)/.installed
	$(BABEL_EXTRACT)
	@if [ -f translations/en/LC_MESSAGES/messages.po ]; then \
		$(BIN)/pybabel update --no-wrap -i translations/messages.pot -d translations; \
	else \
		$(BIN)/pybabel init --no-wrap -i translations/messages.pot -d translations -l en; \
	fi

install: $(VENV)/.installed translations

dev: $(VENV)/.dev-installed translations

run: install
	$(BIN)/flask setup
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# pytest exits 5 when it collected no test: that is a failure here, never a pass.
# The code's layout and import order are checked first (ruff, settings in pyproject.toml):
# `$(BIN)/ruff format .` and `$(BIN)/ruff check --fix .` put most of what it finds right.
lint: dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

# The whole suite again on PostgreSQL, in a database of its own that is created if missing
# (the tests drop and recreate its public schema). Needs a server on PG_HOST:PG_PORT that
# lets PG_USER in (trust auth or ~/.pgpass); .ci/run starts one.
test-postgres: dev
	$(BIN)/python -c "import psycopg, sys; \
	c = psycopg.connect(host='$(PG_HOST)', port=$(PG_PORT), user='$(PG_USER)', dbname='postgres', autocommit=True); \
	c.execute('SELECT 1 FROM pg_database WHERE datname = %s', ['$(PG_TEST_DB)']).fetchone() \
	or c.execute('CREATE DATABASE $(PG_TEST_DB)')"
	# Browser tests serve their own SQLite-backed live app, so they run once, in `make test`.
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(BIN)/python -m pytest -m "not browser"

bench: dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(MO_FILES)
