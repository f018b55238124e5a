# certtrack: `make run` to try it, `make test` to test it. See README.md.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: install run serve migrate demo test test-services lint format worker beat messages bench bench-quick clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_catalog
	$(PY) manage.py seed_demo

run: demo serve

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# `make worker` serves every queue; `make worker QUEUES=rollup` only the roll-up's (QUEUES: a comma-separated
# set of rollup, spreadsheets, notify, webhooks, celery; README "Several servers").
QUEUES ?=
worker: install
	$(VENV)/bin/celery -A certtrack worker --loglevel=INFO $(if $(QUEUES),--queues=$(QUEUES))

beat: install
	$(VENV)/bin/celery -A certtrack beat --loglevel=INFO --schedule=var/celerybeat-schedule

# Regenerate the translation catalogs of every language after changing user-facing strings (needs gettext).
# The JavaScript under static/js has no strings of its own (pages hand it their words through data attributes
# and json_script), so there is no djangojs catalog.
LOCALES := zh_Hans de hu es
messages: install
	$(PY) manage.py makemessages $(addprefix --locale=,$(LOCALES)) --ignore=.venv --ignore=static/vendor --ignore=var --ignore=node_modules --no-obsolete
	$(PY) manage.py compilemessages $(addprefix --locale=,$(LOCALES)) --ignore=.venv --ignore=node_modules

# Benchmarks (issue #7, BENCHMARKS.md): PostgreSQL required; Redis used when reachable.
bench: install
	$(PY) bench/run.py

bench-quick: install
	$(PY) bench/run.py --quick

clean:
	rm -rf var/*.sqlite3 var/staticfiles var/media
