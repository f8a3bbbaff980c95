"""marimo notebooks, .py and .md, written by hand as marimo's dataflow tutorial describes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from formats_helpers import fixture
from reflow import Notebook
from reflow.formats import marimo_cells, marimo_md, marimo_py, read, write
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
        marimo_py.read("import marimo\napp = marimo.App(\n@app.cell\ndef _():\n    x = 1\n")


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


# ---- reading never changes what a cell does ------------------------------------------

HEADER = 'import marimo\n\n__generated_with = "0.10.0"\napp = marimo.App()\n\n'
RUN_GUARD = '\n\nif __name__ == "__main__":\n    app.run()\n'


def marimo_file(*cells: str) -> str:
    return HEADER + "\n\n".join(cells) + RUN_GUARD


def test_py_decorators_of_a_cells_first_statement_stay() -> None:
    text = marimo_file(
        "@app.cell\ndef _():\n    from dataclasses import dataclass\n    return (dataclass,)",
        "@app.cell\ndef _(dataclass):\n    # a task\n    @dataclass(frozen=True)\n"
        "    class Task:\n        name: str\n    return (Task,)",
        "@app.cell\ndef _(Task):\n    task = Task('write')\n    return (task,)",
    )
    cells = marimo_py.read(text).cells
    assert cells[1].source == "# a task\n@dataclass(frozen=True)\nclass Task:\n    name: str"
    path_free = Notebook(direction="any_order")
    for cell in cells:
        path_free.add(cell.source)
    assert path_free.run_all().errors == {}
    with pytest.raises(AttributeError):  # frozen: the decorator ran
        path_free["task"].name = "read"


def test_py_a_cell_this_python_cannot_parse_breaks_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "newer.py"
    path.write_text(
        marimo_file(
            "@app.cell\ndef _():\n    x = 1\n    return (x,)",
            "@app.cell\ndef _(x):\n    # 3.12 syntax\n    type Point = tuple[float, float]\n"
            "    y = x + 1\n    return (y,)",
            "@app.cell\ndef named(:\n    z = 1\n    return (z,)",
            "@app.cell\ndef _(x):\n    w = x * 10\n    return (w,)",
        )
    )
    file = read(path)
    assert [c.source for c in file.cells] == [
        "x = 1",
        "# 3.12 syntax\ntype Point = tuple[float, float]\ny = x + 1",
        "def named(:\n    z = 1\n    return (z,)",  # the signature is what is broken
        "w = x * 10",
    ]
    assert file.cells[1].location is not None and file.cells[1].location.line == 13
    assert file.cells[2].metadata == {"marimo": {"name": "named"}}
    nb = Notebook.open(path)
    run = nb.run_all()
    assert {nb.cell(c).index: e.type for c, e in run.errors.items()} == {
        1: "SyntaxError",
        2: "SyntaxError",
    }
    assert nb["w"] == 10


def test_py_disabled_cells_do_not_run_and_their_readers_are_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "disabled.py"
    path.write_text(
        marimo_file(
            "@app.cell\ndef _():\n    x = 1\n    return (x,)",
            "@app.cell(disabled=True)\ndef _(x):\n    print('ran')\n    y = x + 1\n    return (y,)",
            "@app.cell\ndef _(y):\n    z = y * 2\n    return (z,)",
            "@app.function(disabled=True)\ndef f():\n    return 1",
        )
    )
    nb = Notebook.open(path)
    run = nb.run_all()
    disabled, reader, function = nb.cells[1], nb.cells[2], nb.cells[3]
    assert disabled.error is not None and disabled.error.type == "RuntimeError"
    assert "disabled in the marimo notebook" in disabled.error.message
    assert disabled.stdout == "" and "y" not in nb and "f" not in nb
    assert reader.error is not None and reader.error.cause == disabled.id  # marimo: not run
    assert run.cancelled == [reader.id]
    assert function.error is not None and "disabled" in function.error.message
    # The flag goes with the cell, and the code is the file's.
    nb.save(tmp_path / "disabled.md")
    nb.save(tmp_path / "disabled.ipynb")
    for saved in ("disabled.md", "disabled.ipynb"):
        cell = read(tmp_path / saved).code_cells[1]
        assert cell.source == "print('ran')\ny = x + 1", saved
        assert cell.metadata["marimo"]["config"] == {"disabled": True}, saved
    assert Notebook.open(tmp_path / "disabled.ipynb").run_all().errors.keys() == run.errors.keys()


def test_md_disabled_flag_round_trips_and_enabling_it_drops_it(tmp_path: Path) -> None:
    text = '```python {.marimo}\nx = 1\n```\n\n```python {.marimo disabled="true"}\ny = x\n```\n'
    path = tmp_path / "nb.md"
    path.write_text(text)
    nb = Notebook.open(path)
    assert nb.run_all().errors.keys() == {nb.cells[1].id}
    nb.save(tmp_path / "same.md")
    assert (tmp_path / "same.md").read_text() == text
    nb.edit(nb.cells[1], nb.cells[1].code.replace(marimo_cells.DISABLED + "\n", ""))
    assert nb.run_all().errors == {} and nb["y"] == 1
    nb.save(tmp_path / "enabled.md")
    assert (tmp_path / "enabled.md").read_text() == text.replace(' disabled="true"', "")


SQL_MD = """# Queries

```python {.marimo}
n = 3
```

```sql {.marimo query="numbers" hide_output="True"}
SELECT range AS i FROM range(1, {n + 1})
```

```sql {.marimo}
SELECT * FROM numbers
```

```python {.marimo}
total = len(numbers)
```
"""


def test_md_sql_cells_are_kept_and_refuse_to_run_naming_sql(tmp_path: Path) -> None:
    file = marimo_md.read(SQL_MD)
    kinds = [(c.kind, c.source.split("\n")[0]) for c in file.cells]
    assert kinds == [
        ("markdown", "# Queries"),
        ("code", "n = 3"),
        ("code", "SELECT range AS i FROM range(1, {n + 1})"),
        ("code", "SELECT * FROM numbers"),
        ("code", "total = len(numbers)"),
    ]
    assert file.cells[2].metadata == {
        "marimo": {"language": "sql", "sql": {"query": "numbers", "hide_output": "True"}}
    }
    assert marimo_md.render(file) == SQL_MD
    path = tmp_path / "queries.md"
    path.write_text(SQL_MD)
    nb = Notebook.open(path)
    query = nb.cells[1]
    assert {"mo", "n"} <= set(nb.refs(query)) and nb.defs(query) == ["numbers"]
    run = nb.run_all()
    assert nb["n"] == 3
    error = run.errors[query.id]
    assert error.type == "NotImplementedError" and "SQL" in error.message
    reader = nb.cells[3]  # reads `numbers`: cancelled
    assert reader.error is not None and reader.error.cause == query.id
    nb.save(tmp_path / "again.md")
    assert (tmp_path / "again.md").read_text() == SQL_MD


def test_md_a_sql_cell_edited_into_python_is_saved_as_python(tmp_path: Path) -> None:
    path = tmp_path / "queries.md"
    path.write_text(SQL_MD)
    nb = Notebook.open(path)
    nb.edit(nb.cells[1], "numbers = list(range(n))")
    assert nb.run_all().errors.keys() == {nb.cells[2].id}  # the other query
    assert nb["total"] == 3
    nb.save(tmp_path / "again.md")
    assert (
        "```python {.marimo}\nnumbers = list(range(n))\n```" in (tmp_path / "again.md").read_text()
    )
