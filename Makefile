# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DEBUG ?= 1

.PHONY: run test lint format migrate seed worker clean bench bench-curve bench-linkage backup restore messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/pip install --quiet '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import django, celery, guardian, auditlog, playwright"
	touch $(STAMP)

# The compiled catalogues (not committed): written with polib, so GNU gettext is not needed.
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
%.mo: %.po | $(STAMP)
	$(BIN)/python manage.py compile_catalogues

migrate: $(STAMP) $(MO)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Serve the demo on http://127.0.0.1:8000 with a Celery worker and beat beside it (Ctrl-C stops all).
run: seed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile.dev start

## The whole suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set).
test: $(STAMP) $(MO)
	$(BIN)/pytest

## Extract every translatable string afresh (GNU gettext's xgettext), then list what is
## untranslated or fuzzy in each language (README, "Languages").
messages: $(STAMP)
	$(BIN)/python manage.py check_catalogues --update

## Speed at a province's size: a scratch PostgreSQL database seeded by seed_scale (150 tables,
## 150,000 situations), gunicorn with production settings, wrk as the load, Redis as cache and
## broker. Prints a table and writes bench/results.json (README, "Performance"). The
## database's name must end in _bench: the benchmark refuses any other.
BENCH_DB ?= focus_bench
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/3
BENCH_SEED_ARGS ?=
BENCH_ARGS ?=
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	-dropdb --if-exists -h 127.0.0.1 -U postgres $(BENCH_DB)
	createdb -h 127.0.0.1 -U postgres $(BENCH_DB)
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python manage.py migrate -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python manage.py seed_scale $(BENCH_SEED_ARGS)
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python manage.py bench $(BENCH_ARGS)

## Repeat detection's precision, recall and time per check (README, "Repeat detection"): a
## synthetic population of 20,000 people and 100,000 presentations (Faker, en_CA and fr_CA),
## its keys loaded into a scratch database whose name must end in _bench. Writes
## bench/linkage_results.json. LINKAGE_BENCH_ARGS="--people 2000 --presentations 10000" for
## a quick run.
LINKAGE_BENCH_DB ?= focus_linkage_bench
LINKAGE_BENCH_ARGS ?=
bench-linkage: $(STAMP)
	-dropdb --if-exists -h 127.0.0.1 -U postgres $(LINKAGE_BENCH_DB)
	createdb -h 127.0.0.1 -U postgres $(LINKAGE_BENCH_DB)
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(LINKAGE_BENCH_DB) $(BIN)/python manage.py migrate -v0
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(LINKAGE_BENCH_DB) $(BIN)/python manage.py bench_linkage $(LINKAGE_BENCH_ARGS)
## The cost curve (issue 19): the pages at 20, 150 and 600 tables (1,000 situations each, ten
## years), one connection, with their query counts; bench/curve.json and a table. A size's
## scratch database is seeded once and kept (CURVE_RESEED=1 seeds it again).
CURVE_SIZES ?= 20 150 600
CURVE_RESEED ?=
bench-curve: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	set -e; for n in $(CURVE_SIZES); do \
	  db=focus_t$${n}_bench; url=postgres://postgres@127.0.0.1:5432/$$db; \
	  if [ -n "$(CURVE_RESEED)" ] || ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$$db'" | grep -q 1; then \
	    dropdb --if-exists -h 127.0.0.1 -U postgres $$db; createdb -h 127.0.0.1 -U postgres $$db; \
	    DATABASE_URL=$$url REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python manage.py migrate -v0; \
	    DATABASE_URL=$$url REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python manage.py seed_scale --sites $$n --situations $$(( n * 1000 )); \
	  fi; \
	  DATABASE_URL=$$url REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python manage.py bench --curve --duration 4 --output bench/curve/$$n.json; \
	done
	$(BIN)/python bench/curve.py $(CURVE_SIZES)

## Back up the PostgreSQL database of DATABASE_URL: a pg_dump archive and its manifest, in
## BACKUP (default var/backups/<UTC time>). Never the keys (docs/operations.md, "Backup").
BACKUP ?=
backup: $(STAMP)
	$(BIN)/python manage.py backup $(if $(BACKUP),--output $(BACKUP))

## Restore BACKUP into the empty database of DATABASE_URL, prove every table came back, and
## re-run the retention purge before anything serves it (docs/operations.md, "Restore").
restore: $(STAMP)
	@test -n "$(BACKUP)" || (echo "make restore BACKUP=<backup folder>"; exit 2)
	$(BIN)/python manage.py restore $(BACKUP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var/broker var/celerybeat-schedule* var/staticfiles
