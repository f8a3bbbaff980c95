"""The workloads, written once against ``sessions.Session`` and run on every system.

Each returns ``{metric: [samples...]}`` (seconds, or bytes for ``rss:*``), JSON
ready, and checks the notebook computed what it should: a benchmark that
times a failing or skipped cell would flatter the system that failed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from sessions import Session

Factory = Callable[[], Session]
Samples = dict[str, list[float]]

TRIVIAL_CELLS = 200
# Paired runs take turns by blocks of cells: turns of one cell bill the wake-up of the
# other kernel's process to every cell of both, which pulls the ratio toward 1.
PAIRED_BLOCK = 20

SETUP = (
    "import numpy as np\nimport pandas as pd\nrng = np.random.default_rng(0)\n"
    "A = rng.random((2000, 2000))\nB = rng.random((2000, 2000))\n"
    "df = pd.DataFrame({'k': rng.integers(0, 1000, 1_000_000), 'v': rng.random(1_000_000)})"
)

# (key, label, source, a name the cell defines and its expected value or None)
TRACKING: list[tuple[str, str, str, tuple[str, object]]] = [
    (
        "loop",
        "loop of 2,000,000 iterations",
        "total = 0\nfor i in range(2_000_000):\n    total += i",
        ("total", 1999999000000),
    ),
    (
        "fib",
        "recursive fib(25)",
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nresult = fib(25)",
        ("result", 75025),
    ),
    (
        "sort",
        "sort 200,000 with a key lambda",
        "s = sorted(range(200_000), key=lambda v: -v)\nfirst = s[0]",
        ("first", 199999),
    ),
    ("matmul", "numpy 2000x2000 matmul", "C = A @ B\nshape = C.shape", ("shape", (2000, 2000))),
    (
        "groupby",
        "pandas groupby, 1,000,000 rows",
        "g = df.groupby('k')['v'].mean()\ngroups = len(g)",
        ("groups", 1000),
    ),
    (
        "straight",
        "200 straight-line statements",
        "\n".join(f"w{i} = {i} * 2 + 1" for i in range(200)),
        ("w199", 399),
    ),
]


def _check(session: Session, name: str, expected: object) -> None:
    got = session.value(name)
    if got != expected:
        raise AssertionError(f"{name} is {got!r}, expected {expected!r}")


def trivial_cells(factory: Factory, repeats: int, floor: Factory | None = None) -> Samples:
    """200 independent one-line cells run one by one, in a fresh notebook per repeat.

    The first repeat also records the memory of the process holding the values:
    right after the notebook was created, and after the 200 cells. With ``floor``,
    a notebook of that system runs the same cells alongside, the two taking turns by
    blocks of ``PAIRED_BLOCK`` cells (``floor:cells``), for the same reason as in
    ``tracking``.
    """
    out: Samples = {"cells": [], "rss:start": [], "rss:after": []}
    for r in range(repeats):
        sessions = {"cells": factory()}
        try:
            if floor is not None:
                sessions["floor:cells"] = floor()
            if r == 0:
                out["rss:start"].append(sessions["cells"].rss())
            gc.collect()
            spent = dict.fromkeys(sessions, 0.0)
            for block in range(0, TRIVIAL_CELLS, PAIRED_BLOCK):
                for key, session in sessions.items():
                    begin = time.perf_counter()
                    for i in range(block, min(block + PAIRED_BLOCK, TRIVIAL_CELLS)):
                        session.run(f"c{i}", f"x{i} = {i}")
                    spent[key] += time.perf_counter() - begin
            for key, session in sessions.items():
                out.setdefault(key, []).append(spent[key])
                _check(session, f"x{TRIVIAL_CELLS - 1}", TRIVIAL_CELLS - 1)
            if r == 0:
                out["rss:after"].append(sessions["cells"].rss())
        finally:
            for session in sessions.values():
                session.close()
    return out


def tracking(factory: Factory, repeats: int, floor: Factory | None = None) -> Samples:
    """Each workload is one cell, run once untimed (first analysis), then ``repeats`` times.

    With ``floor``, the same cells also run on that system, alternating run by run
    with the measured one (``floor:track:*``): on a shared machine, load drifts in
    seconds, and a ratio is only as good as the two runs were close in time.
    """
    out: Samples = {}
    sessions = {"track": factory()}
    if floor is not None:
        sessions["floor:track"] = floor()
    try:
        for session in sessions.values():
            session.run("setup", SETUP)
        for key, _label, source, (name, expected) in TRACKING:
            for session in sessions.values():
                session.run(key, source)
                _check(session, name, expected)
            for _ in range(repeats):
                for prefix, session in sessions.items():
                    gc.collect()
                    begin = time.perf_counter()
                    ran = session.run(key, source)
                    out.setdefault(f"{prefix}:{key}", []).append(time.perf_counter() - begin)
                    if ran != 1:
                        raise AssertionError(f"re-running {key} ran {ran} cells")
    finally:
        for session in sessions.values():
            session.close()
    return out


def chain(n: int) -> list[tuple[str, str]]:
    return [("p0", "v0 = 0")] + [(f"p{i}", f"v{i} = v{i - 1} + 1") for i in range(1, n)]


def propagation(factory: Factory, sizes: list[int], repeats: int) -> Samples:
    """An n-cell chain; edit the head and time until every dependent has re-run."""
    out: Samples = {}
    for n in sizes:
        session = factory()
        try:
            begin = time.perf_counter()
            for cell_id, code in chain(n):
                session.run(cell_id, code)
            out[f"chain-build:{n}"] = [time.perf_counter() - begin]
            samples = []
            for r in range(1, repeats + 1):
                gc.collect()
                begin = time.perf_counter()
                ran = session.run("p0", f"v0 = {r}")
                samples.append(time.perf_counter() - begin)
                if ran != n:
                    raise AssertionError(f"editing the head of a {n}-chain ran {ran} cells")
                _check(session, f"v{n - 1}", r + n - 1)
            out[f"propagate:{n}"] = samples
        finally:
            session.close()
    return out
