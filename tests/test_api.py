"""The Notebook API the README tours: its shape, and what wrong use gets back."""

from __future__ import annotations

import signal
import threading

import pytest

import reflow
from reflow import Cell, CellError, Notebook, Run, UnknownCellError


@pytest.fixture
def nb() -> Notebook:
    return Notebook()


def test_spec_section_8_walkthrough() -> None:
    nb = Notebook(mode="reactive", direction="in_order")
    a = nb.add("x = [0, 1]")
    b = nb.add("x[1] = 5")
    c = nb.add("y = x[0] + 1")
    assert isinstance(nb.run_all(), Run)
    r = nb.run(b)
    # c read x[0], which b does not write; b reads x's binding, not its items.
    assert r.ran == [b.id]
    nb.edit(c, "y = x[1] + 1")
    assert nb.cell(c.id).status == "dirty"
    nb.run(c)
    assert nb["y"] == 6
    nb.delete(a)
    nb.move(c, 0)
    nb.mode = "lazy"
    nb.direction = "any_order"
    alone = nb.run(c, alone=True)
    # b failed with a NameError when a was deleted, and reads what it read then: its
    # error is its result, so nothing is pulled for c.
    assert alone.ran == [c.id] and alone.unpulled == []
    nb.run_stale()
    # x's binder is gone: c (and b, pulled in when a was deleted) fail on x
    assert nb.cell(c.id).status == "error"
    assert nb.cell(c.id).error is not None and nb.cell(c.id).error.type == "NameError"
    assert nb.cell(b.id).output is None
    assert isinstance(nb.cell(b.id).stdout, str)
    assert isinstance(nb.stale(), list)
    assert nb.refs(b.id) == ["x"]
    assert nb.defs(b.id) == []
    assert [cell.id for cell in nb.cells] == [c.id, b.id]


def test_spec_section_8_minimality_with_paths() -> None:
    nb = Notebook()
    nb.add("x = [0, 1]")
    b = nb.add("x[1] = 5")
    nb.add("y = x[0] + 1")
    nb.run_all()
    assert nb.run(b).ran == [b.id]


def test_cell_or_id_everywhere(nb: Notebook) -> None:
    a = nb.add("x = 1")
    b = nb.add("y = x")
    nb.run_all()
    assert nb.parents(b) == nb.parents(b.id) == [a.id]
    assert nb.children(a) == nb.children(a.id) == [b.id]
    assert nb.refs(b) == nb.refs(b.id) == ["x"]
    assert nb.defs(a) == ["x"]
    assert nb.cell(a) == nb.cell(a.id) == a
    assert nb.run(a.id).ran == nb.run(a).ran


def test_add_at_index_and_custom_ids(nb: Notebook) -> None:
    nb.add("x = 1", id="first")
    nb.add("z = 3", id="last")
    nb.add("y = 2", 1, id="middle")
    assert [c.id for c in nb.cells] == ["first", "middle", "last"]
    assert nb.cell("middle").index == 1
    with pytest.raises(ValueError, match="already in the notebook"):
        nb.add("w = 4", id="first")


def test_generated_ids_are_unique(nb: Notebook) -> None:
    ids = {nb.add("x = 1").id for _ in range(200)}
    assert len(ids) == 200


def test_unknown_cell_id_says_what_was_expected(nb: Notebook) -> None:
    nb.add("x = 1", id="known")
    with pytest.raises(UnknownCellError, match=r"no cell with id 'nope'.*expected a Cell"):
        nb.run("nope")
    with pytest.raises(KeyError):  # UnknownCellError is a KeyError
        nb.cell("nope")
    for method in (nb.edit, nb.delete, nb.refs, nb.defs, nb.parents, nb.children):
        with pytest.raises(UnknownCellError):
            method("nope", *(["x = 2"] if method == nb.edit else []))


