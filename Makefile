# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

AXE := node_modules/axe-core/axe.min.js

# The tools that install and lock, pinned too: pip installs requirements.lock (every package at one version,
# checked against its sha256), uv writes it from pyproject.toml (`make lock`).
PIP_VERSION := 26.3
UV_VERSION := 0.13.9
LOCK := requirements.lock

.PHONY: run test lint install lock audit migrate seed worker beat clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(PY) -m pip install --quiet "pip==$(PIP_VERSION)"
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

# After changing a version in pyproject.toml (or to take a fix): `make lock`, then commit requirements.lock.
# --universal: one file for every platform and Python >= 3.11; the hashes of every file of each version.
$(VENV)/.uv-$(UV_VERSION): | $(VENV)/bin/python
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	touch $@

lock: $(VENV)/.uv-$(UV_VERSION)
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --generate-hashes --universal --python-version 3.11 \
		--custom-compile-command "make lock" --quiet -o $(LOCK)

# The known vulnerabilities of the locked versions (PyPI's advisory service; --strict: a package it cannot check
# fails too), run by CI. Skipped, saying so, when that service does not answer (probe: the JSON of the locked pip,
# as pip-audit asks it for every package). A vulnerability found fails; to accept one for a while, add
# `--ignore-vuln ID` to AUDIT_IGNORE with the reason in a comment (README, "Entretien périodique et dépendances").
AUDIT_IGNORE :=
AUDIT_PROBE := https://pypi.org/pypi/pip/$(PIP_VERSION)/json

audit: install
	@if $(PY) -c "import urllib.request; urllib.request.urlopen('$(AUDIT_PROBE)', timeout=5)" 2>/dev/null; then \
		$(VENV)/bin/pip-audit --vulnerability-service pypi --requirement $(LOCK) --require-hashes --disable-pip \
			--strict --progress-spinner off --desc on $(AUDIT_IGNORE); \
	else \
		echo "pip-audit ignoré : service d'avis injoignable ($(AUDIT_PROBE) ne répond pas)"; \
	fi

migrate: install
	$(PY) manage.py migrate --noinput

# The links of e-mails and letters (the demo's too) point to the server being run, unless SITE_URL is already set
# (environment, make's command line, or .env, which settings.py reads without overriding the environment).
ifeq ($(SITE_URL)$(shell grep -s '^SITE_URL=' .env),)
RUN_SITE_URL = SITE_URL=http://$(HOST):$(PORT)
endif

seed: migrate
	$(RUN_SITE_URL) $(PY) manage.py seed_demo

run: seed
	@echo "Site : http://$(HOST):$(PORT)/  (identifiants de démonstration : voir README.md)"
	$(RUN_SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

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
