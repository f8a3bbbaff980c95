"""Why the graph refuses to run a cell: syntax errors in both directions, and in
any_order the rules marimo enforces (one definer per name, no cycles, no
``import *``), each message naming the variables and cells involved."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reflow._types import CellId
from reflow.graph import any_order
from reflow.graph.cycles import cycles
from reflow.graph.effects import CellEffects

if TYPE_CHECKING:
    from reflow.graph.expansion import Expanded
    from reflow.graph.index import NameIndex


@dataclass(frozen=True, slots=True)
class GraphError:
    """``kind`` is stable for programs, ``message`` is for people; ``exception`` is the
    class Python raised for a syntax error (``IndentationError``, ``TabError``)."""

    kind: str  # "syntax" | "multiple_definitions" | "cycle" | "star_import"
    message: str
    names: tuple[str, ...] = ()
    exception: str | None = None


def syntax_error(effects: CellEffects) -> GraphError | None:
    syntax = effects.analysis.syntax_error
    if syntax is None:
        return None
    where = f" (line {syntax.lineno})" if syntax.lineno else ""
    return GraphError("syntax", f"{syntax.kind}: {syntax.message}{where}", exception=syntax.kind)


def any_order_errors(
    cells: Sequence[CellId],
    effects: Mapping[CellId, CellEffects],
    expanded: Mapping[CellId, Expanded],
    writers: NameIndex,
    parents: Callable[[CellId], Mapping[CellId, frozenset[str]]],
    position: Callable[[CellId], int],
) -> dict[CellId, GraphError]:
    """Star imports, names bound by several cells, and cycles; the first found wins."""
    errors: dict[CellId, GraphError] = {}
    for cell, effect in effects.items():
        if effect.analysis.star_import:
            errors[cell] = GraphError(
                "star_import",
                "`import *` cannot be used in any_order: reflow cannot know which "
                "names it defines; import the names you use instead",
            )
    for cell, (message, names) in any_order.multiple_definitions(cells, expanded, writers).items():
        errors.setdefault(cell, GraphError("multiple_definitions", message, names))
    for component in cycles(cells, lambda c: parents(c).keys()):
        members = sorted(component, key=position)
        steps = []
        on_cycle: set[str] = set()
        for cell in members:
            for parent, via in sorted(parents(cell).items()):
                if parent in component:
                    shown = ", ".join(f"`{n}`" for n in sorted(via))
                    steps.append(f"[{cell}] reads {shown} from [{parent}]")
                    on_cycle.update(via)
        message = "cells " + ", ".join(f"[{c}]" for c in members) + " form a cycle: "
        message += "; ".join(steps)
        for cell in members:
            errors.setdefault(cell, GraphError("cycle", message, tuple(sorted(on_cycle))))
    return errors
