"""reflow in process against the same cells run without it, on real notebooks (issue 24).

The notebooks are the corpus committed in ``tests/corpus/ipynb`` (public
notebooks; sources and licences in ``tests/corpus/README.md``). Each is run top
to bottom, in process, by two systems:

- the floor: every code cell's source, in notebook order, through
  ``IPythonExecutor.execute``, the headless IPython shell reflow itself runs an
  ``.ipynb``'s cells in (one shell per notebook, its ``__main__`` module named
  after the file, as ``Notebook.open`` makes them). "Plain exec" cannot be the
  floor here: these cells hold IPython syntax (``%matplotlib inline``,
  ``%timeit``, ``!cmd``, ``display``), which ``exec`` cannot run. Running them
  through reflow's own executor makes the input transformation, the display
  capture, the inline figures and the shell's own costs the same for both, so
  what is left between the two is what reflow adds: opening (reading the file
  is in both; analysing the cells and building the graph is reflow's), the
  rewrites it registers with the shell, the scheduler, tracking what each cell
  read and wrote, fingerprints;
- reflow: ``Notebook.open(path)`` then ``run_all()`` (reactive, the notebook's
  direction), both timed.

Each (notebook, system, round) runs in a fresh child process of its own
(``--child``), in a copy of the notebook's folder (notebooks write and read
files such as ``my_array.npy``), with an IPython directory of its own, so
imports, memory and files do not leak from one run to the next. Before its
timer a child imports reflow and runs ``pass`` through a throwaway
``IPythonExecutor`` (IPython imported, its lazy imports done, its profile
made): a kernel or ``reflow run`` has done that before its first cell, and it
is the same work in both systems. Nothing a cell imports (numpy, pandas,
matplotlib) is loaded then: each system pays for those inside its timed run.
The shell of the notebook itself is made at its first cell, in both. The
timer runs from reading the notebook to the end of its last cell. A round runs
both systems, one after the other; which goes first alternates by round.

A child reports its time, the time to each cell's start (a per-cell split,
from reflow's ``CellObserver`` on its side), the cells it ran and each code
cell's error name (``Cancelled`` for a cell reflow did not run because one it
reads from failed). A notebook whose cells fail differently on the two
systems is reported so, not timed: its times would compare different work.

Per notebook: the median (min-max) of each system's times, the median of the
rounds' paired ratios (reflow / floor), reflow's extra milliseconds per code
cell (median of the paired differences, divided by the code cells) and the
code cell where reflow adds the most. Targets (issue 24): a ratio at most
1.10x where the floor takes over 100 ms; elsewhere under 0.3 ms of reflow per
cell.

Run: ``make bench`` (appends to RESULTS.md) or ``python benchmarks/corpus_inprocess.py
[--rounds N] [--only SUBSTRING] [--append benchmarks/RESULTS.md]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from timing import geomean, report, spread

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT / "tests" / "corpus" / "ipynb"
SYSTEMS = ("floor", "reflow")
ROUNDS = 5
TIMEOUT = 900  # seconds for one child: the slowest notebook takes a few
SLOW = 0.100  # seconds of floor above which the ratio is the target
RATIO_TARGET = 1.10
PER_CELL_TARGET = 0.3e-3  # seconds of reflow per code cell, for the faster notebooks
WARM_UP = "pass"


@dataclass
class Sample:
    """One system's run of one notebook, as its child reports it."""

    seconds: float  # reading the notebook to the end of its last cell
    before: float  # of which before the first cell starts (reflow: open and plan)
    spans: list[float]  # each code cell's start to the next one's (the last's: to the end)
    errors: list[str | None]  # each code cell's error name, None when it ran without one
    ran: int  # code cells that ran

    @property
    def cells(self) -> int:
        return len(self.errors)


# ---- the child: one system, one notebook ---------------------------------------------------


