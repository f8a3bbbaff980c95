"""Edge rules of any_order (marimo's rules, plus mutations).

- one binder per name: readers run after it, wherever they sit;
- a cell that mutates a name but does not bind it runs after the binder and
  before the name's plain readers, mutators among themselves in notebook
  order, so that every reader sees every mutation;
- a cell that changes a name only through another name sharing its object
  (``a[0].append(2)`` changes ``v`` once a cell binds ``v = a[0]``) is a mutator
  of it like any other, but no user of its binding: the alias holds an object
  another name held already, so the order of the alias's binder and the mutator
  comes from what else links them (both changing ``a``: notebook order), and
  only failing that, the mutator after the binder;
- a change the cell's code spells counts whatever its run shows: a store through a
  name the cell binds to share another's object (``v = m['p']``, then ``v['x'] = 1``)
  changes ``m`` even where it stores the value already there, which no run can see;
- a change only a call may make (``o = C(xs)`` hands ``xs`` to ``C``; guessed before the
  cell runs, seen after) runs after the changes code spells, among such changes in
  notebook order: a run showing none makes the cell a reader of the name, which runs
  after every change too, so its place does not turn round once it has run (the cells
  between would run again);
- ``del x`` in a cell that does not bind ``x`` runs after every other user of ``x``,
  but for a user that reads what the deleting cell binds (``del x; y = 1``, then
  ``x + y``): data runs that one after the deletion, and its edge from the deleting
  cell names ``x`` too (it reads ``x`` deleted, as a run in that order has it).

A mutation edge yields to data: when a reader feeds the mutator (``n =
len(df)`` then ``df["n"] = n``), the reader keeps running first rather than
the notebook being refused as a cycle. Mutation edges yield to each other too:
marimo has none, so they may order cells but never refuse them. Where some
would close a cycle (two cells handing the same objects to calls, each reading
what the other may change), those that keep notebook order (marimo's order for
cells no data links) are taken first, then the others, deletions before
readers-after-changes before changes-in-order within each, and changes after
the alias they go through last of all; an edge that would close a cycle with the
data edges and those taken before it is left out. Only data edges (binder to
reader) make cycles, as in marimo. Two mutators of a name always have an edge
between them, whichever way they run, so that the later one counts the earlier
one's change as one its run sees (a reader's expected value walks that chain).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from reflow._types import EMPTY, CellId
from reflow.graph.cycles import cycles
from reflow.graph.names import BUILTIN_NAMES

if TYPE_CHECKING:
    from reflow.analysis.effects import CellAnalysis
    from reflow.graph.effects import CellEffects
    from reflow.graph.expansion import Expanded
    from reflow.graph.index import NameIndex


def binders(name: str, expanded: Mapping[CellId, Expanded], writers: NameIndex) -> list[CellId]:
    return [w for w in writers.cells(name) if name in expanded[w].binds]


def multiple_definitions(
    cells: Sequence[CellId], expanded: Mapping[CellId, Expanded], writers: NameIndex
) -> dict[CellId, tuple[str, tuple[str, ...]]]:
    """cell -> (message, names) for every cell binding a name another cell binds too, and
    for every cell deleting (not binding) a name another cell deletes too: in dependency
    order both run after the binder, in either order, and a run-all fails at the second
    (`del x` twice), which no run of one of them alone shows."""
    clashes: dict[CellId, list[tuple[str, str, list[CellId]]]] = defaultdict(list)
    for name in sorted(writers.names()):
        found = binders(name, expanded, writers)
        if len(found) > 1:
            for cell in found:
                clashes[cell].append((name, "defined", found))
        deleters = [
            w for w in writers.cells(name) if name in expanded[w].deletes and w not in found
        ]
        if len(deleters) > 1:
            for cell in deleters:
                clashes[cell].append((name, "deleted", deleters))
    result: dict[CellId, tuple[str, tuple[str, ...]]] = {}
    for cell, items in clashes.items():
        parts = [
            f"`{name}` is {how} by more than one cell: " + ", ".join(f"[{c}]" for c in found)
            for name, how, found in items
        ]
        result[cell] = ("; ".join(parts), tuple(dict.fromkeys(name for name, _, _ in items)))
    return result


def build_parents(
    cells: Sequence[CellId],
    expanded: Mapping[CellId, Expanded],
    effects: Mapping[CellId, CellEffects],
    readers: NameIndex,
    writers: NameIndex,
) -> dict[CellId, dict[CellId, frozenset[str]]]:
    found: dict[CellId, dict[CellId, set[str]]] = {c: defaultdict(set) for c in cells}
    all_names = list(writers.names())

    # 1. data edges: the binder of each name to everything that uses it. A name bound
    #    by several cells (an error) links its users to all of them, so that they are
    #    never fresh nor run while the clash lasts.
    definers: dict[str, list[CellId]] = {}
    for name in all_names:
        bound = binders(name, expanded, writers)
        if bound:
            definers[name] = bound
    for cell in cells:
        exp = expanded[cell]
        # (A name the cell changes only through an alias is no use of its binding.)
        used = _spelled(exp) | exp.deletes
        if exp.reads_all:
            used = used | frozenset(definers)
        for name in used - exp.binds:
            for source in definers.get(name, ()):
                if source != cell:
                    found[cell][source].add(name)
    data_parents = {c: set(edges) for c, edges in found.items()}
    ancestry: dict[CellId, set[CellId]] = {}

    def feeds(upstream: CellId, cell: CellId) -> bool:
        """Whether ``cell`` depends on ``upstream`` through data edges."""
        known = ancestry.get(cell)
        if known is None:
            known = set()
            stack = list(data_parents[cell])
            while stack:
                c = stack.pop()
                if c not in known:
                    known.add(c)
                    stack.extend(data_parents[c])
            ancestry[cell] = known
        return upstream in known

    # 2. mutation and deletion order: (rank, child, parent, name), the child running after.
    unchanging = BUILTIN_NAMES | {n for c in cells for n in effects[c].analysis.imports}
    changes: dict[CellId, frozenset[str]] = {}
    by_calls: dict[CellId, frozenset[str]] = {}  # (only cells with some)
    unseen: dict[str, list[CellId]] = defaultdict(list)  # changers that are no writers
    for cell in cells:
        changes[cell], calls = _changes(expanded[cell], effects[cell], unchanging)
        if calls:
            by_calls[cell] = calls
        for name in changes[cell] - expanded[cell].mutates:
            unseen[name].append(cell)
    position = {cell: index for index, cell in enumerate(cells)}
    dynamic = [c for c in cells if expanded[c].reads_all]
    ordering: list[tuple[int, CellId, CellId, str]] = []
    for name in all_names:
        users = writers.cells(name)
        mutators = [w for w in users if name in changes[w]]
        if name in unseen:
            mutators = sorted({*mutators, *unseen[name]}, key=position.__getitem__)
        if by_calls and any(name in by_calls.get(m, ()) for m in mutators):
            # The changes code spells first, then those only a call may make.
            mutators = [m for m in mutators if name not in by_calls.get(m, ())] + [
                m for m in mutators if name in by_calls.get(m, ())
            ]
        deleters = [
            w for w in users if name in expanded[w].deletes and name not in expanded[w].binds
        ]
        if not mutators and not deleters:
            continue
        special = set(mutators) | set(deleters)
        plain = [
            r for r in readers.cells(name) if r not in special and name not in expanded[r].binds
        ]
        if dynamic and name in definers:
            # A cell that may read any name (`globals()`, `exec`) reads this one from its
            # binder (a data edge), so it reads it as the changers leave it too.
            plain += [
                r
                for r in dynamic
                if r not in special and name not in expanded[r].binds and r not in plain
            ]
        for i, mutator in enumerate(mutators):
            if _through_alias(expanded[mutator], name):
                for binder in definers.get(name, ()):
                    if binder != mutator and not feeds(mutator, binder):
                        ordering.append((_AFTER_THE_ALIAS, mutator, binder, name))
            for earlier in mutators[:i]:
                if not feeds(mutator, earlier):
                    ordering.append((_CHANGES_IN_ORDER, mutator, earlier, name))
                else:
                    # Data runs ``earlier`` after ``mutator``: it sees the change, so the
                    # edge says so (the data path makes it, this names ``name`` on it).
                    found[earlier][mutator].add(name)
            for reader in plain:
                if not feeds(reader, mutator):
                    ordering.append((_READERS_AFTER_CHANGES, reader, mutator, name))
        for deleter in deleters:
            for user in plain + mutators:
                if user == deleter:
                    continue
                if not feeds(deleter, user):
                    ordering.append((_DELETIONS_LAST, deleter, user, name))
                else:
                    # Data runs ``user`` after the deleter (`del x; y = 1`, then `x + y`):
                    # it meets the name deleted, so the edge says so, as for a change.
                    found[user][deleter].add(name)
    _add_without_cycles(found, ordering, data_parents, position)
    return {c: {p: frozenset(n) for p, n in edges.items()} for c, edges in found.items()}


def _changes(
    exp: Expanded, effects: CellEffects, unchanging: frozenset[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """The names a cell changes in place, as far as the order goes, and those of them it
    reads and changes only as a call may (not as its code spells).

    Its changes are what a run of it changed or, before it runs, may change
    (``Expanded.mutates``), and what its code changes through a name it binds to share
    their objects (``v = m['p']``, then ``v['x'] = 1`` changes ``m``): a store that leaves
    the value as it was is still one, though no run sees it. A change only a call may
    make (``o = C(xs)`` hands ``xs`` to ``C``) is guessed before the cell runs, and runs
    after the changes spelled: a run that shows none makes it a reader of them, which
    runs after them too, so the order does not turn round once it has run.
    ``unchanging``: modules and builtins, which the expansion counts as changed only
    where a run saw it or the cell stores into them.
    """
    analysis = effects.analysis
    own = _through_own_aliases(analysis)
    if own:
        own = (own & exp.refs) - exp.binds - unchanging
    changes = exp.mutates | own if own else exp.mutates
    read = changes & exp.refs
    if not read:
        return changes, EMPTY
    spelled = analysis.mutated_names | own | {name for name, _, _ in exp.called_stores}
    return changes, read - spelled - exp.alias_only


def _through_own_aliases(analysis: CellAnalysis) -> frozenset[str]:
    """The names whose objects the cell's code changes through a name it makes share
    them (``v = m['p']`` then ``v['x'] = 1`` or ``v.append(1)``: ``m``; ``c = [d]`` then
    ``c[0].append(1)``: ``d``), besides the names it changes by name."""
    changed = analysis.mutated_names
    if not changed or not analysis.shares:
        return EMPTY
    linked: dict[str, set[str]] = defaultdict(set)
    for one, other in analysis.shares:
        linked[one].add(other)
        linked[other].add(one)
    found = set(changed)
    pending = list(changed)
    while pending:
        for other in linked.get(pending.pop(), ()):
            if other not in found:
                found.add(other)
                pending.append(other)
    return frozenset(found - changed)


def _spelled(exp: Expanded) -> frozenset[str]:
    """The names a cell's own code reads (a change it spells reads its name too:
    ``xs.append(1)``, ``xs[0] = 1``, ``f(xs)``), not a name it changes only through
    another that some cell makes share its object (``_through_alias``)."""
    return exp.refs - exp.alias_only if exp.alias_only else exp.refs


def _through_alias(exp: Expanded, name: str) -> bool:
    """Whether the cell changes ``name`` only through another name some cell makes share
    its object (``a[0].append(2)`` changes ``v`` once a cell binds ``v = a[0]``): before
    it runs, a name its code does not read; after, one its run saw change only so."""
    return name in exp.alias_only or name not in exp.refs


_DELETIONS_LAST = 0  # `del x` after every user: otherwise a user fails
_READERS_AFTER_CHANGES = 1  # so that every reader sees every change
_CHANGES_IN_ORDER = 2  # changes of one object in notebook order: a tie-break
# A change through another name after the cell binding the alias (`a[0].append(2)` after
# `v = a[0]`): the alias holds an object another name holds already, so no value needs
# this order; it names the change on the chain of writers a reader of the alias walks.
# It yields to every other edge, whatever the notebook order: where the binder changes
# the object too, or reads it, the two keep their order as a change and a change, or a
# reader after a change.
_AFTER_THE_ALIAS = 3


def _add_without_cycles(
    found: dict[CellId, dict[CellId, set[str]]],
    ordering: list[tuple[int, CellId, CellId, str]],
    data_parents: Mapping[CellId, set[CellId]],
    position: Mapping[CellId, int],
) -> None:
    """Add the ordering edges to the data edges in ``found``, leaving out those that would
    close a cycle with the data edges and the ordering edges taken before them.

    Only edges inside a cycle of all the edges together can close one, so the others are
    taken at once (the common case: one pass to find the cycles, no search).
    """
    everything: dict[CellId, set[CellId]] = {c: set(p) for c, p in data_parents.items()}
    for _, child, parent, _ in ordering:
        everything[child].add(parent)
    component_of: dict[CellId, int] = {}
    for number, component in enumerate(cycles(everything, lambda c: everything[c])):
        for cell in component:
            component_of[cell] = number
    contested = []
    for edge in ordering:
        _, child, parent, name = edge
        cycle = component_of.get(child)
        if cycle is not None and component_of.get(parent) == cycle:
            contested.append(edge)
        else:
            found[child][parent].add(name)
    # Edges keeping notebook order first, each rank in turn; a stable sort keeps the rest
    # in the order they were found. Changes after the alias they go through come last of
    # all: no value needs them (see ``_AFTER_THE_ALIAS``).
    contested.sort(
        key=lambda edge: (
            edge[0] == _AFTER_THE_ALIAS,
            position[edge[2]] > position[edge[1]],
            edge[0],
        )
    )
    for rank, child, parent, name in contested:
        if parent in found[child] or not _reaches(found, parent, child, component_of):
            found[child][parent].add(name)
        elif rank == _CHANGES_IN_ORDER:
            # Two changes of one object the other way round: ``child`` runs first (the
            # edges taken reach it from ``parent``), and ``parent`` sees its change.
            found[parent][child].add(name)


def _reaches(
    found: Mapping[CellId, Mapping[CellId, object]],
    start: CellId,
    target: CellId,
    component_of: Mapping[CellId, int],
) -> bool:
    """Whether ``target`` is ``start`` or an ancestor of it, within ``start``'s cycle."""
    number = component_of[start]
    seen = {start}
    stack = [start]
    while stack:
        cell = stack.pop()
        if cell == target:
            return True
        for parent in found[cell]:
            if parent not in seen and component_of.get(parent) == number:
                seen.add(parent)
                stack.append(parent)
    return False


def execution_order(
    cells: Sequence[CellId],
    parents: Callable[[CellId], Mapping[CellId, frozenset[str]]],
    children: Callable[[CellId], Mapping[CellId, frozenset[str]]],
    position: Callable[[CellId], int],
) -> list[CellId]:
    """Dependency order, notebook position breaking ties (Kahn's algorithm with a heap).

    Cells on or behind a cycle never become ready; they go last, in notebook
    order, so that every cell still has a place in the order.
    """
    indegree = {cell: len(parents(cell)) for cell in cells}
    ready = [(position(c), c) for c in cells if indegree[c] == 0]
    heapq.heapify(ready)
    ordered: list[CellId] = []
    while ready:
        _, cell = heapq.heappop(ready)
        ordered.append(cell)
        for child in children(cell):
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(ready, (position(child), child))
    if len(ordered) < len(cells):
        placed = set(ordered)
        ordered.extend(c for c in cells if c not in placed)
    return ordered
