"""``reflow.checks``: one row per fixture, every diagnostic with the place it points at."""

from __future__ import annotations

from pathlib import Path

import pytest

from formats_helpers import fixture
from reflow import Notebook
from reflow.checks import RULES, check
from reflow.files import position_in_file
from reflow.formats import read, write

# fixture, direction (None: the file's own), expected (code, cell number, text at the position)
CASES = [
    (
        "marimo/dataflow_rules.py",
        None,
        [
            ("RF001", 2, "count = 0"),
            ("RF001", 3, "count += 1"),
            ("RF002", 4, "b + 1"),
            ("RF002", 5, "a * 2"),
            ("RF004", 8, "_private + 1"),
        ],
    ),
    (
        "marimo/dataflow_rules.md",
        None,
        [
            ("RF001", 1, "count = 0"),
            ("RF001", 2, "count += 1"),
            ("RF002", 3, "b + 1"),
            ("RF002", 4, "a * 2"),
            ("RF004", 6, "_private + total"),
        ],
    ),
    (
        # Read Jupyter's way: the cycle's first read is out of order, `_private` is shared.
        "marimo/dataflow_rules.py",
        "in_order",
        [("RF003", 4, "b + 1")],
    ),
    (
        "percent/in_order_problems.py",
        None,
        [
            ("RF003", 1, "later)"),
            ("RF004", 3, "missing +"),
            ("RF004", 4, "count += 1"),
            ("RF005", 5, ":"),
        ],
    ),
    ("percent/star_import.py", "any_order", [("RF006", 1, "from math import *")]),
    ("percent/star_import.py", None, []),
    ("marimo/clean.py", None, []),
    ("marimo/clean.md", None, []),
    ("ipynb/jupyter.ipynb", None, []),
]


def _found(path: Path, direction: str | None) -> list[tuple[str, int, str]]:
    nb = Notebook.open(path, direction=direction)
    lines = path.read_text().split("\n")
    found = []
    for diagnostic in check(nb):
        where = position_in_file(nb, diagnostic.cell, diagnostic.line, diagnostic.column)
        assert where is not None
        line, column = where
        text = lines[line - 1][column - 1 :]
        found.append((diagnostic.rule.code, diagnostic.index + 1, text))
    return found


@pytest.mark.parametrize(("name", "direction", "expected"), CASES)
def test_diagnostics(
    name: str, direction: str | None, expected: list[tuple[str, int, str]]
) -> None:
    found = _found(fixture(name), direction)
    assert [(code, cell) for code, cell, _ in found] == [(code, cell) for code, cell, _ in expected]
    for (_, _, text), (_, _, start) in zip(found, expected, strict=True):
        assert text.startswith(start)


def test_positions_in_an_ipynb_point_into_its_json(tmp_path: Path) -> None:
    path = tmp_path / "problems.ipynb"
    write(read(fixture("percent/in_order_problems.py")), path)
    found = _found(path, None)
    assert [(code, cell) for code, cell, _ in found] == [
        ("RF003", 1),
        ("RF004", 3),
        ("RF004", 4),
        ("RF005", 5),
    ]
    texts = [text for _, _, text in found]
    assert texts[0].startswith("later)")
    assert texts[1].startswith('missing + len(\\"abc\\")')  # escaped quotes, still aligned
    assert texts[2].startswith("count += 1")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["print(len([1]))", "display(sorted({}))"], []),  # builtins and the kernel's display
        (["__name__", "x = _", "In[0]"], []),  # dunders and IPython's own names
        (["exec('made = 1')", "made"], []),  # a dynamic cell may define anything
        (["def f():\n    return later\n", "later = 1", "f()"], []),  # read when called
        (["for i in range(2):\n    total = total + i"], ["RF004"]),
        (["x = 1", "del x", "x"], []),  # deleting does not undefine statically
    ],
)
def test_what_is_and_is_not_an_undefined_name(cells: list[str], expected: list[str]) -> None:
    nb = Notebook()
    for code in cells:
        nb.add(code)
    assert [d.rule.code for d in check(nb)] == expected


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Issue 20 item 15: a function called after the cell bound a name reads the cell's.
        (["def f():\n    return l", "l = 1; x = f()", "l = 2"], []),
        (["def f():\n    return l", "x = f(); l = 1", "l = 2"], ["RF003"]),  # the twin
        (["def f():\n    return l", "if c:\n    l = 1\nx = f()", "l = 2", "c = 1"],
         ["RF003", "RF003"]),  # the twin: bound on one branch only (`c` and `l`)
        # A name read after the cell's own `import *` may be one it binds (Lecture-1).
        (["from math import *\nx = cos(0)", "from math import cos"], []),
        (["x = cos(0)\nfrom math import *", "from math import cos"], ["RF003"]),  # the twin
        # Below one: `math` is built in, its names read without running anything; a
        # module that would have to be imported may bind anything (`reflow_absent`).
        (["from math import *", "x = log(10)", "from math import log"], []),
        (["from math import *", "x = later + 1", "later = 1"], ["RF003"]),  # the twin
        (["from reflow_absent import *", "x = later + 1", "later = 1"], []),
    ],
)  # fmt: skip
def test_what_is_and_is_not_an_out_of_order_usage(cells: list[str], expected: list[str]) -> None:
    nb = Notebook()
    for code in cells:
        nb.add(code)
    assert [d.rule.code for d in check(nb)] == expected


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Issue 20 item 12: instances of one class share nothing with it, nor each other.
        (["from collections import OrderedDict",
          "def make() -> OrderedDict:\n    return OrderedDict()",
          "d1 = make()\nd2 = OrderedDict()\nd2.update(a=1)"], []),
        # Issue 20 item 11: two cells handing the same objects to calls, each reading what
        # the other may change, are ordered, not refused.
        (["def touch(*xs):\n    for x in xs:\n        x.append(0)", "align = []", "boxes = []",
          "touch(align)\nn = len(boxes)", "touch(align, boxes)"], []),
        (["a = b + 1", "b = a + 1"], ["RF002", "RF002"]),  # the twin: data cycles stay
    ],
)  # fmt: skip
def test_what_is_and_is_not_a_cycle_in_any_order(cells: list[str], expected: list[str]) -> None:
    nb = Notebook(direction="any_order")
    for code in cells:
        nb.add(code)
    assert [d.rule.code for d in check(nb)] == expected


def test_every_rule_has_a_fixture_that_shows_it() -> None:
    shown = {code for _, _, expected in CASES for code, _, _ in expected}
    assert shown == {rule.code for rule in RULES}
