"""Parallel runs (issue 10): the same results as a sequential run, with cells in workers.

Every scenario runs twice, sequentially (``Notebook.run_all``) and in
parallel (real worker processes; a real Dask ``LocalCluster`` in
``test_parallel_dask.py``), and everything a user can see must be equal:
what ran, errors and their tracebacks, cancellations, each cell's stdout,
stderr and output, the notebook file written, the final values, and which
names share one object (``b = a`` in a worker must still be ``a``).
"""

from __future__ import annotations

import collections
import io
import pickle
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from reflow import Notebook
from reflow.cli import progress
from reflow.files import notebook_file
from reflow.formats import ipynb
from reflow.parallel import Parallel, plan, run_parallel
from reflow.parallel.backend import Backend
from reflow.parallel.pool import ProcessBackend


@dataclass
class Scenario:
    id: str
    cells: list[str]
    direction: str = "in_order"
    # Expectations beyond equality, by cell index: where it ends up running.
    workers: list[int] = field(default_factory=list)
    main: list[int] = field(default_factory=list)
    fallbacks: list[int] = field(default_factory=list)


GROW = "def grow(items):\n    items.append(0)\n    return len(items)"

SCENARIOS = [
    Scenario(
        "branches",
        ["x = 3", "a = x + 1\nprint('a', a)", "b = x * 2\nb", "total = a + b\ntotal"],
        workers=[0, 1, 2, 3],
    ),
    Scenario(
        "diamond",
        [
            "base = [1, 2, 3]",
            "left = [v + 1 for v in base]",
            "right = [v * 2 for v in base]",
            "both = left + right\nboth",
        ],
        workers=[0, 1, 2, 3],
    ),
    Scenario(
        "known-mutations-keep-their-order",
        [
            "xs = [1]",
            "n0 = len(xs)",
            "xs.append(2)",
            "n1 = len(xs)",
            "xs.append(3)",
            "n2 = len(xs)\nn2",
        ],
        workers=[0, 1, 3, 5],
        main=[2, 4],
    ),
    Scenario(
        "a-call-that-changes-its-argument-runs-again-in-main",
        [GROW, "data = [1]", "k = grow(data)", "after = len(data)", "copy = list(data)"],
        main=[0],
        fallbacks=[2],
    ),
    Scenario(
        "an-alias-stays-an-alias",
        ["a = [1]", "b = a", "b.append(2)", "n = len(a)", "same = a is b\nsame"],
        fallbacks=[1],
        main=[2],
    ),
    Scenario(
        "containers-of-inputs-stay-containers-of-inputs",
        ["inner = [1]", "outer = [inner, 2]", "inner.append(5)", "seen = outer[0]\nseen"],
        fallbacks=[1, 3],  # `seen` is `inner` itself, as is the output
    ),
    Scenario(
        "unpicklable-values-stay-in-main",
        [
            "g = (i * i for i in range(4))",
            "first = next(g)",
            "rest = list(g)",
            "import _thread\nlock = _thread.allocate_lock()\nheld = lock.locked()",
            "busy = lock.acquire()\nbusy",
            "fine = 1 + 1",
        ],
        fallbacks=[0, 1, 2, 3, 4],
        workers=[5],
    ),
    Scenario(
        "errors-cancel-their-dependents-only",
        [
            "a = 1",
            "b = a / 0",
            "c = b + 1",
            "d = a + 1\nd",
            "partial = 5\nraise ValueError(f'no {partial}')",
            "uses_partial = partial * 2",
        ],
        workers=[0, 3],
    ),
    Scenario(
        "a-name-the-lineage-missed-falls-back",
        ["hidden = 2", "seen = eval('hid' + 'den')", "late = missing_name + 1"],
        main=[1],
        fallbacks=[2],
    ),
    Scenario(
        "closures-made-in-workers-come-back-to-main",
        [
            "def make(k):\n    return lambda v: v + k + offset",
            "offset = 10",
            "add = make(2)",
            "offset = 100",
            "r = add(1)",
        ],
        fallbacks=[2],
    ),
    Scenario(
        "numpy-views-stay-views",
        [
            "import numpy as np",
            "arr = np.arange(6)",
            "view = arr[1:3]",
            "arr[1] = 10",
            "seen = int(view[0])",
            "total = int(arr.sum())",
        ],
        main=[0, 3],
        fallbacks=[2],
    ),
    Scenario(
        "outputs-streams-and-semicolons",
        [
            "x = 'hi'\nprint(x)\nx",
            "y = x * 2;",
            "print('to stderr', file=__import__('sys').stderr)",
            "{'k': [1, 2]}",
        ],
    ),
    Scenario(
        "redefinitions-in-order",
        ["count = 0", "count += 1", "seen = count", "count = 10", "final = count + seen"],
    ),
    Scenario(
        "any-order-runs-in-dependency-order",
        ["total = left + right", "left = base * 2", "right = base + 1", "base = 5"],
        direction="any_order",
        workers=[0, 1, 2, 3],
    ),
    Scenario(
        "classes-and-instances",
        [
            "class Point:\n    def __init__(self, x):\n        self.x = x",
            "p = Point(3)",
            "ok = isinstance(p, Point)\nok",
        ],
        main=[0],
        fallbacks=[1],  # an instance of a notebook class comes back only as the class's own
    ),
]


