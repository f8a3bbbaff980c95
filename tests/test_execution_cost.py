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
run concerned, when no cell was stale).

The cells are those of a numpy notebook without numpy: names bound again and again,
changed in place, and handed to a notebook function (which makes each such cell a
possible changer of what it is handed).
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reflow import Notebook
from reflow.graph.graph import DataflowGraph
from reflow.runtime.status import StatusBoard

COUNTED: dict[str, type] = {
    "status": StatusBoard,
    "_decide": StatusBoard,
    "children": DataflowGraph,
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
