"""Questions a running cell may ask about the notebook's state (docs/semantics.md, "The state API").

``deps``, ``users``, ``code``, ``timestamp`` and ``lift`` answer from the
versions and the graph, for a whole name or a part of it (``xs[0]``): the
part's last write, and the cells that read an overlapping part. A target is
a ``Symbol``, a string (``"x"``, ``"xs[0]"``), or an object bound to exactly
one global; ``reflow.api`` turns ``deps(xs[0])`` into the symbol by reading
the call's own source.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reflow._types import CellId
from reflow.analysis.paths import symbol_path
from reflow.runtime.status import read_names, writes_reaching
from reflow.runtime.versions import Paths, Symbol, Version, overlaps

if TYPE_CHECKING:
    from reflow.graph.graph import DataflowGraph
    from reflow.runtime.history import Reproduction
    from reflow.runtime.records import CellRecord
    from reflow.runtime.session import Session


@dataclass(frozen=True, slots=True)
class Timestamp:
    """When a name was last written: by which cell, at which notebook position, in which
    order among all writes of the session (``stamp``)."""

    cell: CellId | None
    position: int | None
    stamp: int


@dataclass(frozen=True, slots=True)
class Lifted:
    """What reflow knows of one symbol: its last write and who computed what from it."""

    symbol: str
    cell: CellId | None
    position: int | None
    stamp: int
    deps: tuple[str, ...]
    users: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CellHandle:
    """One cell, as ``reflow.cells(n)`` gives it to a running cell."""

    id: CellId
    position: int
    code: str
    parents: tuple[CellId, ...]
    children: tuple[CellId, ...]
    program: str

    def slice(self) -> str:
        """The smallest program, cells in run order, that runs this cell as a run-all would."""
        return self.program


class StateQueries:
    def __init__(self, graph: DataflowGraph, session: Session) -> None:
        self._graph = graph
        self._session = session

    def symbol_of(self, target: Any) -> Symbol:
        """``target`` as a symbol: a ``Symbol``, a string naming one, or a bound object."""
        if isinstance(target, Symbol):
            symbol = target
        elif isinstance(target, str):
            symbol = _parse_symbol(target)
        else:
            return Symbol(self._name_bound_to(target))
        if symbol.name not in self._session.namespace:
            raise NameError(f"{symbol.name!r} is not defined in the notebook")
        return symbol

    def _name_bound_to(self, target: Any) -> str:
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
        writer = self._writer(self.symbol_of(target))
        if writer is None:
            return []
        return sorted(
            s.name for s, v in self._session.records[writer].seen.items() if v is not None
        )

    def users(self, target: Any) -> list[str]:
        """The names written by cells that read ``target``'s current value."""
        symbol = self.symbol_of(target)
        found: set[str] = set()
        for record in self._session.records.values():
            if self._reads_current(record, symbol):
                found.update(s.name for s, v in record.wrote.items() if not v.deleted)
        found.discard(symbol.name)
        return sorted(found)

    def code(self, target: Any) -> str:
        """The smallest program, cells in execution order, that rebuilds ``target``."""
        symbol = self.symbol_of(target)
        writer = self._writer(symbol)
        if writer is None:
            raise ValueError(f"no cell of the notebook wrote {str(symbol)!r}")
        return self._program(writer)

    def timestamp(self, target: Any) -> Timestamp:
        symbol = self.symbol_of(target)
        version = self._last_write(symbol)
        if version is None:
            raise ValueError(f"no cell of the notebook wrote {str(symbol)!r}")
        cell = version.cell
        return Timestamp(cell, self._position(cell), version.stamp)

    def reproduce(self, number: int, lookback: int = 1) -> Reproduction:
        return self._session.log.reproduce(number, lookback)

    def lift(self, target: Any) -> Lifted:
        symbol = self.symbol_of(target)
        when = self.timestamp(symbol)
        return Lifted(
            str(symbol),
            when.cell,
            when.position,
            when.stamp,
            tuple(self.deps(symbol)),
            tuple(self.users(symbol)),
        )

    def cell(self, which: int | str) -> CellHandle:
        """A cell by notebook position (from 0, as ``Notebook.cells``) or by id."""
        cells = self._graph.cells
        if isinstance(which, bool) or not isinstance(which, int | str):
            raise TypeError("cells() takes a notebook position (int) or a cell id (str)")
        if isinstance(which, int):
            if not -len(cells) <= which < len(cells):
                raise IndexError(f"no cell at position {which}: the notebook has {len(cells)}")
            cell = cells[which]
        elif which in self._graph:
            cell = CellId(which)
        else:
            raise KeyError(f"no cell with id {which!r}")
        return CellHandle(
            cell,
            self._graph.position(cell),
            self._session.records[cell].code,
            tuple(sorted(self._graph.parents(cell), key=self._graph.position)),
            tuple(sorted(self._graph.children(cell), key=self._graph.position)),
            self._program(cell),
        )

    # ---- helpers -------------------------------------------------------------------

    def _paths(self, symbol: Symbol) -> Paths:
        return frozenset([symbol.path]) if symbol.path else None

    def _last_write(self, symbol: Symbol) -> Version | None:
        return self._session.ledger.visible(symbol.name, self._paths(symbol))

    def _writer(self, symbol: Symbol) -> CellId | None:
        version = self._session.ledger.current_for(symbol.name, self._paths(symbol))
        if version is None or version.cell is None or version.cell not in self._graph:
            return None
        return version.cell

    def _reads_current(self, record: CellRecord, symbol: Symbol) -> bool:
        """Whether the cell read an overlapping part of ``symbol`` at its current version."""
        seen = record.seen.get(Symbol(symbol.name))
        if seen is None:
            return False
        paths = record.read_paths.get(symbol.name)
        if symbol.path and paths is not None and not overlaps(symbol.path, paths):
            return False
        return seen.same_value(self._session.ledger.current_for(symbol.name, paths))

    def _program(self, cell: CellId) -> str:
        needed = self._needed(cell)
        order = [c for c in self._graph.execution_order() if c in needed]
        return "\n\n".join(self._session.records[c].code.rstrip() for c in order) + "\n"

    def _needed(self, cell: CellId) -> set[CellId]:
        """``cell`` and the cells whose writes it, and they in turn, read: for a cell whose
        last run tells which parts it read, the writers a run-all gives those parts
        (``writes_reaching``), not every writer of the name (`xs[1] = 5` is no input of
        `y = xs[0]`); for any other cell, and past a writer out of sync, its graph parents."""
        graph, records = self._graph, self._session.records

        def in_sync(writer: CellId) -> bool:
            record = records[writer]
            return record.has_run and not record.dirty and record.error is None

        needed = {cell}
        pending = [cell]
        while pending:
            current = pending.pop()
            parents = graph.parents(current)
            if not in_sync(current):
                found: set[CellId] = set(parents)
            else:
                paths = records[current].read_paths
                reads = read_names(graph, current)
                # Edges that are no reads (any_order's ordering edges) stay as they are.
                found = {p for p, names in parents.items() if not names <= reads}
                for name in reads:
                    chain = writes_reaching(graph, records, current, name, paths.get(name), in_sync)
                    if chain.unsynced is not None or chain.base < 0:
                        # (past a writer out of sync, or a walk that ended at no binding)
                        found.update(p for p, names in parents.items() if name in names)
                    else:
                        found.update(chain.writers)
            for parent in found - needed:
                needed.add(parent)
                pending.append(parent)
        return needed

    def _position(self, cell: CellId | None) -> int | None:
        return self._graph.position(cell) if cell is not None and cell in self._graph else None


def _parse_symbol(text: str) -> Symbol:
    """``"x"``, ``"xs[0]"``, ``"cfg.lr"``: the symbol the expression names."""
    try:
        found = symbol_path(ast.parse(text.strip(), mode="eval").body)
    except SyntaxError:
        found = None
    if found is None:
        raise ValueError(f"{text!r} names no global (try a name like 'x' or a path like 'x[0]')")
    return Symbol(found[0], found[1])
