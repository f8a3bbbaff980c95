"""What memoization costs and saves: a cell returning a 100 MB array, measured in one run.

- recompute: the cell run through reflow with no cache, the floor every
  ratio is taken against;
- miss: the same cell memoized, each run with a new input so that it misses
  (fingerprint its inputs, run, store), on disk (``%%memoize``, the default
  store) and in memory (``Notebook(cache="memory")``); runs alternate with
  the floor's so that the machine's noise falls on both alike;
- miss overhead alone: the key and the store timed apart from the run;
- hits: the cell run again, from disk (the array mapped copy-on-write from
  its ``.npy``; target under 50 ms) and from memory (target under 1 ms), and a
  disk hit followed by reading every element;
- the stores alone (no notebook): ``DiskStore.get`` and ``MemoryStore.get``.

Run: ``make bench`` (appends to RESULTS.md) or ``python benchmarks/cache.py``.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reflow import Notebook
from reflow.cache.disk import DiskStore
from reflow.cache.entry import Entry, encode
from reflow.cache.keys import cell_key
from reflow.cache.memory import MemoryStore
from timing import fmt, report

ELEMENTS = 100 * 1024 * 1024 // 8  # float64: 100 MiB
CELL = f"big = np.sin(np.arange({ELEMENTS}) * step)"
REPEATS = 7
_steps = (1.0 + i * 1e-9 for i in itertools.count(1))


Samples = tuple[list[float], list[float]]  # wall-clock seconds, CPU seconds


def alternating(*fns: Callable[[], object], repeats: int = REPEATS) -> list[Samples]:
    """Each function timed ``repeats`` times, in turns, so that noise falls on all alike.

    CPU time (this process's) is kept beside wall-clock time: on a shared machine
    the wall clock also counts the time other processes held the CPU.
    """
    samples: list[Samples] = [([], []) for _ in fns]
    for _ in range(repeats):
        for fn, (wall, cpu) in zip(fns, samples, strict=True):
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            cpu.append(time.process_time() - start_cpu)
            wall.append(time.perf_counter() - start)
    return samples


def notebook(root: Path, magic: str, **options: str) -> tuple[Notebook, str]:
    nb = Notebook(cache_dir=root, **options)
    nb.add("import numpy as np\nstep = 1.0", id="setup")
    cell = nb.add(magic + CELL, id="cell")
    nb.run_all()
    return nb, cell.id


def timing_executor(nb: Notebook) -> list[float]:
    """Wrap the notebook's executor: the wall-clock time of each cell body it runs."""
    executor = nb._session.executor
    inner = executor.execute
    times: list[float] = []

    def execute(source: str, filename: str) -> Any:
        start = time.perf_counter()
        try:
            return inner(source, filename)
        finally:
            times.append(time.perf_counter() - start)

    executor.execute = execute  # type: ignore[method-assign]
    return times


def miss(nb: Notebook, cell: str, overheads: list[float]) -> Callable[[], None]:
    """A run with a new input; ``overheads`` gets its time besides running the body."""
    bodies = timing_executor(nb)

    def run() -> None:
        nb.namespace["step"] = next(_steps)  # a new input: a new key
        start = time.perf_counter()
        nb.run(cell)
        overheads.append(time.perf_counter() - start - bodies[-1])
        assert not nb.cell(cell).from_cache

    return run


def flushed(fn: Callable[[], None], flushes: list[float]) -> Callable[[], None]:
    """``fn``, then (untimed) the kernel's writeback of what it wrote, timed apart.

    Without it, writing 100 MB back to this VM's disk slowed whatever ran next
    about twofold: that cost belongs to the miss, not to the next measurement.
    """

    def run() -> None:
        fn()
        start = time.perf_counter()
        os.sync()
        flushes.append(time.perf_counter() - start)

    return run


def hit(nb: Notebook, cell: str, read: bool = False) -> Callable[[], None]:
    def run() -> None:
        nb.run(cell)
        assert nb.cell(cell).from_cache
        if read:
            float(nb["big"].sum())

    return run


def measure(root: Path) -> list[dict[str, str]]:
    plain, plain_cell = notebook(root / "unused", "")
    on_disk, disk_cell = notebook(root / "disk", "%%memoize --quiet\n")
    in_memory, memory_cell = notebook(root / "unused", "", cache="memory")

    def recompute() -> None:
        plain.run(plain_cell)

    plain_overheads: list[float] = []
    disk_overheads: list[float] = []
    memory_overheads: list[float] = []
    flushes: list[float] = []
    floor, _, disk_misses, memory_misses = alternating(
        recompute,
        miss(plain, plain_cell, plain_overheads),
        flushed(miss(on_disk, disk_cell, disk_overheads), flushes),
        miss(in_memory, memory_cell, memory_overheads),
    )
    (disk_hits,) = alternating(hit(on_disk, disk_cell))
    (disk_read,) = alternating(hit(on_disk, disk_cell, read=True))
    (memory_hits,) = alternating(hit(in_memory, memory_cell))

    namespace = in_memory.namespace
    encoded = encode(Entry({"big": namespace["big"]}))
    disk = DiskStore(root / "store")
    memory = MemoryStore(1 << 30)
    counter = itertools.count()
    (keys,) = alternating(lambda: cell_key(CELL, ["np", "step"], namespace))
    (disk_puts,) = alternating(lambda: disk.put(f"{next(counter):040x}", encoded))
    (memory_puts,) = alternating(lambda: memory.put(f"{next(counter) % 3:040x}", encoded))
    (disk_get,) = alternating(lambda: disk.get(f"{0:040x}"))
    (memory_get,) = alternating(lambda: memory.get(f"{0:040x}"))
    for nb in (plain, on_disk, in_memory):
        nb.close()

    def row(what: str, samples: Samples, target: str) -> dict[str, str]:
        wall, cpu = samples
        return {
            "what": what,
            "wall ms": fmt(wall),
            "vs recompute": f"{statistics.median(wall) / statistics.median(floor[0]):.4f}x",
            "CPU ms": fmt(cpu),
            "CPU vs recompute": f"{statistics.median(cpu) / statistics.median(floor[1]):.4f}x",
            "target": target,
        }

    def overhead(what: str, overheads: list[float]) -> dict[str, str]:
        ratio = statistics.median(overheads) / statistics.median(floor[0])
        return {
            "what": what,
            "wall ms": fmt(overheads),
            "vs recompute": f"{ratio:.4f}x",
            "CPU ms": "-",
            "CPU vs recompute": "-",
            "target": "report",
        }

    return [
        row("recompute (no cache: the floor)", floor, "-"),
        overhead("reflow's own time around a run, no cache", plain_overheads),
        overhead("time around a miss, %%memoize on disk", disk_overheads),
        overhead("  then the kernel's writeback of it (os.sync, untimed above)", flushes),
        overhead("time around a miss, cache='memory'", memory_overheads),
        row("miss, %%memoize on disk: key + run + store", disk_misses, "report"),
        row("miss, cache='memory': key + run + store", memory_misses, "report"),
        row("  of which the key (fingerprints)", keys, "report"),
        row("  of which DiskStore.put (write the .npy)", disk_puts, "report"),
        row("  of which MemoryStore.put (copy to memfd)", memory_puts, "report"),
        row("hit from disk, through the notebook", disk_hits, "< 50 ms"),
        row("hit from disk, then read every element", disk_read, "-"),
        row("hit from memory, through the notebook", memory_hits, "< 1 ms"),
        row("DiskStore.get alone", disk_get, "-"),
        row("MemoryStore.get alone", memory_get, "-"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reflow-cache-bench-") as root:
        rows = measure(Path(root))
    report(
        "Memoization (`benchmarks/cache.py`)",
        [
            f"A cell returning a 100 MiB float64 array (`{CELL}`). Medians (min-max) of "
            f"{REPEATS} runs, milliseconds, wall-clock and this process's CPU time (the "
            "machine is shared: wall-clock also counts other processes' turns); ratios "
            "against the recompute median of the same run (the misses alternate with it). "
            "A miss's overhead is measured in each miss (\"time around a miss\": the run's "
            "time minus its cell body's, which a wrapped executor times) and its parts "
            "timed apart (key, store). Hits from disk map the array copy-on-write "
            "(the page cache is warm: the entry was just written); hits from memory map an "
            "anonymous memory file copy-on-write. Entries over 16 MiB skip the memory tier "
            "of the disk store: a disk hit maps them as cheaply.",
        ],
        rows,
        args.append,
        append=True,
    )


if __name__ == "__main__":
    main()
