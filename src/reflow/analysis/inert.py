"""Cells that cannot run code other than their own: ``n = 10``, ``lr = base / 4``.

The runtime learns which globals a cell bound by comparing the whole namespace
before and after it (``runtime.changes``): any code the cell calls may bind a
global behind the analysis' back (``sympy.var('x')`` through its caller's
frame, a function with a ``global`` statement, a finalizer). That comparison
visits every global, so a session's cells get slower as the session grows
(IPython adds ``_i<n>`` for every execution). A cell made only of assignments
of literals, names and operators calls nothing itself; when the values it
reads are plain data as well (``runtime.changes.plain_data``, checked before
each run), no code but its own runs, so the names it binds are exactly those
of its assignment statements, and only those need comparing.

Left out, each because it can run other code: calls, attribute and item
reads (``__getattr__``, ``__getitem__``), comprehensions (they call a
function), imports, ``del`` (a finalizer), a trailing expression (display
formatters), annotations, ``**`` in a dict display (``keys()``).
"""

from __future__ import annotations

import ast

_EXPRESSIONS = (
    ast.Constant,
    ast.Name,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.Starred,
)
# The leaves an expression's fields hold besides expressions: operators and contexts.
_LEAVES = (ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.expr_context)


def runs_only_its_own_code(tree: ast.Module) -> bool:
    """Whether every statement assigns to names only, from expressions that call
    nothing (with plain-data inputs, which the runtime checks: ``a + b`` on instances
    runs their ``__add__``)."""
    if not tree.body:
        return False
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            if not all(_names_only(target) for target in statement.targets):
                return False
            value: ast.expr = statement.value
        elif isinstance(statement, ast.AugAssign):
            if not isinstance(statement.target, ast.Name):
                return False
            value = statement.value
        else:
            return False
        if not _calls_nothing(value):
            return False
    return True


def _names_only(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, ast.Starred):
        return isinstance(target.value, ast.Name)
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_names_only(element) for element in target.elts)
    return False


def _calls_nothing(expression: ast.expr) -> bool:
    for node in ast.walk(expression):
        if isinstance(node, _LEAVES):
            continue
        if not isinstance(node, _EXPRESSIONS):
            return False
        if isinstance(node, ast.Dict) and None in node.keys:
            return False  # `{**d}` calls d.keys()
        if isinstance(node, ast.Starred) and not isinstance(node.ctx, ast.Load):
            return False
    return True
