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
    files: tuple[str, ...] = ()
    """Files and folders beside it (paths in tests/corpus) that its cells read or run."""

    def place(self, folder: Path) -> Path:
        """The notebook copied into ``folder``, with its ``files``; its path there."""
        for companion in self.files:
            source, there = CORPUS / companion, folder / Path(companion).name
            if source.is_dir():
                shutil.copytree(source, there)
            else:
                shutil.copy(source, there)
        target = folder / Path(self.path).name
        shutil.copy(CORPUS / self.path, target)
        return target


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
    # A dozen cells call what pandas 3 renamed or removed (`freq="H"`, `DataFrame.append`)
    # and raise (under pandas 2, `freq="H"` only warns: the mark below is pandas 3's);
    # fourteen cells below read what the first of them (`dates`) did not bind,
    # one of them (`temp_series_paris_naive.tz_localize`) inside `try: ... except
    # Exception`, which Jupyter runs and prints. (A cell that read a CSV from the network
    # is left out: README.)
    Case(
        "ipynb/homl2-tools_pandas.ipynb",
        needs=("matplotlib",),
        run_xfail="a reader of a name its failed writer did not bind, which holds no value "
        "and which no cell above binds either, is cancelled where Jupyter runs it (a "
        "`NameError`, or an `except` printing one). Reduced: `x = 1/0`, `y = x + 1`, "
        "`try: print(y) except NameError: print('caught')`; run_all cancels the last two",
    ),
    # `import this` prints the Zen once a process (reflow's run here, in pytest's, prints
    # it unless a test before imported `this`); a `symlog` argument matplotlib renamed and
    # two video writers (ffmpeg) the machine may lack raise; two animations drawn as HTML.
    Case("ipynb/homl2-tools_matplotlib.ipynb", needs=("matplotlib",)),
    Case("ipynb/homl2-math_linear_algebra.ipynb", needs=("matplotlib",)),
    # IPython's automagic: `ls scripts/hello-world*.py` and `cat scripts/hello-world.py`,
    # one-line cells that are not Python (run as the magics they name); a cell indented
    # wrongly on purpose; `%%file
    # mymodule.py`, then `import mymodule`; `reload` (Python 2) and a missing extension
    # (`%load_ext version_information`) raise.
    Case(
        "ipynb/spl-Lecture-1-Introduction-to-Python-Programming.ipynb",
        files=("ipynb/scripts",),
        # `print(y)` above the cell that binds `y` (on purpose: a NameError), and the cell
        # indented wrongly on purpose.
        findings=("RF003 17", "RF005 88"),
    ),
    # A hundred numpy exercises as solved (views, in-place stores, `Z` bound again in
    # almost every cell, unseeded draws). Exercise 26 reads the builtin `sum`, then `from
    # numpy import *` binds numpy's, and the cell of exercise 68 binds `sum` below; one
    # answer imports scipy, which the test extra lacks (ModuleNotFoundError in both).
    Case("ipynb/np100-100_Numpy_exercises_with_solutions.ipynb", findings=("RF003 25",)),
    # A hundred pandas puzzles as solved, written for pandas 0.2x: a dozen answers call
    # what pandas 2 removed or changed (`is_lexsorted`, `pd.core.reshape.util`, a
    # length mismatch) and raise, with the cells below reading what they did not make;
    # one imports scipy (absent); three plot.
    Case(
        "ipynb/pp-100-pandas-puzzles-with-solutions.ipynb",
        needs=("matplotlib",),
        # The last cell plots `agg`, which the failed cell above it never bound.
        run_xfail="the rule tools_pandas's mark names: `plot_candlestick(agg)` below "
        "`agg = df.resample('H').ohlc()`, which raised, is cancelled where Jupyter runs it "
        "(a `NameError`)",
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
    """The notebook in a directory of its own, the working directory (some write files),
    from which modules import, as from a kernel's or from `python` started there (one
    notebook writes a module with `%%file` and imports it)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    def place(case: Case) -> Path:
        return case.place(tmp_path)

    yield place
    forget_modules_in(tmp_path)


def forget_modules_in(folder: Path) -> None:
    """Drop from ``sys.modules`` the modules imported from ``folder`` (a module a cell
    wrote there): a later test's run of the notebook imports its own, as a new kernel
    does, and prints its own path (`help(mymodule)`)."""
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and Path(file).is_relative_to(folder):
            del sys.modules[name]


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
            target = case.place(tmp_path_factory.mktemp("oracle"))
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
            target = case.place(tmp_path_factory.mktemp("reflow-kernel"))
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
        got = [
            {"stdout": placeless(cell.stdout, path.parent), "error": shown_error(nb, cell)}
            for cell in nb.cells
        ]
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
    for cell in result.get("cells", ()):
        cell["stdout"] = placeless(cell["stdout"], path.parent)
    return result


def placeless(stdout: str, folder: Path) -> str:
    """``stdout`` with the notebook's folder, which differs from run to run, as
    ``<folder>``: `help(mymodule)` of a module a cell wrote there prints its path."""
    for form in sorted({str(folder.resolve()), str(folder)}, key=len, reverse=True):
        stdout = stdout.replace(form, "<folder>")
    return stdout
