# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint migrate worker bench bench-scale

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

## Run the service on the embedded SQLite default (migrations applied): http://127.0.0.1:8000/docs
run: install
	$(BIN)/claims serve --host $(HOST) --port $(PORT)

## Run the whole test suite (SQLite by default; set CLAIMS_TEST_DATABASE_URL for PostgreSQL)
test: install
	$(BIN)/pytest

## Lint: ruff (rules and format), the direction of imports, declared dependencies, types
lint: install
	$(BIN)/ruff check app tests bench scripts
	$(BIN)/ruff format --check app tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/deptry .
	$(BIN)/mypy app

migrate: install
	$(BIN)/claims migrate

worker: install
	$(BIN)/claims worker

## Load benchmarks against a raw-asyncpg baseline (needs wrk and PostgreSQL): see bench/RESULTS.md
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## The 1M-claims targets (listing pages, search, reports) in-process, with plans: bench/RESULTS.md
bench-scale: install
	$(BIN)/python bench/scale.py --explain $(BENCH_SCALE_ARGS)
