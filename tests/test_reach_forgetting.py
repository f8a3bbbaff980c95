"""A change of what a cell may change in place forgets only what rests on it.

When a cell's ``alters`` change, the scheduler keeps its board and forgets the
cell, the readers below it of every name it may reach through sharing, and
their dependents (``DataflowGraph.take_reach_changes``); it starts a fresh
board only when which names share objects changes (``reach_epoch``). A reader
left out would show a stale result as fresh: each step compares the kept
statuses with statuses decided afresh.
"""

from __future__ import annotations

import pytest

from carried import assert_carried_statuses_are_fresh
from reflow import Notebook


def _alias_notebook(changer: str) -> tuple[Notebook, list[str]]:
    nb = Notebook()
    cells = [
        nb.add("def f(x):\n    x['k'] = 1").id,
        nb.add("d = {}").id,
        nb.add("c = [d]").id,
        nb.add(changer).id,
        nb.add("y = d.get('k')").id,
    ]
    nb.run_all()
    return nb, cells


def test_a_reader_below_a_changer_whose_reach_grew_is_stale_on_the_kept_board() -> None:
    nb, (_, _, _, changer, reader) = _alias_notebook("n = len(c)")
    kept = nb._scheduler.board()
    assert nb.stale() == []
    nb.edit(changer, "f(c[0])")  # may change d now, through c
    assert nb._graph.expanded(changer).alters  # its reach changed...
    assert nb._scheduler.board() is kept  # ... and the board was kept
    assert nb.cell(reader).status == "stale"
    assert_carried_statuses_are_fresh(nb)
    nb.run(changer)
    assert nb["y"] == 1
    assert_carried_statuses_are_fresh(nb)


def test_a_reader_below_a_changer_whose_reach_shrank_is_decided_again() -> None:
    nb, (_, _, _, changer, reader) = _alias_notebook("f(c[0])")
    nb.mode = "lazy"
    nb.edit(changer, "n = len(c)")
    assert nb.cell(reader).status == "stale"  # the changer is dirty, not yet run
    assert_carried_statuses_are_fresh(nb)
    nb.run(changer, alone=True)
    assert_carried_statuses_are_fresh(nb)


def test_what_rests_on_a_reach_change_is_the_cell_and_the_readers_below_it() -> None:
    nb, (_, _, _, changer, reader) = _alias_notebook("n = len(c)")
    above = nb.add("z = d.get('k')", index=3).id
    graph = nb._graph
    graph.take_reach_changes()
    effects = graph.effects(changer).with_analysis(nb._analyze("f(c[0])"))
    graph.update(changer, effects)
    # d is reached through c; the reader above the changer does not rest on it.
    assert graph.take_reach_changes() == {changer, reader}
    assert graph.take_reach_changes() == set()  # told once
    assert above in graph.readers("d")


def test_a_name_bound_to_another_kind_tells_the_changers_that_may_reach_it() -> None:
    nb = Notebook()
    binder = nb.add("d = 5").id  # a constant: no run can be seen to change it
    nb.add("def f(x):\n    x['k'] = 1")
    nb.add("c = [d]")
    changer = nb.add("f(c[0])").id
    reader = nb.add("y = d").id
    nb.run_all()
    graph = nb._graph
    graph.take_reach_changes()
    assert "d" not in graph.reached(changer)
    epoch = graph.reach_epoch
    effects = graph.effects(binder).with_analysis(nb._analyze("d = {}"))
    graph.update(binder, effects)  # d may change in place now: the changer reaches it
    assert "d" in graph.reached(changer) and graph.reach_epoch == epoch
    assert {changer, reader} <= graph.take_reach_changes()


DYNAMIC_READERS = [
    "ev = eval('y * 10')\nev",
    "exec('ev = y * 10')\nev",
    "ev = globals()['y'] * 10\nev",
]


@pytest.mark.parametrize("reader", DYNAMIC_READERS)
@pytest.mark.parametrize("run_it", [False, True])
def test_a_binder_added_above_a_dynamic_reader_makes_it_stale(reader: str, run_it: bool) -> None:
    """Probe round 5, r1: a cell that may read any name reads what a new binder above it
    binds; the early cutoff forgot only the new cell's static readers, and the reader
    stayed fresh with 10 where a run-all gives 70."""
    nb = Notebook(mode="lazy")
    nb.add("y = 1")
    nb.add("K = 2")
    read = nb.add(reader)
    nb.run_all()
    binder = nb.add("y = 7", 2)
    if run_it:
        nb.run(binder)
    assert_carried_statuses_are_fresh(nb)
    assert read.status == "stale"
    nb.run_stale()
    assert (read.status, read.output) == ("fresh", 70)


def test_a_dynamic_cell_that_saw_a_moved_binder_is_run_again_by_run_stale() -> None:
    """Probe round 5, r2: a `globals()` cell saw every global in its last run; moving an
    unrelated binder below it makes it stale, but only a run tells whether it needs the
    name (a run-all's would fail there if it did), so run_stale runs it."""
    nb = Notebook(mode="lazy")
    nb.add("N = 2")
    nb.add("d = {}")
    a = nb.add("a = 1")
    dynamic = nb.add("globals()['d']['k'] = N")
    nb.run_all()
    nb.move(a, 3)
    assert dynamic.status == "stale"
    nb.run_stale()
    assert [c.status for c in nb.cells] == ["fresh"] * 4
    assert nb.namespace["d"] == {"k": 2}


def test_an_edit_forgets_the_readers_of_what_its_last_run_wrote() -> None:
    """A reader that saw a store into a module asks whether the cell that made it reads a
    name only cells below bind (``StatusBoard._stored_below``). An edit that drops the
    store from the code, then one that makes such a read, must decide the reader again:
    the second edit's code writes nothing the reader uses (found by the module family of
    tests/test_property_aliases.py)."""
    nb = Notebook()
    maker = nb.add("import types\nm = types.ModuleType('m')\nm.attr = 0").id
    nb.add("fs = []")
    reader = nb.add("m.attr = 1\nv = m.attr").id
    nb.run_all()
    nb.edit(maker, "g = 0")
    assert nb.cell(reader).status == "stale"
    nb.edit(maker, "fs.append(m.attr)")  # reads `m`, which only the reader binds now
    assert_carried_statuses_are_fresh(nb)
