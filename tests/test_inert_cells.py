"""Cells that run no code but their own compare only the names they bind (issue 24).

A cell of assignments that calls nothing (``n = 10``, ``lr = base / 4``), reading
plain data only, cannot bind a global its statements do not name, so the runtime
compares those names instead of the whole namespace, which grows with the
session. The rows here hold the guard to that promise: wherever other code may
run inside such a cell (an operator or a finalizer of an instance, an object in
``builtins``, an IPython callback, a tracer, a thread), the whole namespace is
compared again and what that code binds is seen.
"""

from __future__ import annotations

import ast
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from reflow import Notebook
from reflow.analysis import analyze
from reflow.analysis.inert import runs_only_its_own_code
from reflow.runtime.changes import ChangeDetector, plain_data
from reflow.runtime.fingerprint import DEFAULT_BUDGET
from scenarios import Case, Scenario

INERT = [
    ("n = 10", True),
    ("lr = base / 4\nsteps = n * 2 + 1", True),
    ("a, (b, *c) = 1, (2, 3, 4)", True),
    ("x += 1", True),
    ("name = f'{user!r:>10}-{n}'", True),
    ("cfg = {'lr': lr, 'layers': [64, 32]}\nok = 1 < n <= 10 and not flag", True),
    ("y = a if a > b else -b", True),
    ("", False),
    ("pass", False),
    ("x", False),  # a trailing expression is displayed: formatters are code
    ("n = len(xs)", False),
    ("v = cfg.lr", False),
    ("v = xs[0]", False),
    ("xs[0] = 1", False),
    ("o.a = 1", False),
    ("squares = [i * i for i in range(3)]", False),
    ("f = lambda: 1", False),
    ("d = {**base}", False),
    ("import math", False),
    ("del n", False),
    ("n: int = 1", False),
    ("y = (x := 1)", False),
    ("y = await z", False),
    ("def f():\n    pass", False),
]


@pytest.mark.parametrize(("source", "inert"), INERT, ids=[s or "empty" for s, _ in INERT])
def test_which_cells_run_only_their_own_code(source: str, inert: bool) -> None:
    assert runs_only_its_own_code(ast.parse(source)) is inert
    if "await" not in source:
        assert analyze(source).inert is inert


class _Number(int):
    pass


PLAIN = [
    (1, True),
    (2.5, True),
    ("s", True),
    (None, True),
    ((1, "a", (None, b"b")), True),
    ({"lr": 0.1, "layers": [64, 32], "tags": {"a"}}, True),
    (frozenset({1, 2}), True),
    (list(range(100)), False),  # past the limit: not looked through
    (_Number(3), False),  # a subclass's operators are code
    ([1, object()], False),
    (len, False),
    (sys, False),
]


@pytest.mark.parametrize(("value", "plain"), PLAIN, ids=[repr(v)[:30] for v, _ in PLAIN])
def test_plain_data(value: object, plain: bool) -> None:
    assert plain_data(value) is plain


def test_a_cycle_is_not_plain_data() -> None:
    loop: list[object] = [1]
    loop.append(loop)
    assert not plain_data(loop)


