"""What ``reflow run`` shows while cells run.

On a terminal, one line that updates in place (a bar, the count, the cell
running); anywhere else (CI logs, pipes), one plain line per cell as it
finishes, since a carriage return makes a log unreadable.

A reporter is the run's observer (``Notebook.run_all(observer=...)``): the
run itself stays ``Notebook.run_all``, with its semantics, rather than a
second implementation of the wave that could drift from it.

What a cell printed is shown under its line once it finishes, stdout to
stdout and stderr to stderr, as a script's would be: ``printed`` gives it.

A parallel run (``--parallel``, ``--dask``) also tells it when a cell starts
in a worker (``dispatched``) and comes back (``returned``): a cell is then
*running* from its dispatch, *waiting* once back until the cells before it
are done, and *done* when the run reaches it (``finished``).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from reflow.runtime.scheduler import Run

Printed = Callable[[str], tuple[str, str]]
"""A cell id -> what the cell's last run printed: (stdout, stderr)."""


def _nothing_printed(cell: str) -> tuple[str, str]:
    return "", ""


class Reporter(Protocol):
    def started(self, cell: str) -> None: ...
    def finished(self, cell: str, outcome: str) -> None: ...
    def dispatched(self, cell: str) -> None: ...
    def returned(self, cell: str, outcome: str) -> None: ...
    def close(self, run: Run) -> None: ...


def reporter_for(
    stream: TextIO, total: int, *, quiet: bool = False, printed: Printed = _nothing_printed
) -> Reporter:
    if quiet:
        return SilentReporter()
    if stream.isatty():
        return BarReporter(stream, total, printed)
    return LineReporter(stream, total, printed)


def _echo(stream: TextIO, text: str) -> None:
    if text:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()


class SilentReporter:
    def started(self, cell: str) -> None:
        pass

    def finished(self, cell: str, outcome: str) -> None:
        pass

    def dispatched(self, cell: str) -> None:
        pass

    def returned(self, cell: str, outcome: str) -> None:
        pass

    def close(self, run: Run) -> None:
        pass


class LineReporter:
    """``[3/10] cell ab12cd34 ... ok (0.02s)``, one per cell, for logs.

    In a parallel run, also ``[ >  ] cell ab12cd34 ... running in a worker`` as a
    cell starts there; its time then counts from that start."""

    def __init__(self, stream: TextIO, total: int, printed: Printed = _nothing_printed) -> None:
        self.stream = stream
        self.total = total
        self.printed = printed
        self.count = 0
        self.clocks: dict[str, float] = {}
        self.reported: set[str] = set()

    def started(self, cell: str) -> None:
        self.clocks.setdefault(cell, time.perf_counter())

    def finished(self, cell: str, outcome: str) -> None:
        start = self.clocks.pop(cell, None)
        elapsed = 0.0 if start is None else time.perf_counter() - start
        self._line(cell, f"{outcome} ({elapsed:.2f}s)")
        out, err = self.printed(cell)
        _echo(self.stream, out)
        _echo(sys.stderr, err)

    def dispatched(self, cell: str) -> None:
        self.clocks[cell] = time.perf_counter()
        width = len(f"{self.total}/{self.total}")
        print(f"[{'>'.center(width)}] cell {cell} ... running in a worker", file=self.stream)
        self.stream.flush()

    def returned(self, cell: str, outcome: str) -> None:
        pass  # its line comes when the run reaches it

    def close(self, run: Run) -> None:
        # Cells the graph refused and cells cancelled never reached run_cell.
        for cell in run.errors:
            if cell not in self.reported:
                self._line(cell, "refused")
        for cell in run.cancelled:
            if cell not in self.reported:
                self._line(cell, "cancelled")
        self.stream.flush()

    def _line(self, cell: str, outcome: str) -> None:
        self.count += 1
        self.reported.add(cell)
        print(f"[{self.count}/{self.total}] cell {cell} ... {outcome}", file=self.stream)
        self.stream.flush()


class BarReporter:
    """``[########------------] 4/10  running cell ab12cd34``, redrawn in place.

    In a parallel run: ``4/10  running: ab12cd34, 9f8e7d6c  waiting: 1``."""

    WIDTH = 20

    def __init__(self, stream: TextIO, total: int, printed: Printed = _nothing_printed) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.printed = printed
        self.count = 0
        self.start = time.perf_counter()
        self.running: dict[str, None] = {}  # in a worker, in dispatch order
        self.waiting: set[str] = set()  # back from a worker, not yet reached by the run

    def started(self, cell: str) -> None:
        if cell in self.waiting or cell in self.running:
            return
        self._draw(self._parallel_status() or f"running cell {cell}")

    def finished(self, cell: str, outcome: str) -> None:
        self.count += 1
        self.running.pop(cell, None)
        self.waiting.discard(cell)
        out, err = self.printed(cell)
        if out or err:
            # The bar gives way to a line of its own for this cell, its output below,
            # and comes back under them.
            self._clear()
            self.stream.write(f"[{self.count}/{self.total}] cell {cell} ... {outcome}\n")
            _echo(self.stream, out)
            _echo(sys.stderr, err)
        self._draw(self._parallel_status() or f"cell {cell} {outcome}")

    def dispatched(self, cell: str) -> None:
        self.running[cell] = None
        self._draw(self._parallel_status())

    def returned(self, cell: str, outcome: str) -> None:
        self.running.pop(cell, None)
        self.waiting.add(cell)
        self._draw(self._parallel_status())

    def _parallel_status(self) -> str:
        parts = []
        if self.running:
            parts.append("running: " + ", ".join(self.running))
        if self.waiting:
            parts.append(f"waiting: {len(self.waiting)}")
        return "  ".join(parts)

    def close(self, run: Run) -> None:
        self.count = self.total
        elapsed = time.perf_counter() - self.start
        failed = len(run.errors) + len(run.cancelled)
        summary = f"{len(run.ran)} ran in {elapsed:.1f}s" + (f", {failed} failed" if failed else "")
        self._draw(summary)
        self.stream.write("\n")
        self.stream.flush()

    def _clear(self) -> None:
        width = shutil.get_terminal_size().columns - 1
        self.stream.write("\r" + " " * width + "\r")
        self.stream.flush()

    def _draw(self, status: str) -> None:
        done = min(self.count, self.total)
        filled = round(self.WIDTH * done / self.total)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = f"[{bar}] {done}/{self.total}  {status}"
        width = shutil.get_terminal_size().columns - 1
        self.stream.write("\r" + line[:width].ljust(width))
        self.stream.flush()