def notebook(scenario: Scenario) -> Notebook:
    nb = Notebook(direction=scenario.direction)
    for index, code in enumerate(scenario.cells):
        nb.add(code, id=f"c{index}")
    return nb


def visible(nb: Notebook, run: Any) -> dict[str, Any]:
    """Everything a user can see after a run, in comparable form."""
    cells = {
        cell.id: (cell.stdout, cell.stderr, _shown(cell.output), cell.error, cell.status)
        for cell in nb.cells
    }
    file = ipynb.render(notebook_file(nb))
    return {
        "ran": run.ran,
        "errors": run.errors,
        "cancelled": run.cancelled,
        "cells": cells,
        "values": {n: _value(v) for n, v in nb.namespace.items() if n != "__builtins__"},
        "aliases": _aliases(nb.namespace),
        "file": file,
    }


def _shown(value: Any) -> str:
    return repr(value) if value is None or isinstance(value, int | str | list | dict) else "obj"


def _value(value: Any) -> Any:
    try:
        pickle.dumps(value)
    except Exception:
        return type(value).__name__  # generators, locks: the same kind of thing
    if type(value).__module__ == "numpy":
        return ("array", value.tolist())
    if callable(value) or isinstance(value, type):
        return type(value).__name__
    if hasattr(value, "__dict__"):
        return (type(value).__name__, vars(value))
    return value


def _aliases(namespace: dict[str, Any]) -> set[frozenset[str]]:
    """Groups of names bound to one mutable object, or to an object and its container."""
    by_id: dict[int, set[str]] = collections.defaultdict(set)
    for name, value in namespace.items():
        if name.startswith("__") or isinstance(value, int | float | str | bool | type(None)):
            continue
        by_id[id(value)].add(name)
        if isinstance(value, list):
            for element in value:
                if isinstance(element, list):
                    by_id[id(element)].add(f"{name}[]")
    return {frozenset(names) for names in by_id.values() if len(names) > 1}


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessBackend]:
    backend = ProcessBackend(2)
    yield backend
    backend.close()


class Recorder:
    """Events of a parallel run: which cells ran in workers, and how many at once."""

    def __init__(self) -> None:
        self.dispatched: list[str] = []
        self.running: set[str] = set()
        self.most = 0

    def dispatched_(self, cell: str) -> None:
        self.dispatched.append(cell)
        self.running.add(cell)
        self.most = max(self.most, len(self.running))

    def returned(self, cell: str, outcome: str) -> None:
        self.running.discard(cell)


class Events:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def dispatched(self, cell: str) -> None:
        self.recorder.dispatched_(cell)

    def returned(self, cell: str, outcome: str) -> None:
        self.recorder.returned(cell, outcome)


