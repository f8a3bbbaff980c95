"""Random edits on the cells of another project's tests, against a fresh run-all.

A developer's tool, not part of the suite: our tables and grammars hold only what
we thought of, and the corpus only what notebooks do. IPyflow's tests spell the
patterns its users hit as cells (`run_cell("lst.append(x)")`): this reads them
from a checkout of IPyflow's repository (nothing of it is kept here), makes each
test's cells a notebook (with `import logging` first, which their cells use), and
edits it as ``test_corpus_edits`` does, checking after every step that no cell
runs twice and that every fresh cell shows what a fresh run-all shows. What it
finds is reduced and written as our own rows (``test_convergence``,
``test_lineage_foreign``).

    python tests/foreign_cells.py PATH/TO/ipyflow --seeds 0-3 --steps 10 [-k NAME]

Each failure prints the notebook, the seed and the story that replays it.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import test_corpus_edits as edits
from carried import assert_carried_statuses_are_fresh, assert_runs_once
from corpus_oracle import digest
from reflow import Notebook

_RUNNERS = frozenset({"run_cell", "run_cell_"})


def cells_of_tests(source: str) -> Iterator[tuple[str, list[str]]]:
    """Each test function's cells, in order: the string literals its ``run_cell`` calls
    are given (directly, or through a local name bound to one). A test that builds a
    cell otherwise, or runs cells in a loop, is left out: its cells are not all known."""
    for function in ast.parse(source).body:
        if not isinstance(function, ast.FunctionDef) or not function.name.startswith("test"):
            continue
        literals = {
            target.id: node.value.value
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        looped = any(
            _calls_runner(loop)
            for loop in ast.walk(function)
            if isinstance(loop, ast.For | ast.While)
        )
        calls = sorted(
            (node for node in ast.walk(function) if _is_runner(node)),
            key=lambda node: (node.lineno, node.col_offset),
        )
        cells = [_literal(call, literals) for call in calls]
        if looped or len(cells) < 2 or any(cell is None for cell in cells):
            continue
        if any("%%memoize" in cell or "%flow" in cell for cell in cells if cell is not None):
            continue  # its magics: the oracle's plain IPython has neither
        yield function.name, [textwrap.dedent(c).strip("\n") for c in cells if c is not None]


def _is_runner(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _RUNNERS
        and bool(node.args)
    )


def _calls_runner(node: ast.AST) -> bool:
    return any(_is_runner(inner) for inner in ast.walk(node))


def _literal(call: ast.Call, literals: dict[str, str]) -> str | None:
    argument = call.args[0]
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if isinstance(argument, ast.Name):
        return literals.get(argument.id)
    return None


def write_notebooks(checkout: Path, folder: Path, only: str | None) -> list[str]:
    """The notebooks made of every test's cells, written into ``folder``; their names."""
    names = []
    for path in sorted((checkout / "core" / "test").glob("test_*.py")):
        for test, cells in cells_of_tests(path.read_text()):
            name = f"{path.stem}-{test}.ipynb"
            if only and only not in name:
                continue
            notebook = {
                "nbformat": 4,
                "nbformat_minor": 5,
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "cells": [
                    {
                        "cell_type": "code",
                        "id": f"c{i}",
                        "metadata": {},
                        "source": source,
                        "outputs": [],
                        "execution_count": None,
                    }
                    for i, source in enumerate(["import logging", *cells])
                ],
            }
            (folder / name).write_text(json.dumps(notebook))
            names.append(name)
    return names


def edit_one(folder: Path, name: str, seed: int, steps: int) -> str | None:
    """One notebook edited ``steps`` times: what went wrong, with its story, or None."""
    scratch = Path(tempfile.mkdtemp())
    mine = scratch / "reflow"
    shutil.copytree(folder, mine)
    here = Path.cwd()
    os.chdir(mine)
    rng = random.Random(f"{seed}:{name}")
    story = [f"{name} seed {seed}: run_all"]
    nb = Notebook.open(mine / name)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            nb.run_all()
            unsteady = edits.Unsteady()
            expected, state = edits.oracle(nb, scratch / "published", unsteady)
            unsteady.learn(
                [c.code for c in nb.cells],
                [expected, edits.shown(nb)],
                [state, digest(nb.namespace)],
            )
            for step in range(steps):
                with edits.deadline(10):
                    run = edits.play(nb, rng, story)
                if run is not None and run.interrupted:
                    return None
                assert_runs_once(run, " -> ".join(story))
                assert_carried_statuses_are_fresh(nb)
                try:
                    edits.check_against_run_all(nb, scratch / f"step-{step}", unsteady, story)
                except edits.RanAway:
                    return None
    except AssertionError as failure:
        return f"FAIL {str(failure).splitlines()[0]} | {' -> '.join(story)}"
    except Exception as crash:  # reflow's own failure: a finding too
        return f"CRASH {type(crash).__name__}: {crash} | {' -> '.join(story)}"
    finally:
        nb.close()
        os.chdir(here)
        shutil.rmtree(scratch, ignore_errors=True)
    return None


def _seeds(text: str) -> list[int]:
    found: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        found += range(int(low), int(high or low) + 1)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a checkout of github.com/ipyflow/ipyflow")
    parser.add_argument("--seeds", default="0", help="seeds and ranges: 0 or 0-3 or 0,4-6")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("-k", dest="only", help="only notebooks whose name contains this")
    options = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    logging.disable(logging.CRITICAL)  # their cells log what they show
    folder = Path(tempfile.mkdtemp())
    edits.CORPUS = folder  # the oracle copies the notebook's folder, as for the corpus
    names = write_notebooks(options.checkout, folder, options.only)
    failures = 0
    for name in names:
        for seed in _seeds(options.seeds):
            found = edit_one(folder, name, seed, options.steps)
            if found is not None:
                failures += 1
                print(found, flush=True)
    print(f"{len(names)} notebooks, seeds {options.seeds}: {failures} failures")
    shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
