"""Random edits on the cells of another project's tests, against a fresh run-all.

A developer's tool, not part of the suite: our tables and grammars hold only what
we thought of, and the corpus only what notebooks do. IPyflow's tests spell the
patterns its users hit as cells (`run_cell("lst.append(x)")`): this reads them
from a checkout of IPyflow's repository (nothing of it is kept here), makes each
test's cells a notebook (with `import logging` first, which their cells use), and
edits it as ``test_corpus_edits`` does, checking after the first run-all and every
step that no cell ran twice, that a reactive step left nothing stale that the
run-all runs, and that every fresh cell shows what a fresh run-all shows. What it
finds is reduced and written as our own rows (``test_convergence``,
``test_lineage_foreign``). ``foreign_marimo`` runs marimo's tests through the same
steps (``edit_one``), in any_order, against a run-all in marimo's order.

    python tests/foreign_cells.py PATH/TO/ipyflow --seeds 0-3 --steps 10 [-k NAME]

Each failure prints the notebook, the seed and the story that replays it.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import io
import json
import logging
import os
import random
import re
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import test_corpus_edits as edits
from carried import assert_carried_statuses_are_fresh, assert_runs_once
from reflow import Notebook, Run

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


def write_notebooks(checkout: Path, folder: Path, only: str | None) -> list[tuple[Path, str]]:
    """The notebooks made of every test's cells, each written into a folder of its own
    under ``folder`` (every step copies the notebook's folder, for reflow and for the
    run-all: one folder for all of them made each step copy some 200 notebooks); their
    folders and names."""
    found = []
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
            home = folder / name.removesuffix(".ipynb")
            home.mkdir()
            (home / name).write_text(json.dumps(notebook))
            found.append((home, name))
    return found


def edit_one(
    folder: Path,
    name: str,
    seed: int,
    steps: int,
    *,
    direction: str = "in_order",
    plan: Callable[[list[str]], edits.Plan] = edits.top_to_bottom,
    script: Sequence[tuple[str, str, str | None]] = (),
) -> str | None:
    """One notebook run all, taken through ``script`` (what its test did next: ("run",
    cell id, new code or None), ("delete", cell id, None)), then edited ``steps`` times,
    checked against the run-all ``plan`` makes after every step: what went wrong, with
    its story, or None."""
    scratch = Path(tempfile.mkdtemp())
    mine = scratch / "reflow"
    shutil.copytree(folder, mine)
    here = Path.cwd()
    os.chdir(mine)
    rng = random.Random(f"{seed}:{name}")
    story = [f"{name} seed {seed}: run_all"]
    nb = Notebook.open(mine / name, direction=direction)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert_runs_once(nb.run_all(), story[0])
            # The first run-all is checked too. Where reflow's run and the run-all's
            # differ in numbers only (`%time`'s timings), a cell has no single run-all
            # value, as where two run-alls differ; any other difference is a finding.
            unsteady = edits.Unsteady()
            first, _ = edits.oracle(nb, scratch / "published", unsteady, plan)
            unsteady.sources |= {
                cell.code
                for cell, mine, theirs in zip(nb.cells, edits.shown(nb), first, strict=True)
                if apart_in_numbers(mine, theirs)
            }
            expected = edits.check_against_run_all(nb, scratch / "first", unsteady, story, plan)
            assert_settled(nb, story[-1], set(), expected)
            moves = [functools.partial(replay, nb, event, story) for event in script]
            moves += [functools.partial(edits.play, nb, rng, story)] * steps
            for step, move in enumerate(moves):
                stale_before = set(nb.stale())
                with edits.deadline(10):
                    run = move()
                # A cell that times itself shows numbers no two runs share, whichever
                # step brought it (the first run-all's comparison learns only its own).
                unsteady.sources |= {c.code for c in nb.cells if _TIMES.search(c.code)}
                if run is not None and run.interrupted:
                    return None
                assert_runs_once(run, " -> ".join(story))
                assert_carried_statuses_are_fresh(nb)
                expected = edits.check_against_run_all(
                    nb, scratch / f"step-{step}", unsteady, story, plan
                )
                assert_settled(nb, story[-1], stale_before, expected)
    except edits.RanAway:
        return None  # an endless loop, in the run-all too: the sequence ends there
    except AssertionError as failure:
        return f"FAIL {str(failure).splitlines()[0]} | {' -> '.join(story)}"
    except Exception as crash:  # reflow's own failure: a finding too
        return f"CRASH {type(crash).__name__}: {crash} | {' -> '.join(story)}"
    finally:
        nb.close()
        os.chdir(here)
        shutil.rmtree(scratch, ignore_errors=True)
    return None


_TIMES = re.compile(r"^[ \t]*%%?time(?:it)?\b", re.MULTILINE)
"""IPython's timing magics, as a cell's line starts with them."""

_NUMBER = re.compile(r"\d[\d.e+-]*(?:\s*[nμm]?s\b)?")


def apart_in_numbers(mine: edits.Result, theirs: edits.Result) -> bool:
    """Whether two runs' results differ in numbers only: a timing and its unit, an
    address, an unseeded draw."""
    return mine != theirs and _NUMBER.sub("#", repr(mine)) == _NUMBER.sub("#", repr(theirs))


def replay(nb: Notebook, event: tuple[str, str, str | None], story: list[str]) -> Run | None:
    """One thing a test did: a cell run (with new code: an edit, then the run) or
    deleted; a cell the notebook no longer has is added at the end first."""
    verb, cell, code = event
    if verb == "delete":
        if not nb.has_cell(cell):
            return None
        story.append(f"delete {nb.cell(cell).index}")
        return nb.delete(cell)
    if not nb.has_cell(cell):
        story.append(f"add {cell}: {code!r}")
        return nb.run(nb.add(code or "", id=cell).id)
    if code is not None and code != nb.cell(cell).code:
        story.append(f"edit {nb.cell(cell).index}: {code!r}")
        nb.edit(cell, code)
    else:
        story.append(f"run {nb.cell(cell).index}")
    return nb.run(cell)


def assert_settled(
    nb: Notebook, step: str, stale_before: set[str], expected: list[edits.Result]
) -> None:
    """Convergence: a reactive step leaves no cell newly stale that the run-all runs
    without error, unless it rests on a cell in error (a run alone may leave stale
    cells)."""
    if step.startswith("alone") or nb.mode != "reactive":
        return
    failed = {c.id for c in nb.cells if c.status == "error"}
    # Readers of a name no cell defines any more stay stale (docs/semantics.md: they
    # fail with a NameError when run), and so does what rests on them.
    board = nb._board()
    orphans = {c for c in nb.stale() if nb._scheduler.orphaned(c, board)}
    excused = failed | orphans | nb._graph.dependents(failed | orphans)
    left = [
        c.id
        for c, (_, error, _) in zip(nb.cells, expected, strict=True)
        if c.status == "stale" and c.id not in stale_before | excused and error is None
    ]
    assert not left, f"after {step}: cells left stale that a run could update: {left}"


def seeds_of(text: str) -> list[int]:
    """The seeds a command line names: 0, or 0-3, or 0,4-6."""
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
    notebooks = write_notebooks(options.checkout, folder, options.only)
    failures = 0
    for home, name in notebooks:
        for seed in seeds_of(options.seeds):
            found = edit_one(home, name, seed, options.steps)
            if found is not None:
                failures += 1
                print(found, flush=True)
    print(f"{len(notebooks)} notebooks, seeds {options.seeds}: {failures} failures")
    shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