def check_equal(scenario: Scenario, backend: Backend) -> tuple[Parallel, Recorder]:
    sequential = notebook(scenario)
    expected = visible(sequential, sequential.run_all())
    parallel_nb = notebook(scenario)
    recorder = Recorder()
    parallel = Parallel(parallel_nb, backend, events=Events(recorder))
    run = parallel.run_all()
    parallel.fetch_namespace()
    assert visible(parallel_nb, run) == expected
    return parallel, recorder


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_a_parallel_run_equals_the_sequential_one(scenario: Scenario, pool: Backend) -> None:
    parallel, recorder = check_equal(scenario, pool)
    prefetcher = parallel.prefetcher
    assert prefetcher is not None
    by_index = {f"c{i}": i for i in range(len(scenario.cells))}
    fell_back = sorted(by_index[t.cell] for t in prefetcher.tasks.values() if t.fallback)
    planned_main = sorted(
        by_index[t.cell] for t in prefetcher.tasks.values() if t.spec.placement.where == "main"
    )
    committed_from_workers = {by_index[c] for c in recorder.dispatched}
    assert fell_back == sorted(scenario.fallbacks)
    assert set(scenario.main) <= set(planned_main)
    assert set(scenario.workers) <= committed_from_workers - set(fell_back)


def test_at_most_n_cells_run_at_once_and_independent_ones_do(pool: Backend) -> None:
    scenario = Scenario(
        "four-independent",
        ["shared = list(range(1000))"] + [f"r{k} = sum(v * {k} for v in shared)" for k in range(4)],
    )
    _, recorder = check_equal(scenario, pool)
    assert recorder.most == 2  # two slots, four ready cells: both used, never more
    assert sorted(recorder.dispatched) == [f"c{i}" for i in range(5)]


def test_a_cell_changed_under_a_speculative_reader_runs_again(pool: Backend) -> None:
    # `n = len(a)` waits only for `a = [1]`; `b.append(2)` changes `a` through an
    # alias, which only running shows: n must see it, whatever ran first.
    scenario = Scenario(
        "alias-change", ["a = [1]", "b = a", "b.append(2)", "n = len(a)\nn", "m = n + 1"]
    )
    parallel, _ = check_equal(scenario, pool)
    assert parallel.notebook["n"] == 2


def test_rerun_on_invalidation_is_counted(pool: Backend) -> None:
    # A slow main cell lets the reader go ahead first, deterministically: it is
    # dispatched before the main cell runs, so the commit must invalidate it.
    scenario = Scenario(
        "speculation",
        [
            "a = [1]",
            "b = a",
            "b.append(2)",
            "n = len(a)",
        ],
    )
    nb = notebook(scenario)
    parallel = Parallel(nb, pool)
    parallel.run_all()
    prefetcher = parallel.prefetcher
    assert prefetcher is not None
    task = prefetcher.tasks["c3"]
    assert nb["n"] == 2
    # dispatched as soon as `a = [1]` was back, before `b.append(2)` ran: ran again.
    assert task.reruns >= 1


