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


# (wall, CPU) seconds the cells of the last run spent running (in workers, if parallel)
BUSY: list[tuple[float, float]] = []


def run_on(backend: Backend, cells: list[str]) -> None:
    parallel = Parallel(notebook(cells), backend)
    run = parallel.run_all()
    assert run.ok, run.errors
    assert parallel.prefetcher is not None
    results = [t.result for t in parallel.prefetcher.tasks.values() if t.result is not None]
    BUSY.append((sum(r.seconds for r in results), sum(r.cpu_seconds for r in results)))


def run_sequential_measured(cells: list[str]) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    run_sequential(cells)
    BUSY.append((time.perf_counter() - start, time.process_time() - cpu))


def started(make: Callable[[], Backend], samples: list[float]) -> Backend:
    start = time.perf_counter()
    backend = make()
    samples.append(time.perf_counter() - start)
    return backend


def _exec_cells(sources: list[str]) -> None:
    namespace: dict[str, object] = {}
    for source in sources:
        exec(source, namespace)


def _cold_pool(cells: list[str]) -> None:
    pool = ProcessBackend(2)
    try:
        run_on(pool, cells)
    finally:
        pool.close()


def heavy_rows(repeats: int) -> list[dict[str, str]]:
    """Each repeat runs every variant once, one after the other, so that all of them see
    about the same load from the machine's other jobs (rather than one variant the quiet
    minute and another the busy one)."""
    reps = calibrate()
    cells = [SHARED] + [HEAVY.format(k=k, reps=reps) for k in range(1, 5)]
    jobs = [[cells[0], cell] for cell in cells[1:]]
    plain_pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
    list(plain_pool.map(_exec_cells, [["x = 1"], ["x = 2"]]))
    pool = ProcessBackend(2)
    run_on(pool, ["warm = 1", "up = warm + 1"])  # the workers start as cells are sent
    dask_start: list[float] = []
    cluster = started(lambda: DaskBackend(None, workers=2, processes=True), dask_start)
    variants: dict[str, Callable[[], object]] = {
        "floor: plain `exec`, one after the other": lambda: _exec_cells(cells),
        "floor: plain `ProcessPoolExecutor(2)`": lambda: list(plain_pool.map(_exec_cells, jobs)),
        "sequential (`reflow run`)": lambda: run_sequential_measured(cells),
        "`--parallel 2`, workers started": lambda: run_on(pool, cells),
        "`--parallel 2`, pool started in the run": lambda: _cold_pool(cells),
        "`--dask`, LocalCluster of 2 processes, started": lambda: run_on(cluster, cells),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    busy: dict[str, list[float]] = {name: [] for name in variants}
    share: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, variant in variants.items():
            BUSY.clear()
            samples[name] += timed(variant, repeats=1)
            if BUSY:
                wall, cpu = BUSY[-1]
                busy[name].append(wall / samples[name][-1])
                share[name].append(cpu / wall)
    plain_pool.shutdown()
    pool.close()
    cluster.close()
    sequential = samples["sequential (`reflow run`)"]
    starts = {
        "`--parallel 2`, pool started in the run": "included",
        "`--dask`, LocalCluster of 2 processes, started": f"{dask_start[0]:.2f} apart",
    }
    return [
        {
            "run": name,
            "wall s": fmt(found, unit=1),
            "vs sequential": ratio(found, sequential),
            "cells running": f"{statistics.median(busy[name]):.2f}" if busy[name] else "-",
            "CPU share": f"{statistics.median(share[name]):.2f}" if share[name] else "-",
            "start-up s": starts.get(name, "-"),
        }
        for name, found in samples.items()
    ]


def small_rows(repeats: int) -> list[dict[str, str]]:
    rows = []
    pool = ProcessBackend(2)
    run_on(pool, ["warm = 1", "up = warm + 1"])
    count = 40
    for size in (1_000, 100_000):
        cells = [f"data = list(range({size}))"]
        cells += [f"s{k} = len(data) + {k}" for k in range(count)]
        sequential: list[float] = []
        parallel: list[float] = []
        for _ in range(repeats):  # interleaved, as above
            sequential += timed(lambda cells=cells: run_sequential(cells), repeats=1)
            parallel += timed(lambda cells=cells: run_on(pool, cells), repeats=1)
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
            "machine gave at the time. `cells running`: seconds the cells spent running over",
            "the wall time (2.00: two cells at once all along, what the scheduler controls);",
            "`CPU share`: CPU seconds those processes got per second of running (1.00: a",
            "core each; lower: the machine's other jobs had it). Start-up: the pool's",
            "processes start as the first cells are sent (forkserver); a LocalCluster is",
            "started apart.",
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
