"""marimo's runtime tests as any_order notebooks, edited against a run-all in marimo's order.

A developer's tool beside ``foreign_cells`` (IPyflow's tests, in_order), not part of
the suite. marimo's tests spell its dataflow rules as cells sent to a kernel
(``ExecuteCellCommand(cell_id="0", code="x = 1")``, ``exec_req.get("y = x")``), as
graph cases (``GraphTestCase(code={"0": ...})``) and as cells handed to its compiler
(``parse_cell("x = 0")``). This reads them from a checkout of marimo (nothing of it is
kept here) and makes each test's cells an any_order notebook, the first code each cell
id is given, in the order the ids first appear. reflow runs it all, replays what the
test did next (a cell sent again with new code is an edit and a run, sent again as
it was a run, ``DeleteCellCommand`` a delete), then edits it at random as
``test_corpus_edits`` does.

After the first run-all and every step, no cell may have run twice, no reactive step
may leave a cell stale that the run-all runs without error (``assert_settled``), and
every fresh cell, and every name a fresh cell wrote last, must be as a fresh run-all
leaves them. The run-all here is marimo's (``marimo_order``): its compiler finds each
cell's names and renames its private ones, its graph finds the names more than one
cell defines, the cycles, and the order (dependency order, notebook position breaking
ties); a cell that raises cancels its descendants. Where reflow's documented rules
differ from marimo's on purpose, the oracle follows reflow's or compares nothing
(``marimo_order``). Tests whose cells use marimo itself (``import marimo``, UI
elements, ``mo.state``, SQL) are left out.

    python tests/foreign_marimo.py PATH/TO/marimo --seeds 0-3 --steps 10 [-k NAME]

Each failure prints the notebook, the seed and the story that replays it.
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import test_corpus_edits as edits
from foreign_cells import edit_one, seeds_of

FILES = (
    "tests/_runtime/test_runtime.py",
    "tests/_runtime/test_dataflow.py",
    "tests/_runtime/test_dataflow_cases.py",
)
"""marimo's test files that spell cells as literals (its other runtime tests mostly
exercise marimo's own APIs: UI elements, state, threads, SQL)."""

_USES_MARIMO = re.compile(r"\bmarimo\b|\bmo\.|\bsql\b|\bSQL\b")

Event = tuple[str, str, str | None]
"""What a test did to a cell: ("run", id, code: None to run it as it is) or ("delete", id, None)."""


@dataclass
class Story:
    """A test's notebook (cell id -> first code, in first-seen order) and what it did next."""

    cells: dict[str, str]
    then: list[Event]