PLACEMENTS = [
    ("x = y + 1", "worker", "names reflow tracks"),
    ("import numpy as np", "main", "only imports"),
    ("def f():\n    return 1", "main", "defines `f`"),
    ("class C:\n    pass", "main", "defines `C`"),
    ("xs.append(1)", "main", "changes `xs` in place"),
    ("m.fit(X)", "main", "changes `m` in place"),
    ("out = exec('z = 1')", "main", "exec/eval/globals()"),
    ("from math import *", "main", "`import *`"),
    ("with open('f.txt', 'w') as fh:\n    fh.write('x')", "main", "`open`: opens files"),
    ("df = pd.read_csv('x.csv')", "main", "reads or writes a file"),
    ("df.to_parquet('x.parquet')", "main", "reads or writes a file"),
    ("np.random.seed(0)", "main", "process-wide state: `.seed`"),
    ("pd.set_option('display.max_rows', 5)", "main", "a library's global options"),
    ("import sys\nsys.path.append('lib')", "main", "where modules are imported from"),
    ("import warnings\nwarnings.simplefilter('ignore')", "main", "warning filters"),
    ("x = np.random.rand(3)", "main", "global random state"),
    ("import random\nr = random.random()", "main", "random module"),
    ("plt.savefig('a.png')", "main", "writes a figure file"),
    ("import os\ncwd = os.getcwd()", "main", "touches the process"),
    ("v = input()", "main", "reads the terminal"),
    ("from reflow import deps\nd = deps('x')", "main", "reflow's state API"),
    ("y = heavy(x)  # reflow: main", "main", "pinned"),
    ("y = 1 +", "main", "refused by the graph"),
    ("total = sum(v for v in data)", "worker", "names reflow tracks"),
]


@pytest.mark.parametrize(("code", "where", "reason"), PLACEMENTS, ids=[p[0] for p in PLACEMENTS])
def test_placement(code: str, where: str, reason: str) -> None:
    nb = Notebook()
    nb.add(code, id="only")
    (spec,) = plan(nb)
    assert spec.placement.where == where
    assert reason in spec.placement.reason


def test_a_function_that_reaches_outside_puts_its_callers_in_main() -> None:
    nb = Notebook()
    nb.add("def save(v):\n    with open('out.txt', 'w') as fh:\n        fh.write(str(v))")
    caller = nb.add("done = save(3)")
    specs = {s.cell: s for s in plan(nb)}
    assert specs[caller.id].placement.where == "main"
    assert "calls `save`, which" in specs[caller.id].placement.reason
    assert specs[caller.id].placement.barrier


def test_after_process_state_changes_every_cell_runs_in_main() -> None:
    nb = Notebook()
    nb.add("a = 1", id="a")
    nb.add("import numpy as np\nnp.random.seed(0)", id="seed")
    nb.add("b = a + 1", id="b")
    specs = {s.cell: s for s in plan(nb)}
    assert specs["a"].placement.where == "worker"
    assert specs["b"].placement.where == "main"
    assert "after cell [seed], which changed process-wide state" in specs["b"].placement.reason


def test_barriers_hold_back_later_cells() -> None:
    nb = Notebook()
    nb.add("a = 1", id="a")
    nb.add("print(a, file=open('log.txt', 'a'))", id="w")
    nb.add("b = 2", id="b")
    specs = {s.cell: s for s in plan(nb)}
    assert specs["a"].barrier is None
    assert specs["b"].barrier == "w"


def test_suspected_mutation_edges_are_not_waited_for() -> None:
    # `grow(data)` may change `data`, so the graph orders `after` behind it until it
    # has run; the parallel run lets `after` go, and the worker checks instead.
    nb = Notebook()
    nb.add("data = [1]", id="d")
    nb.add("k = grow(data)", id="k")
    nb.add("after = len(data)", id="after")
    assert "k" in nb.parents("after")
    specs = {s.cell: s for s in plan(nb)}
    assert specs["after"].producers == {"data": "d"}
    assert specs["after"].parents == frozenset()  # the edge from k is a suspicion


def test_run_parallel_fetches_the_namespace(pool: Backend, tmp_path: Path) -> None:
    nb = Notebook()
    nb.add("a = [1, 2]")
    nb.add("b = a + [3]")
    run = run_parallel(nb, pool)
    assert run.ok and nb["b"] == [1, 2, 3]


