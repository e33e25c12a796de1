# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

AXE := node_modules/axe-core/axe.min.js

.PHONY: run test lint install migrate seed worker beat clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo "Site : http://$(HOST):$(PORT)/  (identifiants de démonstration : voir README.md)"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# axe-core (npm, pinned in package-lock.json) audits the pages in Chromium; without npm those tests say so.
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent; else echo "npm absent : audit axe-core ignoré"; fi

test: lint $(AXE)
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m tests.run $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A apart worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A apart beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles build node_modules