def stories(source: str) -> Iterator[tuple[str, Story]]:
    """Each test's story: from its kernel commands, its graph cases and its compiled cells.
    A test that builds a cell's code otherwise, or sends cells in a loop, is left out:
    its cells are not all known."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) == "GraphTestCase":
            found = _graph_case(node)
            if found is not None:
                yield found
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and (
            function.name.startswith("test")
        ):
            story = _commands(function)
            if story is not None and len(story.cells) >= 2:
                yield function.name, story


def _called(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _graph_case(call: ast.Call) -> tuple[str, Story] | None:
    keywords = {k.arg: k.value for k in call.keywords}
    name, code = keywords.get("name"), keywords.get("code")
    if not isinstance(name, ast.Constant) or not isinstance(code, ast.Dict):
        return None
    cells: dict[str, str] = {}
    for key, value in zip(code.keys, code.values, strict=True):
        text = _text(value, {})
        if not isinstance(key, ast.Constant) or text is None:
            return None
        cells[str(key.value)] = text
    if len(cells) < 2 or any(_USES_MARIMO.search(code) for code in cells.values()):
        return None
    return "case_" + re.sub(r"\W+", "_", str(name.value)), Story(cells, [])


def _commands(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Story | None:
    """The cells a test sends (or compiles), in source order, with the reruns and
    deletes between them; None where a cell's code is not a literal the test spells."""
    if any(
        isinstance(loop, ast.For | ast.While | ast.AsyncFor)
        and any(_command(inner) for inner in ast.walk(loop))
        for loop in ast.walk(function)
    ):
        return None
    literals: dict[str, list[tuple[int, str]]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            text = _text(node.value, {})
            if isinstance(target, ast.Name) and text is not None:
                literals.setdefault(target.id, []).append((node.lineno, text))
    commands: dict[str, str] = {}  # a name bound to a command -> its cell id
    events: list[tuple[tuple[int, int], Event]] = []
    fresh_ids = iter(f"c{n}" for n in range(10_000))
    nodes = sorted(
        (n for n in ast.walk(function) if hasattr(n, "lineno")),
        key=lambda n: (n.lineno, n.col_offset),
    )
    parents = {child: parent for parent in nodes for child in ast.iter_child_nodes(parent)}
    for node in nodes:
        kind = _command(node)
        if kind is not None:
            assert isinstance(node, ast.Call)
            found = _command_event(node, kind, literals, commands, fresh_ids)
            if found is None:
                return None
            events.append(((node.lineno, node.col_offset), found))
            holder = parents.get(node)
            bound = _bound_name(holder, node)
            if bound is not None:
                commands[bound] = found[1]
        elif (
            isinstance(node, ast.Name)
            and node.id in commands
            and isinstance(node.ctx, ast.Load)
            and isinstance(parents.get(node), ast.List | ast.Tuple)
        ):
            events.append(((node.lineno, node.col_offset), ("run", commands[node.id], None)))
    cells: dict[str, str] = {}
    then: list[Event] = []
    for _, (verb, cell, code) in events:
        if verb == "run" and cell not in cells and code is not None:
            cells[cell] = code
        else:
            then.append((verb, cell, code))
    if any(_USES_MARIMO.search(code) for code in cells.values()) or any(
        code is not None and _USES_MARIMO.search(code) for _, _, code in then
    ):
        return None
    return Story(cells, then)


def _command(node: ast.AST) -> str | None:
    """What a call is: a cell sent to the kernel, one compiled, one deleted, or nothing."""
    if not isinstance(node, ast.Call):
        return None
    name = _called(node)
    if name in ("ExecuteCellCommand", "get_with_id"):
        return "send"
    if name == "get" and isinstance(node.func, ast.Attribute) and _is_exec_req(node.func.value):
        return "get"
    if name in ("parse_cell", "compile_cell"):
        return "get"
    if name == "DeleteCellCommand":
        return "delete"
    return None


def _is_exec_req(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "exec_req"


def _command_event(
    call: ast.Call,
    kind: str,
    literals: dict[str, list[tuple[int, str]]],
    commands: dict[str, str],
    fresh_ids: Iterator[str],
) -> Event | None:
    arguments = dict(enumerate(call.args)) | {k.arg: k.value for k in call.keywords if k.arg}
    before = {
        name: [text for line, text in found if line < call.lineno]
        for name, found in literals.items()
    }
    named = {name: texts[-1] for name, texts in before.items() if texts}
    if kind == "delete":
        cell = _cell_id(arguments.get("cell_id", arguments.get(0)), commands)
        return ("delete", cell, None) if cell is not None else None
    code = _text(arguments.get("code", arguments.get(1 if kind == "send" else 0)), named)
    if kind == "get":
        return ("run", next(fresh_ids), code) if code is not None else None
    cell = _cell_id(arguments.get("cell_id", arguments.get(0)), commands)
    if cell is None or code is None:
        return None
    return ("run", cell, code)


def _cell_id(node: ast.expr | None, commands: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (  # `er.cell_id`, the id of a command the test bound to `er`
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in commands
    ):
        return commands[node.value.id]
    return None


def _bound_name(holder: ast.AST | None, node: ast.AST) -> str | None:
    if isinstance(holder, ast.NamedExpr) and isinstance(holder.target, ast.Name):
        return holder.target.id
    if (
        isinstance(holder, ast.Assign)
        and len(holder.targets) == 1
        and isinstance(holder.targets[0], ast.Name)
    ):
        return holder.targets[0].id
    return None


def _text(node: ast.expr | None, named: dict[str, str]) -> str | None:
    """A string literal, one through ``textwrap.dedent``, or a name bound to one, dedented."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return textwrap.dedent(node.value).strip("\n")
    if isinstance(node, ast.Call) and _called(node) == "dedent" and len(node.args) == 1:
        return _text(node.args[0], named)
    if isinstance(node, ast.Name):
        return named.get(node.id)
    return None


# ---- the oracle: a run-all in marimo's order --------------------------------------------


def marimo_order(sources: list[str]) -> edits.Plan:
    """A run-all as marimo makes it (its compiler and graph, not ours): cells that define
    a name another cell defines, or sit on a cycle, do not run; the rest run in
    dependency order, notebook position breaking ties, each with its private names
    renamed as marimo does; a cell that raises cancels its descendants. A reader of a
    name no cell could define fails by itself, with a NameError: marimo's graph links a
    cell defining a function to the names the function's body reads, reflow's does not
    (docs/semantics.md), and such a cell runs in both."""
    from marimo._ast.compiler import compile_cell
    from marimo._ast.visitor import ScopedVisitor
    from marimo._runtime import dataflow
    from marimo._types.ids import CellId_t

    graph = dataflow.DirectedGraph()
    code = list(sources)
    refused: dict[int, str] = {}
    index: dict[str, int] = {}
    for i, source in enumerate(sources):
        cell_id = CellId_t(f"c{i}")
        try:
            graph.register_cell(cell_id, compile_cell(source, cell_id=cell_id))
            module = ast.parse(source)
        except SyntaxError:
            refused[i] = "SyntaxError"
            continue
        index[cell_id] = i
        renamed = ScopedVisitor("cell_" + cell_id)
        renamed.visit(module)
        if ast.dump(module) != ast.dump(ast.parse(source)):  # private names renamed
            code[i] = ast.unparse(module)
    for name in graph.get_multiply_defined():
        for cell_id in graph.get_defining_cells(name):
            refused[index[cell_id]] = "MultipleDefinitionError"
    for cycle in graph.cycles:
        on_it = {cell_id for edge in cycle for cell_id in edge}
        for cell_id in on_it:
            refused[index[cell_id]] = "CycleError"
        if any(graph.cells[c].deleted_refs for c in on_it):
            # marimo runs `del x` after every reader of `x`, and refuses a reader of what
            # the deleting cell defines as a cycle; reflow runs that reader after it, to
            # meet `x` deleted (docs/semantics.md): no cell there or after it is compared.
            for cell_id in on_it | graph.descendants(next(iter(on_it))):
                refused[index[cell_id]] = edits.UNKNOWN
    order = [index[c] for c in dataflow.topological_sort(graph, list(graph.cells))]
    cancels = {index[c]: {index[d] for d in graph.descendants(c)} for c in graph.cells}
    return edits.Plan(order, code, refused, cancels)


# ---- the notebooks ------------------------------------------------------------------------


def write_notebooks(
    checkout: Path, folder: Path, only: str | None
) -> dict[str, tuple[Path, list[Event]]]:
    """The notebook of every test's cells, each written into a folder of its own under
    ``folder`` (the oracle copies the folder at every step): name -> that folder, and
    what the test did after sending the cells."""
    found: dict[str, tuple[Path, list[Event]]] = {}
    for relative in FILES:
        path = checkout / relative
        if not path.exists():
            continue
        for test, story in stories(path.read_text()):
            name = f"{path.stem}-{test}.ipynb"
            if (only and only not in name) or name in found:
                continue
            cells = [
                {
                    "cell_type": "code",
                    "id": _nbformat_id(cell_id),
                    "metadata": {},
                    "source": source,
                    "outputs": [],
                    "execution_count": None,
                }
                for cell_id, source in story.cells.items()
            ]
            notebook = {
                "nbformat": 4,
                "nbformat_minor": 5,
                "metadata": {
                    "kernelspec": {"name": "python3", "display_name": "Python 3"},
                    "reflow": {"direction": "any_order"},
                },
                "cells": cells,
            }
            home = folder / path.stem / test
            home.mkdir(parents=True)
            (home / name).write_text(json.dumps(notebook))
            then = [(verb, _nbformat_id(cell), code) for verb, cell, code in story.then]
            found[name] = (home, then)
    return found


def _nbformat_id(cell_id: str) -> str:
    """A cell id as nbformat allows it (letters, digits, ``-`` and ``_``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", cell_id)[:64] or "cell"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a checkout of github.com/marimo-team/marimo")
    parser.add_argument("--seeds", default="0", help="seeds and ranges: 0 or 0-3 or 0,4-6")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("-k", dest="only", help="only notebooks whose name contains this")
    options = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    logging.disable(logging.CRITICAL)
    folder = Path(tempfile.mkdtemp())
    notebooks = write_notebooks(options.checkout, folder, options.only)
    failures = 0
    for name, (home, then) in notebooks.items():
        for seed in seeds_of(options.seeds):
            found = edit_one(
                home,
                name,
                seed,
                options.steps,
                direction="any_order",
                plan=marimo_order,
                script=then,
            )
            if found is not None:
                failures += 1
                print(found, flush=True)
    print(f"{len(notebooks)} notebooks, seeds {options.seeds}: {failures} failures")
    shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
