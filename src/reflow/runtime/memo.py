"""The seam between running a cell and a cache of its runs (``reflow.cache`` fills it).

The runtime knows nothing of keys or stores: before a cell runs, the session
asks its ``CellMemo`` for an attempt. An attempt that ``restored`` the cell
(a hit) has put the values back in the namespace and says what the cell
printed and returned; the session then records the run as if the cell had
run, so versions, statuses and pushes work the same. Otherwise the session
runs the cell and hands the attempt what it wrote, to store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from reflow._types import CellId
from reflow.analysis.effects import PathPart
from reflow.analysis.magics import MemoizeDirective
from reflow.runtime.executor import Execution


@dataclass(frozen=True, slots=True)
class MemoRequest:
    """A cell about to run: ``body`` is what runs (a ``%%memoize`` line blanked)."""

    cell: CellId
    body: str
    directive: MemoizeDirective | None
    inputs: frozenset[str]
    """Every global the cell may read, through the notebook functions it calls too."""
    reads_all: bool
    """``exec``/``eval``/``globals()``: the cell may read anything, so no key covers it."""
    namespace: dict[str, Any]
    binds: frozenset[str] = frozenset()
    """The globals the cell may bind (not those it deletes)."""
    parts: Mapping[str, frozenset[tuple[PathPart, ...]]] = field(default_factory=dict)
    """Inputs the cell reads only at these paths, as far as the objects bound now vouch
    (``Session.paths_read``): a key may digest those parts instead of the whole object."""


class MemoAttempt(Protocol):
    @property
    def restored(self) -> Execution | None:
        """A hit: the cell's values are back in the namespace; what it showed is here."""

    def after_run(self) -> None:
        """A miss: called as soon as the cell's code has run (raised or not)."""

    def store(
        self,
        execution: Execution,
        written: Iterable[str],
        deleted: Iterable[str],
        seconds: float,
    ) -> None:
        """A miss that ran without error: keep what it left."""


class CellMemo(Protocol):
    def attempt(self, request: MemoRequest) -> MemoAttempt | None:
        """``None``: this cell is not memoized (or cannot be); just run it."""

    def memoizes(self, directive: MemoizeDirective | None) -> bool:
        """Whether a cell with this ``%%memoize`` line (or none) may be looked up at all:
        a hit puts what a run left into the namespace, which only a whole comparison of
        the namespace sees."""