class _Clock:
    """reflow's ``CellObserver``: when each cell's turn came (started, or refused and
    cancelled cells, finished without starting)."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}

    def started(self, cell: str) -> None:
        self.marks.setdefault(cell, time.perf_counter())

    def finished(self, cell: str, outcome: str) -> None:
        self.marks.setdefault(cell, time.perf_counter())


def _child(system: str, notebook: Path, out: Path) -> None:
    """Run ``notebook`` with ``system`` in this process and write its ``Sample`` to ``out``."""
    sys.path[0] = str(notebook.parent)  # as in a kernel: the notebook's folder, not benchmarks/
    from reflow import Notebook, formats
    from reflow.formats.marimo_cells import runnable_source
    from reflow.runtime.ipython import IPythonExecutor
    from reflow.runtime.main_module import MainModule

    warm = IPythonExecutor(MainModule())
    warm.execute(WARM_UP, "<warm-up>")
    warm.close()
    path = str(notebook)
    if system == "floor":
        began = time.perf_counter()
        file = formats.read(path)
        executor = IPythonExecutor(MainModule(path))
        marks, errors = [], []
        for cell in file.code_cells:
            marks.append(time.perf_counter())
            execution = executor.execute(runnable_source(cell), f"<cell {cell.id}>")
            errors.append(execution.error.type if execution.error is not None else None)
        ended = time.perf_counter()
        ran = len(marks)
        executor.close()
    else:
        clock = _Clock()
        began = time.perf_counter()
        nb = Notebook.open(path)
        run = nb.run_all(observer=clock)
        ended = time.perf_counter()
        ids = [cell.id for cell in nb.cells]
        # The corpus's notebooks are in_order: the run goes down the notebook. A cell the
        # run never reached (none in a run-all) starts where the next one does.
        marks = []
        for cell_id in reversed(ids):
            marks.append(clock.marks.get(cell_id, marks[-1] if marks else ended))
        marks.reverse()
        cancelled = set(run.cancelled)
        errors = []
        for cell_id in ids:
            error = run.errors.get(cell_id)
            if error is not None:
                errors.append(error.type)
            elif cell_id in cancelled:
                errors.append("Cancelled")
            else:
                errors.append(None if cell_id in run.ran else "not run")
        ran = len(run.ran)
        nb.close()
    ends = [*marks[1:], ended]
    sample = Sample(
        seconds=ended - began,
        before=(marks[0] if marks else ended) - began,
        spans=[end - start for start, end in zip(marks, ends, strict=True)],
        errors=errors,
        ran=ran,
    )
    out.write_text(json.dumps(asdict(sample)))


# ---- the parent: rounds of child processes ---------------------------------------------------


def run_child(system: str, path: Path, root: Path) -> Sample:
    """One child process: ``system`` on a copy of ``path``'s folder under ``root``."""
    workdir = root / system
    workdir.mkdir()
    for item in path.parent.iterdir():  # the notebook's data files, as in its repository
        if item.is_file():
            shutil.copy(item, workdir / item.name)
    out = root / f"{system}.json"
    env = dict(os.environ, IPYTHONDIR=str(root / f"{system}-ipython"))
    done = subprocess.run(
        [sys.executable, __file__, "--child", system, str(workdir / path.name), str(out)],
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{system} on {path.name} exited {done.returncode}:\n{done.stderr}")
    return Sample(**json.loads(out.read_text()))


def one_round(path: Path, first: str) -> dict[str, Sample]:
    """Both systems on one notebook, ``first`` first, each in a fresh child process."""
    order = [first, *(s for s in SYSTEMS if s != first)]
    with tempfile.TemporaryDirectory(prefix="reflow-inprocess-bench-") as root:
        return {system: run_child(system, path, Path(root)) for system in order}


@dataclass
class Result:
    """One notebook's rounds, summarised."""

    name: str
    rounds: list[dict[str, Sample]]
    sources: list[str]  # the code cells' sources, to name the costly ones

    @property
    def floor(self) -> list[Sample]:
        return [r["floor"] for r in self.rounds]

    @property
    def reflow(self) -> list[Sample]:
        return [r["reflow"] for r in self.rounds]

    @property
    def cells(self) -> int:
        return self.floor[0].cells

    @property
    def same(self) -> bool:
        """Both systems failed the same cells the same way in every round."""
        return all(o.errors == b.errors for o, b in zip(self.reflow, self.floor, strict=True))

    @property
    def ratio(self) -> float:
        return statistics.median(self.paired)

    @property
    def paired(self) -> list[float]:
        return [o.seconds / b.seconds for o, b in zip(self.reflow, self.floor, strict=True)]

    @property
    def extra(self) -> float:
        """Seconds reflow adds per code cell: the median paired difference, per cell."""
        return statistics.median(
            (o.seconds - b.seconds) / max(self.cells, 1)
            for o, b in zip(self.reflow, self.floor, strict=True)
        )

    @property
    def slow(self) -> bool:
        return statistics.median(b.seconds for b in self.floor) > SLOW

    @property
    def met(self) -> bool:
        return self.ratio <= RATIO_TARGET if self.slow else self.extra < PER_CELL_TARGET

    def costliest(self, count: int = 3) -> list[tuple[int, float]]:
        """The code cells (0-based) where reflow adds the most: median over rounds of the
        paired differences of the cell's split, most first."""
        extra = [
            (
                index,
                statistics.median(
                    o.spans[index] - b.spans[index]
                    for o, b in zip(self.reflow, self.floor, strict=True)
                ),
            )
            for index in range(self.cells)
        ]
        return sorted(extra, key=lambda item: -item[1])[:count]

    def differing(self) -> list[int]:
        """Code cells (0-based) whose error differs between the systems in some round."""
        return sorted(
            {
                index
                for o, b in zip(self.reflow, self.floor, strict=True)
                for index, (mine, theirs) in enumerate(zip(o.errors, b.errors, strict=True))
                if mine != theirs
            }
        )

    def row(self) -> dict[str, str]:
        paired = self.paired
        (top, top_extra), *_ = self.costliest(1) or [(0, 0.0)]
        if self.same:
            ratio = f"{self.ratio:.2f}x ({min(paired):.2f}-{max(paired):.2f})"
            if self.slow:
                target = f"<= {RATIO_TARGET:.2f}x: {'met' if self.met else 'not met'}"
            else:
                target = (
                    f"< {PER_CELL_TARGET * 1e3:.1f} ms per cell: {'met' if self.met else 'not met'}"
                )
        else:
            cells = ", ".join(str(i + 1) for i in self.differing())
            ratio = f"differs: cells {cells} fail differently"
            target = "-"
        return {
            "notebook": f"`{self.name}`",
            "code cells": str(self.cells),
            "floor s": spread([b.seconds for b in self.floor]),
            "reflow s": spread([o.seconds for o in self.reflow]),
            "ratio": ratio,
            "reflow extra ms per cell": f"{self.extra * 1e3:+.2f}",
            "before 1st cell ms (floor / reflow)": f"{_ms(self.floor)} / {_ms(self.reflow)}",
            "most extra: cell": f"{top + 1} ({top_extra * 1e3:+.2f} ms)",
            "target": target,
        }


def measure(path: Path, rounds: int) -> Result:
    samples = [one_round(path, SYSTEMS[number % 2]) for number in range(rounds)]
    from reflow import formats  # here: the child imports reflow only after its own start

    sources = [cell.source for cell in formats.read(path).code_cells]
    return Result(path.stem, samples, sources)


def notebooks(only: str | None = None) -> list[Path]:
    found = sorted(CORPUS.glob("*.ipynb"))
    return [p for p in found if only is None or only in p.name]


def summary(results: list[Result]) -> list[str]:
    """The summary line: the ratios, and each target as met or not, naming notebooks."""
    alike = [r for r in results if r.same]
    ratios = [r.ratio for r in alike]
    median = statistics.median(ratios) if ratios else float("nan")
    differ = [r.name for r in results if not r.same]
    slow = [r for r in alike if r.slow]
    fast = [r for r in alike if not r.slow]

    def verdict(group: list[Result]) -> str:
        missed = [f"`{r.name}`" for r in group if not r.met]
        return f"met by {len(group) - len(missed)} of {len(group)}" + (
            f" (not met: {', '.join(missed)})" if missed else ""
        )

    line = (
        f"**Ratios over the {len(alike)} notebooks whose cells fail alike: median "
        f"{median:.2f}x, geometric mean {geomean(ratios):.2f}x.** Where the floor takes "
        f"over {SLOW * 1e3:.0f} ms (target ratio <= {RATIO_TARGET:.2f}x): {verdict(slow)}. "
        f"The others (target: under {PER_CELL_TARGET * 1e3:.1f} ms of reflow per code cell): "
        f"{verdict(fast)}."
    )
    if differ:
        line += " Cells fail differently, not timed: " + ", ".join(f"`{n}`" for n in differ) + "."
    return [line]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--only", help="only notebooks whose file name contains this")
    parser.add_argument(
        "--child", nargs=3, metavar=("SYSTEM", "NOTEBOOK", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        system, notebook, out = args.child
        _child(system, Path(notebook), Path(out))
        return
    load_before = os.getloadavg()[0]
    results = []
    for path in notebooks(args.only):
        result = measure(path, args.rounds)
        results.append(result)
        print(result.row(), flush=True)
        for index, extra in result.costliest():
            first = result.sources[index].strip().split("\n", 1)[0][:60]
            print(f"    cell {index + 1}: {extra * 1e3:+.2f} ms  {first!r}", flush=True)
    load_after = os.getloadavg()[0]
    report(
        "Real notebooks in process (`benchmarks/corpus_inprocess.py`)",
        [
            "The notebooks of `tests/corpus/ipynb` run top to bottom in process by reflow "
            "(`Notebook.open` then `run_all()`) and by the floor: the same cells through "
            "reflow's headless IPython shell (`IPythonExecutor.execute`), one after the other, "
            "without reflow's analysis and tracking (plain `exec` cannot run their `%` and `!` "
            f"lines). {args.rounds} rounds; each run in a fresh child process, in a copy of "
            "the notebook's folder, after reflow and IPython are imported and warmed up; what "
            "the cells import is in both timed runs; which system goes first alternates. "
            "Time: from reading the notebook to the end of its last cell, median (min-max); "
            "ratio: the median (min-max) of the rounds' paired ratios (reflow / floor); extra "
            "ms per cell: the median paired difference over the code cells; before 1st cell: "
            "reading the notebook, and for reflow its analysis and the run's plan; most "
            "extra: the code cell (1-based) whose split (its start to the next cell's, the "
            "last cell's to the end of the run) grew the most, median of paired differences. "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
            f"(1 min) {load_before:.1f} at the start and {load_after:.1f} at the end.",
            "",
            *summary(results),
        ],
        [r.row() for r in results],
        args.append,
        append=True,
    )


def _ms(samples: list[Sample]) -> str:
    """The median time before the first cell, in milliseconds."""
    return f"{statistics.median(s.before for s in samples) * 1e3:.1f}"


if __name__ == "__main__":
    main()
