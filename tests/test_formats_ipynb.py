"""ipynb: what is kept, what a run writes, and the files that are not notebooks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from formats_helpers import fixture
from reflow import Notebook
from reflow.formats import NotebookFileError, ipynb, read, write
from reflow.formats.outputs import mime_bundle


def test_reading_keeps_ids_kinds_metadata_and_outputs() -> None:
    file = read(fixture("ipynb/jupyter.ipynb"))
    assert [(c.kind, c.id) for c in file.cells] == [
        ("markdown", "intro"),
        ("code", "load"),
        ("raw", "rawnote"),
        ("code", "total"),
        ("code", "plot"),
        ("code", "oops"),
    ]
    intro, _, raw, total, *_ = file.cells
    assert intro.attachments == {"logo.png": {"image/png": "iVBORw0KGgo="}}
    assert intro.metadata == {"custom": {"keep": True}}
    assert raw.metadata == {"format": "text/restructuredtext"}
    assert total.execution_count == 2
    assert [o["output_type"] for o in total.outputs] == ["stream", "execute_result"]
    assert file.metadata["custom_tool"] == {"setting": [1, 2]}


def test_a_file_read_and_written_is_byte_for_byte_the_same(tmp_path: Path) -> None:
    original = fixture("ipynb/jupyter.ipynb").read_bytes()
    assert ipynb.render(read(fixture("ipynb/jupyter.ipynb"))).encode() == original
    target = tmp_path / "copy.ipynb"
    target.write_bytes(original)
    assert write(read(target), target) is False  # nothing to change: not even rewritten
    assert target.read_bytes() == original


def test_a_notebook_saved_by_reflow_saves_again_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    shutil.copy(fixture("ipynb/jupyter.ipynb"), path)
    Notebook.open(path).save(path)
    first = path.read_bytes()
    assert Notebook.open(path).save(path) is False
    assert path.read_bytes() == first
    saved = json.loads(first)
    # Only the graph was added; the rest is as Jupyter wrote it.
    del saved["metadata"]["reflow"]
    assert saved == json.loads(fixture("ipynb/jupyter.ipynb").read_text())


def test_cells_without_ids_get_them_as_nbformat_4_5_does(tmp_path: Path) -> None:
    file = read(fixture("ipynb/no_ids.ipynb"))
    ids = [c.id for c in file.cells]
    assert all(ids) and len(set(ids)) == 3
    path = tmp_path / "upgraded.ipynb"
    write(file, path)
    upgraded = nbformat.read(path, as_version=4)
    nbformat.validate(upgraded)
    assert upgraded.nbformat_minor >= 5
    assert [c["id"] for c in upgraded.cells] == ids
    # Every read gives the same ids: a re-run notebook's diff shows only what changed.
    assert [c.id for c in read(fixture("ipynb/no_ids.ipynb")).cells] == ids


def test_duplicate_ids_are_replaced() -> None:
    text = fixture("ipynb/failing.ipynb").read_text().replace('"boom"', '"first"')
    ids = [c.id for c in ipynb.read(text).cells]
    assert ids[0] == "first" and len(set(ids)) == 4
    assert [c.id for c in ipynb.read(text).cells] == ids


def test_cells_with_the_same_source_and_no_ids_get_distinct_stable_ids() -> None:
    cell = {"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": []}
    text = json.dumps(
        {"cells": [cell, cell, cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    )
    ids = [c.id for c in ipynb.read(text).cells]
    assert len(set(ids)) == 3
    assert [c.id for c in ipynb.read(text).cells] == ids


def test_older_versions_are_converted_by_nbformat() -> None:
    file = read(fixture("ipynb/v3.ipynb"))
    assert [(c.kind, c.source) for c in file.cells] == [
        ("markdown", "# Version three"),
        ("code", "a = 2\na * 3"),
    ]


def test_run_writes_standard_outputs_that_validate(tmp_path: Path) -> None:
    path = tmp_path / "failing.ipynb"
    shutil.copy(fixture("ipynb/failing.ipynb"), path)
    nb = Notebook.open(path)
    nb.run_all()
    nb.save(path)
    saved = nbformat.read(path, as_version=4)
    nbformat.validate(saved)
    first, boom, after, free = saved.cells
    assert first.execution_count == 1 and first.outputs == []
    (error,) = boom.outputs
    assert error.output_type == "error" and error.ename == "ZeroDivisionError"
    assert any("return a / 0" in line for line in error.traceback)
    assert after.outputs == [] and after.execution_count is None  # cancelled
    assert free.outputs[0].text == "independent\n"
    graph = saved.metadata["reflow"]
    assert graph["version"] == 1 and graph["direction"] == "in_order"
    assert graph["cells"]["after"] == {"refs": ["y"], "defs": ["z"], "parents": ["boom"]}


def test_the_saved_direction_is_the_one_a_fresh_session_opens_with(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nb = Notebook(direction="any_order")
    nb.add("b = a + 1")
    nb.add("a = 1")
    nb.save(path)
    again = Notebook.open(path)
    assert again.direction == "any_order"
    assert [c.code for c in again.cells] == ["b = a + 1", "a = 1"]
    assert Notebook.open(path, direction="in_order").direction == "in_order"


def test_markdown_stays_with_the_code_cell_it_followed(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    shutil.copy(fixture("ipynb/jupyter.ipynb"), path)
    nb = Notebook.open(path)
    nb.delete("load")
    nb.move("oops", 0)
    nb.edit("plot", "mean = 1")
    nb.save(path)
    saved = nbformat.read(path, as_version=4)
    # rawnote followed the deleted "load": it stays where that cell was, at the top
    assert [c.id for c in saved.cells] == ["intro", "rawnote", "oops", "total", "plot"]
    plot = saved.cells[4]
    assert plot.outputs == [] and plot.execution_count is None  # not what this code made
    assert saved.cells[3].outputs[1]["data"]["text/html"] == "<b>12</b>"  # unchanged, kept


class _Rich:
    def __repr__(self) -> str:
        return "Rich()"

    def _repr_html_(self) -> str:
        return "<i>rich</i>"

    def _repr_png_(self) -> bytes:
        return b"\x89PNG"

    def _repr_json_(self) -> tuple[dict[str, int], dict[str, bool]]:
        return {"a": 1}, {"expanded": True}

    def _repr_latex_(self) -> str:
        raise ValueError("no latex today")


def test_rich_representations_become_mime_types() -> None:
    data, metadata = mime_bundle(_Rich())
    assert data == {
        "text/plain": "Rich()",
        "text/html": "<i>rich</i>",
        "image/png": "iVBORw==",
        "application/json": {"a": 1},
    }
    assert metadata == {"application/json": {"expanded": True}}
    assert mime_bundle(_Rich)[0] == {"text/plain": repr(_Rich)}  # the class is not an instance


def _every_kind_of_output() -> dict[str, object]:
    multi = "first line\nsecond line\n"
    bundle = {
        "text/plain": multi,
        "text/html": "<b>a</b>\n<i>b</i>",
        "image/svg+xml": "<svg>\n</svg>",
        "application/javascript": "let a = 1;\nlet b = 2;",
        "application/json": {"keep": "as\nis"},
        "image/png": "iVBORw0KGgo=\nAAAA",
    }
    return {
        "cells": [
            {
                "cell_type": "markdown",
                "id": "md",
                "metadata": {},
                "source": multi,
                "attachments": {"a.png": {"image/png": "iVBORw==", "text/plain": multi}},
            },
            {"cell_type": "raw", "id": "raw", "metadata": {}, "source": "one line"},
            {
                "cell_type": "code",
                "id": "code",
                "metadata": {},
                "execution_count": 3,
                "source": "print(1)\n1",
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": multi},
                    {"output_type": "display_data", "data": bundle, "metadata": {}},
                    {
                        "output_type": "execute_result",
                        "execution_count": 3,
                        "data": bundle,
                        "metadata": {},
                    },
                    {
                        "output_type": "error",
                        "ename": "E",
                        "evalue": "a\nb",
                        "traceback": ["line 1\nline 2"],
                    },
                ],
            },
            {
                "cell_type": "code",
                "id": "empty",
                "metadata": {},
                "execution_count": None,
                "source": "",
                "outputs": [],
            },
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_written_layout_is_the_one_nbformat_writes(tmp_path: Path) -> None:
    """reflow lays out the JSON itself (no nbformat import to write): it must match."""
    path = tmp_path / "every.ipynb"
    path.write_text(json.dumps(_every_kind_of_output(), indent=1))
    ours = ipynb.render(read(path))
    theirs = nbformat.writes(nbformat.from_dict(_every_kind_of_output()))
    assert ours == theirs + "\n"  # nbformat.write adds the final newline
    assert '"second line\\n"' in ours  # split into lines, not one string


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("not_json.ipynb", "not valid JSON"),
        ("not_notebook.ipynb", "not a Jupyter notebook"),
        ("future.ipynb", "unsupported nbformat version 5"),
        ("unknown_cell.ipynb", "unknown cell_type 'widget'"),
        ("notes.txt", "unsupported file type"),
        ("binary.py", "not a text file"),
        ("missing.ipynb", "no such file"),
        (".", "is a directory"),
    ],
)
def test_files_that_are_not_notebooks_are_refused_in_one_line(name: str, problem: str) -> None:
    path = fixture("bad") / name
    with pytest.raises(NotebookFileError) as raised:
        read(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message


def test_source_positions_point_into_the_json() -> None:
    path = fixture("ipynb/jupyter.ipynb")
    file = read(path)
    lines = path.read_text().split("\n")
    total = file.cell("total")
    assert total is not None
    line, column = total.file_position(2, 9)  # `sum` in "total = sum(sales)"
    assert lines[line - 1][column - 1 :].startswith("sum(sales)")
    line, column = total.file_position(1, 8)  # after an escaped quote: `summing`
    assert lines[line - 1][column - 1 :].startswith('summing\\"')
