# Two entry points (see README): `make demo` and `make test`. Both build their own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench bench-quick clean

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

# Benchmarks against the peers (plain exec, ipykernel, IPyflow, marimo) run in their own
# pinned venv, so they never leak into the test venv. `make bench` rewrites RESULTS.md,
# scaling.png and peers-results.json (about 10-15 minutes); `make bench-quick` is a smoke run.
PEERS ?= benchmarks/.peers-venv
PEERS_PY := $(PEERS)/bin/python

$(PEERS)/.installed: benchmarks/peers-requirements.txt pyproject.toml
	$(PYTHON) -m venv $(PEERS)
	$(PEERS_PY) -m pip install -q --upgrade pip
	$(PEERS_PY) -m pip install -q -r benchmarks/peers-requirements.txt
	$(PEERS_PY) -m pip install -q -e .
	touch $@

bench: $(PEERS)/.installed
	$(PEERS_PY) benchmarks/peers.py --write benchmarks/RESULTS.md --plot benchmarks/scaling.png --json benchmarks/peers-results.json
	$(PEERS_PY) benchmarks/graph_build.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/cell_overhead.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/tracking_overhead.py --append benchmarks/RESULTS.md

bench-quick: $(PEERS)/.installed
	$(PEERS_PY) benchmarks/peers.py --quick

clean:
	rm -rf $(VENV) $(PEERS) .pytest_cache .mypy_cache .ruff_cache
