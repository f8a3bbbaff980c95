"""From an expression like ``x.a[1].b`` to the symbol path it names: ``("x", (".a", 1, ".b"))``.

Paths are how the graph and runtime tell ``xs[0]`` from ``xs[1]`` (parts, in
docs/semantics.md), so a path part must never claim more precision than the source gives.
Keys that could alias another spelling of the same element are treated as
unknown, which cuts the path there: reading or writing "some part" of the
object is always sound.
"""

from __future__ import annotations

import ast

from reflow.analysis.effects import PathPart


def constant_key(node: ast.expr) -> PathPart | None:
    """The path part for a subscript key, or None when the key is not a safe constant.

    Only non-negative ints and strs qualify. ``True`` is the int 1 (equal as a
    dict key, and a list index); ``xs[-1]`` is the same element as
    ``xs[len(xs) - 1]``; ``d[1.0]`` is ``d[1]``; tuples and slices cover several
    elements: all of these are unknown.
    """
    if not isinstance(node, ast.Constant):
        return None
    value = node.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        return repr(value)
    return None


RUNTIME_KEY = "$"
"""Prefix of a path part that stands for the value of a global at run time: ``d[k]``
reads ``("$k",)`` of ``d``, which the runtime resolves before it is compared."""


def symbol_path(
    node: ast.expr, *, runtime_keys: bool = False
) -> tuple[str, tuple[PathPart, ...]] | None:
    """The global name and constant path an attribute/subscript chain starts from.

    Returns None when the chain does not start at a plain name (``f().a``,
    ``(a or b)[0]``): nothing global is named then. An unknown key drops the
    parts outside it, so ``x.a[k].b`` gives ``("x", (".a",))``; with
    ``runtime_keys``, a key that is a plain name is kept as ``"$k"`` instead.
    """
    outer_first: list[PathPart] = []
    current = node
    while True:
        if isinstance(current, ast.Attribute):
            outer_first.append("." + current.attr)
            current = current.value
        elif isinstance(current, ast.Subscript):
            key = constant_key(current.slice)
            if key is None and runtime_keys and isinstance(current.slice, ast.Name):
                key = RUNTIME_KEY + current.slice.id
            if key is None:
                outer_first.clear()
            else:
                outer_first.append(key)
            current = current.value
        elif isinstance(current, ast.Name):
            outer_first.reverse()
            return current.id, tuple(outer_first)
        else:
            return None
