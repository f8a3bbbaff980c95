"""What a running cell gets from ``from reflow import ...``: questions about itself
and the notebook's state. Each takes a name as a string, or the object itself when
exactly one global is bound to it (``deps(df)``)."""

from __future__ import annotations

from typing import Any

from reflow.runtime.context import CURRENT_CELL, CellContext
from reflow.runtime.history import Reproduction
from reflow.runtime.state import Timestamp


def _current(what: str = "reflow.refs() and reflow.defs() answer") -> CellContext:
    context = CURRENT_CELL.get()
    if context is None:
        raise RuntimeError(f"{what} only inside a running cell")
    return context


def refs() -> list[str]:
    """The names this cell reads from other cells, sorted."""
    return list(_current().refs)


def defs() -> list[str]:
    """The names this cell defines, sorted."""
    return list(_current().defs)


def mutate(*objects: Any) -> None:
    """Declare that this cell changed these objects in a way reflow cannot see.

    Every global bound to one of them, or holding one, then counts as changed
    by this cell: its readers re-run (reactive) or go stale (lazy). Use it for
    changes made behind reflow's back: a C extension writing into a buffer, a
    thread, a file-backed object.
    """
    _current("reflow.mutate() works").declared_mutations.extend(objects)


def deps(x: Any) -> list[str]:
    """The names the last write of ``x`` was computed from (``x`` or its name)."""
    context = _current("reflow.deps() works")
    return context.state.deps(x)


def users(x: Any) -> list[str]:
    """The names computed from ``x``'s current value."""
    return _current("reflow.users() works").state.users(x)


def code(x: Any) -> str:
    """The smallest program, cells in run order, that rebuilds ``x`` from scratch."""
    return _current("reflow.code() works").state.code(x)


def timestamp(x: Any) -> Timestamp:
    """Which cell last wrote ``x``, where it sits, and when among all writes."""
    return _current("reflow.timestamp() works").state.timestamp(x)


def reproduce_cell(n: int, lookback: int = 1) -> Reproduction:
    """Execution ``n``'s input and output as they were (``In [n]`` in Jupyter).

    ``lookback`` > 1 also shows the earlier runs of the same cell, oldest first:
    what it printed and returned before it was edited or re-run.
    """
    return _current("reflow.reproduce_cell() works").state.reproduce(n, lookback)
