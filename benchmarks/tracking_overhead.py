"""Tracking overhead: the same cell through reflow and through plain ``exec``, one process.

reflow does not instrument user code, so a cell's own work runs at full
speed; what it adds is per cell (analysis once per edit, a namespace diff,
fingerprints of the objects the cell may change). Each workload runs as one
cell; the figure is the median of repeated runs, and the ratio is against
plain ``exec`` of the same source in a fresh dict (issue 3's target: at most
1.10, and under 1 ms of fixed cost per cell).

Run: ``make bench`` (appends to RESULTS.md) or ``python benchmarks/tracking_overhead.py``.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from reflow import Notebook
from timing import fmt, ratio, report, timed

SETUP = {
    "numpy": "import numpy as np\nrng = np.random.default_rng(0)\n"
    "A = rng.random((2000, 2000))\nB = rng.random((2000, 2000))",
    "pandas": "import numpy as np\nimport pandas as pd\nrng = np.random.default_rng(0)\n"
    "df = pd.DataFrame({'k': rng.integers(0, 1000, 1_000_000), 'v': rng.random(1_000_000)})",
}

READERS = {
    # A later cell reads the result: early cutoff then fingerprints the old and new value.
    "numpy 2000x2000 matmul, result read by a later cell": "total = float(C.sum())",
}

WORKLOADS: list[tuple[str, str | None, str]] = [
    ("loop of 2,000,000 iterations", None, "total = 0\nfor i in range(2_000_000):\n    total += i"),
    (
        "recursive fib(25)",
        None,
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nresult = fib(25)",
    ),
    ("sort 200,000 with a key lambda", None, "s = sorted(range(200_000), key=lambda v: -v)"),
    ("numpy 2000x2000 matmul", "numpy", "C = A @ B"),
    ("numpy 2000x2000 matmul, result read by a later cell", "numpy", "C = A @ B"),
    ("pandas groupby, 1,000,000 rows", "pandas", "g = df.groupby('k')['v'].mean()"),
    ("200 straight-line statements", None, "\n".join(f"v{i} = {i} * 2 + 1" for i in range(200))),
    ("trivial cell (fixed cost)", None, "x = 1"),
]


def paired(
    setup: str | None, source: str, repeats: int, reader: str | None = None
) -> tuple[list[float], list[float]]:
    """Plain exec and reflow runs of the same cell, alternated so that drift hits both."""
    namespace: dict[str, Any] = {}
    nb = Notebook()
    if setup:
        exec(setup, namespace)
        nb.run(nb.add(setup))
    cell = nb.add(source)
    if reader:
        nb.add(reader)
    nb.run_all()  # the first run analyses; later runs are what a user re-runs

    def plain_once() -> None:
        exec(compile(source, "<cell>", "exec"), namespace)

    def reflow_once() -> None:
        run = nb.run(cell)
        assert not run.errors and run.ran == [cell.id], run

    base: list[float] = []
    ours: list[float] = []
    for _ in range(repeats):
        base += timed(plain_once, 1)
        ours += timed(reflow_once, 1)
    nb.close()
    return base, ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rows = []
    for name, setup, source in WORKLOADS:
        base, ours = paired(
            SETUP[setup] if setup else None, source, args.repeats, READERS.get(name)
        )
        added = (statistics.median(ours) - statistics.median(base)) * 1e3
        rows.append(
            {
                "workload": name,
                "plain exec ms": fmt(base),
                "reflow ms": fmt(ours),
                "ratio": ratio(ours, base),
                "added ms": f"{added:+.2f}",
            }
        )
        print(rows[-1])
    report(
        "Tracking overhead (`benchmarks/tracking_overhead.py`)",
        [
            f"Medians (min-max) of {args.repeats} runs of one cell, milliseconds; the floor",
            "is plain `exec` of the same source in the same process. Targets (issue 3): ratio",
            "at most 1.10, fixed cost under 1 ms per cell.",
        ],
        rows,
        args.append,
        append=True,
    )


if __name__ == "__main__":
    main()
