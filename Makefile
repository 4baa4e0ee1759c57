# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DEBUG ?= 1

.PHONY: run test lint format migrate seed worker clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/pip install --quiet '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import django, celery, guardian, auditlog, playwright"
	touch $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Serve the demo on http://127.0.0.1:8000 with a Celery worker and beat beside it (Ctrl-C stops all).
run: seed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile.dev start

## The whole suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set).
test: $(STAMP)
	$(BIN)/pytest

## Benchmarks on a scratch PostgreSQL database (BENCH_DATABASE_URL), seeded at scale.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/focus_bench
BENCH_SITUATIONS ?= 60000
bench: $(STAMP)
	-dropdb --if-exists -h 127.0.0.1 -U postgres focus_bench
	createdb -h 127.0.0.1 -U postgres focus_bench
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py seed_scale --situations $(BENCH_SITUATIONS)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var/broker var/celerybeat-schedule* var/staticfiles
