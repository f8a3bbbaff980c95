"""What a running cell gets from ``from reflow import ...``: questions about itself."""

from __future__ import annotations

from typing import Any

from reflow.runtime.context import CURRENT_CELL, CellContext


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
