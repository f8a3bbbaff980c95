"""Edge rules of in_order (Jupyter's): a cell reads the nearest writer above it.

Both directions of an edge are range queries on the name index: a cell's
parents are the nearest writers above it of the names it reads; its
children, for each name it writes, the readers below it down to (and
including) the next writer of that name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Set
from typing import TYPE_CHECKING

from reflow._types import CellId

if TYPE_CHECKING:
    from reflow.graph.expansion import Expanded
    from reflow.graph.index import NameIndex

Edges = Mapping[CellId, frozenset[str]]


def parents(
    cell: CellId, expanded: Expanded, position: Callable[[CellId], int], writers: NameIndex
) -> Edges:
    pos = position(cell)
    names: Iterable[str] = expanded.refs
    if expanded.reads_all:
        names = set(expanded.refs) | set(writers.names())
    found: dict[CellId, set[str]] = defaultdict(set)
    for name in names:
        writer = writers.nearest_before(name, pos)
        if writer is not None:
            found[writer].add(name)
    return {c: frozenset(n) for c, n in found.items()}


def children(
    cell: CellId,
    expanded: Expanded,
    position: Callable[[CellId], int],
    readers: NameIndex,
    writers: NameIndex,
    reads_all: Set[CellId],
) -> Edges:
    pos = position(cell)
    per_name: dict[str, list[CellId]] = {}
    for name in expanded.writes:
        following = writers.first_after(name, pos)
        high = None if following is None else position(following)
        found = readers.between(name, pos, high)
        for reader in reads_all:
            rpos = position(reader)
            if rpos > pos and (high is None or rpos <= high):
                found.append(reader)
        if found:
            per_name[name] = found
    if len(per_name) == 1:  # the common case, and the hub of a star: no per-child sets
        ((name, found),) = per_name.items()
        return dict.fromkeys(found, frozenset((name,)))
    merged: dict[CellId, set[str]] = defaultdict(set)
    for name, found in per_name.items():
        for reader in found:
            merged[reader].add(name)
    return {c: frozenset(n) for c, n in merged.items()}


def out_of_order_usages(
    cell: CellId, expanded: Expanded, position: Callable[[CellId], int], writers: NameIndex
) -> frozenset[str]:
    """Names the cell reads whose only writers are below it: a warning, not an edge.

    Not a name it reads only as the object it was seen to change (``alias_only``): its code
    does not name it, so a run-all does not fail there. One it binds (`import random` then
    `random.seed(0)`, the module's state read from the cells above, where there are any):
    with none above, a run-all gives it what its own import gives, no value of a cell
    below. (Counted as one, the cell was never pulled for a draw below it, which then ran
    three times: itself, again, then replayed.) One it changed through another name bound
    to its object (`d.append(3)` after `d = b`), moved above the binder of `b`: it reads
    `d` from above now, and a run-all's run never reaches `b` (counted as one, the cell
    was left stale after ``run_stale``, as no run could bring it up to date). Nor one it imports
    under another name (`import json as js; js.Y = 1` changes `json`): its own import gives
    it the module, whichever cell binds `json`. Nor one its run saw its own ``import *``
    bind before reading it (``Expanded.star_bound``)."""
    pos = position(cell)
    return frozenset(
        name
        for name in expanded.refs
        if name not in expanded.alias_only
        and name not in expanded.star_bound
        and name not in expanded.module_code
        and writers.nearest_before(name, pos) is None
        and writers.first_after(name, pos) is not None
    )
