"""What a cell may change in place, and the changers of each name, kept across changes.

``DataflowGraph.reached`` and, in in_order, the changer index behind ``changers``
are kept from one change to the next and dropped only where a change concerns
them (the cell's own expansion, sharing, kinds, builtins bound by a cell). Each
step of each scenario compares them with a graph built afresh from the same
cells, and the carried statuses with statuses decided afresh; a row per
scenario, as in ``test_dataflow_cases``.
"""

from __future__ import annotations

from typing import Any

import pytest

from carried import assert_carried_statuses_are_fresh
from reflow import Notebook
from reflow.graph.graph import DataflowGraph

CELLS = [
    "import numpy as np",
    "def f(x):\n    x['k'] = 1",
    "d = {}",
    "c = [d]",
    "f(c[0])",  # changes d through c
    "g = c",
    "np.sort(g[0])",
    "y = d.get('k')",
    "a = np.zeros(3)",
    "b = [a]",
    "f(b[0])",  # changes a through b
    "n = len(b)",
]

Step = tuple[str, Any, Any]

SCENARIOS: list[tuple[str, list[Step]]] = [
    ("a new changer at the end", [("add", None, "f(g[0])"), ("run", -1, None)]),
    ("a new changer above a reader", [("add", 7, "f(c[0])"), ("run", 7, None)]),
    ("a changer edited to change nothing", [("edit", 4, "m = len(c)"), ("run", 4, None)]),
    ("a cell that makes another share", [("add", 6, "e = g"), ("run", 6, None)]),
    ("a changer moved above its binder", [("move", 4, 2), ("run", 2, None)]),
    ("a changer moved below its readers", [("move", 4, 11), ("run", 11, None)]),
    ("a changer deleted", [("delete", 10, None), ("run", -1, None)]),
    (
        "changers of one name swapped",
        [("add", None, "f(c[0])"), ("run", -1, None), ("move", 4, 12), ("run", -1, None)],
    ),
    (
        "a builtin a changer reaches, bound by a cell, then no longer",
        [
            ("add", None, "e = [list]"),
            ("add", None, "f(e[0])"),
            ("run_all", None, None),
            ("add", 12, "list = {}"),
            ("delete", 12, None),
        ],
    ),
    ("a name bound to another kind", [("add", 3, "d = 5"), ("run", 3, None)]),
    ("a name a changer reaches becomes a module", [("add", 9, "import math as b")]),
    ("a module name rebound", [("add", 1, "import math as a"), ("delete", 1, None)]),
    ("a function redefined below", [("add", None, "def f(x):\n    return x"), ("run", -1, None)]),
    ("every cell run again", [("run_all", None, None), ("add", 0, "z = 1")]),
]


def _fresh(graph: DataflowGraph) -> DataflowGraph:
    fresh = DataflowGraph(graph.direction)
    for cell in graph.cells:
        fresh.add(cell, graph.effects(cell))
    return fresh


def _assert_reach_is_fresh(nb: Notebook) -> None:
    graph = nb._graph
    fresh = _fresh(graph)
    for cell in graph.cells:
        assert graph.reached(cell) == fresh.reached(cell), f"reached({cell})"
    names = {n for c in graph.cells for n in graph.expanded(c).refs | graph.expanded(c).writes}
    names |= {n for c in graph.cells for n in fresh.reached(c)}
    for name in sorted(names):
        assert graph.changers(name) == fresh.changers(name), f"changers({name!r})"


def _apply(nb: Notebook, step: Step) -> None:
    verb, where, what = step
    cells = [c.id for c in nb.cells]
    if verb == "add":
        nb.add(what, index=where)
    elif verb == "edit":
        nb.edit(cells[where], what)
    elif verb == "move":
        nb.move(cells[where], what)
    elif verb == "delete":
        nb.delete(cells[where])
    elif verb == "run":
        nb.run(cells[where])
    elif verb == "run_all":
        nb.run_all()


@pytest.mark.parametrize("direction", ["in_order", "any_order"])
@pytest.mark.parametrize(("scenario", "steps"), SCENARIOS, ids=[s for s, _ in SCENARIOS])
def test_reach_and_changers_match_a_graph_built_afresh(
    direction: str, scenario: str, steps: list[Step]
) -> None:
    nb = Notebook(direction=direction)
    for source in CELLS:
        nb.add(source)
    _assert_reach_is_fresh(nb)
    nb.run_all()
    assert nb._graph.changers("a")  # (`f(b[0])`: not seen to change `b[0]` in place)
    _assert_reach_is_fresh(nb)
    for step in steps:
        _apply(nb, step)
        _assert_reach_is_fresh(nb)
        assert_carried_statuses_are_fresh(nb)
    nb.close()


def test_a_caller_below_a_new_definition_is_decided_again() -> None:
    """A call reads what the nearest definition above it reads: one added between the
    definition and the caller changes what the caller reads; one added below does not."""
    nb = Notebook()
    cells = ["x = 1", "y = 2", "def f():\n    return x", "v = f()", "def f():\n    return x"]
    for source in cells:
        nb.add(source)
    nb.run_all()
    assert nb.stale() == []
    caller = nb.cells[3].id
    nb.add("def f():\n    return x + y", index=5)  # below the caller
    assert nb.cell(caller).status == "fresh"
    assert_carried_statuses_are_fresh(nb)
    nb.add("def f():\n    return y", index=3)  # above it: `v = f()` reads y now
    assert nb.cell(caller).status == "stale"
    assert_carried_statuses_are_fresh(nb)
    nb.close()


def test_a_writer_above_whose_overwritten_store_a_new_binding_ends_is_decided_again() -> None:
    """`a = [0]` three times, lazy: running the first leaves the second stale (a cell above
    wrote over it since, and `n = len(a)` reads it: a write no cell reads leaves its
    writer in sync); running the third binds `a` anew, which ends that story, though
    the second is above it and reads nothing it writes (``Scheduler._rebound``)."""
    nb = Notebook(mode="lazy")
    first, second = (nb.add("a = [0]\nrepr(a)").id for _ in range(2))
    nb.add("n = len(a)")
    third = nb.add("a = [0]\nrepr(a)").id
    nb.run_all()
    nb.run(first)
    assert nb.cell(second).status == "stale"
    assert_carried_statuses_are_fresh(nb)
    nb.run(third)
    assert_carried_statuses_are_fresh(nb)
    nb.close()
