"""Cells run in a real ``__main__`` module (docs/semantics.md, "The module cells run in").

Functions and classes a cell defines pickle, so process pools work with them;
a notebook opened from a file has ``__file__`` and ``sys.argv`` naming it while
its cells run; the host's own ``__main__`` and ``sys.argv`` are back afterwards.
Each case runs in every kind of notebook: one made in Python, a percent file
and an ``.ipynb`` (IPython cells).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from reflow import Notebook

Make = Callable[[list[str]], Notebook]


def _in_memory(tmp_path: Path) -> Make:
    def make(cells: list[str]) -> Notebook:
        nb = Notebook()
        for code in cells:
            nb.add(code)
        return nb

    return make


def _percent(tmp_path: Path) -> Make:
    def make(cells: list[str]) -> Notebook:
        path = tmp_path / "analysis.py"
        path.write_text("".join(f"# %%\n{code}\n\n" for code in cells))
        return Notebook.open(path)

    return make


def _ipynb(tmp_path: Path) -> Make:
    def make(cells: list[str]) -> Notebook:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(code) for code in cells]
        path = tmp_path / "analysis.ipynb"
        nbformat.write(notebook, path)
        return Notebook.open(path)

    return make


KINDS = {"api": _in_memory, "percent": _percent, "ipynb": _ipynb}


@pytest.fixture(params=sorted(KINDS))
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Make:
    return KINDS[request.param](tmp_path)


DEFINE = (
    "def double(x):\n    return 2 * x\n\n"
    "class Point:\n    def __init__(self, x):\n        self.x = x"
)

# (what, cells after DEFINE, name, expected value)
PICKLING = [
    (
        "a function round-trips through pickle",
        "import pickle\nback = pickle.loads(pickle.dumps(double))(21)",
        "back",
        42,
    ),
    (
        "an instance of a notebook class round-trips",
        "import pickle\nback = pickle.loads(pickle.dumps(Point(3))).x",
        "back",
        3,
    ),
    (
        "a process pool maps a notebook function",
        "from concurrent.futures import ProcessPoolExecutor\n"
        "with ProcessPoolExecutor(2) as pool:\n    back = list(pool.map(double, [1, 2, 3]))",
        "back",
        [2, 4, 6],
    ),
    (
        "multiprocessing's Pool takes a notebook function",
        "import multiprocessing\n"
        "with multiprocessing.get_context('fork').Pool(2) as pool:\n"
        "    back = pool.map(double, [5, 6])",
        "back",
        [10, 12],
    ),
    (
        "the function's module is __main__, and __main__ is the notebook while it runs",
        "import sys\nback = (double.__module__, sys.modules['__main__'].double is double)",
        "back",
        ("__main__", True),
    ),
]


@pytest.mark.parametrize(
    ("cells", "name", "expected"),
    [pytest.param(cells, name, expected, id=what) for what, cells, name, expected in PICKLING],
)
def test_functions_defined_in_cells_pickle(
    make: Make, cells: str, name: str, expected: object
) -> None:
    host_main, host_argv = sys.modules["__main__"], list(sys.argv)
    nb = make([DEFINE, cells])
    run = nb.run_all()
    assert run.errors == {}
    assert nb[name] == expected
    assert sys.modules["__main__"] is host_main  # the host's own, once the run is over
    assert sys.argv == host_argv


def test_a_spawned_child_does_not_run_the_notebook_file_as_a_script(tmp_path: Path) -> None:
    """spawn re-imports ``__main__`` from its ``__file__`` unless its spec says otherwise:
    an .ipynb is not a Python script, so the child would die on it."""
    nb = _ipynb(tmp_path)(
        [
            "import multiprocessing\n"
            "with multiprocessing.get_context('spawn').Pool(1) as pool:\n"
            "    lengths = pool.map(len, ['ab', 'cde'])"
        ]
    )
    assert nb.run_all().errors == {}
    assert nb["lengths"] == [2, 3]


@pytest.mark.parametrize("kind", ["percent", "ipynb"])
def test_a_notebook_from_a_file_knows_its_path(tmp_path: Path, kind: str) -> None:
    (tmp_path / "data.txt").write_text("beside the notebook")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    nb = KINDS[kind](tmp_path)(
        [
            "import sys\nfrom pathlib import Path\n"
            "here = Path(__file__).parent\nargv = list(sys.argv)",
            "text = (here / 'data.txt').read_text()",
        ]
    )
    path = tmp_path / f"analysis.{'py' if kind == 'percent' else 'ipynb'}"
    host_argv = list(sys.argv)
    assert nb.run_all().errors == {}
    assert nb["__file__"] == str(path)
    assert nb["argv"] == [str(path)]
    assert nb["text"] == "beside the notebook"
    assert sys.argv == host_argv


def test_a_notebook_made_in_python_has_no_file_and_leaves_argv_alone() -> None:
    nb = Notebook()
    nb.add("import sys\nargv = list(sys.argv)\nhas_file = '__file__' in globals()")
    nb.run_all()
    assert nb["argv"] == sys.argv
    assert nb["has_file"] is False
    assert nb["__name__"] == "__main__"


def test_reflow_run_pickles_notebook_functions(tmp_path: Path) -> None:
    path = tmp_path / "pool.py"
    path.write_text(
        f"# %%\n{DEFINE}\n\n# %%\nfrom concurrent.futures import ProcessPoolExecutor\n"
        "with ProcessPoolExecutor(2) as pool:\n    print(sum(pool.map(double, range(4))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "reflow", "run", path],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert "\n12\n" in done.stdout
