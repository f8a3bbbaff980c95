"""An execution at the end of a notebook costs the same however long the notebook is.

A kernel runs a notebook top to bottom one new cell at a time, and people keep one
open all day; any work an execution does in proportion to the cells above it makes
every notebook slower the longer it gets. Counted, not timed: the status queries and
the status decisions of each of the last executions of a notebook of the same cells
repeated, at two lengths; and the cells whose edges it computes (the graph drops them
when a cell is added). Before the board kept its stale set for the settle check, the
queries grew with the notebook (77 an execution at 100 cells, 347 at 400: every user of
a name the cell wrote was asked again), and so did the edges (40 cells' at 100 cells,
186 at 400: the dependents of those users were walked, to tell which stale cells the
run concerned, when no cell was stale), and so did the ranks asked (41 an execution at
100 cells, 89 at 400: every writer of each name the cell wrote was filtered by rank, to
find those above it, where the sorted index has them in one slice).

The cells are those of a numpy notebook without numpy: names bound again and again,
changed in place, and handed to a notebook function (which makes each such cell a
possible changer of what it is handed).

What an execution leaves behind is counted too: a cell's record, effects and expansion
keep no empty set of their own (the session's RSS after 3,000 executions had grown to
1.22x ipykernel's, against a target of 1.2x, with five new 216-byte empty sets a cell).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from reflow import Notebook
from reflow._types import EMPTY
from reflow.graph.graph import DataflowGraph
from reflow.runtime.status import StatusBoard

COUNTED: dict[str, type] = {
    "status": StatusBoard,
    "_decide": StatusBoard,
    "children": DataflowGraph,
    "rank": DataflowGraph,
}
LAST = 40


def _cells(count: int) -> list[str]:
    cells = ["def f(x):\n    return len(x)", "import math"]
    for i in range(count):
        k = i % 5
        cells.append(
            [f"a{k} = [{i}]", f"b = f(a{k})", f"a{k}.append({i})", "print(b, math.pi)"][i % 4]
        )
    return cells


@contextlib.contextmanager
def _counting(counts: Counter[str]) -> Iterator[None]:
    originals = {name: getattr(owner, name) for name, owner in COUNTED.items()}

    def counted(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: object, *args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return method(self, *args, **kwargs)

        return call

    for name, method in originals.items():
        setattr(COUNTED[name], name, counted(name, method))
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(COUNTED[name], name, method)


def _per_execution(count: int) -> list[dict[str, int]]:
    """What each of the last ``LAST`` executions counted, as a kernel runs them: add the
    cell at the end, run it, ask for the stale cells (the kernel's markers)."""
    counts: Counter[str] = Counter()
    found = []
    nb = Notebook()
    cells = _cells(count)
    with _counting(counts), contextlib.redirect_stdout(io.StringIO()):
        for i, code in enumerate(cells):
            before = counts.copy()
            cell = nb.add(code)
            nb.run(cell)
            nb.stale()
            if i >= len(cells) - LAST:
                found.append({name: counts[name] - before[name] for name in COUNTED})
    assert nb.stale() == [] and nb["b"] >= 1  # the cells ran, as a run-all would
    return found


@pytest.mark.parametrize("counted", COUNTED)
def test_an_execution_at_the_end_costs_the_same_at_any_length(counted: str) -> None:
    short, long = _per_execution(100), _per_execution(400)
    assert [e[counted] for e in short] == [e[counted] for e in long]
    assert sum(e[counted] for e in long) > 0  # (counted at all)


def _empty_sets_of_its_own(value: Any) -> list[str]:
    """The fields of a cell's record, effects or expansion (and of the mappings and
    dataclasses they hold, one level down) that hold an empty frozenset other than
    ``EMPTY``: 216 bytes each in CPython 3.11, kept for as long as the cell lives."""
    found = []
    for field in dataclasses.fields(value):
        held = getattr(value, field.name)
        inner = [(held, field.default)]
        if isinstance(held, Mapping):
            inner += [(item, None) for item in held.values()]
        elif dataclasses.is_dataclass(held) and not isinstance(held, type):
            inner += [(getattr(held, f.name), f.default) for f in dataclasses.fields(held)]
        for item, default in inner:
            # (A field's default is one object its class shares with every instance.)
            empty = isinstance(item, frozenset) and not item
            if empty and item is not EMPTY and item is not default:
                found.append(f"{type(value).__name__}.{field.name}")
    return found


def test_a_cell_keeps_no_empty_set_of_its_own() -> None:
    """What a long kernel session grows by per execution: every kept empty set is the
    one shared ``EMPTY`` (``reflow._types.freeze``). Cells of each kind the bookkeeping
    keeps something different for: a constant, a binding that calls, a change in place,
    an alias, an instance, an import, a function, a failure."""
    nb = Notebook()
    cells = [
        "v = 1 + 1",
        "w = len([v])",
        "xs = [1]\nxs.append(2)",
        "ys = xs",
        "class K:\n    pass\nk = K()",
        "import math",
        "def f(a):\n    return a + v",
        "z = f(2)",
        "1 / 0",
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        for code in cells:
            nb.run(nb.add(code))
    graph, records = nb._graph, nb._session.records
    found = [
        f"cell {code!r}: {where}"
        for cell, code in zip(graph.cells, cells, strict=True)
        for kept in (records[cell], graph.effects(cell), graph.expanded(cell))
        for where in _empty_sets_of_its_own(kept)
    ]
    assert not found, found