def test_wrong_types_say_what_was_expected(nb: Notebook) -> None:
    with pytest.raises(TypeError, match="cell code must be a str, got int"):
        nb.add(42)  # type: ignore[arg-type]
    cell = nb.add("x = 1")
    with pytest.raises(TypeError, match="cell code must be a str, got NoneType"):
        nb.edit(cell, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a Cell or a cell id"):
        nb.run(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="index must be an int"):
        nb.move(cell, "0")  # type: ignore[arg-type]


def test_cell_of_another_notebook_is_refused(nb: Notebook) -> None:
    other = Notebook().add("x = 1")
    with pytest.raises(ValueError, match="belongs to another notebook"):
        nb.run(other)


def test_unknown_mode_and_direction(nb: Notebook) -> None:
    with pytest.raises(ValueError, match="mode must be 'reactive' or 'lazy', got 'fast'"):
        nb.mode = "fast"
    with pytest.raises(ValueError, match="direction must be 'in_order' or 'any_order'"):
        Notebook(direction="sideways")
    assert nb.mode == "reactive"
    nb.mode = "lazy"
    nb.direction = "any_order"
    assert (nb.mode, nb.direction) == ("lazy", "any_order")


def test_getitem_raises_keyerror_naming_the_name(nb: Notebook) -> None:
    nb.add("x = 1")
    nb.run_all()
    assert nb["x"] == 1
    assert "x" in nb
    with pytest.raises(KeyError, match="'missing' is not defined"):
        nb["missing"]


def test_error_carries_type_message_and_traceback(nb: Notebook) -> None:
    cell = nb.add("def f():\n    return {}['k']\nf()")
    run = nb.run(cell)
    error = nb.cell(cell).error
    assert isinstance(error, CellError)
    assert run.errors == {cell.id: error}
    assert error.type == "KeyError"
    assert error.message == "'k'"
    assert "return {}['k']" in error.traceback  # the cell's own line
    assert "reflow" not in error.traceback.split("\n", 2)[1]  # no frame of ours first


def test_stdout_and_stderr_per_cell(nb: Notebook) -> None:
    a = nb.add("print('one')")
    b = nb.add("import sys\nprint('two', file=sys.stderr)\nprint('three')")
    nb.run_all()
    assert (nb.cell(a).stdout, nb.cell(a).stderr) == ("one\n", "")
    assert (nb.cell(b).stdout, nb.cell(b).stderr) == ("three\n", "two\n")


def test_trailing_semicolon_variants(nb: Notebook) -> None:
    cells = [nb.add(src) for src in ("1 + 1", "1 + 1;", "1 + 1;  # hidden", "x = 1;", "'a;'")]
    nb.run_all()
    assert [nb.cell(c).output for c in cells] == [2, None, None, None, "a;"]


def test_refs_defs_and_mutate_outside_a_cell_raise() -> None:
    with pytest.raises(RuntimeError, match="only inside a running cell"):
        reflow.refs()
    with pytest.raises(RuntimeError, match=r"reflow.mutate\(\) works only inside a running cell"):
        reflow.mutate([])


def test_real_interrupt_stops_the_run(nb: Notebook) -> None:
    """A KeyboardInterrupt delivered from another thread, as Ctrl-C or a kernel would."""
    import _thread

    a = nb.add("x = 1")
    b = nb.add("import time\nfor _ in range(500):\n    time.sleep(0.01)\ny = x")
    c = nb.add("z = y")
    d = nb.add("w = 4")
    # Python's Ctrl-C handler, even where this process inherited SIGINT ignored (started
    # from a background job): interrupt_main then does nothing.
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        run = nb.run_all()
    finally:
        timer.join()
        signal.signal(signal.SIGINT, handler)
    # (No clock: on a loaded machine the interrupt may come late, never after `b`'s 5 s
    # loop ends, which `b`'s KeyboardInterrupt below shows.)
    assert run.interrupted
    assert run.ran == [a.id, b.id]
    assert nb.cell(b).error is not None and nb.cell(b).error.type == "KeyboardInterrupt"
    assert nb.cell(c).status == "stale" and nb.cell(d).status == "stale"
    assert set(run.stale) >= {c.id, d.id}
    nb.edit(b, "y = x")  # the notebook is still usable
    assert nb.run(b).ran == [b.id, c.id]
    assert nb["z"] == 1


def test_cell_repr_and_equality(nb: Notebook) -> None:
    cell = nb.add("x = 1  # one", id="c1")
    assert repr(cell) == "<Cell c1 [never_run] 'x = 1  # one'>"
    assert cell == nb.cell("c1") and hash(cell) == hash(nb.cell("c1"))
    assert isinstance(nb.cells[0], Cell)


def test_stale_reason_names_symbol_and_cell(nb: Notebook) -> None:
    a = nb.add("x = 1", id="a")
    b = nb.add("y = x", id="b")
    nb.mode = "lazy"
    nb.run_all()
    nb.edit(a, "x = 2")
    nb.run(a)
    assert nb.cell(b).stale_reason == "reads `x`, changed by cell [a]"
    assert nb.stale() == [b.id]


def test_state_api_inside_a_cell() -> None:
    nb = Notebook()
    nb.add("a = 2", id="a")
    nb.add("b = 3", id="b")
    nb.add("unrelated = 0", id="u")
    nb.add("c = a * b", id="c")
    nb.add("d = c + 1", id="d")
    ask = nb.add(
        "from reflow import deps, users, code, timestamp\n"
        "answers = (deps(c), deps('c'), users('c'), code('d'), timestamp('c'))",
        id="ask",
    )
    nb.run_all()
    assert nb.cell(ask).error is None, nb.cell(ask).error
    deps_value, deps_name, users_c, program, when = nb["answers"]
    assert deps_value == deps_name == ["a", "b"]
    assert users_c == ["d"]  # the asking cell has not finished reading yet
    assert program == "a = 2\n\nb = 3\n\nc = a * b\n\nd = c + 1\n"
    assert (when.cell, when.position) == ("c", 3)
    namespace: dict[str, object] = {}
    exec(program, namespace)  # the program really rebuilds d
    assert namespace["d"] == nb["d"] == 7


def test_state_api_reads_the_argument_expression() -> None:
    """``deps(x)`` means the global x even when y holds the same object."""
    nb = Notebook()
    nb.add("base = [1]", id="base")
    nb.add("x = y = base", id="xy")
    cell = nb.add("from reflow import deps, users\nanswer = (deps(x), users(base))")
    nb.run_all()
    assert nb.cell(cell).error is None, nb.cell(cell).error
    assert nb["answer"] == (["base"], ["x", "y"])


def test_state_api_refuses_ambiguous_objects() -> None:
    nb = Notebook()
    nb.add("x = y = [1]")
    cell = nb.add("from reflow import deps\ndeps([x][0])")  # no global named by the source
    nb.run_all()
    error = nb.cell(cell).error
    assert error is not None and error.type == "ValueError"
    assert "several globals (x, y)" in error.message and "as a string" in error.message


def test_state_api_answers_for_parts() -> None:
    nb = Notebook()
    nb.add("xs = [0, 1]", id="a")
    nb.add("s = 10", id="s")
    nb.add("xs[1] = s + 5", id="b")
    nb.add("first = xs[0] * 2", id="c")
    nb.add("second = xs[1] * 2", id="d")
    nb.add("total = sum(xs)", id="e")
    ask = nb.add(
        "from reflow import deps, users, code, timestamp, lift\n"
        "answers = (deps(xs[1]), deps(xs[0]), users(xs[1]), users(xs[0]), users('xs[0]'),\n"
        "           code(xs[0]), timestamp(xs[1]).cell, timestamp(xs[0]).cell, lift(xs[1]))",
        id="ask",
    )
    nb.run_all()
    assert nb.cell(ask).error is None, nb.cell(ask).error
    dep1, dep0, users1, users0, users0_text, program0, when1, when0, lifted = nb["answers"]
    assert dep1 == ["s", "xs"]  # xs[1] was written by b, from s (and xs's binding)
    assert dep0 == []  # xs[0] is a's, which read nothing
    assert users1 == ["second", "total"]
    assert users0 == users0_text == ["first", "total"]
    assert program0 == "xs = [0, 1]\n"
    assert (when1, when0) == ("b", "a")
    assert lifted.symbol == "xs[1]" and lifted.cell == "b" and lifted.position == 2
    assert lifted.users == ("second", "total")


def test_cells_slice_is_the_program_that_runs_a_cell() -> None:
    nb = Notebook()
    nb.add("a = 1", id="a")
    nb.add("unrelated = 2", id="u")
    nb.add("b = a + 1", id="b")
    ask = nb.add(
        "from reflow import cells\nhandle = cells(2)\nby_id = cells('b')\nprogram = handle.slice()",
        id="ask",
    )
    nb.run_all()
    assert nb.cell(ask).error is None, nb.cell(ask).error
    handle = nb["handle"]
    assert handle == nb["by_id"]
    assert (handle.id, handle.position, handle.code) == ("b", 2, "b = a + 1")
    assert handle.parents == ("a",) and handle.children == ()
    assert nb["program"] == "a = 1\n\nb = a + 1\n"
    namespace: dict[str, object] = {}
    exec(nb["program"], namespace)
    assert namespace["b"] == 2


@pytest.mark.parametrize(
    ("call", "error"),
    [("cells(99)", "IndexError"), ("cells('nope')", "KeyError"), ("cells(1.5)", "TypeError")],
)
def test_cells_refuses_what_is_not_a_cell(call: str, error: str) -> None:
    nb = Notebook()
    cell = nb.add(f"from reflow import cells\n{call}")
    nb.run_all()
    assert nb.cell(cell).error is not None and nb.cell(cell).error.type == error


def test_observer_hears_every_cell_of_a_run() -> None:
    heard: list[tuple[str, str]] = []

    class Listener:
        def started(self, cell: str) -> None:
            heard.append(("started", cell))

        def finished(self, cell: str, outcome: str) -> None:
            heard.append((outcome, cell))

    nb = Notebook()
    nb.add("x = 1", id="a")
    nb.add("y = 1 / 0", id="b")
    nb.add("z = y", id="c")
    nb.run_all(observer=Listener())
    assert heard == [
        ("started", "a"),
        ("ok", "a"),
        ("started", "b"),
        ("error", "b"),
        ("cancelled", "c"),
    ]
    assert nb.cell("a").last_run is not None and nb.cell("c").last_run is None


# ---- changes made outside any cell (a widget the user moved) ---------------------------


class Knob:
    """Stands in for a widget: an object whose attribute a user changes between runs."""

    def __init__(self, value: int) -> None:
        self.value = value


def knob_notebook(mode: str = "reactive") -> tuple[Notebook, list[str]]:
    nb = Notebook(mode=mode)
    nb.namespace["Knob"] = Knob
    cells = [
        nb.add("k = Knob(3)").id,
        nb.add("y = k.value * 2").id,
        nb.add("z = y + 1").id,
        nb.add("other = 1").id,
    ]
    nb.run_all()
    return nb, cells


def test_a_change_outside_any_cell_reruns_the_readers_not_the_binder() -> None:
    nb, (a, b, c, d) = knob_notebook()
    knob = nb["k"]
    knob.value = 10
    run = nb.changed_outside({"k": frozenset({"value"})})
    assert run.ran == [b, c] and run.stale == []
    assert nb["k"] is knob and (nb["y"], nb["z"]) == (20, 21)
    assert [nb.cell(x).status for x in (a, b, c, d)] == ["fresh"] * 4


def test_a_change_outside_any_cell_in_lazy_mode_marks_readers_and_below_stale() -> None:
    nb, (a, b, c, d) = knob_notebook("lazy")
    nb["k"].value = 10
    run = nb.changed_outside({"k": None})
    assert run.ran == [] and run.stale == [b, c]
    assert nb.cell(b).stale_reason == f"reads `k`, changed by cell [{a}]"
    assert nb.cell(a).status == "fresh" and nb.cell(d).status == "fresh"
    nb.run_stale()
    assert nb["z"] == 21 and nb.stale() == []


@pytest.mark.parametrize(
    "binder",
    [
        "class W:\n    pass\ns = W()\ns.value = 3",
        # Unfingerprintable: the setter's store counts as a change of all of `s`.
        "import threading\nclass W:\n    pass\ns = W()\ns.value = 3\ns.lock = threading.Lock()",
    ],
    ids=["attributes-tracked", "object-whole"],
)
def test_a_change_outside_keeps_the_users_value_over_a_cell_that_set_it(binder: str) -> None:
    """A cell that set the value (`s.value = 5`) is not run again to undo the user's move,
    and readers above and below it see the user's value."""
    nb = Notebook()
    cells = [nb.add(binder).id, nb.add("y0 = s.value * 2").id]
    cells += [nb.add("s.value = 5").id, nb.add("y = s.value * 2").id]
    nb.run_all()
    nb["s"].value = 8
    run = nb.changed_outside({"s": frozenset({"value"})})
    assert run.ran == [cells[1], cells[3]]
    assert (nb["y0"], nb["y"], nb["s"].value) == (16, 16, 8)
    assert [nb.cell(c).status for c in cells] == ["fresh"] * 4
    nb.run(cells[2])  # running the setter again is the user's choice: it sets 5
    assert (nb["y"], nb["s"].value) == (10, 5)
    assert [nb.cell(c).status for c in cells] == ["fresh"] * 4


def test_a_change_outside_leaves_readers_of_an_earlier_binding_alone() -> None:
    nb = Notebook()
    first, reader = nb.add("s = 0").id, nb.add("v = repr(s)").id
    nb.add("class W:\n    pass\ns = W()\ns.value = 3")
    nb.run_all()
    nb["s"].value = 8
    run = nb.changed_outside({"s": frozenset({"value"})})
    assert run.ran == [] and nb["v"] == "0"  # it reads the `s` above, as a run-all does
    assert nb.cell(reader).status == nb.cell(first).status == "fresh"


def test_a_change_of_a_name_no_cell_bound_changes_nothing() -> None:
    nb, _ = knob_notebook()
    nb.namespace["loose"] = Knob(1)
    assert nb.changed_outside({"loose": None, "missing": None}) == Run()
    assert nb.stale() == []
