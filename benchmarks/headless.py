"""``reflow run`` against ``jupyter nbconvert --execute`` and papermill, as a user runs them.

Each tool runs each notebook in a fresh process, start included (a kernel's
start is most of a small notebook's cost for the two Jupyter tools; reflow
runs the cells in its own process), ``REPEATS`` times in turns so that the
machine's noise falls on all alike; the table gives the median (min-max)
wall-clock seconds and the ratio to nbconvert's median. The notebooks are the
corpus notebooks that need nothing beyond numpy, pandas and matplotlib
(``tests/corpus``), and a parameterised notebook whose cells are each a few
tenths of a second of numpy work.

The last rows are the parameter sweep case: papermill (or nbconvert, on a
copy with the value written in) runs the whole notebook for a new value;
``reflow run --cache -p`` runs only the cells downstream of the parameter
that changed (the cache was filled by a run with another value).

Run: ``python benchmarks/headless.py [--append benchmarks/RESULTS.md] [--quick]``,
with a Python whose environment has reflow, nbconvert and ipykernel (``make
bench`` uses the peers' venv); papermill is measured when installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import fmt, report

REPEATS = 5
ROOT = Path(__file__).resolve().parent.parent
CORPUS = [
    ROOT / "tests" / "corpus" / "ipynb" / "wtop-08-Defining-Functions.ipynb",
    ROOT / "tests" / "corpus" / "ipynb" / "pdsh-02.02-The-Basics-Of-NumPy-Arrays.ipynb",
    ROOT / "tests" / "corpus" / "ipynb" / "homl2-tools_numpy.ipynb",
]
# A sweep over `seed`: the first two cells read it, the last two do not.
SWEEP_CELLS = [
    ("parameters", "seed = 0\nsize = 1_500_000"),
    (None, "import numpy as np"),
    (None, "draws = np.random.default_rng(seed).standard_normal(size)"),
    (None, "summary = float(np.sort(draws)[size // 2])\nsummary"),
    (None, "grid = np.linspace(0, 1, size)\nsmooth = np.cumsum(np.sin(grid * 40))"),
    (None, "for _ in range(3):\n    ranks = np.argsort(smooth)\nint(ranks[0])"),
]


def sweep_notebook(path: Path) -> Path:
    cells = []
    for index, (tag, code) in enumerate(SWEEP_CELLS):
        cells.append(
            {
                "cell_type": "code",
                "id": f"c{index}",
                "metadata": {"tags": [tag]} if tag else {},
                "source": code,
                "outputs": [],
                "execution_count": None,
            }
        )
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1))
    return path


def tools(papermill: bool) -> dict[str, list[str]]:
    python = sys.executable
    found = {
        "reflow run": [python, "-m", "reflow", "run", "{nb}", "-o", "{out}", "-q", "--force"],
        "jupyter nbconvert --execute": [
            python,
            "-m",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "{nb}",
            "--output",
            "{out}",
            "--ExecutePreprocessor.kernel_name=python3",
            "--log-level=ERROR",
        ],
    }
    if papermill:
        found["papermill"] = [python, "-m", "papermill", "{nb}", "{out}", "-k", "python3"]
    return found


def timed_run(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # a notebook whose cell fails still ran
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return elapsed


def measure(root: Path, repeats: int, papermill: bool) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    commands = tools(papermill)
    for source in CORPUS:
        notebook = root / source.name
        shutil.copy(source, notebook)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, template in commands.items():
                out = root / f"out-{name.split()[0]}.ipynb"
                command = [a.format(nb=notebook, out=out) for a in template]
                samples[name].append(timed_run(command, root))
        rows.extend(_rows(source.name, samples, "jupyter nbconvert --execute"))
    rows.extend(_sweep(root, repeats, papermill))
    return rows


def _sweep(root: Path, repeats: int, papermill: bool) -> list[dict[str, str]]:
    notebook = sweep_notebook(root / "sweep.ipynb")
    python = sys.executable
    samples: dict[str, list[float]] = {}
    cached = [python, "-m", "reflow", "run", str(notebook), "-o", "swept.ipynb", "-q", "--force"]
    cached += ["--cache", "--cache-dir", str(root / "cache")]
    timed_run([*cached, "-p", "seed", "0"], root)  # fills the cache
    samples["reflow run --cache -p seed N (cache filled)"] = [
        timed_run([*cached, "-p", "seed", str(n)], root) for n in range(1, repeats + 1)
    ]
    full = [python, "-m", "reflow", "run", str(notebook), "-o", "full.ipynb", "-q", "--force"]
    samples["reflow run -p seed N"] = [
        timed_run([*full, "-p", "seed", str(n)], root) for n in range(1, repeats + 1)
    ]
    if papermill:
        samples["papermill -p seed N"] = [
            timed_run(
                [python, "-m", "papermill", str(notebook), "pm.ipynb", "-p", "seed", str(n)], root
            )
            for n in range(1, repeats + 1)
        ]
    nbconvert = tools(False)["jupyter nbconvert --execute"]
    samples["jupyter nbconvert --execute"] = [
        timed_run([a.format(nb=notebook, out=root / "nbc.ipynb") for a in nbconvert], root)
        for _ in range(repeats)
    ]
    baseline = "papermill -p seed N" if papermill else "jupyter nbconvert --execute"
    return _rows("sweep.ipynb, one parameter changed", samples, baseline)


def _rows(notebook: str, samples: dict[str, list[float]], baseline: str) -> list[dict[str, str]]:
    floor = statistics.median(samples[baseline])
    return [
        {
            "notebook": notebook,
            "command": f"`{name}`",
            "wall s, median (min-max)": fmt(times, unit=1.0),
            f"vs {baseline.split()[0]}": f"{statistics.median(times) / floor:.2f}x",
        }
        for name, times in samples.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    parser.add_argument("--quick", action="store_true", help="one run of each: a smoke test")
    args = parser.parse_args()
    repeats = 1 if args.quick else REPEATS
    papermill = importlib.util.find_spec("papermill") is not None
    with tempfile.TemporaryDirectory(prefix="reflow-headless-bench-") as root:
        rows = measure(Path(root), repeats, papermill)
    notes = [
        f"Each command in a fresh process, {repeats} runs in turns, wall-clock seconds, "
        f"start included; Python {sys.version.split()[0]}. The Jupyter tools start an "
        "ipykernel; `reflow run` runs the cells in its own process (IPython cells "
        "through an IPython shell).",
    ]
    if not papermill:
        notes.append("papermill is not installed here: its rows are missing.")
    # Keep the table's columns the same for every row: one baseline column name.
    for row in rows:
        for key in list(row):
            if key.startswith("vs "):
                row["vs baseline"] = row.pop(key)
    report(
        "Headless runs (`benchmarks/headless.py`)",
        [
            *notes,
            "The baseline is nbconvert for the corpus notebooks; for the sweep, papermill "
            "(nbconvert without it).",
        ],
        rows,
        args.append,
        append=True,
    )


if __name__ == "__main__":
    main()
