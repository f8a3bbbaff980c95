"""any_order: cells that change one object through different names.

A cell may change an object through a name it spells (``a[0].append(2)``) or
through an alias another cell made of it (``v = a[0]``, then ``v.append(1)``).
In any_order the changes of one object run after the cell that made it and
before the cells that only read it (docs/semantics.md, *In order and any
order*), and among themselves in notebook order unless data orders them
(``src/reflow/graph/any_order.py``). A change through a name only
an alias links to the cell (``a[0].append(2)`` changes ``v`` once a cell binds
``v = a[0]``) does not make the cell a user of the alias's binding: the alias
names an object another name holds already.

Each row gives the cells in notebook order and the order a run in dependency
order takes; the oracle runs the cells in that order with plain ``exec``. The
Notebook must run each cell once, leave every cell fresh and leave the
oracle's values, and stay so as cells are run again.

A store through an alias is a change of the object whatever its run shows: one that
stores the value already there (``v['x'] = 1`` where ``x`` is 1) changes nothing a run
can see, and must keep its place all the same. A cell that only hands an object to a
call (``o = C(xs)``) may change it before it has run, and usually turns out not to:
it runs after the changes cells spell (``BY_CALLS``), so that its place does not move
once it has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from reflow import Notebook


@dataclass(frozen=True)
class Row:
    id: str
    cells: dict[str, str]
    """Label -> source, in notebook order."""
    order: str
    """The labels in the order a run in dependency order runs them."""


ROWS = [
    Row(
        "list-item-changed-by-name-and-through-an-alias",
        {"a": "a = [[0], [1]]", "b": "a[0].append(2)", "c": "v = a[0]\nv.append(1)"},
        "abc",
    ),
    Row(
        "alias-made-by-unpacking",
        {"a": "a = [[0], [1]]", "b": "a[0].append(2)", "c": "v, *r = a\nv.append(1)"},
        "abc",
    ),
    Row(
        "dict-value-changed-by-name-and-through-an-alias",
        {"a": "d = {'k': [0], 'j': [1]}", "b": "d['k'].append(2)", "c": "w = d['k']\nw.append(1)"},
        "abc",
    ),
    Row(
        "attribute-changed-by-name-and-through-an-alias",
        {
            "a": "class Box:\n    pass\n\no = Box()\no.x = [0]",
            "b": "o.x.append(2)",
            "c": "y = o.x\ny.append(1)",
        },
        "abc",
    ),
    Row(
        "three-changes-of-one-object-in-notebook-order",
        {
            "a": "a = [[0], [1]]",
            "b": "a[0].append(2)",
            "c": "v = a[0]\nv.append(1)",
            "d": "w = a[0]\nw.append(3)",
        },
        "abcd",
    ),
    Row(
        "changes-through-an-alias-before-the-readers",
        {
            "a": "a = [[0], [1]]",
            "r": "n = len(a[0])",
            "b": "a[0].append(2)",
            "c": "v = a[0]\nv.append(1)",
            "s": "m = list(v)",
        },
        "abcrs",
    ),
    Row(
        # The data edge (`n`) runs the lower change first: the upper one sees it.
        "a-change-fed-by-a-change-below-it-sees-that-change",
        {"a": "a = [[0], [1]]", "b": "a[0].append(n)", "c": "n = len(a)\na.append([5])"},
        "acb",
    ),
    Row(
        # No data links the two changes of `a`, but b reads `k`, which reads `z` after c
        # changed it: c runs first, and b must count c's change as one it sees.
        "a-change-after-a-reader-of-another-change-sees-that-change",
        {
            "a": "a = [[0], [1]]\nz = [0]",
            "b": "a[0].append(k)",
            "c": "a[0].append(2)\nz.append(1)",
            "d": "k = len(z)",
        },
        "acdb",
    ),
]


# Stores through aliases, one of which stores the value already there (no run sees it
# change anything): it keeps its place among the changes.
STORES_LEAVING_THE_VALUE = [
    Row(
        "item-stored-through-two-aliases-first-store-leaves-the-value",
        {
            "a": "m = {'p': {'x': 1}}",
            "b": "v2 = m['p']\nv2['x'] = 1",
            "c": "v5 = m['p']\nv5['x'] = 0",
        },
        "abc",
    ),
    Row(
        "attribute-stored-through-two-aliases-first-store-leaves-the-value",
        {
            "a": "class Box:\n    pass\n\no = Box()\no.p = Box()\no.p.x = 1",
            "b": "v = o.p\nv.x = 1",
            "c": "w = o.p\nw.x = 0",
        },
        "abc",
    ),
    Row(
        "item-stored-two-levels-below-the-alias",
        {
            "a": "m = {'p': {'q': {'x': 1}}}",
            "b": "v = m['p']\nv['q']['x'] = 1",
            "c": "w = m['p']\nw['q']['x'] = 0",
        },
        "abc",
    ),
    Row(
        "item-stored-through-an-alias-two-levels-down",
        {
            "a": "m = {'p': {'q': {'x': 1}}}",
            "b": "v = m['p']['q']\nv['x'] = 1",
            "c": "w = m['p']['q']\nw['x'] = 0",
        },
        "abc",
    ),
    Row(
        "three-stores-through-aliases",
        {
            "a": "m = {'p': {'x': 1}}",
            "b": "v = m['p']\nv['x'] = 1",
            "c": "w = m['p']\nw['x'] = 0",
            "d": "u = m['p']\nu['x'] = 1",
        },
        "abcd",
    ),
    Row(
        "stores-through-aliases-before-a-reader-above-them",
        {
            "a": "m = {'p': {'x': 1}}",
            "r": "n = m['p']['x']",
            "b": "v = m['p']\nv['x'] = 1",
            "c": "w = m['p']\nw['x'] = 0",
        },
        "abcr",
    ),
    Row(
        "method-through-an-alias-leaving-the-value",
        {
            "a": "m = {'p': {'x': 1}}",
            "b": "v = m['p']\nv.update(x=1)",
            "c": "w = m['p']\nw.update(x=0)",
        },
        "abc",
    ),
]

COUNTING_CLASS = "class C:\n    tot = []\n    def __init__(self, xs):\n        self.xs = xs"

# A cell handing an object to a call (a class it makes an instance of, a function)
# runs after the cells whose code changes that object, before and after it has run.
BY_CALLS = [
    Row(
        "instance-made-above-a-change-of-its-class",
        {"o": "o = C(xs)", "x": "xs = [1, 2, 3]", "k": COUNTING_CLASS, "b": "C.tot.append(3)"},
        "xkbo",
    ),
    Row(
        "instance-made-above-changes-of-its-class-and-argument",
        {
            "o": "o = C(xs)",
            "x": "xs = [1, 2, 3]",
            "k": COUNTING_CLASS,
            "b": "C.tot.append(3)",
            "c": "xs.append(4)",
            "d": "xs[0] = 7",
        },
        "xkbcdo",
    ),
    Row(
        "function-handed-an-object-a-cell-below-changes",
        {
            "f": "def f(v):\n    return len(v)",
            "x": "xs = [1]",
            "n": "n = f(xs)",
            "b": "xs.append(2)",
        },
        "fxbn",
    ),
    Row(
        # Its run shows the call changing `xs`: it stays after the change `xs.append`
        # spells, where it was before it ran.
        "a-call-changing-its-argument-after-the-change-spelled",
        {
            "f": "def f(v):\n    v.append(0)",
            "x": "xs = [1]",
            "c": "f(xs)",
            "b": "xs.append(2)",
        },
        "fxbc",
    ),
]

ORDERED = ROWS + STORES_LEAVING_THE_VALUE + BY_CALLS


# Aliases made where static analysis does not see them (a notebook function hands the
# item back): a run that changes the object through one name sees the alias change.
SEEN_AT_RUN_TIME = [
    Row(
        "alias-returned-by-a-notebook-function",
        {
            "f": "def first(xs):\n    return xs[0]",
            "a": "a = [[0], [1]]",
            "b": "a[0].append(2)",
            "c": "v = first(a)\nv.append(1)",
        },
        "fabc",
    ),
]


def _plain(value: Any, depth: int = 0) -> Any:
    """A value comparable across two runs: an instance of a notebook class by its class's
    name and its attributes, a function or a class by its name."""
    if depth > 6:
        return value
    if isinstance(value, list | tuple):
        return type(value)(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, type) or callable(value):
        return ("code", getattr(value, "__name__", repr(value)))
    if hasattr(value, "__dict__"):
        return (type(value).__name__, _plain(vars(value), depth + 1))
    return value


def _state(namespace: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in namespace.items() if not k.startswith("__")}


def oracle(row: Row) -> dict[str, Any]:
    """The globals a fresh run of the cells in ``row.order`` leaves."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for label in row.order:
        exec(compile(row.cells[label], f"<cell {label}>", "exec"), namespace)
    return _state(namespace)


