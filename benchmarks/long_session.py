"""A kernel that stays open all day: 3,000 executions, against ipykernel in the same run
(issue 24).

Each execution is its own cell ``v{i} = {i} + 1`` with a ``cellId`` of its own, as
JupyterLab sends it, waited for until the kernel is idle. Both kernels are alive
together and take turns by ``BLOCK`` cells (kernel_overhead.py's pairing), so the
machine's noise falls on both alike. Per kernel: the median time per cell over the
first 300 executions and over the last 300, their ratio (a kernel whose work per
execution grows with the session shows it here), and the resident set size after
the last one.

Targets (issue 24): the last 300 within 1.05x of the first 300, and memory within
1.2x of ipykernel's after them.

Run: ``make bench`` (appends to RESULTS.md) or ``python benchmarks/long_session.py
[--cells N] [--append benchmarks/RESULTS.md]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from pathlib import Path

from kernels import Kernel
from timing import compile_reflow, report

CELLS = 3_000
WINDOW = 300  # executions at each end of the session compared
BLOCK = 20
KERNELS = ("python3", "reflow")
LABELS = {"python3": "ipykernel", "reflow": "reflow kernel"}


def session(cells: int) -> dict[str, tuple[list[float], float]]:
    """Per kernel: seconds per execution, in order, and RSS MiB after the last one."""
    kernels: dict[str, Kernel] = {}
    try:
        for name in KERNELS:
            kernels[name] = Kernel(name)
        times: dict[str, list[float]] = {name: [] for name in KERNELS}
        for at in range(0, cells, BLOCK):
            for name in KERNELS:
                kernel = kernels[name]
                for i in range(at, min(at + BLOCK, cells)):
                    began = time.perf_counter()
                    kernel.execute(f"v{i} = {i} + 1", uuid.uuid4().hex[:8])
                    times[name].append(time.perf_counter() - began)
        return {name: (times[name], kernels[name].rss() / 2**20) for name in KERNELS}
    finally:
        for kernel in kernels.values():
            kernel.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    parser.add_argument("--cells", type=int, default=CELLS)
    args = parser.parse_args()
    compile_reflow()
    window = min(WINDOW, args.cells // 2)
    measured = session(args.cells)
    floor_times, floor_rss = measured["python3"]
    floor = (statistics.median(floor_times[:window]), statistics.median(floor_times[-window:]))
    rows = []
    for name in KERNELS:
        times, rss = measured[name]
        first = statistics.median(times[:window])
        last = statistics.median(times[-window:])
        rows.append(
            {
                "kernel": LABELS[name],
                f"first {window} ms per cell": f"{first * 1e3:.2f}",
                f"last {window} ms per cell": f"{last * 1e3:.2f}",
                "last / first": f"{last / first:.2f}x",
                "vs ipykernel, first / last": f"{first / floor[0]:.2f}x / {last / floor[1]:.2f}x",
                f"RSS after {args.cells} MiB": f"{rss:.1f}",
                "RSS vs ipykernel": f"{rss / floor_rss:.2f}x",
            }
        )
    report(
        f"A long session: {args.cells:,} executions (`benchmarks/long_session.py`)",
        [
            f"{args.cells:,} executions of `v{{i}} = {{i}} + 1`, each its own cell with a "
            f"cellId, on ipykernel and the reflow kernel alive together, taking turns by "
            f"{BLOCK} cells; medians of the time per execution (request to idle) over the "
            f"first and the last {window}. The machine's speed drifts over a run of minutes: "
            "the two kernels' windows are taken at the same moments, so the ratio of the "
            "reflow kernel to ipykernel in each window is the figure to read for growth. "
            "Targets (issue 24): last within 1.05x of first, memory within 1.2x of "
            "ipykernel's.",
        ],
        rows,
        args.append,
        append=True,
    )


if __name__ == "__main__":
    main()
