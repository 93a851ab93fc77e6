# The two commands a newcomer needs: `make run` serves the app, `make test` runs the suite.
# Both create .venv and install the pinned requirements when they are missing or changed.
# With DATABASE_URL unset, an embedded PostgreSQL is started in .pgdata/ (see README).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

SCALE ?= S

.PHONY: run test check lint format schema client seed superuser clean-db bench backup restore

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) manage.py serve --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest

check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	$(PY) manage.py spectacular --validate --fail-on-warn --file /tmp/openapi-check.yaml
	diff -u openapi.yaml /tmp/openapi-check.yaml

schema: $(STAMP)
	$(PY) manage.py spectacular --validate --fail-on-warn --file openapi.yaml

# Clients generated from openapi.yaml (git-ignored): a Python package in clients/python/diplomacy_client and
# TypeScript types in clients/typescript/schema.d.ts (needs Node.js and npm).
client: $(STAMP)
	rm -rf clients/python
	$(VENV)/bin/openapi-python-client generate --path openapi.yaml --output-path clients/python/diplomacy_client \
		--meta none --config clients/openapi-python-client.yaml
	@if command -v npm >/dev/null; then \
		test -x node_modules/.bin/tsc || npm ci --no-audit --no-fund; \
		npm run -s types && npm run -s check && echo "TypeScript types: clients/typescript/schema.d.ts"; \
	else echo "npm not found: TypeScript types skipped"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

seed: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seed

superuser: $(STAMP)
	$(PY) manage.py createsuperuser

# Benchmark the API against the raw anchor on synthetic data (docs/performance.md). Needs wrk (apt-get install wrk).
# Uses DATABASE_URL when set, else an embedded PostgreSQL in .pgdata-bench/. BENCH_ARGS: e.g. --seconds 2 --runs 1.
bench: $(STAMP)
	$(PY) bench/run.py --scale $(SCALE) $(BENCH_ARGS)

# A pg_dump archive of the database (custom format) in backups/, or FILE=path; `make restore FILE=path` loads one
# into an empty database (docs/operations.md). Both use a pg_dump/pg_restore at least as new as the server.
backup: $(STAMP)
	$(PY) manage.py backup $(if $(FILE),--output $(FILE))

restore: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/NAME.dump (into an empty database)"; exit 2; }
	$(PY) manage.py restore $(FILE)

clean-db:
	rm -rf .pgdata .pgdata.lock .pgdata.owner .pgdata-bench .pgdata-bench.lock .pgdata-bench.owner
