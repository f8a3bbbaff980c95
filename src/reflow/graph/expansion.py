"""Widening a cell's effects through the notebook's functions and modules.

A cell that calls ``f`` reads, at call time, the globals ``f`` reads, and
writes those it declares ``global`` (docs/semantics.md): the summaries of every
function defined anywhere in the notebook are kept here and applied
transitively, so that ``f`` calling ``g`` calling for ``z`` makes the caller
read ``z``. Summaries are united over every cell defining a name, which is
sound when a name is defined twice.

Names bound by an ``import`` are modules: ``np.sort(a)`` calls a function,
it does not change ``np``, so such names are never mutated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from reflow._types import CellId
from reflow.analysis.effects import FunctionSummary, PathPart
from reflow.graph.effects import CellEffects
from reflow.graph.names import BUILTIN_NAMES


@dataclass(frozen=True, slots=True)
class Expanded:
    """A cell's effects after filtering and widening through the notebook's functions."""

    refs: frozenset[str]
    binds: frozenset[str]
    mutates: frozenset[str]
    deletes: frozenset[str]
    reads_all: bool
    may_change: frozenset[str] = frozenset()
    alias_only: frozenset[str] = frozenset()
    path_reads: Mapping[str, frozenset[tuple[PathPart, ...]]] = field(
        default_factory=dict, hash=False
    )
    """Refs the cell reads only at these constant paths (see ``CellAnalysis.read_paths``);
    never a name a called function reads, since a body reads whole."""
    unrun_widens: bool = False
    """Whether ``mutates`` holds names only because the cell has not run yet (what it
    may change shares objects with them): when false, a first run that sees nothing
    static analysis did not leaves the expansion as it is."""

    @property
    def writes(self) -> frozenset[str]:
        return self.binds | self.mutates | self.deletes


class NotebookFunctions:
    """Function summaries and module names of every cell, for widening effects."""

    def __init__(self) -> None:
        self._functions: dict[str, dict[CellId, FunctionSummary]] = {}
        self._modules: dict[str, set[CellId]] = {}
        # name -> names some cell makes it share objects with (both ways), per cell
        self._shares: dict[str, dict[str, set[CellId]]] = {}

    def set_cell(self, cell: CellId, effects: CellEffects | None) -> set[str]:
        """Record (or, with ``None``, forget) a cell's functions and imports.

        Returns the names whose meaning changed: cells that use them must be
        widened again.
        """
        functions = effects.functions if effects else {}
        imports = effects.analysis.imports if effects else frozenset()
        shares = effects.analysis.shares if effects else frozenset()
        return (
            self._set_functions(cell, functions)
            | self._set_modules(cell, imports)
            | self._set_shares(cell, shares)
        )

    def is_module(self, name: str) -> bool:
        """Whether some cell binds ``name`` with an ``import`` statement."""
        return name in self._modules

    def expand(self, effects: CellEffects, links: Callable[[str], bool]) -> Expanded:
        refs = {n for n in effects.analysis.refs if links(n)}
        writes: set[str] = set()
        may_change = set(effects.may_change)
        pending = [n for n in refs if n in self._functions]
        seen: set[str] = set()
        read_by_calls: set[str] = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            for summary in self._functions.get(name, {}).values():
                read_by_calls |= summary.reads
                for read in summary.reads:
                    if links(read) and read not in refs:
                        refs.add(read)
                        if read in self._functions:
                            pending.append(read)
                writes.update(n for n in summary.writes if links(n))
                may_change.update(summary.may_change)
        binds = frozenset(n for n in effects.binds if links(n))
        mutating = effects.mutates
        unrun_widens = False
        if effects.pending:  # not run yet: anything it may change, or what shares with it
            widened = mutating | self.sharing_closure(may_change)
            unrun_widens = widened != mutating
            mutating = widened
        # A module's functions are not its methods (``np.mean(x)`` leaves ``np`` alone, and
        # ``os.remove`` is no ``list.remove``): a module changes only as seen when the cell
        # ran (``random.seed(2)``, ``np.random.rand()``: the global generator's state), or
        # where the cell stores into it (``mymod.y = 7``, ``pd.options.x = 1``).
        # A builtin handed to a call (`f(int)`, `raise ValueError(...)` in a function) is
        # no global of the notebook: only a cell that stores into it, or a builtin a cell
        # shadows and was seen to change, makes a cell its writer.
        stored = effects.analysis.stored_names
        observed = effects.observed_mutates
        mutates = frozenset(
            n
            for n in mutating
            if links(n)
            and (n not in self._modules or n in observed or n in stored)
            and (n not in BUILTIN_NAMES or n in observed or n in stored)
        )
        # Names the cell was only seen to change through an alias: read for their binding.
        alias_only = frozenset(n for n in effects.observed_mutates if links(n)) - refs
        return Expanded(
            refs=frozenset(refs) | alias_only,
            alias_only=alias_only,
            binds=binds | frozenset(writes - effects.deletes),
            mutates=mutates - binds,
            deletes=frozenset(n for n in effects.deletes if links(n)),
            reads_all=effects.reads_all,
            may_change=frozenset(n for n in may_change if links(n)),
            unrun_widens=unrun_widens,
            path_reads={}
            if effects.reads_all
            else {
                name: paths
                for name, paths in effects.analysis.read_paths.items()
                if name in refs
                and name not in read_by_calls
                and name not in effects.observed_mutates
            },
        )

    def sharing_closure(self, names: Iterable[str]) -> frozenset[str]:
        """``names`` and every name some cell makes share objects with them, transitively."""
        found: set[str] = set()
        pending = list(names)
        while pending:
            name = pending.pop()
            if name not in found:
                found.add(name)
                if name not in self._modules:  # `sep = os.sep` shares nothing mutable
                    pending.extend(self._shares.get(name, ()))
        return frozenset(found)

    def _set_shares(self, cell: CellId, shares: frozenset[tuple[str, str]]) -> set[str]:
        pairs = shares | {(b, a) for a, b in shares}
        changed: set[str] = set()
        for name, others in list(self._shares.items()):
            for other, cells in list(others.items()):
                if cell in cells and (name, other) not in pairs:
                    cells.discard(cell)
                    changed.add(name)
                    if not cells:
                        del others[other]
            if not others:
                del self._shares[name]
        for name, other in pairs:
            cells = self._shares.setdefault(name, {}).setdefault(other, set())
            if cell not in cells:
                cells.add(cell)
                changed.add(name)
        return changed

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
