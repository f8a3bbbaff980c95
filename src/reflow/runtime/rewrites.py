"""reflow's rewrites of a cell's tree, set aside where they would change nothing.

reflow rewrites cells before they are compiled: private names in any_order
(``runtime.private.PrivateNames``), cached blocks (``cache.blocks``). Each walks the
whole tree, and under IPython, any registered transformer also makes IPython walk it
once more (``ast.fix_missing_locations``): together as costly as running a small cell,
for every cell, though most cells have nothing to rewrite. A rewrite that can tell
that cheaply says so with a ``leaves_alone(tree)`` method, and is then skipped for
that tree.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterator, Sequence
from typing import Any


def leaves_alone(transformer: object, tree: ast.AST) -> bool:
    """Whether ``transformer`` says it would leave ``tree`` as it is."""
    check = getattr(transformer, "leaves_alone", None)
    return callable(check) and bool(check(tree))


def at_work(transformers: Sequence[Any], tree: ast.AST) -> list[Any]:
    """The transformers that may change ``tree``, in order."""
    return [t for t in transformers if not leaves_alone(t, tree)]


@contextlib.contextmanager
def idle_set_aside(transformers: list[Any], tree: ast.AST) -> Iterator[None]:
    """``transformers`` (IPython's ``shell.ast_transformers``) without those that would
    leave ``tree`` as it is, for the duration; put back in their places after, so no
    code of the user's sees the list without them."""
    idle = [(place, t) for place, t in enumerate(transformers) if leaves_alone(t, tree)]
    for _, transformer in reversed(idle):
        del transformers[transformers.index(transformer)]
    try:
        yield
    finally:
        for place, transformer in idle:
            transformers.insert(min(place, len(transformers)), transformer)


def has_with(body: list[ast.stmt]) -> bool:
    """Whether a ``with`` statement is in ``body``, or in the bodies of its compound
    statements other than functions and classes (what the cached-block rewrite looks
    into; no expression holds a statement). Statements only, not every node: a cell's
    few statements against its whole tree."""
    for statement in body:
        if isinstance(statement, ast.With):
            return True
        if not isinstance(statement, _COMPOUND):
            continue  # a simple statement, or a definition (not looked into)
        bodies: list[list[ast.stmt]] = [
            getattr(statement, name, None) or [] for name in ("body", "orelse", "finalbody")
        ]
        holders: list[Any] = [*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())]
        bodies += [holder.body for holder in holders]  # except clauses, match cases
        if any(has_with(inner) for inner in bodies):
            return True
    return False


_COMPOUND = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.Try,
    ast.TryStar,
    ast.AsyncWith,
    ast.Match,
)
"""The statements with bodies of statements, but for ``with`` and definitions."""
