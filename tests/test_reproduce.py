"""``reproduce_cell(n, lookback=1)`` in the library front door (runs numbered 1, 2, ...)."""

from __future__ import annotations

import pytest

from reflow import Notebook


def test_reproduce_cell_shows_earlier_runs_of_a_cell() -> None:
    nb = Notebook()
    a = nb.add("v = 'first'\nprint('made', v)\nv")
    nb.run(a)  # run 1
    nb.edit(a, "v = 'second'\nv")
    nb.run(a)  # run 2
    shown = nb.add(
        "from reflow import reproduce_cell\n"
        "r1 = reproduce_cell(1)\n"
        "r2 = reproduce_cell(2, lookback=2)"
    )
    run = nb.run(shown)
    assert run.ok, run.errors
    one, two = repr(nb["r1"]), repr(nb["r2"])
    assert one == "In [1]:\nv = 'first'\nprint('made', v)\nv\nOut [1]:\nmade first\n'first'"
    assert "In [1]:" in two and "In [2]:" in two and two.index("'first'") < two.index("'second'")
    assert "<pre>v = &#x27;second&#x27;" in nb["r2"]._repr_html_()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("reproduce_cell(99)", "no execution number 99"),
        ("reproduce_cell(1, lookback=0)", "lookback >= 1"),
        ("reproduce_cell('1')", "n is an execution number"),
    ],
)
def test_reproduce_cell_rejects_what_it_cannot_show(call: str, message: str) -> None:
    nb = Notebook()
    nb.run(nb.add("x = 1"))
    cell = nb.add(f"from reflow import reproduce_cell\n{call}")
    run = nb.run(cell)
    assert message in str(run.errors[cell.id])


def test_reproduce_cell_needs_a_running_cell() -> None:
    from reflow import reproduce_cell

    with pytest.raises(RuntimeError, match="only inside a running cell"):
        reproduce_cell(1)
