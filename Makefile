# The two commands: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# pyenv reads .python-version; plain python3 elsewhere (it must be >= 3.12).
PYTHON ?= $(shell command -v pyenv >/dev/null 2>&1 && pyenv which python 2>/dev/null || command -v python3)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv migrate demo worker lint typecheck fmt clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Sift needs Python 3.12 or newer, found " + sys.version' 
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# Embedded mode: SQLite in var/, Celery over a filesystem transport (no Redis), DEBUG on.
run: export SIFT_DEBUG ?= 1
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Starting the background worker and the web server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@$(VENV)/bin/celery -A config worker --pool=threads --concurrency=2 --loglevel=INFO & \
	worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 0' INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: venv
	$(PY) -m pytest -q -n auto

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with the django-stubs plugin over lib/ and every services/selectors module
# ([tool.mypy] in pyproject.toml says which).
typecheck: venv
	$(VENV)/bin/mypy

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .mypy_cache
