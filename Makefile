# Kiji: `make run` serves the demo blog, `make serve` the production setup, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test install install-test lint format migrations-check messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

.env:
	@echo "Writing .env for local development (DEBUG=true, a fresh SECRET_KEY)."
	@printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env

# Links in emails and outgoing pings must point at the address actually served.
# Mail and pings go through the database queue and its worker, as in production,
# so publishing or commenting never waits on the network.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: export TASKS_BACKEND ?= django_tasks_db.DatabaseBackend
run: install .env
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo
	@echo "Serving Kiji at http://$(HOST):$(PORT)/ (task worker running beside it)"
	@$(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production settings over plain HTTP on this machine: DEBUG off, hashed static
# files, gunicorn with 2 workers, and the task worker when the queue is the database.
SERVE_ENV := DEBUG=false SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false \
	CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0
DB_QUEUE := django_tasks_db.DatabaseBackend

serve: export SITE_URL ?= http://$(HOST):$(PORT)
serve: export TASKS_BACKEND ?= $(DB_QUEUE)
serve: install .env
	$(SERVE_ENV) $(BIN)/python manage.py migrate --no-input
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --no-input -v0
	$(SERVE_ENV) $(BIN)/python manage.py invalidate_pages
	@echo "Serving Kiji with production settings at http://$(HOST):$(PORT)/"
	@backend=$$($(SERVE_ENV) $(BIN)/python manage.py shell --no-imports \
	    -c "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"); \
	if [ "$$backend" = "$(DB_QUEUE)" ]; then \
	  echo "Starting the task worker (manage.py db_worker)"; \
	  $(SERVE_ENV) $(BIN)/python manage.py db_worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	fi; \
	$(SERVE_ENV) $(BIN)/gunicorn config.wsgi --workers 2 --bind $(HOST):$(PORT)

# The Fedify peer of tests/fediverse/interop (Node.js, from the npm registry): installed
# when npm is here; without it that test skips (CI sets KIJI_REQUIRE_FEDIFY=1 to fail instead).
FEDIFY_PEER := tests/fediverse/interop/peer

$(FEDIFY_PEER)/node_modules/.installed: $(FEDIFY_PEER)/package.json $(FEDIFY_PEER)/package-lock.json
	npm ci --prefix $(FEDIFY_PEER) --no-audit --no-fund --loglevel=error
	touch $@

test: install-test
	@if command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(FEDIFY_PEER)/node_modules/.installed; \
	else \
	  echo "npm not found: the Fedify interop test will be skipped"; \
	fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install-test .env
	$(BIN)/python manage.py makemessages -l ja --ignore=.venv --ignore=tests --ignore=staticfiles --ignore=test-artifacts
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
