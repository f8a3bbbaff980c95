"""What running cells through reflow costs beside plain Python, measured in one run.

- per-cell fixed cost: 200 trivial cells executed one by one, against plain
  ``exec`` of the same compiled-on-the-fly sources;
- reactive propagation: a 500-cell chain, edit the first cell and run it
  (all 500 re-run), against plain ``exec`` of the 500 sources in order.

Run: ``make bench`` (appends to RESULTS.md) or ``python benchmarks/cell_overhead.py``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reflow import Notebook
from timing import fmt, ratio, report, timed


def plain(sources: list[str]) -> None:
    namespace: dict[str, Any] = {}
    for source in sources:
        exec(compile(source, "<cell>", "exec"), namespace)


def trivial_cells() -> dict[str, str]:
    sources = [f"x{i} = {i}" for i in range(200)]
    floor = timed(lambda: plain(sources), repeats=9)

    def through_reflow() -> None:
        nb = Notebook()
        cells = [nb.add(s) for s in sources]
        for cell in cells:
            nb.run(cell)

    def adding_only() -> None:
        nb = Notebook()
        for s in sources:
            nb.add(s)

    total = timed(through_reflow, repeats=9)
    adds = timed(adding_only, repeats=9)
    return {
        "workload": "200 trivial cells, one by one",
        "plain exec ms": fmt(floor),
        "reflow ms": fmt(total),
        "of which nb.add ms": fmt(adds),
        "ratio": ratio(total, floor),
    }


def chain_propagation() -> dict[str, str]:
    sources = ["v0 = 0"] + [f"v{i} = v{i - 1} + 1" for i in range(1, 500)]
    floor = timed(lambda: plain(sources), repeats=9)
    nb = Notebook()
    for i, source in enumerate(sources):
        nb.add(source, id=f"c{i}")
    nb.run_all()
    edits = iter(range(1, 10**9))

    def edit_and_run() -> None:
        nb.edit("c0", f"v0 = {next(edits)}")
        run = nb.run("c0")
        assert len(run.ran) == 500, len(run.ran)

    total = timed(edit_and_run, repeats=9)
    return {
        "workload": "500-cell chain, edit the head, run",
        "plain exec ms": fmt(floor),
        "reflow ms": fmt(total),
        "of which nb.add ms": "-",
        "ratio": ratio(total, floor),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    args = parser.parse_args()
    rows = [trivial_cells(), chain_propagation()]
    report(
        "Running cells (`benchmarks/cell_overhead.py`)",
        [
            "Medians (min-max) of 9 runs, milliseconds; the floor is plain `exec` of the "
            "same sources in the same process.",
        ],
        rows,
        args.append,
        append=True,
    )


if __name__ == "__main__":
    main()
