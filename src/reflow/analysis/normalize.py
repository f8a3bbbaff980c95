"""A form of a cell's source that ignores comments and layout.

Editing a comment or re-indenting a call does not change what a cell
computes, so it must not make the cell dirty (nor, later, miss a cache).
"""

from __future__ import annotations

import ast


def normalized(source: str) -> str | None:
    """The AST dump of ``source``, or ``None`` when it does not parse."""
    try:
        return ast.dump(ast.parse(source), annotate_fields=False, include_attributes=False)
    except (SyntaxError, ValueError):
        return None
