"""The percent format, against Jupytext as the reference reader and writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jupytext
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from formats_helpers import fixture
from reflow import Notebook
from reflow.formats import percent, read, write
from reflow.formats.model import FileCell, NotebookFile

# Each row: the cells of a notebook, as (kind, source, metadata).
NOTEBOOKS: dict[str, list[tuple[Any, str, dict[str, Any]]]] = {
    "code only": [("code", "x = 1", {}), ("code", "y = x + 1\ny", {})],
    "prose": [
        ("markdown", "# Title\n\nSome *text*.\n\n- a list", {}),
        ("code", "import math", {}),
        ("raw", "raw text\n\nkept", {}),
    ],
    "blank lines inside": [("code", "def f():\n    return 1\n\n\nf()", {})],
    "magics": [("code", "%matplotlib inline\nx = 1\n!ls -l\n# %time is a comment\ny = 2", {})],
    "string with percent": [("code", 'text = """\n%d items\n"""', {})],
    "metadata": [
        ("code", "n = 10", {"tags": ["parameters"]}),
        ("markdown", "note", {"slideshow": {"slide_type": "slide"}}),
    ],
    "empty cell": [("code", "", {}), ("code", "z = 3", {})],
}


def _jupytext_notebook(cells: list[tuple[str, str, dict[str, Any]]]) -> Any:
    makers = {"code": new_code_cell, "markdown": new_markdown_cell, "raw": new_raw_cell}
    return new_notebook(cells=[makers[k](source=s, metadata=m) for k, s, m in cells])


def _cells_of(notebook: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [(c.cell_type, c.source, dict(c.metadata)) for c in notebook.cells]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_what_reflow_writes_jupytext_reads_as_the_same_cells(name: str) -> None:
    cells = NOTEBOOKS[name]
    file = NotebookFile(
        cells=[FileCell(kind, s, f"c{i}", dict(m)) for i, (kind, s, m) in enumerate(cells)]
    )
    text = percent.render(file)
    assert _cells_of(jupytext.reads(text, fmt="py:percent")) == cells


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_what_jupytext_writes_reflow_reads_as_the_same_cells(name: str) -> None:
    cells = NOTEBOOKS[name]
    text = jupytext.writes(_jupytext_notebook(cells), fmt="py:percent")
    file = percent.read(text)
    assert [(c.kind, c.source, c.metadata) for c in file.cells] == cells
    assert percent.render(file) == text  # and writes it back unchanged, header included


def test_unchanged_cells_keep_their_layout_and_changed_ones_take_the_standard_one(
    tmp_path: Path,
) -> None:
    text = "x = 1\n\n\n\n# %%   \ny = 2\n#%% Second\nz = 3\n\n"
    path = tmp_path / "layout.py"
    path.write_text(text)
    assert write(read(path), path) is False
    assert path.read_text() == text
    nb = Notebook.open(path)
    nb.edit(nb.cells[1], "y = 20")
    nb.save(path)
    assert path.read_text() == "x = 1\n\n\n\n# %%\ny = 20\n\n#%% Second\nz = 3\n\n"


def test_vscode_cells_and_text_before_the_first_marker() -> None:
    file = read(fixture("percent/vscode.py"))
    assert [(c.kind, c.source) for c in file.cells] == [
        ("code", '"""A script VS Code users split into cells."""\nimport json'),
        ("code", 'data = json.loads("[1, 2]")'),
        ("code", "data.append(3)\ndata"),
    ]
    assert file.cells[2].metadata == {"title": "Second cell"}


def test_a_percent_file_opens_in_order_and_runs() -> None:
    nb = Notebook.open(fixture("percent/vscode.py"))
    assert nb.direction == "in_order"
    assert nb.run_all().errors == {}
    assert nb["data"] == [1, 2, 3]


def test_positions_map_to_file_lines() -> None:
    path = fixture("percent/in_order_problems.py")
    file = read(path)
    lines = path.read_text().split("\n")
    cell = file.code_cells[2]  # value = missing + len("abc")
    line, column = cell.file_position(1, 9)
    assert lines[line - 1][column - 1 :].startswith("missing")
    prose = file.cells[0]
    line, column = prose.file_position(1, 1)
    assert lines[line - 1][column - 1 :].startswith("Cells with problems")
