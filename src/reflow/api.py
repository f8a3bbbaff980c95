"""What a running cell gets from ``from reflow import ...``: questions about itself."""

from __future__ import annotations

from reflow.runtime.context import CURRENT_CELL, CellContext


def _current() -> CellContext:
    context = CURRENT_CELL.get()
    if context is None:
        raise RuntimeError("reflow.refs() and reflow.defs() answer only inside a running cell")
    return context


def refs() -> list[str]:
    """The names this cell reads from other cells, sorted."""
    return list(_current().refs)


def defs() -> list[str]:
    """The names this cell defines, sorted."""
    return list(_current().defs)
