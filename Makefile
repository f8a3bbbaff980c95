# Entry points (see README): `make lab`, `make demo` and `make test`. Each builds its own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup lab demo test lint bench clean labextension

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'

# JupyterLab with the reactive kernel on 127.0.0.1 (a token in the URL); runs until Ctrl-C.
lab: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[lab]'
	$(BIN)/reflow lab examples/reactive.ipynb

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
	$(BIN)/python benchmarks/kernel_overhead.py --append benchmarks/RESULTS.md
	$(BIN)/python benchmarks/cache.py --append benchmarks/RESULTS.md

# The JupyterLab / Notebook 7 extension is committed prebuilt (share/jupyter/labextensions/reflow),
# so installing reflow needs no Node.js; after changing labextension/, rebuild it here and commit.
labextension: setup
	cd labextension && npm ci --no-audit --no-fund
	rm -rf labextension/lib labextension/tsconfig.tsbuildinfo share/jupyter/labextensions/reflow
	cd labextension && node_modules/.bin/tsc && node_modules/.bin/build-labextension \
		--core-path "$$($(abspath $(BIN))/python -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')" .
	$(BIN)/python labextension/source_hash.py --write
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python benchmarks/parallel.py --append benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
