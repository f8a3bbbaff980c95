"""Shared helpers: repeated timings, medians with their spread, markdown tables."""

from __future__ import annotations

import compileall
import gc
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path


def compile_reflow() -> None:
    """Write reflow's bytecode before a benchmark starts kernels: a wheel's install
    compiles it, and every peer's package comes compiled, but an editable install under
    ``PYTHONDONTWRITEBYTECODE=1`` (as on the machines these run on) compiles reflow's
    sources again in every kernel it starts, about 150 ms of each start."""
    import reflow

    compileall.compile_dir(Path(reflow.__file__).parent, quiet=1)


def timed(fn: Callable[[], object], repeats: int = 5) -> list[float]:
    """Seconds per call, ``repeats`` times, after a collection so GC noise is not billed."""
    samples = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def fmt(samples: list[float], unit: float = 1e-3) -> str:
    """``median (min-max)`` in ``unit`` (milliseconds by default)."""
    med = statistics.median(samples) / unit
    return f"{med:.2f} ({min(samples) / unit:.2f}-{max(samples) / unit:.2f})"


def ratio(samples: list[float], floor: list[float]) -> str:
    return f"{statistics.median(samples) / statistics.median(floor):.2f}x"


def geomean(ratios: list[float]) -> float:
    """The geometric mean of ratios (NaN for none): the summary of per-notebook ratios."""
    return math.exp(statistics.fmean(map(math.log, ratios))) if ratios else float("nan")


def spread(samples: list[float]) -> str:
    """``median (min-max)`` in seconds, three decimals."""
    return f"{statistics.median(samples):.3f} ({min(samples):.3f}-{max(samples):.3f})"


def table(rows: list[dict[str, str]]) -> str:
    keys = list(rows[0])
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    out += ["| " + " | ".join(row[k] for k in keys) + " |" for row in rows]
    return "\n".join(out)


def report(
    title: str, intro: list[str], rows: list[dict[str, str]], out: Path | None, *, append: bool
) -> None:
    """Print a results section and write it to ``out`` (replacing it, or appended)."""
    text = "\n".join([f"## {title}", "", *intro, "", table(rows), ""])
    print(text)
    if out is None:
        return
    if append:
        with out.open("a") as stream:
            stream.write("\n" + text)
    else:
        out.write_text("# Benchmark results\n\n" + text)
