"""A form of a cell's source that ignores comments and layout.

Editing a comment or re-indenting a call does not change what a cell
computes, so it must not make the cell dirty (nor, later, miss a cache).
"""

from __future__ import annotations

import ast

from reflow.analysis.magics import python_source


def normalized(source: str) -> str | None:
    """The AST dump of ``source`` (the body, for a ``%%memoize`` cell), or ``None`` when
    it does not parse: adding or removing the magic does not change what a cell computes."""
    try:
        return ast.dump(
            ast.parse(python_source(source)), annotate_fields=False, include_attributes=False
        )
    except (SyntaxError, ValueError):
        return None
