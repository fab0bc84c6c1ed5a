# Two entry points, both safe to run again: `make run` (the app on SQLite with demo data)
# and `make test` (the whole suite). Everything else here serves those two.
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
HOST_PORT ?= 127.0.0.1:8000
DEV_ENV := DEBUG=1

.PHONY: run test lint lock audit system-packages-app system-packages-test

# Python 3.12 or newer: pyenv's choice from .python-version first, then the usual names.
PYTHON := $(shell for p in python3 python3.13 python3.12 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; \
	done)

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Setting Records needs Python 3.12 or newer (Django 6 does), and none was found." >&2; \
		echo "Install Python 3.12+ (for example with pyenv: 'pyenv install 3.12') and run this again." >&2; \
		exit 1; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-app
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[test]'
	touch $@

# The Debian packages the app (and its tests) need: installed when missing and run as root,
# otherwise a message naming the command to run. Quick and silent when all are there.
system-packages-app:
	@bash system-packages.sh app

system-packages-test:
	@bash system-packages.sh test

run: system-packages-app $(VENV)/.installed-app
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py seed_demo --if-empty
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST_PORT)

test: system-packages-test $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# Known vulnerabilities in the pinned packages (pip-audit, asking PyPI's vulnerability data).
# Exit 0: none known. 1: some found, or a package could not be checked (listed; --strict).
# 2: the service did not answer, so nothing was checked: pip-audit alone would pass such a run
# ("could not be audited"), so the service is first asked what pip-audit will ask about the
# pinned Django, and the target stops there, saying so, when no answer comes.
AUDIT_PROBE ?= https://pypi.org/pypi/django/$(shell sed -n 's/^[Dd]jango==//p' $(LOCK))/json
audit: $(VENV)/.installed-test
	@$(BIN)/python -c "import json, sys, urllib.request; \
		sys.exit('vulnerabilities' not in json.load(urllib.request.urlopen(sys.argv[1], timeout=15)))" \
		'$(AUDIT_PROBE)' 2>/dev/null || { \
		echo "make audit: PyPI's vulnerability data ($(AUDIT_PROBE)) did not answer from this machine, so NOTHING WAS CHECKED." >&2; \
		echo "Run 'make audit' where pypi.org can be reached (CI, or a laptop) before a release." >&2; \
		exit 2; }
	$(BIN)/pip-audit --requirement $(LOCK) --no-deps --disable-pip --strict --progress-spinner off

# Re-pin every package after changing pyproject.toml: a fresh venv, the newest allowed versions.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[test]'
	( echo "# Pinned versions of every package, made by 'make lock' from pyproject.toml."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable --exclude setting-records ) > $(LOCK)
	rm -rf .venv-lock
