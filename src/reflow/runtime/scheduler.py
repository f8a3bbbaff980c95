"""What runs, in what order: the phases of a run (SPEC section 5).

    plan     the cells asked for, plus (pull) every upstream writer whose
             value the namespace no longer holds or that is out of sync;
    execute  cells one at a time in execution order, each at most once;
    record   (in Session) the versions each cell read and wrote;
    push     after each cell, the readers of what it changed and the writer
             whose value a run-all leaves in a name it wrote: reactive mode
             runs them in the same wave; lazy mode leaves them stale, except
             those the asked-for cells need;
    settle   a raising cell cancels what depends on it; an interrupt stops the
             wave and leaves the rest of the plan stale.

Cells enter the wave in execution order from a heap, so a cell always runs
after every cell of the wave it depends on.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from reflow._types import CellId, Mode, Status
from reflow.graph.graph import DataflowGraph, GraphError
from reflow.runtime.errors import CellError
from reflow.runtime.session import Session
from reflow.runtime.status import StatusBoard
from reflow.runtime.versions import Symbol

_GRAPH_ERROR_TYPES = {
    "syntax": "SyntaxError",
    "multiple_definitions": "MultipleDefinitionError",
    "cycle": "CycleError",
    "star_import": "StarImportError",
}


class CellObserver(Protocol):
    """Told as each cell of a run starts and ends (a progress bar, a kernel's display)."""

    def started(self, cell: CellId) -> None: ...

    def finished(self, cell: CellId, outcome: str) -> None:
        """``outcome``: ``"ok"``, ``"error"``, ``"cancelled"`` or ``"refused"``."""


@dataclass
class Run:
    """What one run did. ``ran`` is in execution order; the rest are for a user interface."""

    ran: list[CellId] = field(default_factory=list)
    errors: dict[CellId, CellError] = field(default_factory=dict)
    stale: list[CellId] = field(default_factory=list)
    cancelled: list[CellId] = field(default_factory=list)
    unpulled: list[CellId] = field(default_factory=list)
    """``alone=True``: the upstream cells a reactive run would have run first."""
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.cancelled and not self.interrupted


def graph_error(error: GraphError) -> CellError:
    return CellError(_GRAPH_ERROR_TYPES.get(error.kind, "GraphError"), error.message)


class Scheduler:
    def __init__(self, graph: DataflowGraph, session: Session) -> None:
        self._graph = graph
        self._session = session

    def board(self, trusted: frozenset[CellId] | set[CellId] = frozenset()) -> StatusBoard:
        return StatusBoard(self._graph, self._session.records, self._session.ledger, trusted)

    def run(
        self,
        targets: Iterable[CellId],
        mode: Mode,
        *,
        alone: bool = False,
        observer: CellObserver | None = None,
    ) -> Run:
        graph, records = self._graph, self._session.records
        targets = list(dict.fromkeys(targets))
        before = self.board()
        run = Run()
        pulled = self.pull(targets, before)
        wave = set(targets)
        if alone:
            run.unpulled = sorted(pulled, key=graph.position)
        else:
            wave |= pulled
            if mode is Mode.REACTIVE:
                errors = graph.errors()
                wave |= {c for c in self._session.blocked if c not in errors}
        # Lazy mode still runs what the asked-for cells need, but nothing past them.
        needed = graph.ancestors(targets) | set(targets) if mode is Mode.LAZY else None

        for cell in wave:
            if records[cell].dirty:
                self._session.retire(cell)

        heap = [(graph.rank(c), c) for c in wave]
        heapq.heapify(heap)
        queued = set(wave)
        done: set[CellId] = set()
        succeeded: set[CellId] = set()
        doomed: dict[CellId, CellId] = {}  # cell -> the failed cell it depends on
        try:
            while heap:
                _, cell = heapq.heappop(heap)
                if cell in done:
                    continue
                done.add(cell)
                changed = self._run_one(cell, run, doomed, observer)
                if run.interrupted:
                    break
                if alone or changed is None:
                    continue
                succeeded.add(cell)
                order_before = graph.rank(cell)
                board = self.board(trusted=succeeded)  # what this wave ran is in sync
                for follower in self._affected(cell, changed):
                    if follower in done or follower in queued:
                        continue
                    if needed is not None and follower not in needed:
                        continue
                    record = records[follower]
                    if record.dirty or not record.ever_planned:
                        continue  # never pushed into: an edit not run yet, or never planned
                    # A pushed cell reads what a run-all gives it only if the writers
                    # it reads from hold their values: pull those it needs too.
                    for cell_to_run in (follower, *self.pull([follower], board)):
                        if cell_to_run not in done and cell_to_run not in queued:
                            queued.add(cell_to_run)
                            heapq.heappush(heap, (graph.rank(cell_to_run), cell_to_run))
                if graph.rank(cell) != order_before:  # the run revealed new edges
                    heap = [(graph.rank(c), c) for _, c in heap]
                    heapq.heapify(heap)
        except KeyboardInterrupt:
            run.interrupted = True
        left_over: list[CellId] = []
        if run.interrupted:
            left_over = [c for _, c in heap if c not in done]
            for cell in left_over:
                records[cell].interrupted_before_run = True
        after = self.board()
        touched = graph.descendants(run.ran) | set(run.ran) | set(left_over)
        run.stale = sorted(
            (c for c in touched if after.status(c) is Status.STALE), key=graph.position
        )
        return run

    def pull(self, targets: Iterable[CellId], board: StatusBoard) -> set[CellId]:
        """Upstream writers that must run first for ``targets`` to read what a run-all gives.

        A writer is pulled when it is out of sync (never run, edited, failed,
        stale), or when the namespace no longer holds the value it wrote (a
        cell below, or the reader itself, rebound or mutated the name since).
        """
        graph, records, ledger = self._graph, self._session.records, self._session.ledger
        targets = set(targets)
        pulled: set[CellId] = set()
        stack = list(targets)
        while stack:
            cell = stack.pop()
            for name in board.read_names(cell):
                writer = graph.reaching_writer(cell, name)
                while writer is not None:
                    wrote = records[writer].wrote.get(Symbol(name))
                    if not board.in_sync(writer) or (
                        wrote is not None and not wrote.same_value(ledger.last_write(Symbol(name)))
                    ):
                        if writer not in pulled and writer not in targets:
                            pulled.add(writer)
                            stack.append(writer)
                        break
                    if wrote is not None:
                        break
                    writer = graph.reaching_writer(writer, name)
        return pulled

    def _run_one(
        self,
        cell: CellId,
        run: Run,
        doomed: dict[CellId, CellId],
        observer: CellObserver | None,
    ) -> frozenset[str] | None:
        """Run one cell of the wave; ``None`` when it did not run or raised."""
        graph, record = self._graph, self._session.records[cell]
        refused = graph.errors().get(cell)
        if refused is not None:
            record.blocked = True  # stale, not in error, once the conflict is gone
            self._session.blocked.add(cell)
            run.errors[cell] = graph_error(refused)
            self._doom(cell, doomed)
            if observer is not None:
                observer.finished(cell, "refused")
            return None
        cause = doomed.get(cell)
        if cause is not None:
            record.error = CellError(
                "Cancelled", f"not run: cell [{cause}], which it depends on, failed", cause=cause
            )
            record.output = None
            run.cancelled.append(cell)
            if observer is not None:
                observer.finished(cell, "cancelled")
            return None
        if record.dirty:  # pulled in mid-wave: its old code's leftovers go now
            self._session.retire(cell)
        if observer is not None:
            observer.started(cell)
        outcome = self._session.run_cell(cell)
        run.ran.append(cell)
        error = outcome.execution.error
        if observer is not None:
            observer.finished(cell, "ok" if error is None else "error")
        if error is not None:
            run.errors[cell] = error
            run.interrupted = outcome.execution.interrupted
            self._doom(cell, doomed)
            return None
        return outcome.changed

    def _doom(self, failed: CellId, doomed: dict[CellId, CellId]) -> None:
        for cell in self._graph.descendants([failed]):
            doomed.setdefault(cell, failed)

    def _affected(self, cell: CellId, changed: frozenset[str]) -> set[CellId]:
        graph, records, ledger = self._graph, self._session.records, self._session.ledger
        found = set()
        for child, names in graph.children(cell).items():
            seen = records[child].seen
            for name in names & changed:
                before = seen.get(Symbol(name))
                if before is None or not before.same_value(ledger.current(Symbol(name))):
                    found.add(child)  # early cutoff: an equal immutable value is no change
                    break
        for name in changed:
            # The writer whose value a run-all leaves in the name must write it last.
            final = graph.final_writer(name)
            if final is not None and final != cell:
                found.add(final)
        return found
