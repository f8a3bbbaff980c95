"""``reflow run --parallel N`` / ``--dask``, driven through a subprocess as a shell would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from formats_helpers import fixture

CELLS = [
    "base = list(range(2000))",
    "def work(d, k):\n    return sum(v * k for v in d)",
    "a = work(base, 1)\nprint('a', a)",
    "b = work(base, 2)",
    "both = a + b\nboth",
    "g = (i for i in range(3))",
    "h = list(g)",
    "boom = a / 0",
    "after = boom + 1",
    "free = b * 2\nfree",
]


def write_notebook(path: Path, cells: list[str]) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code, id=f"c{i}") for i, code in enumerate(cells)]
    nbformat.write(notebook, path)
    return path


def reflow(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PYTHONPATH=str(fixture("parallel")),
        DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="2s",  # the unreachable scheduler below
    )
    command = [sys.executable, "-m", "reflow", *map(str, args)]
    # Its own process group: if it hangs, it and every worker it started are killed,
    # rather than the test waiting on pipes a left-over worker holds open.
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate(timeout=30)
            pytest.fail(f"reflow {' '.join(map(str, args))} hung:\n{out}\n{err}")
    return subprocess.CompletedProcess(command, process.returncode, out, err)


@pytest.mark.parametrize("where", [["--parallel", "2"], ["--dask"]], ids=["parallel", "dask"])
def test_the_file_written_is_the_sequential_runs(tmp_path: Path, where: list[str]) -> None:
    sequential = write_notebook(tmp_path / "sequential.ipynb", CELLS)
    parallel = write_notebook(tmp_path / "parallel.ipynb", CELLS)
    expected = reflow("run", sequential, "--inplace", cwd=tmp_path)
    done = reflow("run", parallel, *where, "--explain", "--inplace", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (expected.returncode, expected.stderr)
    assert done.returncode == 1 and "cell [c7] (code cell 8) failed" in done.stderr
    assert parallel.read_bytes() == sequential.read_bytes()
    out = done.stdout
    assert "where cells run:" in out
    assert "cell [c1] (code cell 2): main: defines `work`" in out
    assert "cell [c2] (code cell 3): worker (after c0, c1)" in out
    assert (
        "cell [c5] (code cell 6): ran in the main process instead: a value it made cannot be" in out
    )
    assert "cell c2 ... running in a worker" in out
    if where == ["--dask"]:
        assert "dashboard: http://127.0.0.1:" in out
    else:
        assert "2 worker processes" in out


def test_a_worker_that_dies_fails_its_cell_only(tmp_path: Path) -> None:
    cells = [
        "x = 1",
        "import crash\ndied = crash.exit_now(3)",
        "y = x + 1\ny",
        "after = died",
        "z = y * 2\nz",
    ]
    path = write_notebook(tmp_path / "dies.ipynb", cells)
    done = reflow("run", path, "--parallel", "2", "--inplace", cwd=tmp_path)
    assert done.returncode == 1
    assert "cell [c1] (code cell 2) failed" in done.stderr
    assert "WorkerLost: the worker process running cell [c1] died" in done.stderr
    assert "not run, because a cell they depend on failed: cell [c3] (code cell 4)" in done.stderr
    # Written once, whole: a valid notebook with every other cell's outputs, no temp files.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dies.ipynb"]
    saved = nbformat.read(path, as_version=4)
    results = {c.id: [o.get("data", {}).get("text/plain") for o in c.outputs] for c in saved.cells}
    assert results["c2"] == ["2"] and results["c4"] == ["4"]
    assert saved.cells[1].outputs[0]["ename"] == "WorkerLost"
    assert json.loads(path.read_text())["metadata"]["reflow"]["version"] == 1


def test_usage_errors(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "n.ipynb", ["x = 1"])
    assert reflow("run", path, "--explain", cwd=tmp_path).returncode == 2
    bad = reflow("run", path, "--parallel", "0", cwd=tmp_path)
    assert bad.returncode == 2 and "expected a number of workers" in bad.stderr
    both = reflow("run", path, "--parallel", "2", "--dask", cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    unreachable = reflow("run", path, "--dask", "tcp://127.0.0.1:9", cwd=tmp_path)
    assert unreachable.returncode == 2 and "cannot reach the Dask scheduler" in unreachable.stderr
    assert nbformat.read(path, as_version=4).cells[0].outputs == []


def test_a_run_killed_midway_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    cells = ["x = 1", "spin = sum(i % 7 for i in range(10**9))", "y = x + 1"]
    path = write_notebook(tmp_path / "killed.ipynb", cells)
    before = path.read_bytes()
    log = tmp_path / "log.txt"
    env = dict(os.environ, PYTHONPATH=str(fixture("parallel")))
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "reflow", "run", str(path), "--parallel", "2", "--inplace"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=env,
            start_new_session=True,  # its workers too, below
        )
        try:
            deadline = 600  # polls of 0.1 s: the machine may be busy
            while "cell c1 ... running in a worker" not in log.read_text() and deadline:
                assert process.poll() is None, log.read_text()
                deadline -= 1
                time.sleep(0.1)
            assert deadline, log.read_text()
        finally:
            os.killpg(process.pid, signal.SIGKILL)  # reflow and its worker processes
            process.wait(timeout=30)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed.ipynb", "log.txt"]


def test_dask_with_no_address_before_the_notebook_runs_it_on_a_local_cluster(
    tmp_path: Path,
) -> None:
    """The README's spelling: `--dask` takes an optional address, never the notebook."""
    path = write_notebook(tmp_path / "n.ipynb", ["x = 20", "y = x + 1\nprint('y is', y)"])
    done = reflow("run", "--dask", path, "--inplace", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "cells run in a local Dask cluster" in done.stdout
    assert "y is 21" in done.stdout
    assert nbformat.read(path, as_version=4).cells[1].outputs[0]["text"] == "y is 21\n"


@pytest.mark.parametrize(
    "spelling",
    [
        ["--dask=tcp://127.0.0.1:9", "{nb}"],
        ["--dask", "tcp://127.0.0.1:9", "{nb}"],
        ["{nb}", "--dask", "tcp://127.0.0.1:9"],
        ["--dask-address", "tcp://127.0.0.1:9", "{nb}"],
        ["{nb}", "--dask-address=tcp://127.0.0.1:9"],
    ],
    ids=["equals", "before", "after", "address-option", "address-option-equals"],
)
def test_every_spelling_of_a_dask_address_reaches_that_scheduler(
    tmp_path: Path, spelling: list[str]
) -> None:
    # Nothing listens on port 9: reaching for it shows which address and notebook were read.
    path = write_notebook(tmp_path / "n.ipynb", ["x = 1"])
    done = reflow("run", *(str(path) if s == "{nb}" else s for s in spelling), cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in done.stderr
    assert nbformat.read(path, as_version=4).cells[0].outputs == []
