"""Strongly connected components: the cycles that any_order must refuse to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from reflow._types import CellId


def cycles(
    nodes: Iterable[CellId], parents: Callable[[CellId], Iterable[CellId]]
) -> list[list[CellId]]:
    """Components of more than one cell (or a cell that is its own parent), iteratively.

    Tarjan's algorithm without recursion, so that a 10,000-cell chain does not
    hit Python's recursion limit.
    """
    index: dict[CellId, int] = {}
    low: dict[CellId, int] = {}
    on_stack: set[CellId] = set()
    stack: list[CellId] = []
    found: list[list[CellId]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[CellId, list[CellId]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, list(parents(root))))
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, list(parents(nxt))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[CellId] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in parents(node):
                    found.append(component)
    return found
