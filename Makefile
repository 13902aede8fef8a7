# The two README commands are `make run` and `make test`; everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test install unit e2e dbt-test lint fix-sql lock bench clean test-spark lock-spark

# Create the virtualenv and install the pinned dependencies (again only when the lock changes).
# Bytecode is compiled at install (uv's --compile-bytecode; pip does it by default): uv leaves
# only sources, and where PYTHONDONTWRITEBYTECODE is set (CI images often set it) every process
# would compile dbt, pandas, sklearn & co. again, about 6 s of each `lifecycle` or dbt start.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	rm -f $(VENV)/.installed-*
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock \
		|| $(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e . \
		|| $(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m compileall -q src
	touch $@

install: $(STAMP)

## make run: set up, generate the demo shop, ingest it, dbt build, print a summary.
run: install
	$(BIN)/lifecycle demo

## make test: Python tests, dbt unit + data tests, and end-to-end builds on generated data, in
## TEST_WORKERS processes (pytest-xdist; each on its own copy of the project, tests/python/conftest.py)
## with each test file kept in one process, so its module fixtures are built once. Three on two
## cores: a third process fills the time the others wait (on a shared build, a subprocess, a file).
TEST_WORKERS ?= 3
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile
test: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

unit: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not e2e and not spark"

## make lint: ruff on the Python, then sqlfluff on the SQL (.sqlfluff: jinja templater, the rules and
## why); fails on any violation. make fix-sql: sqlfluff's mechanical fixes on the same files.
## Macros are not linted as files (they render to nothing alone): every model renders them.
SQL_PATHS := models tests/dbt
# sqlfluff processes: 0 = one per CPU
SQLFLUFF_PROCESSES ?= 0
lint: install
	$(BIN)/ruff check src tests benchmarks lint
	$(BIN)/ruff format --check src tests benchmarks lint
	$(BIN)/sqlfluff lint $(SQL_PATHS) --processes $(SQLFLUFF_PROCESSES) --disable-progress-bar

fix-sql: install
	$(BIN)/sqlfluff fix $(SQL_PATHS) --processes $(SQLFLUFF_PROCESSES) --disable-progress-bar

## make bench [SCALES=10000,100000,1000000]: generate, ingest, then `lifecycle build`'s steps (dbt build,
## validate, publish) full and incremental at each scale, each with wall and CPU time, peak memory and
## the load, against a floor query on the same raw tables, plus the lifetimes head-to-head; appends to
## benchmarks/results.jsonl and rewrites docs/benchmarks.md. One scale: make bench SCALES=100000.
## Not part of make test.
SCALES ?= 10000,100000,1000000
bench: install
	$(BIN)/python benchmarks/bench.py --scales $(SCALES)

# Re-resolve requirements.lock from pyproject.toml (needs network access to the index).
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra semantic --python-version 3.11 -o requirements.lock

clean:
	rm -rf target logs data

## make test-spark: build the project on a local Spark (dbt-spark session, needs Java 17) and check
## that its key marts agree with the DuckDB build of the same demo shop; prints the comparison.
SPARK_STAMP := $(VENV)/.installed-spark-$(shell cat requirements-spark.lock | cksum | cut -d' ' -f1)
# -c requirements.lock: a spark lock left stale by `make lock` fails here (run `make lock-spark`)
# instead of silently moving the project's own pins.
$(SPARK_STAMP): requirements-spark.lock $(STAMP)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements-spark.lock -c requirements.lock
	touch $@

test-spark: install $(SPARK_STAMP)
	$(BIN)/python -m pytest -m spark tests/python/test_spark_parity.py

# Re-resolve requirements-spark.lock: the spark extra on top of requirements.lock's exact pins.
lock-spark: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark -c requirements.lock --python-version 3.11 -o requirements-spark.lock
