"""The dataflow graph of a notebook: a facade over order, name index and edge rules.

Responsibilities:
- hold each cell's effects, widened through the notebook's functions (a cell
  that calls ``f`` reads what ``f`` reads and writes what ``f`` writes);
- keep the name index in step with adds, edits, moves and removals;
- answer edge questions (parents, children, reaching writers, execution
  order, errors) under the current direction, caching answers until the next
  change.

It never touches a namespace or runs code: the runtime asks, the graph answers.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from reflow._types import CellId, Direction
from reflow.analysis.effects import FunctionSummary
from reflow.graph import any_order
from reflow.graph.cycles import cycles
from reflow.graph.effects import CellEffects
from reflow.graph.index import NameIndex
from reflow.graph.names import BUILTIN_NAMES, is_private, links_cells
from reflow.graph.order import CellOrder

Edges = Mapping[CellId, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Expanded:
    """A cell's effects after filtering and widening through the notebook's functions."""

    refs: frozenset[str]
    binds: frozenset[str]
    mutates: frozenset[str]
    deletes: frozenset[str]
    reads_all: bool

    @property
    def writes(self) -> frozenset[str]:
        return self.binds | self.mutates | self.deletes


@dataclass(frozen=True, slots=True)
class GraphError:
    """Why the graph refuses to run a cell; ``kind`` is stable, ``message`` is for people."""

    kind: str  # "syntax" | "multiple_definitions" | "cycle" | "star_import"
    message: str
    names: tuple[str, ...] = ()


class DataflowGraph:
    def __init__(self, direction: Direction = Direction.IN_ORDER) -> None:
        self._direction = direction
        self._order = CellOrder()
        self._effects: dict[CellId, CellEffects] = {}
        self._expanded: dict[CellId, Expanded] = {}
        self._readers = NameIndex(self._order.position)
        self._writers = NameIndex(self._order.position)
        self._reads_all: set[CellId] = set()
        self._functions: dict[str, dict[CellId, FunctionSummary]] = {}
        # Names some cell binds with `import`: `np.sort(a)` calls a function, it does
        # not mutate `np`, so such names are never mutated (see _expand).
        self._modules: dict[str, set[CellId]] = {}
        # Answers cached until the next change (see _invalidate).
        self._parents: dict[CellId, Edges] = {}
        self._children: dict[CellId, Edges] = {}
        self._exec_order: list[CellId] | None = None
        self._rank: dict[CellId, int] = {}
        self._errors: dict[CellId, GraphError] | None = None

    # ---- structure -------------------------------------------------------

    @property
    def direction(self) -> Direction:
        return self._direction

    @direction.setter
    def direction(self, direction: Direction) -> None:
        if direction == self._direction:
            return
        self._direction = direction
        for cell in self._order.ids:
            self._reindex(cell)
        self._invalidate()

    @property
    def cells(self) -> list[CellId]:
        return self._order.ids

    def __contains__(self, cell: object) -> bool:
        return cell in self._order

    def __len__(self) -> int:
        return len(self._order)

    def position(self, cell: CellId) -> int:
        return self._order.position(cell)

    def effects(self, cell: CellId) -> CellEffects:
        return self._effects[cell]

    def add(self, cell: CellId, effects: CellEffects, index: int | None = None) -> None:
        if cell in self._order:
            raise ValueError(f"cell {cell!r} is already in the graph")
        self._order.insert(cell, index)
        self._set_effects(cell, effects)
        self._invalidate()

    def update(self, cell: CellId, effects: CellEffects) -> None:
        self._set_effects(cell, effects)
        self._invalidate()

    def remove(self, cell: CellId) -> None:
        self._set_effects(cell, None)
        self._order.remove(cell)
        self._invalidate()

    def move(self, cell: CellId, index: int) -> None:
        expanded = self._expanded[cell]
        self._unindex(cell, expanded)
        self._order.move(cell, index)
        self._index(cell, expanded)
        self._invalidate()

    # ---- per-cell facts ----------------------------------------------------

    def expanded(self, cell: CellId) -> Expanded:
        return self._expanded[cell]

    def refs(self, cell: CellId) -> frozenset[str]:
        """Names the cell reads that link cells: builtins only when a cell shadows them."""
        refs = self._expanded[cell].refs
        return frozenset(n for n in refs if n not in BUILTIN_NAMES or n in self._writers)

    def defs(self, cell: CellId) -> frozenset[str]:
        return self._expanded[cell].binds

    def writers(self, name: str) -> list[CellId]:
        return list(self._writers.cells(name))

    def readers(self, name: str) -> list[CellId]:
        return list(self._readers.cells(name))

    def out_of_order_usages(self, cell: CellId) -> frozenset[str]:
        """in_order: names the cell reads whose only writers are below it."""
        if self._direction is Direction.ANY_ORDER:
            return frozenset()
        pos = self.position(cell)
        return frozenset(
            name
            for name in self._expanded[cell].refs
            if self._writers.nearest_before(name, pos) is None
            and self._writers.first_after(name, pos) is not None
        )

    # ---- edges -------------------------------------------------------------

    def parents(self, cell: CellId) -> Edges:
        """Cells whose writes this cell reads (or, any_order, must run after), with the names."""
        cached = self._parents.get(cell)
        if cached is None:
            if self._direction is Direction.ANY_ORDER:
                self._build_any_order()
                return self._parents[cell]
            cached = self._parents[cell] = self._in_order_parents(cell)
        return cached

    def children(self, cell: CellId) -> Edges:
        cached = self._children.get(cell)
        if cached is None:
            if self._direction is Direction.ANY_ORDER:
                self._build_any_order()
                return self._children.get(cell, {})
            cached = self._children[cell] = self._in_order_children(cell)
        return cached

    def reaching_writer(self, cell: CellId, name: str) -> CellId | None:
        """The writer of ``name`` whose value ``cell`` sees in a run-all, if any."""
        if self._direction is Direction.IN_ORDER:
            return self._writers.nearest_before(name, self.position(cell))
        best: CellId | None = None
        for parent, names in self.parents(cell).items():
            if (
                name in names
                and name in self._expanded[parent].writes
                and (best is None or self.rank(parent) > self.rank(best))
            ):
                best = parent
        return best

    def final_writer(self, name: str) -> CellId | None:
        """The writer of ``name`` that runs last in a run-all: its value is the one left."""
        writers = self._writers.cells(name)
        if not writers:
            return None
        if self._direction is Direction.IN_ORDER:
            return writers[-1]
        return max(writers, key=self.rank)

    def execution_order(self) -> list[CellId]:
        if self._exec_order is None:
            if self._direction is Direction.IN_ORDER:
                order = self._order.ids
            else:
                order = self._topological_order()
            self._exec_order = order
            self._rank = {cell: i for i, cell in enumerate(order)}
            return order
        return self._exec_order

    def rank(self, cell: CellId) -> int:
        """Position in execution order (notebook position in in_order)."""
        if self._direction is Direction.IN_ORDER:
            return self.position(cell)
        self.execution_order()
        return self._rank[cell]

    def ancestors(self, cells: Iterable[CellId]) -> set[CellId]:
        return self._reach(cells, self.parents)

    def descendants(self, cells: Iterable[CellId]) -> set[CellId]:
        return self._reach(cells, self.children)

    def errors(self) -> Mapping[CellId, GraphError]:
        if self._errors is None:
            errors = self._errors = self._find_errors()
            return errors
        return self._errors

    # ---- internals: effects and index ----------------------------------------

    def _invalidate(self) -> None:
        self._parents = {}
        self._children = {}
        self._exec_order = None
        self._rank = {}
        self._errors = None

    def _set_effects(self, cell: CellId, effects: CellEffects | None) -> None:
        old = self._expanded.pop(cell, None)
        if old is not None:
            self._unindex(cell, old)
        changed = self._set_functions(cell, effects.functions if effects else {})
        changed |= self._set_modules(cell, effects.analysis.imports if effects else frozenset())
        if effects is None:
            self._effects.pop(cell, None)
        else:
            self._effects[cell] = effects
            self._expanded[cell] = self._expand(effects)
            self._index(cell, self._expanded[cell])
        # Cells calling a function whose summary changed read and write other names now;
        # cells calling a method of a name that became (or stopped being) a module too.
        for name in changed:
            for reader in list(self._readers.cells(name)):
                if reader != cell:
                    self._reindex(reader)

    def _set_functions(self, cell: CellId, functions: Mapping[str, FunctionSummary]) -> set[str]:
        changed: set[str] = set()
        for name, defined in list(self._functions.items()):
            if cell in defined and functions.get(name) != defined[cell]:
                del defined[cell]
                changed.add(name)
                if not defined:
                    del self._functions[name]
        for name, summary in functions.items():
            defined = self._functions.setdefault(name, {})
            if defined.get(cell) != summary:
                defined[cell] = summary
                changed.add(name)
        return changed

    def _set_modules(self, cell: CellId, imports: frozenset[str]) -> set[str]:
        """Record the modules a cell imports; the names that became or stopped being modules."""
        changed = set()
        for name in imports:
            holders = self._modules.setdefault(name, set())
            if not holders:
                changed.add(name)
            holders.add(cell)
        for name, holders in list(self._modules.items()):
            if cell in holders and name not in imports:
                holders.discard(cell)
                if not holders:
                    del self._modules[name]
                    changed.add(name)
        return changed

    def _reindex(self, cell: CellId) -> None:
        old = self._expanded.pop(cell, None)
        if old is not None:
            self._unindex(cell, old)
        self._expanded[cell] = self._expand(self._effects[cell])
        self._index(cell, self._expanded[cell])

    def _links(self, name: str) -> bool:
        if not links_cells(name):
            return False
        return not (self._direction is Direction.ANY_ORDER and is_private(name))

    def _expand(self, effects: CellEffects) -> Expanded:
        links = self._links
        refs = {n for n in effects.refs if links(n)}
        writes: set[str] = set()
        pending = [n for n in refs if n in self._functions]
        seen: set[str] = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            for summary in self._functions.get(name, {}).values():
                for read in summary.reads:
                    if links(read) and read not in refs:
                        refs.add(read)
                        if read in self._functions:
                            pending.append(read)
                writes.update(n for n in summary.writes if links(n))
        binds = frozenset(n for n in effects.binds if links(n))
        return Expanded(
            refs=frozenset(refs),
            binds=binds | frozenset(writes - effects.deletes),
            mutates=frozenset(n for n in effects.mutates if links(n) and n not in self._modules)
            - binds,
            deletes=frozenset(n for n in effects.deletes if links(n)),
            reads_all=effects.reads_all,
        )

    def _index(self, cell: CellId, expanded: Expanded) -> None:
        self._readers.add(cell, expanded.refs)
        self._writers.add(cell, expanded.writes)
        if expanded.reads_all:
            self._reads_all.add(cell)

    def _unindex(self, cell: CellId, expanded: Expanded) -> None:
        self._readers.discard(cell, expanded.refs)
        self._writers.discard(cell, expanded.writes)
        self._reads_all.discard(cell)

    # ---- internals: in_order edges ------------------------------------------

    def _in_order_parents(self, cell: CellId) -> Edges:
        expanded = self._expanded[cell]
        pos = self.position(cell)
        names: Iterable[str] = expanded.refs
        if expanded.reads_all:
            names = set(expanded.refs) | set(self._writers.names())
        found: dict[CellId, set[str]] = defaultdict(set)
        for name in names:
            writer = self._writers.nearest_before(name, pos)
            if writer is not None:
                found[writer].add(name)
        return {c: frozenset(n) for c, n in found.items()}

    def _in_order_children(self, cell: CellId) -> Edges:
        pos = self.position(cell)
        per_name: dict[str, list[CellId]] = {}
        for name in self._expanded[cell].writes:
            following = self._writers.first_after(name, pos)
            high = None if following is None else self.position(following)
            readers = self._readers.between(name, pos, high)
            for reader in self._reads_all:
                rpos = self.position(reader)
                if rpos > pos and (high is None or rpos <= high):
                    readers.append(reader)
            if readers:
                per_name[name] = readers
        if len(per_name) == 1:  # the common case, and the hub of a star: no per-child sets
            ((name, readers),) = per_name.items()
            return dict.fromkeys(readers, frozenset((name,)))
        found: dict[CellId, set[str]] = defaultdict(set)
        for name, readers in per_name.items():
            for reader in readers:
                found[reader].add(name)
        return {c: frozenset(n) for c, n in found.items()}

    # ---- internals: any_order --------------------------------------------------

    def _build_any_order(self) -> None:
        parents = any_order.build_parents(
            self._order.ids, self._expanded, self._readers, self._writers
        )
        children: dict[CellId, dict[CellId, frozenset[str]]] = {c: {} for c in parents}
        for cell, edges in parents.items():
            for parent, names in edges.items():
                children[parent][cell] = names
        self._parents = dict(parents)
        self._children = dict(children)

    def _topological_order(self) -> list[CellId]:
        ids = self._order.ids
        indegree = {cell: len(self.parents(cell)) for cell in ids}
        ready = [(self.position(c), c) for c in ids if indegree[c] == 0]
        heapq.heapify(ready)
        ordered: list[CellId] = []
        while ready:
            _, cell = heapq.heappop(ready)
            ordered.append(cell)
            for child in self.children(cell):
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(ready, (self.position(child), child))
        if len(ordered) < len(ids):  # cells in or behind a cycle: last, in notebook order
            placed = set(ordered)
            ordered.extend(c for c in ids if c not in placed)
        return ordered

    # ---- internals: errors ------------------------------------------------------

    def _find_errors(self) -> dict[CellId, GraphError]:
        errors: dict[CellId, GraphError] = {}
        for cell, effects in self._effects.items():
            syntax = effects.analysis.syntax_error
            if syntax is not None:
                where = f" (line {syntax.lineno})" if syntax.lineno else ""
                errors[cell] = GraphError("syntax", f"SyntaxError: {syntax.message}{where}")
        if self._direction is Direction.IN_ORDER:
            return errors
        for cell, effects in self._effects.items():
            if effects.analysis.star_import and cell not in errors:
                errors[cell] = GraphError(
                    "star_import",
                    "`import *` cannot be used in any_order: reflow cannot know which "
                    "names it defines; import the names you use instead",
                )
        for cell, (message, names) in any_order.multiple_definitions(
            self._order.ids, self._expanded, self._writers
        ).items():
            errors.setdefault(cell, GraphError("multiple_definitions", message, names))
        for component in cycles(self._order.ids, lambda c: self.parents(c).keys()):
            members = sorted(component, key=self.position)
            steps = []
            on_cycle: set[str] = set()
            for cell in members:
                for parent, via in sorted(self.parents(cell).items()):
                    if parent in component:
                        shown = ", ".join(f"`{n}`" for n in sorted(via))
                        steps.append(f"[{cell}] reads {shown} from [{parent}]")
                        on_cycle.update(via)
            message = "cells " + ", ".join(f"[{c}]" for c in members) + " form a cycle: "
            message += "; ".join(steps)
            for cell in members:
                errors.setdefault(cell, GraphError("cycle", message, tuple(sorted(on_cycle))))
        return errors

    @staticmethod
    def _reach(start: Iterable[CellId], step: Callable[[CellId], Edges]) -> set[CellId]:
        """Cells reachable from ``start`` (not counting ``start`` itself unless on a cycle)."""
        seen: set[CellId] = set()
        queue = deque(start)
        while queue:
            cell = queue.popleft()
            for other in step(cell):
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
        return seen
