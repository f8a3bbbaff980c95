"""Every cell run of a session, numbered, for ``reproduce_cell(n)`` (docs/semantics.md).

A front door numbers runs its own way: the library counts them; the Jupyter
kernel uses IPython's execution count of the request during which a cell ran
and says which runs were re-runs triggered by another cell.
"""

from __future__ import annotations

import html
import reprlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reflow._types import CellId
from reflow.runtime.errors import CellError

_KEPT = 1000  # entries remembered; IPython's Out keeps the values anyway


@dataclass(frozen=True, slots=True)
class Entry:
    """One run of one cell: ``number`` is the execution it belongs to; ``trigger`` is
    None for the cell that execution asked for, else the cell whose run re-ran it."""

    number: int
    cell: CellId
    code: str
    output: Any
    stdout: str
    error: CellError | None
    trigger: CellId | None = None


class ExecutionLog:
    def __init__(self) -> None:
        self.entries: deque[Entry] = deque(maxlen=_KEPT)
        self._count = 0
        # Set by a host that numbers executions itself: (number, trigger) of the next run.
        self.numbering: Callable[[CellId], tuple[int, CellId | None]] | None = None

    def next_number(self, cell: CellId) -> tuple[int, CellId | None]:
        if self.numbering is not None:
            return self.numbering(cell)
        self._count += 1
        return self._count, None

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)

    def reproduce(self, number: int, lookback: int = 1) -> Reproduction:
        """Execution ``number`` and, with ``lookback`` > 1, the runs of the same cell
        before it (``lookback`` runs in all, oldest first)."""
        if not isinstance(number, int) or not isinstance(lookback, int) or lookback < 1:
            raise ValueError(
                "reproduce_cell(n, lookback=1): n is an execution number, lookback >= 1"
            )
        asked = [e for e in self.entries if e.number == number and e.trigger is None]
        if not asked:
            known = sorted({e.number for e in self.entries if e.trigger is None})
            shown = f"{known[:3]}...{known[-3:]}" if len(known) > 6 else str(known)
            raise ValueError(f"no execution number {number} in this session (known: {shown})")
        target = asked[-1]
        same_cell = [e for e in self.entries if e.cell == target.cell and e.number <= number]
        return Reproduction(same_cell[-lookback:])


class Reproduction:
    """What ``reproduce_cell`` shows: each run's input and output, as text or HTML."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries

    def _blocks(self) -> list[tuple[str, str, str]]:
        blocks = []
        for e in self.entries:
            label = f"[{e.number}]" if e.trigger is None else f"[{e.number}, re-run]"
            if e.error is not None:
                shown = str(e.error)
            else:
                shown = e.stdout + ("" if e.output is None else reprlib.repr(e.output))
            blocks.append((label, e.code, shown))
        return blocks

    def __repr__(self) -> str:
        parts = [f"In {label}:\n{code}\nOut {label}:\n{out}" for label, code, out in self._blocks()]
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        parts = [
            f"<div><b>In {label}:</b><pre>{html.escape(code)}</pre>"
            f"<b>Out {label}:</b><pre>{html.escape(out)}</pre></div>"
            for label, code, out in self._blocks()
        ]
        return "".join(parts)
