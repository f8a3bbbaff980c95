# Entry points (see README): `make lab`, `make demo` and `make test`. Each builds its own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup lab demo test lint bench bench-quick clean labextension

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

# Benchmarks against the peers (plain exec, ipykernel, IPyflow, marimo) run in their own
# pinned venv, so they never leak into the test venv. `make bench` rewrites RESULTS.md,
# scaling.png and peers-results.json (about 20-30 minutes); `make bench-quick` is a smoke run.
PEERS ?= benchmarks/.peers-venv
PEERS_PY := $(PEERS)/bin/python

$(PEERS)/.installed: benchmarks/peers-requirements.txt pyproject.toml
	$(PYTHON) -m venv $(PEERS)
	$(PEERS_PY) -m pip install -q --upgrade pip
	$(PEERS_PY) -m pip install -q -r benchmarks/peers-requirements.txt
	$(PEERS_PY) -m pip install -q -e '.[kernel,cache,dask]'
	$(PEERS)/bin/reflow kernel install --sys-prefix
	touch $@

# reflow is installed editable there; compile its sources as `pip install` of a wheel does for
# every peer, or a kernel started under PYTHONDONTWRITEBYTECODE=1 compiles them on each start.
bench: $(PEERS)/.installed
	$(PEERS_PY) -m compileall -q src
	$(PEERS_PY) benchmarks/peers.py --write benchmarks/RESULTS.md --plot benchmarks/scaling.png --json benchmarks/peers-results.json
	$(PEERS_PY) benchmarks/graph_build.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/cell_overhead.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/tracking_overhead.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/convergence.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/kernel_overhead.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/corpus_kernels.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/corpus_inprocess.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/long_session.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/cache.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/parallel.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/cli_startup.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/headless.py --append benchmarks/RESULTS.md
	$(PEERS_PY) benchmarks/app.py --append benchmarks/RESULTS.md

bench-quick: $(PEERS)/.installed
	$(PEERS_PY) benchmarks/peers.py --quick

# The JupyterLab / Notebook 7 extension is committed prebuilt (share/jupyter/labextensions/reflow),
# so installing reflow needs no Node.js; after changing labextension/, rebuild it here and commit.
labextension: setup
	cd labextension && npm ci --no-audit --no-fund
	rm -rf labextension/lib labextension/tsconfig.tsbuildinfo share/jupyter/labextensions/reflow
	cd labextension && node_modules/.bin/tsc && node_modules/.bin/build-labextension \
		--core-path "$$($(abspath $(BIN))/python -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')" .
	$(BIN)/python labextension/source_hash.py --write
	$(BIN)/python -m pip install -q -e '.[test]'

clean:
	rm -rf $(VENV) $(PEERS) .pytest_cache .mypy_cache .ruff_cache
