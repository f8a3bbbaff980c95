"""Parallel runs (issue 10): wall time against the sequential run, and the cost of shipping.

- four independent cells of about 2 s of CPU each, reading one shared input
  (a 100,000-element list): wall time of a sequential run-all, of
  ``--parallel 2`` (worker processes) and of ``--dask`` (a LocalCluster of 2
  worker processes); target: close to half the sequential time on 2 cores.
  The pool's and the cluster's start-up are measured apart (``reflow run``
  pays them once per run);
- small cells: 40 cells that each read the shared input and do next to
  nothing, sequential against parallel (workers already started): the
  per-cell cost of shipping values to a worker and back, as a ratio and in
  milliseconds per cell, for a small (1,000) and a larger (100,000) input.

The machine is shared with other jobs: medians of a few runs, spread shown.
Run: ``make bench`` (appends to RESULTS.md) or ``python benchmarks/parallel.py``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from reflow import Notebook
from reflow.parallel import Parallel
from reflow.parallel.backend import Backend
from reflow.parallel.dask_backend import DaskBackend
from reflow.parallel.pool import ProcessBackend
from timing import fmt, ratio, report, timed

SHARED = "data = list(range(100_000))"
HEAVY = "r{k} = sum((v * {k} + j) % 7 for j in range({reps}) for v in data)"


def calibrate(target: float = 2.0) -> int:
    """Repetitions over ``data`` that take about ``target`` seconds of CPU here."""
    namespace: dict[str, object] = {}
    exec(SHARED, namespace)
    code = compile(HEAVY.format(k=1, reps=2), "<calibrate>", "exec")
    start = time.process_time()
    exec(code, namespace)
    per_rep = (time.process_time() - start) / 2
    return max(1, round(target / per_rep))


def notebook(cells: list[str]) -> Notebook:
    nb = Notebook()
    for index, code in enumerate(cells):
        nb.add(code, id=f"c{index}")
    return nb


def run_sequential(cells: list[str]) -> None:
    run = notebook(cells).run_all()
    assert run.ok, run.errors


def run_on(backend: Backend, cells: list[str]) -> None:
    run = Parallel(notebook(cells), backend).run_all()
    assert run.ok, run.errors


def started(make: Callable[[], Backend], samples: list[float]) -> Backend:
    start = time.perf_counter()
    backend = make()
    samples.append(time.perf_counter() - start)
    return backend


def _exec_cells(sources: list[str]) -> None:
    namespace: dict[str, object] = {}
    for source in sources:
        exec(source, namespace)


def floors(cells: list[str], repeats: int) -> tuple[list[float], list[float]]:
    """Plain Python: the cells exec'd one after the other, and four at a time in a plain
    ``ProcessPoolExecutor(2)`` (fork, workers started): what this machine gives right now."""
    alone = timed(lambda: _exec_cells(cells), repeats=repeats)
    jobs = [[cells[0], cell] for cell in cells[1:]]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_exec_cells, [["x = 1"], ["x = 2"]]))
        together = timed(lambda: list(pool.map(_exec_cells, jobs)), repeats=repeats)
    return alone, together


def heavy_rows(repeats: int) -> list[dict[str, str]]:
    reps = calibrate()
    cells = [SHARED] + [HEAVY.format(k=k, reps=reps) for k in range(1, 5)]
    floor_alone, floor_pool = floors(cells, repeats)
    sequential = timed(lambda: run_sequential(cells), repeats=repeats)

    pool_start: list[float] = []
    pool = started(lambda: ProcessBackend(2), pool_start)
    run_on(pool, cells)  # the workers start as the first cells are sent
    on_pool = timed(lambda: run_on(pool, cells), repeats=repeats)
    pool.close()
    cold = timed(lambda: _cold_pool(cells), repeats=1)

    dask_start: list[float] = []
    cluster = started(lambda: DaskBackend(None, workers=2, processes=True), dask_start)
    on_dask = timed(lambda: run_on(cluster, cells), repeats=repeats)
    cluster.close()

    def row(name: str, samples: list[float], start: str) -> dict[str, str]:
        return {
            "run": name,
            "wall s": fmt(samples, unit=1),
            "vs sequential": ratio(samples, sequential),
            "start-up s": start,
        }

    return [
        row("floor: plain `exec`, one after the other", floor_alone, "-"),
        row("floor: plain `ProcessPoolExecutor(2)`", floor_pool, "-"),
        row("sequential (`reflow run`)", sequential, "-"),
        row("`--parallel 2`, workers started", on_pool, "-"),
        row("`--parallel 2`, pool started in the run", cold, "included"),
        row("`--dask`, LocalCluster 2 processes", on_dask, f"{dask_start[0]:.2f} apart"),
    ]


def _cold_pool(cells: list[str]) -> None:
    pool = ProcessBackend(2)
    try:
        run_on(pool, cells)
    finally:
        pool.close()


def small_rows(repeats: int) -> list[dict[str, str]]:
    rows = []
    pool = ProcessBackend(2)
    run_on(pool, ["warm = 1", "up = warm + 1"])
    count = 40
    for size in (1_000, 100_000):
        cells = [f"data = list(range({size}))"]
        cells += [f"s{k} = len(data) + {k}" for k in range(count)]
        sequential = timed(lambda cells=cells: run_sequential(cells), repeats=repeats)
        parallel = timed(lambda cells=cells: run_on(pool, cells), repeats=repeats)
        extra = (statistics.median(parallel) - statistics.median(sequential)) / count
        rows.append(
            {
                "workload": f"{count} small cells reading a {size:,}-element list",
                "sequential ms": fmt(sequential),
                "`--parallel 2` ms": fmt(parallel),
                "ratio": ratio(parallel, sequential),
                "added per cell ms": f"{extra * 1000:+.2f}",
            }
        )
    pool.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    machine = f"{os.cpu_count()} cores shared with other jobs (load average {load:.1f} at start)"
    heavy = heavy_rows(args.repeats)
    report(
        "Parallel runs (`benchmarks/parallel.py`)",
        [
            f"One shared input, four independent cells of about 2 s of CPU each; {machine}.",
            f"Medians (min-max) of {args.repeats} runs, seconds. Target (issue 10): close to",
            "half the sequential time with 2 workers. When other jobs keep the cores busy, no",
            "pool can get there: the two floors (plain Python, same run) show what this",
            "machine gave at the time. Start-up: the pool's processes start as the first",
            "cells are sent (forkserver); a LocalCluster is started apart.",
        ],
        heavy,
        args.append,
        append=True,
    )
    small = small_rows(max(args.repeats, 5))
    report(
        "Shipping values to workers (`benchmarks/parallel.py`)",
        [
            "Cells that do next to nothing, so the difference is what a parallel run adds per",
            "cell: pickling its inputs, the trip to a worker and back, the checks there.",
            f"Medians (min-max) of {max(args.repeats, 5)} runs, milliseconds; workers started.",
        ],
        small,
        args.append,
        append=True,
    )


if __name__ == "__main__":
    main()
