"""Which cell is running, for ``from reflow import refs, defs`` inside a cell.

A context variable rather than a global, so that a notebook running inside
another notebook's cell, or on another thread, answers for the right cell.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reflow._types import CellId

if TYPE_CHECKING:
    from reflow.runtime.state import StateQueries


@dataclass(frozen=True, slots=True)
class CellContext:
    """What a running cell may ask about itself, and tell reflow (``mutate``)."""

    cell: CellId
    refs: tuple[str, ...]
    defs: tuple[str, ...]
    state: StateQueries
    declared_mutations: list[Any] = field(default_factory=list)


CURRENT_CELL: ContextVar[CellContext | None] = ContextVar("reflow_current_cell", default=None)
