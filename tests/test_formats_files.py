"""Writing files safely, and moving notebooks between every pair of formats."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from formats_helpers import fixture
from reflow import Notebook
from reflow.formats import NotebookFileError, atomic, read, write
from reflow.formats.model import FileCell, NotebookFile

CELLS = NotebookFile(
    cells=[
        FileCell("markdown", "# Title\n\nText with `code`.", "intro"),
        FileCell("code", "import math\nradius = 2", "setup"),
        FileCell("code", "area = math.pi * radius**2\narea", "area"),
        FileCell("markdown", "Second note", "note"),
        FileCell("code", "print(round(area, 1))", "show"),
    ]
)


def _shape(file: NotebookFile) -> list[tuple[str, str]]:
    return [(c.kind, c.source) for c in file.cells]


@pytest.mark.parametrize("first", [".ipynb", ".py", ".md"])
@pytest.mark.parametrize("second", [".ipynb", ".py", ".md"])
def test_every_format_round_trips_through_every_other(
    tmp_path: Path, first: str, second: str
) -> None:
    write(CELLS, tmp_path / f"a{first}")
    write(read(tmp_path / f"a{first}"), tmp_path / f"b{second}")
    back = read(tmp_path / f"b{second}")
    assert _shape(back) == _shape(CELLS)
    # And written again in the same format, nothing moves.
    assert write(back, tmp_path / f"b{second}") is False


def test_an_unchanged_file_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    write(CELLS, path)
    os.utime(path, (1, 1))
    assert write(read(path), path) is False
    assert path.stat().st_mtime == 1


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nb.py"
    path.write_text("# %%\nold = 1\n")

    def broken_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(NotebookFileError, match="No space left on device"):
        write(CELLS, path)
    assert path.read_text() == "# %%\nold = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.py"]


def test_a_rewritten_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    write(CELLS, path)
    path.chmod(0o640)
    nb = Notebook.open(path)
    nb.run_all()
    assert nb.save(path) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("missing/nb.ipynb", "directory does not exist"),
        (".", "is a directory"),
        ("nb.txt", "unsupported file type"),
    ],
)
def test_writes_that_cannot_happen_say_why(tmp_path: Path, target: str, problem: str) -> None:
    with pytest.raises(NotebookFileError, match=problem):
        write(CELLS, tmp_path / target)


def test_a_converted_marimo_notebook_keeps_running_in_any_order(tmp_path: Path) -> None:
    nb = Notebook.open(fixture("marimo/clean.py"))
    nb.save(tmp_path / "clean.ipynb")
    again = Notebook.open(tmp_path / "clean.ipynb")
    assert again.direction == "any_order"  # saved in the metadata
    assert again.run_all().errors == {}
    assert again["answer"] == 42