CASES = [
    Case(
        "literal-chain-re-runs-and-cuts-off",
        {"a": "n = 10", "b": "m = n * 2", "c": "k = m + 1"},
        ["run_all", "edit a: n = 11", "run a"],
        ran=["a", "b", "c"],
        ns={"k": 23},
    ),
    Case(
        "operator-of-an-instance-binds-a-global",
        {
            "a": "hits = 0",
            "b": "class P:\n    def __add__(self, other):\n        global hits\n"
            "        hits += 1\n        return 2",
            "c": "p = P()",
            "d": "x = p + 1",
            "e": "seen = hits",
        },
        # d's run binds `hits` again: a runs first so that d adds to what a gives, as in a
        # run-all, and e, reading the same value as before, is cut off.
        ["run_all", "run d"],
        ran=["a", "d"],
        ns={"hits": 1, "seen": 1, "x": 2},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_inert_cells(case: Case) -> None:
    scenario = Scenario(case)
    scenario.play()
    scenario.check()


def _binds_only(nb: Notebook, cell: str) -> frozenset[str] | None:
    session = nb._session
    record = session.records[nb.cell(cell).id]
    return session._binds_only(record.analysis, None, set(threading.enumerate()))


def test_an_inert_cell_of_plain_data_compares_only_its_names() -> None:
    nb = Notebook()
    nb.add("base = 4", id="a")
    nb.add("lr = base / 4\nsteps = 2", id="b")
    nb.run_all()
    assert _binds_only(nb, "b") == {"lr", "steps"}


def test_a_value_dropped_by_the_cell_must_be_plain_data() -> None:
    """Rebinding `obj` drops an instance whose `__del__` is code (it runs once reflow lets
    go of the old value, after the comparison, in either kind: docs/semantics.md)."""
    nb = Notebook()
    nb.add("class D:\n    def __del__(self):\n        pass", id="a")
    nb.add("obj = D()", id="b")
    nb.add("obj = 2", id="c")
    nb.run_all()
    assert _binds_only(nb, "c") == {"obj"}
    nb.run("b", alone=True)
    assert type(nb["obj"]).__name__ == "D"
    assert _binds_only(nb, "c") is None


def test_an_object_in_builtins_is_read_as_code() -> None:
    import builtins

    class Adds:
        def __add__(self, other: object) -> int:
            return 1

    nb = Notebook()
    nb.add("x = foreign + 1", id="a")
    builtins.foreign = Adds()  # type: ignore[attr-defined]
    try:
        nb.run_all()
        assert nb["x"] == 1
        assert _binds_only(nb, "a") is None
    finally:
        del builtins.foreign  # type: ignore[attr-defined]


def test_a_tracer_or_a_new_thread_turns_the_whole_comparison_back_on() -> None:
    nb = Notebook()
    nb.add("n = 1", id="a")
    nb.run_all()
    assert _binds_only(nb, "a") == {"n"}
    previous = sys.gettrace()
    sys.settrace(lambda *args: None)
    try:
        assert _binds_only(nb, "a") is None
    finally:
        sys.settrace(previous)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()
    try:
        assert _binds_only(nb, "a") is None
    finally:
        stop.set()
        worker.join()
    assert _binds_only(nb, "a") == {"n"}


def test_a_memoized_cell_compares_the_whole_namespace() -> None:
    nb = Notebook(cache="memory")
    nb.add("n = 1", id="a")
    nb.run_all()
    assert _binds_only(nb, "a") is None  # a hit puts values in from the store


def test_an_ipython_callback_that_binds_a_global_is_seen(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    sources = [
        "hits = 0",
        "def count(result):\n    global hits\n    hits += 1\n"
        "get_ipython().events.register('post_run_cell', count)",
        "x = 1",
        "seen = hits",
    ]
    notebook.cells = [nbformat.v4.new_code_cell(s, id=f"c{i}") for i, s in enumerate(sources)]
    path = tmp_path / "callback.ipynb"
    nbformat.write(notebook, path)
    nb = Notebook.open(path)
    try:
        nb.run_all()
        assert _binds_only(nb, "c2") is None
        before = nb["seen"]
        run = nb.run("c2")
        assert "c3" in run.ran
        assert nb["seen"] > before
    finally:
        nb.close()


def test_the_narrow_comparison_finds_the_names_and_what_ipython_added() -> None:
    namespace: dict[str, object] = {f"v{i}": i for i in range(1_000)}
    namespace["n"] = 1
    detector = ChangeDetector(namespace, (), DEFAULT_BUDGET, binds_only=frozenset({"n", "m"}))
    namespace["n"] = 2  # the cell's own
    namespace["m"] = 3  # the cell's own, new
    namespace["_i7"] = "n = 2"  # IPython's history name, new
    changes = detector.after(namespace, cut_off=lambda name: True, owned=lambda name: True)
    assert changes.rebound == {"n", "m", "_i7"}
    assert changes.deleted == frozenset()
