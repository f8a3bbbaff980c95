"""Real notebooks from public projects (tests/corpus/, sources and licences in its README).

Each is opened with ``Notebook.open``, checked (``reflow check``'s rules) and
run, and the run is compared with the notebook's own tool running it
(``corpus_oracle.py``: nbclient on ipykernel for ``.ipynb``, marimo's script
run for marimo files): each code cell's stdout and the type of the first error it
shows (``.ipynb``), and the globals left at the end.

Where reflow is wrong today the case is ``xfail(strict=True)`` with the issue
that will fix it: a to-do list that runs, and that fails once the fix lands
so the mark comes off.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from corpus_oracle import _MARK, SEED, digest
from reflow import Notebook
from reflow._types import CellId
from reflow.checks import check
from reflow.notebook import Cell
from reflow.runtime.ipython import CellOutputs

CORPUS = Path(__file__).parent / "corpus"
ORACLE = Path(__file__).parent / "corpus_oracle.py"


@dataclass(frozen=True)
class Case:
    path: str
    needs: tuple[str, ...] = ()
    """Packages the notebook imports beyond the test extra's (the case is skipped, saying so)."""
    findings: tuple[str, ...] = ()
    """The true ``reflow check`` findings, as ``RULE cell-index``."""
    check_xfail: str | None = None
    run_xfail: str | None = None


CASES = [
    Case("ipynb/wtop-07-Control-Flow-Statements.ipynb"),
    Case("ipynb/wtop-08-Defining-Functions.ipynb"),
    # Seven cells raise on purpose; cells below read what two of them bound first.
    Case("ipynb/wtop-09-Errors-and-Exceptions.ipynb", findings=("RF004 0",)),
    Case("ipynb/wtop-10-Iterators.ipynb"),
    Case("ipynb/wtop-11-List-Comprehensions.ipynb"),
    Case("ipynb/wtop-12-Generators.ipynb"),
    Case("ipynb/wtop-02-Basic-Python-Syntax.ipynb"),
    Case("ipynb/wtop-03-Semantics-Variables.ipynb"),
    Case("ipynb/wtop-04-Semantics-Operators.ipynb"),
    Case("ipynb/wtop-05-Built-in-Scalar-Types.ipynb"),
    # `t[1] = 4` on a tuple raises (on purpose), and the cell after it, `t.append(4)`,
    # reads the `t` bound two cells above: Jupyter runs it (an AttributeError, on purpose
    # too), and so does reflow, since `t` holds what a cell above the failed one wrote
    # (it was cancelled, as every reader of a name its failed writer did not write was).
    Case("ipynb/wtop-06-Built-in-Data-Structures.ipynb"),
    # `import *` of math and numpy; `%`-free.
    Case("ipynb/wtop-13-Modules-and-Packages.ipynb"),
    # A shell command (`!ls`) and a cell that raises on purpose (a ValueError).
    Case("ipynb/wtop-14-Strings-and-Regular-Expressions.ipynb"),
    # `%matplotlib notebook`, and a last cell importing scipy, which the test extra lacks
    # (a ModuleNotFoundError under both: nothing reads what it binds).
    Case("ipynb/wtop-15-Preview-of-Data-Science-Tools.ipynb", needs=("matplotlib",)),
    Case("ipynb/pdsh-02.02-The-Basics-Of-NumPy-Arrays.ipynb"),
    # A cell raises in each of these three (a broadcasting error, an index assignment,
    # a slice of an unsorted index, and a cell that is not valid Python); the cells after
    # it read what cells above bound.
    Case("ipynb/pdsh-02.05-Computation-on-arrays-broadcasting.ipynb", needs=("matplotlib",)),
    Case("ipynb/pdsh-03.01-Introducing-Pandas-Objects.ipynb"),
    Case("ipynb/pdsh-03.05-Hierarchical-Indexing.ipynb", findings=("RF005 31",)),
    Case("ipynb/pdsh-02.01-Understanding-Data-Types.ipynb"),
    # `plt.style.use('seaborn-whitegrid')`, a style matplotlib 3.6 renamed, raises after
    # the cell bound `plt`: the plotting cells after it read `plt` and run.
    Case("ipynb/pdsh-02.08-Sorting.ipynb", needs=("matplotlib",)),
    Case("ipynb/pdsh-03.02-Data-Indexing-and-Selection.ipynb"),
    Case("ipynb/pdsh-03.03-Operations-in-Pandas.ipynb"),
    # The last cell shows an object whose repr calls `DataFrame.append`, gone in pandas 2:
    # the display raises, a traceback shown while the cell itself succeeds (``shown_error``).
    Case("ipynb/pdsh-03.06-Concat-And-Append.ipynb"),
    Case(
        "ipynb/homl2-tools_numpy.ipynb",
        needs=("matplotlib",),
    ),
    Case("marimo/task_list.py", needs=("marimo",)),
    Case("marimo/compound_interest.py", needs=("marimo", "matplotlib")),
    Case("marimo/bayes_theorem.py", needs=("marimo", "matplotlib")),
    Case("marimo/plots.py", needs=("marimo", "matplotlib")),
    Case("marimo/dynamic_markdown.py", needs=("marimo",)),
    Case("marimo/layout.py", needs=("marimo",)),
]


def _param(case: Case, xfail: str | None) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(case, id=case.path.split("/")[-1], marks=marks)


def _needs(case: Case) -> None:
    for package in case.needs:
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{case.path} imports {package}, which the test extra does not install")


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The notebook in a directory of its own, the working directory (some write files)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")

    def place(case: Case) -> Path:
        target = tmp_path / Path(case.path).name
        shutil.copy(CORPUS / case.path, target)
        return target

    return place


