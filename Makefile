# Two entry points (see README): `make demo` and `make test`. Both build their own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'

demo: setup
	$(BIN)/python examples/reactivity.py

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/graph_build.py --write benchmarks/RESULTS.md
	$(BIN)/python benchmarks/cell_overhead.py --append benchmarks/RESULTS.md
	$(BIN)/python benchmarks/tracking_overhead.py --append benchmarks/RESULTS.md
	$(BIN)/python benchmarks/parallel.py --append benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
