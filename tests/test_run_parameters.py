"""``reflow run -p NAME VALUE -f FILE``: papermill's parameters, through the command line.

The cell tagged ``parameters`` holds the defaults; the overrides go in a cell
after it tagged ``injected-parameters``, saved with the outputs; a name the
notebook does not take is refused before any cell runs; with ``--cache`` a
second run with one parameter changed runs only the cells that depend on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from reflow.parameters import parse_value


def reflow(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reflow", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2024", 2024),
        ("0.5", 0.5),
        ("-3", -3),
        ("True", True),
        ("None", None),
        ("[1, 2]", [1, 2]),
        ("{'k': 'v'}", {"k": "v"}),
        ("'quoted'", "quoted"),
        ("north", "north"),  # not a literal: the text itself
        ("2024-01-01", "2024-01-01"),
        ("", ""),
        ("print(1)", "print(1)"),  # code is never run, only literals read
    ],
)
def test_a_value_is_a_python_literal_else_a_string(text: str, value: Any) -> None:
    assert parse_value(text) == value
    assert type(parse_value(text)) is type(value)


def _logged(name: str, code: str) -> str:
    """A cell that notes in ran.log that it ran (a cache hit does not run it)."""
    return f"open('ran.log', 'a').write('{name}\\n')\n{code}"


CELLS = [
    ("parameters", "a = 1\nb = 2"),
    (None, _logged("x", "x = a * 10\nprint('x is', x)")),
    (None, _logged("y", "y = b * 10")),
    (None, _logged("z", "z = x + 1\nz")),
    (None, _logged("w", "w = y + 1\nw")),
]


def _ipynb(directory: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    for index, (tag, code) in enumerate(CELLS):
        cell = nbformat.v4.new_code_cell(code, id=f"c{index}")
        if tag:
            cell.metadata["tags"] = [tag]
        notebook.cells.append(cell)
    path = directory / "report.ipynb"
    nbformat.write(notebook, path)
    return path


def _percent(directory: Path) -> Path:
    path = directory / "report.py"
    path.write_text(
        "".join(
            f"# %% tags={json.dumps([tag])}\n{code}\n\n" if tag else f"# %%\n{code}\n\n"
            for tag, code in CELLS
        )
    )
    return path


def _ran(directory: Path) -> list[str]:
    log = directory / "ran.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def test_overrides_go_in_a_tagged_cell_after_the_parameters_cell(tmp_path: Path) -> None:
    path = _ipynb(tmp_path)
    (tmp_path / "params.yaml").write_text("a: 3\nb: [1, 2]\n")
    done = reflow("run", path, "-f", "params.yaml", "-p", "a", "4", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # w = [1, 2, 1, 2] + 1 fails: b is a list
    assert "parameters: a = 4, b = [1, 2]" in done.stdout
    assert "x is 40" in done.stdout
    saved = nbformat.read(tmp_path / "report.out.ipynb", as_version=4).cells
    assert [c.metadata.get("tags") for c in saved[:3]] == [
        ["parameters"],
        ["injected-parameters"],
        None,
    ]
    assert saved[1].source == "# Parameters\na = 4\nb = [1, 2]\n"
    assert saved[0].source == "a = 1\nb = 2"  # the defaults stay as they were
    # The output notebook run again with other values: its injected cell is replaced.
    again = reflow("run", "report.out.ipynb", "-p", "b", "5", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    cells = nbformat.read(tmp_path / "report.out.out.ipynb", as_version=4).cells
    injected = [c for c in cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert [c.source for c in injected] == ["# Parameters\nb = 5\n"]
    assert cells[-1].outputs[0]["data"]["text/plain"] == "51"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["-p", "c", "1"], "unknown parameter `c`: the cell tagged `parameters` assigns `a`, `b`"),
        (["-f", "missing.yaml"], "missing.yaml: No such file or directory"),
        (["-f", "list.yaml"], "list.yaml: expected a mapping of parameter names to values"),
        (["-f", "date.yaml"], "parameter `a`: a date cannot be written as a Python literal"),
    ],
    ids=["unknown-name", "missing-file", "not-a-mapping", "not-a-literal"],
)
def test_bad_parameters_are_refused_before_any_cell_runs(
    tmp_path: Path, args: list[str], problem: str
) -> None:
    path = _ipynb(tmp_path)
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    (tmp_path / "date.yaml").write_text("a: 2024-01-01\n")
    done = reflow("run", path, *args, cwd=tmp_path)
    assert done.returncode == 2
    assert problem in done.stderr
    assert _ran(tmp_path) == []
    assert not (tmp_path / "report.out.ipynb").exists()


def test_a_notebook_without_a_parameters_cell_says_so(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text("# %%\na = 1\n")
    done = reflow("run", path, "-p", "a", "2", cwd=tmp_path)
    assert done.returncode == 2
    assert "no cell is tagged `parameters`" in done.stderr


@pytest.mark.parametrize("make", [_ipynb, _percent], ids=["ipynb", "percent"])
def test_a_cached_run_with_one_parameter_changed_runs_only_its_downstream(
    tmp_path: Path, make: Any
) -> None:
    path = make(tmp_path)
    ids = [f"c{i + (path.suffix == '.py')}" for i in range(5)]  # a percent file counts from 1
    first = reflow("run", path, "-p", "a", "5", "--cache", "-o", "out.ipynb", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert sorted(_ran(tmp_path)) == ["w", "x", "y", "z"]
    second = reflow("run", path, "-p", "a", "6", "--cache", "-o", "out.ipynb", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert _ran(tmp_path) == ["x", "z"]  # the cells that read `a`, and only those
    assert "3 of 6 cells restored from the cache" in second.stdout
    assert f"cell {ids[2]} ... restored" in second.stdout  # y: reads b only
    outputs = {c.id: c.outputs for c in nbformat.read(tmp_path / "out.ipynb", as_version=4).cells}
    z, w = (outputs[c][0]["data"]["text/plain"] for c in ids[3:])
    assert (z, w) == ("61", "21")  # restored cells keep their outputs
