"""What ``reflow run`` shows while cells run.

On a terminal, one line that updates in place (a bar, the count, the cell
running); anywhere else (CI logs, pipes), one plain line per cell as it
finishes, since a carriage return makes a log unreadable.

A reporter is the run's observer (``Notebook.run_all(observer=...)``): the
run itself stays ``Notebook.run_all``, with its semantics, rather than a
second implementation of the wave that could drift from it.
"""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from reflow.runtime.scheduler import Run


class Reporter(Protocol):
    def started(self, cell: str) -> None: ...
    def finished(self, cell: str, outcome: str) -> None: ...
    def close(self, run: Run) -> None: ...


def reporter_for(stream: TextIO, total: int, *, quiet: bool = False) -> Reporter:
    if quiet:
        return SilentReporter()
    if stream.isatty():
        return BarReporter(stream, total)
    return LineReporter(stream, total)


class SilentReporter:
    def started(self, cell: str) -> None:
        pass

    def finished(self, cell: str, outcome: str) -> None:
        pass

    def close(self, run: Run) -> None:
        pass


class LineReporter:
    """``[3/10] cell ab12cd34 ... ok (0.02s)``, one per cell, for logs."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.count = 0
        self.clock = time.perf_counter()
        self.reported: set[str] = set()

    def started(self, cell: str) -> None:
        self.clock = time.perf_counter()

    def finished(self, cell: str, outcome: str) -> None:
        elapsed = time.perf_counter() - self.clock
        self._line(cell, f"{outcome} ({elapsed:.2f}s)")

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
    """``[########------------] 4/10  running cell ab12cd34``, redrawn in place."""

    WIDTH = 20

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.count = 0
        self.start = time.perf_counter()

    def started(self, cell: str) -> None:
        self._draw(f"running cell {cell}")

    def finished(self, cell: str, outcome: str) -> None:
        self.count += 1
        self._draw(f"cell {cell} {outcome}")

    def close(self, run: Run) -> None:
        self.count = self.total
        elapsed = time.perf_counter() - self.start
        failed = len(run.errors) + len(run.cancelled)
        summary = f"{len(run.ran)} ran in {elapsed:.1f}s" + (f", {failed} failed" if failed else "")
        self._draw(summary)
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, status: str) -> None:
        done = min(self.count, self.total)
        filled = round(self.WIDTH * done / self.total)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = f"[{bar}] {done}/{self.total}  {status}"
        width = shutil.get_terminal_size().columns - 1
        self.stream.write("\r" + line[:width].ljust(width))
        self.stream.flush()
