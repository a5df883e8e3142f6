# Dịch vụ công: the two commands a newcomer needs are `make run` and `make test` (see README.md).
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: help run test venv install demo lint format messages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	"$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

venv: $(VENV)/.installed ## create the virtual environment and install the project

install: venv

# PORT reaches the settings: links in messages and the QR codes on receipts use http://127.0.0.1:$(PORT) unless
# PORTAL_URL is set (environment or .env).
run: venv ## run the portal on http://$(HOST):$(PORT) (SQLite, local files, Celery eager, console mail)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	PORT=$(PORT) $(PY) manage.py load_demo
	PORT=$(PORT) $(PY) manage.py runserver $(HOST):$(PORT)

test: venv ## run the whole test suite against real PostgreSQL, Redis and Chromium
	PATH="$(abspath $(VENV))/bin:$$PATH" scripts/test.sh $(ARGS)

lint: venv ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: venv ## refresh the translation catalogues (then translate the new entries)
	$(PY) manage.py makemessages -l vi -l en --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean: ## remove the local database, uploaded files and caches (keeps the venv)
	rm -rf var .pytest_cache .ruff_cache