def notebook(row: Row) -> Notebook:
    nb = Notebook(direction="any_order")
    for label, code in row.cells.items():
        nb.add(code, id=label)
    return nb


def assert_like_a_fresh_run(nb: Notebook, row: Row) -> None:
    statuses = {cell.id: (cell.status, cell.stale_reason) for cell in nb.cells}
    assert all(status == "fresh" for status, _ in statuses.values()), statuses
    assert _state(nb.namespace) == oracle(row)


@pytest.mark.parametrize("row", ORDERED, ids=[r.id for r in ORDERED])
def test_run_all_runs_each_cell_once_in_dependency_order(row: Row) -> None:
    nb = notebook(row)
    assert "".join(nb.execution_order()) == row.order
    run = nb.run_all()
    assert "".join(run.ran) == row.order
    assert run.stale == []
    assert_like_a_fresh_run(nb, row)


@pytest.mark.parametrize("row", ORDERED, ids=[r.id for r in ORDERED])
def test_running_again_stays_like_a_fresh_run(row: Row) -> None:
    nb = notebook(row)
    nb.run_all()
    run = nb.run_all()
    assert "".join(run.ran) == row.order, "a second run-all runs each cell once"
    assert_like_a_fresh_run(nb, row)
    for label in row.order:
        run = nb.run(label)
        # A change runs again only from the object's binder: at most every cell, once.
        assert len(run.ran) == len(set(run.ran)), f"run {label}: ran {run.ran}"
        assert run.stale == [], f"run {label}: left {run.stale} stale"
        assert_like_a_fresh_run(nb, row)


ALL = ORDERED + SEEN_AT_RUN_TIME


@pytest.mark.parametrize("row", ALL, ids=[r.id for r in ALL])
def test_run_all_after_the_change_by_name_ran_alone(row: Row) -> None:
    """Run alone again, a change (cell b of every row: ``a[0].append(2)``, ``v2['x'] =
    1``, ``C.tot.append(3)``) changes the object every alias bound by then holds, and
    its run sees them change: that must not make it a user of the aliases' bindings,
    whose cells may run after it."""
    nb = notebook(row)
    nb.run_all()
    nb.run("b", alone=True)
    run = nb.run_all()
    assert "".join(run.ran) == row.order
    assert_like_a_fresh_run(nb, row)