def test_a_value_made_in_a_worker_is_passed_on_as_it_came(pool: Backend) -> None:
    # `data` comes back from a worker as a pickled blob; the cells reading it later get
    # that blob, not a new pickle of the main process's copy, until a cell changes it.
    nb = Notebook()
    nb.add("data = list(range(50_000))", id="data")
    for k in range(3):
        nb.add(f"r{k} = sum(data) + {k}", id=f"r{k}")
    nb.add("data.append(1)", id="grow")
    nb.add("after = len(data)", id="after")
    parallel = Parallel(nb, pool)
    assert parallel.run_all().ok
    prefetcher = parallel.prefetcher
    assert prefetcher is not None
    one = len(pickle.dumps([*range(50_000), 1], protocol=pickle.HIGHEST_PROTOCOL))
    assert one <= prefetcher.shipped_bytes < one + 10_000  # only `after` pickles `data` here
    assert nb["after"] == 50_001 and nb["r2"] == sum(range(50_000)) + 2


def test_the_terminal_bar_shows_running_and_waiting_cells(pool: Backend) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    nb = Notebook()
    nb.add("base = 2", id="base")
    nb.add("left = base + 1", id="left")
    nb.add("right = base * 3", id="right")
    stream = Terminal()
    reporter = progress.reporter_for(stream, len(nb))
    run = Parallel(nb, pool, events=reporter).run_all(reporter)
    reporter.close(run)
    frames = stream.getvalue().split("\r")
    # Both ready once `base` is in, both sent in one go; each waits, back, for its turn.
    assert any("running: left, right" in f for f in frames)
    assert any("waiting: 1" in f for f in frames)
    assert frames[-1].startswith("[####################] 3/3  3 ran in")


def test_a_worker_that_dies_among_others_fails_its_cell_only() -> None:
    # The pool cannot tell which of its cells in flight killed the worker: it runs them
    # again one at a time; the one that kills its worker again fails, the others run.
    directory = str(Path(__file__).parent / "fixtures" / "parallel")
    sys.path.insert(0, directory)  # workers started from here on import `crash`
    backend = ProcessBackend(2)
    try:
        nb = Notebook()
        nb.add("x = 1", id="x")
        nb.add("a = sum(range(200_000)) + x", id="a")
        nb.add("import crash\ndied = crash.exit_now(3)", id="dies")
        nb.add("b = sum(range(300_000)) + x", id="b")
        nb.add("after = died", id="after")
        nb.add("total = a + b", id="total")
        run = Parallel(nb, backend).run_all()
    finally:
        backend.close()
        sys.path.remove(directory)
    assert list(run.errors) == ["dies"] and run.errors["dies"].type == "WorkerLost"
    assert run.cancelled == ["after"]
    assert nb["total"] == 2 * 1 + sum(range(200_000)) + sum(range(300_000))


class _BreakingPool:
    """A pool whose submit fails: ``broken`` says whether the pool broke meanwhile (its
    manager thread marks it before it closes the call queue the submit then needs)."""

    def __init__(self, error: Exception, broken: bool) -> None:
        self._error = error
        self._broken_after = broken
        self._broken: str | bool = False

    def submit(self, *args: Any) -> Any:
        if self._broken_after:
            self._broken = "A child process terminated abruptly"
        raise self._error


# (id, what the pool's submit raised, whether the pool was broken by then, the cell lost)
SUBMIT_FAILURES = [
    ("broken-before", BrokenProcessPool("broken"), True, True),
    ("broke-during", OSError("handle is closed"), True, True),  # Python 3.11, under load
    ("os-error-of-a-working-pool", OSError("too many open files"), False, False),
]


@pytest.mark.parametrize(
    ("error", "broken", "lost"),
    [row[1:] for row in SUBMIT_FAILURES],
    ids=[row[0] for row in SUBMIT_FAILURES],
)
def test_a_pool_that_breaks_at_a_submit_loses_that_cell(
    error: Exception, broken: bool, lost: bool
) -> None:
    from reflow.parallel.backend import WorkerLost

    backend = ProcessBackend(1)
    working = backend._pool
    backend._pool = _BreakingPool(error, broken)
    try:
        if lost:
            handle = backend.submit(Any, [])
            with pytest.raises(WorkerLost):
                backend.result(handle)
        else:
            with pytest.raises(OSError, match="too many open files"):
                backend.submit(Any, [])
    finally:
        backend._pool = working
        backend.close()
