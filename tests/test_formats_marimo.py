"""marimo notebooks, .py and .md, written by hand as marimo's dataflow tutorial describes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from formats_helpers import fixture
from reflow import Notebook
from reflow.formats import marimo_md, marimo_py, read, write
from reflow.formats.errors import FormatProblem
from reflow.formats.model import FileCell, NotebookFile


def test_py_cells_are_function_bodies_setup_first() -> None:
    file = read(fixture("marimo/dataflow_rules.py"))
    assert file.format == "marimo_py"
    sources = [c.source for c in file.cells]
    assert sources[:3] == [
        "import math",
        "# the counter starts at zero\ncount = 0",
        "count += 1",
    ]
    assert sources[-2] == "doubled = total * 2\ndoubled"
    assert sources[-1] == "def helper(x):\n    return x + 1"
    assert file.cells[1].metadata == {"marimo": {"config": {"hide_code": True}}}
    assert file.cells[-2].metadata == {"marimo": {"name": "summary"}}
    assert [c.id for c in file.cells[:3]] == ["c1", "c2", "c3"]


def test_py_signature_and_return_are_not_trusted() -> None:
    nb = Notebook.open(fixture("marimo/clean.py"))
    first = nb.cells[0]
    # `def _(mo, total)` names mo, and a multi-line signature names size: the body decides.
    assert nb.refs(nb.cells[3]) == ["total"]
    assert nb.refs(nb.cells[1]) == ["size"]
    assert first.code.startswith("# runs after")
    assert "The total is\n{total}" in nb.cells[3].code  # a string's lines keep their indent


def test_marimo_notebooks_open_in_any_order_and_run_in_dependency_order() -> None:
    for name in ("marimo/clean.py", "marimo/clean.md"):
        nb = Notebook.open(fixture(name))
        assert nb.direction == "any_order"
        run = nb.run_all()
        assert run.errors == {}, name
        assert nb["total"] == 10
        assert nb.cells[0].stdout == "total: 10\n"


def test_py_rules_of_the_dataflow_tutorial() -> None:
    nb = Notebook.open(fixture("marimo/dataflow_rules.py"))
    run = nb.run_all()
    errors = {nb.cell(c).index: e.type for c, e in run.errors.items()}
    assert errors == {
        1: "MultipleDefinitionError",  # count = 0
        2: "MultipleDefinitionError",  # count += 1
        3: "CycleError",
        4: "CycleError",
        7: "NameError",  # _private belongs to the cells that bind it
    }
    assert nb["total"] == 12 and nb["doubled"] == 24
    assert "temp" not in nb  # deleted by a later cell
    assert nb["helper"](1) == 2


def test_md_code_fences_and_prose() -> None:
    file = read(fixture("marimo/dataflow_rules.md"))
    kinds = [(c.kind, c.source.split("\n")[0]) for c in file.cells]
    assert kinds == [
        ("markdown", "# Dataflow rules"),
        ("code", "count = 0"),
        ("code", "count += 1"),
        ("markdown", "## A cycle"),
        ("code", "a = b + 1"),
        ("code", "b = a * 2"),
        ("markdown", "An example quoted in a longer fence is prose too:"),
        ("code", "_private = 10"),
        ("code", "leak = _private + total"),
        ("code", "temp = [1, 2, 3]"),
        ("code", "del temp"),
        ("markdown", "The end."),
    ]
    cycle_prose = file.cells[3].source
    assert "```python\nthis is not a cell\n```" in cycle_prose
    assert file.cells[6].source.endswith("````md\n```python {.marimo}\nnot_a_cell = 1\n```\n````")
    assert file.cells[2].metadata == {"marimo": {"config": {"hide_code": True}}}
    assert file.cells[7].metadata == {"marimo": {"name": "private_one"}}
    assert file.metadata == {"marimo": {"title": "Dataflow rules", "marimo-version": "0.10.0"}}


def test_md_in_the_standard_layout_is_written_back_unchanged() -> None:
    text = fixture("marimo/clean.md").read_text()
    assert marimo_md.render(marimo_md.read(text)) == text


def test_md_in_any_layout_is_written_back_as_the_same_cells() -> None:
    file = marimo_md.read(fixture("marimo/dataflow_rules.md").read_text())
    again = marimo_md.read(marimo_md.render(file))
    assert [(c.kind, c.source, c.metadata) for c in again.cells] == [
        (c.kind, c.source, c.metadata) for c in file.cells
    ]
    assert again.metadata == file.metadata


def test_md_written_from_another_format_reads_back_as_the_same_cells() -> None:
    file = NotebookFile(
        cells=[
            FileCell("markdown", "# Title", "m"),
            FileCell("markdown", "Second paragraph cell", "m2"),
            FileCell("code", 'doc = """\n```python {.marimo}\n"""', "c"),
            FileCell("code", "x = 1", "d", {"marimo": {"config": {"hide_code": True}}}),
        ]
    )
    again = marimo_md.read(marimo_md.render(file))
    assert [(c.kind, c.source, c.metadata) for c in again.cells] == [
        (c.kind, c.source, c.metadata) for c in file.cells
    ]


def test_python_files_without_marimo_are_percent() -> None:
    assert not marimo_py.looks_like_marimo("import marimo_helpers\nx = 1\n")
    assert marimo_py.looks_like_marimo(fixture("marimo/clean.py").read_text())


def test_a_broken_marimo_file_is_named_as_such() -> None:
    with pytest.raises(FormatProblem, match="not a valid marimo notebook"):
        marimo_py.read("import marimo\napp = marimo.App()\n@app.cell\ndef _(:\n")


def test_marimo_py_is_never_overwritten_in_another_format(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(fixture("marimo/clean.py").read_text())
    nb = Notebook.open(path)
    with pytest.raises(Exception, match="reads but does not write"):
        nb.save(path)
    assert path.read_text() == fixture("marimo/clean.py").read_text()
    nb.save(tmp_path / "app.ipynb")
    assert write(read(tmp_path / "app.ipynb"), tmp_path / "app.md")
    assert [c.source for c in read(tmp_path / "app.md").cells] == [c.code for c in nb.cells]


def test_unparsable_cells_keep_their_code() -> None:
    text = (
        "import marimo\napp = marimo.App()\n\n"
        'app._unparsable_cell(\n    r"""\n    x = (\n    """,\n    name="_"\n)\n'
    )
    (cell,) = marimo_py.read(text).cells
    assert cell.source.strip() == "x = ("