@pytest.mark.parametrize("case", [_param(c, c.check_xfail) for c in CASES])
def test_check_reports_only_real_problems(case: Case) -> None:
    nb = Notebook.open(CORPUS / case.path)
    found = [f"{d.rule.code} {d.index}: {d.message}" for d in check(nb)]
    assert [f.split(":")[0] for f in found] == list(case.findings), found


@pytest.fixture(scope="module")
def kernel_pool() -> Iterator[ThreadPoolExecutor]:
    """Two runs at a time, whichever kernel: more kernels starting at once on two cores
    made one die before its first reply (CI, once)."""
    pool = ThreadPoolExecutor(max_workers=2)
    yield pool
    pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="module")
def oracles(tmp_path_factory: pytest.TempPathFactory, kernel_pool: ThreadPoolExecutor) -> Any:
    """Every notebook's oracle run, two at a time in the background (a kernel's start
    is most of the cost), each in a directory of its own."""
    pool = kernel_pool
    runs: dict[str, Future[dict[str, Any]]] = {}
    for case in CASES:
        if all(importlib.util.find_spec(p) is not None for p in case.needs):
            target = tmp_path_factory.mktemp("oracle") / Path(case.path).name
            shutil.copy(CORPUS / case.path, target)
            runs[case.path] = pool.submit(_oracle, target)
    return runs


IPYNB = [c for c in CASES if c.path.endswith(".ipynb")]


@pytest.fixture(scope="module")
def reflow_kernel_runs(
    tmp_path_factory: pytest.TempPathFactory, kernel_pool: ThreadPoolExecutor
) -> Any:
    """The ``.ipynb`` notebooks run as the oracle runs them (nbclient, top to bottom,
    past errors), on reflow's kernel, two at a time in the background."""
    pool = kernel_pool
    runs: dict[str, Future[dict[str, Any]]] = {}
    for case in IPYNB:
        if all(importlib.util.find_spec(p) is not None for p in case.needs):
            target = tmp_path_factory.mktemp("reflow-kernel") / Path(case.path).name
            shutil.copy(CORPUS / case.path, target)
            runs[case.path] = pool.submit(_oracle, target, "reflow")
    return runs


@pytest.mark.parametrize("case", [_param(c, None) for c in IPYNB])
def test_the_reflow_kernel_runs_each_cell_as_ipykernel_does(
    case: Case, oracles: Any, reflow_kernel_runs: Any
) -> None:
    """Cell for cell, failures included: a cell that raises under ipykernel raises the
    same error on reflow's kernel, and every other cell runs and prints the same (a
    failure cancels only the readers of what the failed cell did not bind)."""
    _needs(case)
    expected = oracles[case.path].result()
    got = reflow_kernel_runs[case.path].result()
    mismatched = [
        (index, mine, theirs)
        for index, (mine, theirs) in enumerate(zip(got["cells"], expected["cells"], strict=True))
        if mine != theirs
    ]
    assert mismatched == []
    assert got["state"] == expected["state"]


@pytest.mark.parametrize("case", [_param(c, c.run_xfail) for c in CASES])
def test_run_matches_the_notebooks_own_tool(case: Case, copy: Any, oracles: Any) -> None:
    _needs(case)
    path = copy(case)
    kind = "ipynb" if path.suffix == ".ipynb" else "marimo"
    expected = oracles[case.path].result()
    nb = Notebook.open(path)
    exec(SEED, {})  # the oracle's seed: unseeded random draws give the same numbers
    run = nb.run_all()
    if kind == "ipynb":
        got = [{"stdout": cell.stdout, "error": shown_error(nb, cell)} for cell in nb.cells]
        mismatched = [
            (index, mine, theirs)
            for index, (mine, theirs) in enumerate(zip(got, expected["cells"], strict=True))
            if mine != theirs
        ]
        assert mismatched == []
    else:
        assert {nb.cell(c).index: e.message for c, e in run.errors.items()} == {}
    state = digest(nb.namespace)
    differences = {
        name: (state.get(name), value)
        for name, value in expected["state"].items()
        if state.get(name) != value
    }
    assert differences == {}
    assert set(state) - set(expected["state"]) == set()


def shown_error(nb: Notebook, cell: Cell) -> str | None:
    """The type of the first error the cell shows, as the oracle reads a cell's error
    outputs: a traceback IPython shows for a result whose display raised (the cell itself
    succeeded, as in Jupyter) counts; a cancelled cell shows only its ``Cancelled``."""
    if cell.error is not None and cell.error.cause is not None:
        return cell.error.type  # cancelled: it did not run
    session = nb._session
    kept: dict[str, CellOutputs] = getattr(session.executor, "outputs", {})
    outputs = kept.get(session.filename(CellId(cell.id)))
    shown = [o["ename"] for o in outputs.items if o["output_type"] == "error"] if outputs else []
    return shown[0] if shown else cell.error.type if cell.error else None


def _oracle(path: Path, *kernel: str) -> dict[str, Any]:
    kind = "ipynb" if path.suffix == ".ipynb" else "marimo"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ORACLE.parent)}
    for _ in range(2):  # a kernel process that died starting is not what the run compares
        done = subprocess.run(
            [sys.executable, str(ORACLE), kind, str(path), *kernel],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=path.parent,
        )
        if "Kernel died before replying to kernel_info" not in done.stderr:
            break
    assert _MARK in done.stdout, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.split(_MARK, 1)[1])
    return result
