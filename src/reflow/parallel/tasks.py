"""The task graph of a parallel run, read off the dataflow graph.

The run keeps the sequential scheduler's order for *committing* cells (each
cell's results enter the namespace, and its record, at its sequential place)
and runs worker cells ahead of that, as soon as what they read is ready.
So a task needs:

- ``reads``: every name whose value it must receive (its refs, transitively
  through the notebook functions it calls, and the names it may change);
- ``producers``: for each name it reads, the last cell before it in the run
  that writes the name (binding, ``del``, a known in-place change): the task
  waits for it and takes the value from it;
- ``parents``: the graph's edges into it (the producers are among them, and
  the graph may know more, e.g. any_order's mutation edges), except the edges
  of a mere suspicion: a cell that has not run yet and calls a function the
  lineage cannot see into *may* change the arguments, and the graph orders
  every reader after it until it has run; here the worker checks instead;
- ``barrier``: the last cell before it that reaches outside the notebook or
  past the lineage (``placement`` rules 3 and 4): it waits for that cell to
  be done.

Read-after-write edges are all a task waits for. Write-after-read and
write-after-write hazards cannot happen, since every cell's writes enter the
namespace in sequential order and a worker holds copies of its inputs; what
speculation gets wrong (a value changed under it by a cell it did not wait
for, such as a change through an alias) is caught when that cell commits,
and the task runs again (``prefetch.Prefetcher.committed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reflow._types import CellId
from reflow.graph.graph import DataflowGraph
from reflow.parallel.placement import Placement, Where, place


@dataclass(frozen=True, slots=True)
class TaskSpec:
    cell: CellId
    rank: int
    placement: Placement
    reads: frozenset[str]
    may_change: frozenset[str]
    producers: Mapping[str, CellId]
    parents: frozenset[CellId]
    barrier: CellId | None
    reads_everything: bool = False
    """``exec``/``eval``/``globals()``: every name may be read (Dask: fetch them all)."""


def task_graph(
    graph: DataflowGraph,
    code: Mapping[CellId, str],
    cells: Iterable[CellId],
    main: Mapping[CellId, str] | None = None,
) -> list[TaskSpec]:
    """Tasks for ``cells``, in the run's (execution) order; ``main``: cells that must run in
    the main process whatever they do, each with the reason (a kernel's executed cell)."""
    planned = set(cells)
    order = sorted(planned, key=graph.rank)
    last_writer: dict[str, CellId] = {}
    writes: dict[CellId, frozenset[str]] = {}
    barrier: CellId | None = None
    state_changed_by: CellId | None = None
    specs = []
    for rank, cell in enumerate(order):
        expanded = graph.expanded(cell)
        placement = place(graph, code, cell)
        if main and cell in main and placement.where is Where.WORKER:
            placement = Placement(Where.MAIN, main[cell])
        if state_changed_by is not None and placement.where is Where.WORKER:
            placement = Placement(
                Where.MAIN,
                f"comes after cell [{state_changed_by}], which changed process-wide state "
                "that worker processes do not have",
            )
        reads = expanded.refs | expanded.may_change
        producers = {name: last_writer[name] for name in reads if name in last_writer}
        # Every edge the graph knows, mutation edges included (any_order runs a mutator
        # before the other readers of the name), as far as the parent is in this run and
        # surely writes what the edge carries (see known_writes for the rest).
        parents = frozenset(
            parent
            for parent, names in graph.parents(cell).items()
            if parent in planned and parent != cell and names & writes[parent]
        )
        specs.append(
            TaskSpec(
                cell,
                rank,
                placement,
                frozenset(reads),
                frozenset(expanded.may_change),
                producers,
                parents,
                barrier,
                expanded.reads_all or graph.effects(cell).analysis.star_import,
            )
        )
        writes[cell] = known_writes(graph, cell)
        for name in writes[cell]:
            last_writer[name] = cell
        if placement.barrier:
            barrier = cell
        if placement.sets_process_state and state_changed_by is None:
            state_changed_by = cell
    return specs


def known_writes(graph: DataflowGraph, cell: CellId) -> frozenset[str]:
    """What the cell binds, deletes or surely changes in place.

    Not the objects it only *may* change (arguments of calls the lineage cannot see
    into, which the graph counts as changed until the cell has run): the worker checks
    those by fingerprints, and a cell that did change one runs again in the main process.
    """
    expanded = graph.expanded(cell)
    return expanded.binds | expanded.deletes | (expanded.mutates & graph.effects(cell).mutates)
