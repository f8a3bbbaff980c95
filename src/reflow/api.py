"""What a running cell gets from ``from reflow import ...``: questions about itself
and the notebook's state.

The state questions take what a user would write: ``deps(df)``, ``users(xs[0])``,
``code(cfg.lr)``. A call's own source says which global (and which part) the
argument names, so ``deps(x)`` means ``x`` even when ``y`` holds the same
object, and ``deps(xs[0])`` means the part, not the value ``xs[0]`` evaluates
to. Where the source cannot tell (``deps(f())``), the object must be bound to
exactly one global; a string (``"xs[0]"``) is always understood.
"""

from __future__ import annotations

import ast
import linecache
import sys
from typing import Any

from reflow.analysis.paths import symbol_path
from reflow.runtime.context import CURRENT_CELL, CellContext
from reflow.runtime.history import Reproduction
from reflow.runtime.state import CellHandle, Lifted, Timestamp
from reflow.runtime.versions import Symbol


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
    """The names the last write of ``x`` was computed from."""
    return _current("reflow.deps() works").state.deps(_target(x))


def users(x: Any) -> list[str]:
    """The names computed from ``x``'s current value."""
    return _current("reflow.users() works").state.users(_target(x))


def code(x: Any) -> str:
    """The smallest program, cells in run order, that rebuilds ``x`` from scratch."""
    return _current("reflow.code() works").state.code(_target(x))


def timestamp(x: Any) -> Timestamp:
    """Which cell last wrote ``x``, where it sits, and when among all writes."""
    return _current("reflow.timestamp() works").state.timestamp(_target(x))


def lift(x: Any) -> Lifted:
    """reflow's record of ``x``: its symbol, last write, what it came from and what uses it."""
    return _current("reflow.lift() works").state.lift(_target(x))


def cells(which: int | str) -> CellHandle:
    """A cell of the notebook, by position (from 0) or id; ``cells(n).slice()`` is the
    program that runs it as a run-all would."""
    return _current("reflow.cells() works").state.cell(which)


def _target(value: Any) -> Any:
    """The symbol the caller's argument expression names, else the value itself."""
    if isinstance(value, str):
        return value
    frame = sys._getframe(2)
    named = _argument_expression(frame)
    if named is None or named.name not in frame.f_globals:
        return value
    if frame.f_locals is not frame.f_globals and named.name in frame.f_locals:
        return value  # a local of a function or comprehension, not the global
    return named


def _argument_expression(frame: Any) -> Symbol | None:
    """Read the call being made in ``frame`` from its source: ``deps(xs[0])`` -> ``xs[0]``.

    CPython 3.11 records, for each instruction, the source span of the expression
    it belongs to; for a call, that span is the whole call. Anything unexpected
    (no source, several arguments, an argument that names no global) gives None.
    """
    try:
        positions = list(frame.f_code.co_positions())
        line, end_line, column, end_column = positions[frame.f_lasti // 2]
    except (AttributeError, IndexError, ValueError):
        return None
    lines = linecache.getlines(frame.f_code.co_filename)
    if None in (line, end_line, column, end_column) or not lines or end_line > len(lines):
        return None
    chunk = [text.encode() for text in lines[line - 1 : end_line]]
    chunk[-1] = chunk[-1][:end_column]  # offsets count UTF-8 bytes
    chunk[0] = chunk[0][column:]
    try:
        call = ast.parse(b"".join(chunk).decode().strip(), mode="eval").body
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(call, ast.Call) or len(call.args) != 1 or call.keywords:
        return None
    found = symbol_path(call.args[0])
    return None if found is None else Symbol(found[0], found[1])


def reproduce_cell(n: int, lookback: int = 1) -> Reproduction:
    """Execution ``n``'s input and output as they were (``In [n]`` in Jupyter).

    ``lookback`` > 1 also shows the earlier runs of the same cell, oldest first:
    what it printed and returned before it was edited or re-run.
    """
    return _current("reflow.reproduce_cell() works").state.reproduce(n, lookback)
