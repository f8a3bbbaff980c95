"""How long the ``reflow`` command takes to start, against ``python -c "import reflow"``.

Each command runs in a fresh process, as a user types it, ``REPEATS`` times in
turns (so that the machine's noise falls on all alike); the table gives the
median (min-max) wall-clock time and its ratio to the median of ``import
reflow``, the floor no command can go under. Targets: ``--version`` and
``--help`` within 1.5x of the floor; ``check`` of a percent or marimo ``.py``
file loads no nbformat. ``.ipynb`` files are read without nbformat too (only
notebooks older than version 4 are converted through it); the last rows say
what importing nbformat alone costs in this environment, which is what every
command paid before: with ``rfc3987-syntax`` installed (JupyterLab brings it),
``jsonschema`` builds its format checkers' grammars at import.

Run: ``python benchmarks/cli_startup.py [--append benchmarks/RESULTS.md]``,
with the Python whose environment has reflow (and, to see the nbformat cost as
users see it, JupyterLab) installed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import fmt, report

REPEATS = 9
ROOT = Path(__file__).resolve().parent.parent
PERCENT = "# %%\nimport math\nradius = 2.0\n# %%\narea = math.pi * radius**2\nprint(area)\n"
MARIMO = ROOT / "tests" / "fixtures" / "marimo" / "clean.py"
IPYNB = ROOT / "tests" / "fixtures" / "ipynb" / "jupyter.ipynb"


def commands(percent: Path) -> list[tuple[str, list[str]]]:
    python = sys.executable
    reflow = [python, "-m", "reflow"]
    return [
        ('python -c "import reflow"', [python, "-c", "import reflow"]),
        ("reflow --version", [*reflow, "--version"]),
        ("reflow --help", [*reflow, "--help"]),
        ("reflow check x.py (percent)", [*reflow, "check", str(percent)]),
        ("reflow check app.py (marimo)", [*reflow, "check", str(MARIMO)]),
        ("reflow check nb.ipynb", [*reflow, "check", str(IPYNB)]),
        ('python -c "import nbformat"', [python, "-c", "import nbformat"]),
    ]


def measure(percent: Path) -> dict[str, list[float]]:
    runs = commands(percent)
    samples: dict[str, list[float]] = {name: [] for name, _ in runs}
    for _ in range(REPEATS):
        for name, command in runs:
            gc.collect()
            start = time.perf_counter()
            # A check that finds problems exits 1; that is still a start to measure.
            subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
            samples[name].append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reflow-cli-bench-") as root:
        percent = Path(root) / "x.py"
        percent.write_text(PERCENT)
        samples = measure(percent)
    floor = statistics.median(samples['python -c "import reflow"'])
    rows = [
        {
            "command": f"`{name}`",
            "wall ms, median (min-max)": fmt(times),
            "vs import reflow": f"{statistics.median(times) / floor:.2f}x",
        }
        for name, times in samples.items()
    ]
    report(
        "Command-line start (`benchmarks/cli_startup.py`)",
        [
            f"Each command in a fresh process, {REPEATS} runs in turns, wall-clock "
            f"milliseconds; Python {sys.version.split()[0]}. The floor is "
            '`python -c "import reflow"`.',
        ],
        rows,
        args.append,
        append=True,
    )


if __name__ == "__main__":
    main()
