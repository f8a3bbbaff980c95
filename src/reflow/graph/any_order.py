"""Edge rules of any_order (marimo's rules, plus mutations).

- one binder per name: readers run after it, wherever they sit;
- a cell that mutates a name but does not bind it runs after the binder and
  before the name's plain readers, mutators among themselves in notebook
  order, so that every reader sees every mutation;
- ``del x`` in a cell that does not bind ``x`` runs after every other user of ``x``.

A mutation edge yields to data: when a reader feeds the mutator (``n =
len(df)`` then ``df["n"] = n``), the reader keeps running first rather than
the notebook being refused as a cycle. Only data edges (binder to reader) are
consulted for that, so the rule cannot chase its own tail.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from reflow._types import CellId

if TYPE_CHECKING:
    from reflow.graph.expansion import Expanded
    from reflow.graph.index import NameIndex


def binders(name: str, expanded: Mapping[CellId, Expanded], writers: NameIndex) -> list[CellId]:
    return [w for w in writers.cells(name) if name in expanded[w].binds]


def multiple_definitions(
    cells: Sequence[CellId], expanded: Mapping[CellId, Expanded], writers: NameIndex
) -> dict[CellId, tuple[str, tuple[str, ...]]]:
    """cell -> (message, names) for every cell binding a name another cell binds too."""
    clashes: dict[CellId, list[tuple[str, list[CellId]]]] = defaultdict(list)
    for name in sorted(writers.names()):
        found = binders(name, expanded, writers)
        if len(found) > 1:
            for cell in found:
                clashes[cell].append((name, found))
    result: dict[CellId, tuple[str, tuple[str, ...]]] = {}
    for cell, items in clashes.items():
        parts = [
            f"`{name}` is defined by more than one cell: " + ", ".join(f"[{c}]" for c in found)
            for name, found in items
        ]
        result[cell] = ("; ".join(parts), tuple(name for name, _ in items))
    return result


def build_parents(
    cells: Sequence[CellId],
    expanded: Mapping[CellId, Expanded],
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
        used = exp.refs | exp.mutates | exp.deletes
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

    # 2. mutation and deletion order.
    for name in all_names:
        users = writers.cells(name)
        mutators = [w for w in users if name in expanded[w].mutates]
        deleters = [
            w for w in users if name in expanded[w].deletes and name not in expanded[w].binds
        ]
        if not mutators and not deleters:
            continue
        special = set(mutators) | set(deleters)
        plain = [
            r for r in readers.cells(name) if r not in special and name not in expanded[r].binds
        ]
        for i, mutator in enumerate(mutators):
            for earlier in mutators[:i]:
                if not feeds(mutator, earlier):
                    found[mutator][earlier].add(name)
            for reader in plain:
                if not feeds(reader, mutator):
                    found[reader][mutator].add(name)
        for deleter in deleters:
            for user in plain + mutators:
                if user != deleter and not feeds(deleter, user):
                    found[deleter][user].add(name)
    return {c: {p: frozenset(n) for p, n in edges.items()} for c, edges in found.items()}


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
