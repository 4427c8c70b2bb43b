# Two commands set up a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install serve test openapi translations bench loadtest clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Serve on http://127.0.0.1:8000 with the embedded default (SQLite under ./data).
serve: install
	$(BIN)/policy-options migrate
	$(BIN)/gunicorn -c service/gunicorn_conf.py 'service:create_app()'

## The whole test suite (PostgreSQL tests run when TEST_DATABASE_URL is set).
test: install
	$(BIN)/python -m pytest

openapi: install
	$(BIN)/policy-options openapi -o openapi.yaml

## Extract the messages of code, templates and scripts, merge them into each catalog, compile.
## The compiled .mo files are committed (a test checks they match the .po files).
translations: install
	$(BIN)/pybabel -q extract -c TRANSLATORS: -F babel.cfg -k lazy_gettext --no-location --sort-output \
		--project policy-options -o service/translations/messages.pot .
	$(BIN)/pybabel -q update -i service/translations/messages.pot -d service/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q compile -d service/translations --statistics

bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run.py

## A mixed workload against a real gunicorn for 20 s; fails on any 5xx or lost write (docs/loadtest.md).
loadtest: install
	$(BIN)/python bench/loadtest.py

clean:
	rm -rf $(VENV) data .pytest_cache .hypothesis
