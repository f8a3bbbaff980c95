"""Questions a running cell may ask about the notebook's state (SPEC section 8).

``deps(x)``, ``users(x)``, ``code(x)`` and ``timestamp(x)`` answer from the
versions and the graph, at name level: paths (``x[0]``) come with the
lineage work that tracks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reflow._types import CellId
from reflow.runtime.versions import Symbol

if TYPE_CHECKING:
    from reflow.graph.graph import DataflowGraph
    from reflow.runtime.history import Reproduction
    from reflow.runtime.session import Session


@dataclass(frozen=True, slots=True)
class Timestamp:
    """When a name was last written: by which cell, at which notebook position, in which
    order among all writes of the session (``stamp``)."""

    cell: CellId | None
    position: int | None
    stamp: int


class StateQueries:
    def __init__(self, graph: DataflowGraph, session: Session) -> None:
        self._graph = graph
        self._session = session

    def name_of(self, target: Any) -> str:
        """A name given as a string, or the one global bound to the given object."""
        if isinstance(target, str):
            if target not in self._session.namespace:
                raise NameError(f"{target!r} is not defined in the notebook")
            return target
        names = sorted(
            name
            for name, value in self._session.namespace.items()
            if value is target and not name.startswith("_")
        )
        if len(names) != 1:
            which = "no global" if not names else "several globals (" + ", ".join(names) + ")"
            raise ValueError(f"{which} bound to that object: pass the name as a string")
        return names[0]

    def deps(self, target: Any) -> list[str]:
        """The names the cell that last wrote ``target`` had read for it."""
        writer = self._writer(target)
        if writer is None:
            return []
        return sorted(
            s.name for s, v in self._session.records[writer].seen.items() if v is not None
        )

    def users(self, target: Any) -> list[str]:
        """The names written by cells that read ``target``'s current value."""
        name = self.name_of(target)
        current = self._session.ledger.current(Symbol(name))
        found: set[str] = set()
        for record in self._session.records.values():
            seen = record.seen.get(Symbol(name))
            if current is not None and seen is not None and seen.same_value(current):
                found.update(s.name for s, v in record.wrote.items() if not v.deleted)
        found.discard(name)
        return sorted(found)

    def code(self, target: Any) -> str:
        """The smallest program, cells in execution order, that rebuilds ``target``."""
        writer = self._writer(target)
        if writer is None:
            raise ValueError(f"no cell of the notebook wrote {self.name_of(target)!r}")
        needed = self._graph.ancestors([writer]) | {writer}
        order = [c for c in self._graph.execution_order() if c in needed]
        return "\n\n".join(self._session.records[c].code.rstrip() for c in order) + "\n"

    def timestamp(self, target: Any) -> Timestamp:
        name = self.name_of(target)
        version = self._session.ledger.last_write(Symbol(name))
        if version is None:
            raise ValueError(f"no cell of the notebook wrote {name!r}")
        cell = version.cell
        position = self._graph.position(cell) if cell is not None and cell in self._graph else None
        return Timestamp(cell, position, version.stamp)

    def reproduce(self, number: int, lookback: int = 1) -> Reproduction:
        return self._session.log.reproduce(number, lookback)

    def _writer(self, target: Any) -> CellId | None:
        version = self._session.ledger.current(Symbol(self.name_of(target)))
        if version is None or version.cell is None or version.cell not in self._graph:
            return None
        return version.cell
